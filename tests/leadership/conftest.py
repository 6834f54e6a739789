"""A known month of work in 镇江 (and a little in 常州), built through the real flows and services.

In the period (the last 60 days, today included):
- inspections: 仁和 全覆盖 twice and 安康 全覆盖 once (2 家 / 3 家次), 瑞丰 a 专项检查; 长江 a 全覆盖检查
  400 days ago (outside the period); in 常州, 常州仁爱 全覆盖 once (by 常州市医保局).
- agreement handling (镇江市医保中心): 约谈 仁和 once and 安康 twice (2 家 / 3 家次); 中止 瑞丰 and 长江,
  then 解除 长江 (暂停 2 家, 解除 1 家); a 约谈 of 仁和 400 days ago.
- penalty decisions (镇江市医保局, 行政处理 over HTTP): 仁和 in two cases (警告+罚款; 罚款+责令退回), 安康 with
  its insured patient (罚款; 暂停联网结算), 同心药房 责令退回 only — 2 家 / 3 家次 penalised, 4 handled.
- transfers to the police: 博爱 with three persons, 康宁 with one of them again and another person
  (2 件, 4 人).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.models import AgencyKind, AgencyLevel, Role
from agencies.services import agency_create, officer_create
from agreements import services as agreement_services
from agreements.models import ActionKind, Institution, InstitutionKind, TerminationGround
from casework import services as case_services
from casework.identifiers import id_check_char, uscc_check_char
from casework.models import Case, CaseSource, Handling, PenaltyKind
from demo import stories
from demo.driver import complete
from inspections import services as inspection_services
from inspections.models import InspectionKind


def uscc(serial: int, region: str = "321100") -> str:
    first17 = f"91{region}MA{serial:07d}"
    return first17 + uscc_check_char(first17)


def resident_id(serial: int, region: str = "321102") -> str:
    first17 = f"{region}19700101{serial:03d}"
    return first17 + id_check_char(first17)


def today() -> date:
    return timezone.localdate()


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)


PERIOD = {"start": days_ago(60).isoformat(), "end": today().isoformat()}  # evaluated when the tests are collected

RENHE = ("镇江仁和医院有限公司", uscc(101), "镇江市润州区南徐大道66号", "钱立")
ANKANG = ("镇江市丹徒区安康诊所", uscc(102), "镇江市丹徒区谷阳镇88号", "周安")
TONGXIN = ("镇江同心大药房连锁有限公司", uscc(103), "镇江市润州区金山路21号", "何同")
RUIFENG = ("镇江瑞丰医院有限公司", uscc(104), "镇江市京口区学府路1号", "冯瑞")
CHANGJIANG = ("镇江长江医院有限公司", uscc(105), "镇江市京口区长江路2号", "江长")
BOAI = ("镇江博爱医院有限公司", uscc(106), "镇江市丹徒区新城大道300号", "郑博")
KANGNING = ("镇江康宁医院有限公司", uscc(107), "镇江市京口区学府路120号", "孙康宁")

PATIENT = ("赵某某", resident_id(1))
SUSPECTS = [("陈某某", resident_id(2)), ("钱某某", resident_id(3)), ("孙某某", resident_id(4))]
OTHER_SUSPECT = ("李某某", resident_id(5))


@dataclass
class World:
    institutions: dict[str, Institution] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)


def register(fund, party, *, region: str = "321100") -> Institution:
    name, code, _, representative = party
    serial = int(code[10:17])
    return agreement_services.institution_register(
        user=fund, name=name, uscc=code, kind=InstitutionKind.PHARMACY if "药" in name else InstitutionKind.HOSPITAL,
        legal_representative=representative, legal_representative_id=resident_id(serial % 1000, region="321102"),
        region_code=region, agreement_start=days_ago(700), agreement_end=today() + timedelta(days=700),
    )


def act(fund, institution, kind, on: date, **extra):
    return agreement_services.action_record(
        user=fund, institution=institution, kind=kind, decided_on=on, facts="违反医保服务协议。", **extra
    )


def to_administrative_handling(cast, title: str, institution, person=None) -> Case:
    """A case driven through the flow to its 行政处理 task."""
    case = stories.tell((title, CaseSource.DAILY, stories.PENDING_DECISION, Decimal("50000.00"), institution, person), cast)
    head = cast.user("msb_head")
    complete(case.process, "decide", head, lambda: case_services.case_decide(
        case=case, user=head, handling=Handling.ADMINISTRATIVE, opinion="同意行政处理。"))
    case.refresh_from_db()
    return case


def penalty_rows(case: Case, *rows: dict) -> dict:
    """POST data of the 行政处理 page: the outcome and one table row per decision (formset "penalties")."""
    data = {
        "outcome": "依法作出行政处罚决定。", "penalties-TOTAL_FORMS": str(max(3, len(rows))), "penalties-INITIAL_FORMS": "0",
        "penalties-MIN_NUM_FORMS": "0", "penalties-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        subject = case.subjects.get(name=row["subject"])
        data.update({
            f"penalties-{index}-subject": str(subject.pk), f"penalties-{index}-document_number": row["number"],
            f"penalties-{index}-decided_on": row.get("on", today()).isoformat(),
            f"penalties-{index}-fine_amount": row.get("fine", ""), f"penalties-{index}-refund_amount": row.get("refund", ""),
        })
        data[f"penalties-{index}-kinds"] = row["kinds"]
    return data


def penalise(cast, officer_client, title: str, institution, person, *rows: dict) -> Case:
    case = to_administrative_handling(cast, title, institution, person)
    officer_client.complete(case.process, "handle_administratively", penalty_rows(case, *rows))
    return case


def transfer(cast, title: str, institution, persons) -> Case:
    """A criminal case whose 移送书 went out to the police today."""
    return stories.tell((title, CaseSource.TIP, stories.SENT, Decimal("120000.00"), institution, persons), cast)


@pytest.fixture
def cz_fund(cast):
    agency = agency_create(
        code="cz-fund", name="常州市医疗保险基金管理中心", short_name="常州市医保中心", kind=AgencyKind.HANDLING,
        level=AgencyLevel.CITY, region_code="320400", region_name="常州市", doc_prefix="常医保中心",
        parent=cast.agencies["cz-msb"],
    )
    return officer_create(username="cz_fund_officer", full_name="蒋涛", agency=agency, role=Role.OFFICER).user


@pytest.fixture
def world(cast, login, flow_client, cz_fund) -> World:
    fund, msb, cz_msb = cast.user("fund_officer"), cast.user("msb_officer"), cast.user("cz_msb_officer")
    world = World()
    for key, party in (("renhe", RENHE), ("ankang", ANKANG), ("ruifeng", RUIFENG), ("changjiang", CHANGJIANG)):
        world.institutions[key] = register(fund, party)
    renhe, ankang, ruifeng, changjiang = (world.institutions[k] for k in ("renhe", "ankang", "ruifeng", "changjiang"))
    changzhou = register(cz_fund, ("常州仁爱医院有限公司", uscc(201, "320400"), "常州市", "常仁"), region="320400")
    world.institutions["changzhou"] = changzhou

    def inspect(user, institution, kind, on):
        inspection_services.inspection_record(user=user, institution=institution, kind=kind, inspected_on=on, findings="未发现违法违规问题。")

    inspect(fund, renhe, InspectionKind.FULL_COVERAGE, days_ago(30))
    inspect(msb, ankang, InspectionKind.FULL_COVERAGE, days_ago(20))
    inspect(msb, renhe, InspectionKind.FULL_COVERAGE, days_ago(10))
    inspect(msb, ruifeng, InspectionKind.SPECIAL, days_ago(5))
    inspect(fund, changjiang, InspectionKind.FULL_COVERAGE, days_ago(400))  # outside the period
    inspect(cz_msb, changzhou, InspectionKind.FULL_COVERAGE, days_ago(7))  # another city

    act(fund, renhe, ActionKind.INTERVIEW, days_ago(400))  # outside the period
    act(fund, renhe, ActionKind.INTERVIEW, days_ago(12))
    act(fund, ankang, ActionKind.INTERVIEW, days_ago(9))
    act(fund, ankang, ActionKind.INTERVIEW, days_ago(3))
    act(fund, ankang, ActionKind.RECOVER, days_ago(2), amount=Decimal("12345.67"))
    suspension = {"document_number": "镇医保中心协〔2026〕1号", "statement_heard": True}
    act(fund, ruifeng, ActionKind.SUSPEND, days_ago(20), **suspension)
    act(fund, changjiang, ActionKind.SUSPEND, days_ago(15), **{**suspension, "document_number": "镇医保中心协〔2026〕2号"})
    agreement_services.agreement_terminate(
        user=fund, institution=changjiang, decided_on=days_ago(2), ground=TerminationGround.REPEATED_SUSPENSION,
        document_number="镇医保中心协〔2026〕3号", facts="中止期间未按要求整改。", statement_heard=True,
    )

    officer = flow_client(login("msb_officer"))
    world.cases["renhe1"] = penalise(cast, officer, "仁和医院分解住院案", RENHE, None, {
        "subject": RENHE[0], "number": "镇医保罚〔2026〕101号", "kinds": [PenaltyKind.WARNING, PenaltyKind.FINE], "fine": "20000.50"})
    world.cases["renhe2"] = penalise(cast, officer, "仁和医院重复收费案", RENHE, None, {
        "subject": RENHE[0], "number": "镇医保罚〔2026〕102号", "kinds": [PenaltyKind.FINE, PenaltyKind.REFUND],
        "fine": "30000.00", "refund": "15000.25"})
    world.cases["ankang"] = penalise(cast, officer, "安康诊所串换项目案", ANKANG, PATIENT, {
        "subject": ANKANG[0], "number": "镇医保罚〔2026〕103号", "kinds": [PenaltyKind.FINE], "fine": "8000.00"}, {
        "subject": PATIENT[0], "number": "镇医保罚〔2026〕104号", "kinds": [PenaltyKind.SUSPEND_SETTLEMENT]})
    world.cases["tongxin"] = penalise(cast, officer, "同心药房超量开药案", TONGXIN, None, {
        "subject": TONGXIN[0], "number": "镇医保罚〔2026〕105号", "kinds": [PenaltyKind.REFUND], "refund": "4200.00"})

    world.cases["boai"] = transfer(cast, "博爱医院挂床住院骗保案", BOAI, SUSPECTS)
    world.cases["kangning"] = transfer(cast, "康宁医院虚构医药服务案", KANGNING, [SUSPECTS[2], OTHER_SUSPECT])
    return world
