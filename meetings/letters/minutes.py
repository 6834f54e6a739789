"""T9 联席会议纪要 (domain §8, §10.3 T9) in GB/T 9704 纪要格式: the red 纪要 mark with its 期号, the
issuing office and date, "会议听取了…", "会议认为…", the numbered 议定事项 each with 牵头单位, 配合单位 and
完成时限, the attendance blocks 出席 / 请假 / 列席, and 分送."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from referral.letters import layout


@dataclass(frozen=True)
class Decided:
    text: str
    owner: str
    co_agencies: tuple[str, ...]
    deadline: str  # "2026年12月31日前" or "长期坚持"


@dataclass(frozen=True)
class Attendee:
    agency: str
    name: str
    post: str


@dataclass(frozen=True)
class Minutes:
    mechanism: str
    issue_label: str  # "2026年第1期"
    office: str
    issued_on: date
    meeting_title: str
    held_at: datetime
    venue: str
    chair: str
    heard: str
    views: str
    resolutions: tuple[Decided, ...]
    present: tuple[Attendee, ...]
    leave: tuple[Attendee, ...] = ()
    observers: tuple[Attendee, ...] = ()
    distribution: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.issue_label.strip():
            raise ValueError("纪要应当有期号。")
        if not self.present:
            raise ValueError("纪要应当列明出席人员。")
        for index, item in enumerate(self.resolutions, start=1):
            if not (item.text.strip() and item.owner.strip() and item.deadline.strip()):
                raise ValueError(f"第{index}项议定事项应当写明事项、牵头单位和完成时限。")


def _names(people: tuple[Attendee, ...]) -> str:
    return "；".join(f"{p.agency}{p.post}{p.name}" for p in people) + "。"


def build_minutes(minutes: Minutes) -> bytes:
    document = layout.new_document(title=f"{minutes.mechanism}纪要（{minutes.issue_label}）", author=minutes.office)
    layout.org_mark(document, text=f"{minutes.mechanism}纪要")
    layout.add_run(layout.paragraph(document, align="center"), f"（{minutes.issue_label}）")
    head = layout.paragraph(document, align="left")
    layout.add_run(head, f"{minutes.office}\u3000\u3000{layout.format_date(minutes.issued_on)}")
    layout.blank_line(document)
    layout.title(document, text=minutes.meeting_title)
    layout.blank_line(document)
    layout.body(document, text=(
        f"{layout.format_when(minutes.held_at)}，{minutes.mechanism}在{minutes.venue}召开{minutes.meeting_title}，"
        f"会议由{minutes.chair}主持。现将会议议定事项纪要如下："))
    if minutes.heard.strip():
        layout.body(document, text=f"会议听取了{minutes.heard.strip().removeprefix('会议听取了')}")
    if minutes.views.strip():
        layout.body(document, text=f"会议认为，{minutes.views.strip().removeprefix('会议认为').lstrip('，,')}")
    if minutes.resolutions:
        layout.body(document, text="会议议定：")
        for number, item in enumerate(minutes.resolutions, start=1):
            co = "、".join(item.co_agencies) or "无"
            layout.heading(document, number=number, text="", level=1,
                           continuation=f"{item.text.strip().rstrip('。')}。（牵头单位：{item.owner}；配合单位：{co}；完成时限：{item.deadline}）")
    layout.blank_line(document)
    for label, people in (("出席", minutes.present), ("请假", minutes.leave), ("列席", minutes.observers)):
        if people:
            p = layout.paragraph(document, align="left")
            layout.add_run(p, f"{label}：", face=layout.HEADING_1)
            layout.add_run(p, _names(people))
    if minutes.distribution:  # 版记 of a 纪要: "分送：" where a letter has "抄送："
        layout.blank_line(document)
        layout.add_run(layout.paragraph(document, align="left"), f"分送：{'，'.join(minutes.distribution)}。", face=layout.RECORD)
    layout.page_numbers(document, letter_format=False)
    return layout.to_bytes(document)
