"""T5 挂牌督办通知书 (domain §9.3, §10.3 T5), in 信函格式 on the shared GB/T 9704 helpers.

Title "关于对××实行挂牌督办的通知"; 主送 the 承办单位; the case, why it is listed, the 督办事项, the
time limit and the reporting cadence, the 结案报告 requirement; 联合挂牌 signs for both organs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from referral.letters import layout
from referral.letters.clue_letter import balanced_title, sign_off, title_pieces


@dataclass(frozen=True)
class SupervisionNotice:
    number: str  # "苏医保督〔2026〕1号"
    supervisor: str
    handling_unit: str
    case_number: str
    case_title: str
    case_summary: str
    criteria: tuple[str, ...]
    issue: str
    requirements: str
    due_on: date
    report_every_months: int
    plan_working_days: int
    contact_name: str
    contact_phone: str
    issued_on: date
    co_supervisor: str = ""

    def __post_init__(self) -> None:
        for text, label in ((self.number, "文号"), (self.handling_unit, "承办单位"), (self.case_title, "案件名称"),
                            (self.issue, "督办事项")):
            if not text.strip():
                raise ValueError(f"挂牌督办通知书应当写明{label}。")
        if self.due_on <= self.issued_on:
            raise ValueError("督办时限应当晚于通知书的成文日期。")
        if self.report_every_months < 1:
            raise ValueError("进展报告周期至少为1个月。")

    @property
    def title(self) -> str:
        return balanced_title(["关于对", *title_pieces(self.case_title), "实行挂牌督办的通知"])


def build_supervision_notice(notice: SupervisionNotice) -> bytes:
    organs = " ".join(filter(None, (notice.supervisor, notice.co_supervisor)))
    document = layout.new_document(title=notice.title.replace("\n", ""), author=notice.supervisor)
    layout.letter_head(document, organ=organs, number=notice.number, title_text=notice.title, to=notice.handling_unit)
    who = "经研究" if not notice.co_supervisor else f"经{notice.supervisor}、{notice.co_supervisor}共同研究"
    why = "、".join(notice.criteria) or "案情重大"
    layout.body(document, text=(
        f"你单位承办的{notice.case_title}（案件编号：{notice.case_number}），{why}。{who}，"
        "决定对该案实行挂牌督办。现将有关事项通知如下："), align="left")
    layout.heading(document, number=1, text="基本案情", level=1)
    layout.body_paragraphs(document, text=notice.case_summary)
    layout.heading(document, number=2, text="督办事项", level=1)
    layout.body_paragraphs(document, text=notice.issue)
    layout.heading(document, number=3, text="办理时限和报告要求", level=1)
    layout.body(document, text=(
        f"请你单位于收到本通知之日起{notice.plan_working_days}个工作日内报送查处方案；"
        f"每{notice.report_every_months}个月报送一次进展报告，遇有立案、采取强制措施、移送等重要情况随时报告；"
        f"于{layout.format_date(notice.due_on)}前办结，并报送结案报告。"))
    if notice.requirements.strip():
        layout.heading(document, number=4, text="工作要求", level=1)
        layout.body_paragraphs(document, text=notice.requirements)
    layout.body(document, text="特此通知。")
    sign_off(document, organ=organs, signed_on=notice.issued_on, attachments=(),
             contact=(notice.contact_name, notice.contact_phone), copy_to=(notice.co_supervisor,) if notice.co_supervisor else ())
    return layout.to_bytes(document)
