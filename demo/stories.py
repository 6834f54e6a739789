"""Demo cases in every stage, each driven through the real flows and services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies import recording
from agencies.numbering import allocate_number
from casework import calendar
from casework import services as case_services
from casework.models import Case, CaseSource, EvidenceKind, Handling, IdentifierType, PenaltyKind, SubjectKind
from demo.driver import complete, register_case
from demo.scenario import Cast
from referral import services as referral_services
from referral.models import FilingDecision

PENALTY_DOC_FAMILY = "罚"  # 行政处罚决定书: "镇医保罚〔2026〕3号"

# Stages, in flow order; a story stops after its stage.
LEAD, PENDING_FILING, INVESTIGATING, PENDING_DECISION, PENDING_APPROVAL, SENT, PSB_FILED, PSB_DECLINED, CLOSED = range(9)

STORIES = [
    # title, source, stage, amount, institution (name, 统一社会信用代码, address, legal rep), insured person (name, ID) or None
    ("润康大药房涉嫌串换药品案", CaseSource.BIG_DATA, LEAD, Decimal("38650.00"),
     ("镇江市润康大药房有限公司", "91321100MA1MCKQW1F", "镇江市京口区中山东路18号", "张海"), None),
    ("参保人员冒用他人医保凭证就医案", CaseSource.TIP, PENDING_FILING, Decimal("12800.00"),
     None, ("赵某某", "321102198503120013")),
    ("仁和医院分解住院案", CaseSource.DAILY, INVESTIGATING, Decimal("156300.00"),
     ("镇江仁和医院有限公司", "91321100MA1N0B5X2K", "镇江市润州区南徐大道66号", "钱立"), None),
    ("安康诊所重复收费案", CaseSource.SMART_MONITORING, PENDING_DECISION, Decimal("23400.00"),
     ("镇江市丹徒区安康诊所", "92321112MA1P2L4Q38", "镇江市丹徒区谷阳镇88号", "周安"), None),
    ("康宁医院涉嫌虚构医药服务骗取医保基金案", CaseSource.FLYING, PENDING_APPROVAL, Decimal("486320.50"),
     ("镇江康宁医院有限公司", "91321100MA1Q3M6T41", "镇江市京口区学府路120号", "孙康宁"), ("李某某", "321102197804150027")),
    ("长寿堂药店医保凭证套现案", CaseSource.BIG_DATA, SENT, Decimal("97500.00"),
     ("镇江长寿堂大药房有限公司", "91321100MA1R4N7W5D", "镇江市润州区黄山西路9号", "吴寿"), None),
    ("博爱医院挂床住院骗保案", CaseSource.TIP, PSB_FILED, Decimal("732600.00"),
     ("镇江博爱医院有限公司", "91321100MA1T5P8Y6R", "镇江市丹徒区新城大道300号", "郑博"), ("陈某某", "321111196909090018")),
    ("惠民门诊部串换诊疗项目案", CaseSource.SPECIAL, PSB_DECLINED, Decimal("8600.00"),
     ("镇江市惠民门诊部", "52321100MA1U6Q9B7H", "镇江市京口区东吴路5号", "冯惠"), None),
    ("同心药房超量开药案", CaseSource.HANDLING_AGENCY, CLOSED, Decimal("4200.00"),
     ("镇江同心大药房连锁有限公司", "91321100MA1W7R1D8R", "镇江市润州区金山路21号", "何同"), None),
]


def _add_parties(case: Case, officer, institution, person) -> None:
    """`person`: None, one (name, ID) pair, or a list of them (a case with several suspects)."""
    if institution:
        name, code, address, representative = institution
        kind = SubjectKind.PHARMACY if "药" in name else SubjectKind.INSTITUTION
        case_services.subject_add(
            case=case, user=officer, kind=kind, name=name, identifier_type=IdentifierType.USCC,
            identifier=code, address=address, legal_representative=representative,
        )
    for name, number in ([] if not person else [person] if isinstance(person[0], str) else person):
        case_services.subject_add(
            case=case, user=officer, kind=SubjectKind.INSURED, name=name, identifier_type=IdentifierType.RESIDENT_ID,
            identifier=number, address="镇江市",
        )


def _add_evidence(case: Case, officer) -> None:
    for kind, title, pages in [
        (EvidenceKind.ELECTRONIC, "医保结算数据明细（2025年1月—2026年6月）", 36),
        (EvidenceKind.RECORD, "现场检查笔录", 4),
        (EvidenceKind.DOCUMENT, "住院病历复印件", 58),
    ]:
        body = f"{case.number} {title}\n（演示数据）\n".encode()
        case_services.evidence_add(
            case=case, user=officer, upload=SimpleUploadedFile(f"{title}.txt", body, content_type="text/plain"),
            kind=kind, title=title, pages=pages,
        )


def _record_outcome(case: Case, officer, amount: Decimal) -> None:
    """行政处理: the party is ordered to refund the loss and fined once the amount (条例 Art. 38), by a
    numbered 行政处罚决定书 from the bureau's register."""
    party = case.subjects.filter(kind__in=[SubjectKind.INSTITUTION, SubjectKind.PHARMACY]).first() or case.subjects.first()
    today = timezone.localtime(recording.now()).date()
    number = allocate_number(agency=case.agency, family=PENALTY_DOC_FAMILY, year=today.year).text
    case_services.case_record_outcome(
        case=case, user=officer, outcome=f"责令退回医保基金 {amount} 元，处违法金额1倍罚款 {amount} 元。（{number}）",
        penalties=[{
            "subject": party, "document_number": number, "decided_on": today,
            "kinds": [PenaltyKind.FINE, PenaltyKind.REFUND], "fine_amount": amount, "refund_amount": amount,
        }],
    )


# How long each step of a story takes, for the demo (`tell(..., dated=True)`): working days after
# the step before it, and the time of day it is done (office hours). A transfer's police steps
# follow on the day it is sent, well within their 3-day clocks.
STEP_TIMES = {
    "register": (0, time(9, 40)),
    "verify": (2, time(10, 20)),
    "file_case": (1, time(15, 10)),
    "investigate": (15, time(16, 30)),
    "decide": (3, time(11, 0)),
    "handle_administratively": (5, time(14, 20)),
    "prepare_package": (2, time(10, 40)),
    "approve_transfer": (1, time(9, 50)),
    "sign_receipt": (0, time(14, 30)),
    "decide_filing": (0, time(16, 50)),
}


def story_steps(stage: int) -> list[str]:
    """The steps `tell` takes to bring a story to `stage`, in order."""
    steps = ["register"]
    for reached, added in ((PENDING_FILING, "verify"), (INVESTIGATING, "file_case"), (PENDING_DECISION, "investigate")):
        if stage >= reached:
            steps.append(added)
    if stage == CLOSED:
        return [*steps, "decide", "handle_administratively"]
    if stage >= PENDING_APPROVAL:
        steps += ["decide", "prepare_package"]
    if stage >= SENT:
        steps.append("approve_transfer")
    if stage >= PSB_FILED:
        steps += ["sign_receipt", "decide_filing"]
    return steps


def _working_days_back(day, count: int):
    while count:
        day -= timedelta(days=1)
        count -= calendar.is_working_day(day)
    return day


def story_schedule(stage: int, *, today=None) -> dict[str, datetime]:
    """When each step of a story at `stage` happens: on working days in office hours, spaced by
    STEP_TIMES, the last one on the working day before `today`."""
    steps = story_steps(stage)
    day = _working_days_back(today or timezone.localdate(), 1 + sum(STEP_TIMES[step][0] for step in steps[1:]))
    schedule = {}
    for step in steps:
        gap, at = STEP_TIMES[step]
        day = calendar.add_working_days(day, gap) if gap else day
        schedule[step] = timezone.make_aware(datetime.combine(day, at))
    return schedule


def tell(story, cast: Cast, *, dated: bool = False) -> Case:
    """Drive one story to its stage; `dated`: each step at its time of STEP_TIMES (the demo), else now."""
    title, source, stage, amount, institution, person = story
    officer, officer2 = cast.user("msb_officer"), cast.user("msb_officer2")
    chief, head = cast.user("msb_chief"), cast.user("msb_head")
    psb = cast.user("psb_officer")
    when = story_schedule(stage) if dated else {}

    def step(process, node_name, user, perform):
        complete(process, node_name, user, perform, at=when.get(node_name))

    case = register_case(
        user=officer, title=title, source=source, summary=f"{title}线索：经初步筛查，相关费用异常，需核查。",
        source_detail="演示线索", amount_involved=amount, at=when.get("register"),
    )
    process = case.process
    _add_parties(case, officer, institution, person)
    if stage == LEAD:
        return case
    step(process, "verify", officer, lambda: case_services.case_verify(case=case, user=officer, propose_filing=True, opinion="线索基本属实，建议立案调查。"))
    if stage == PENDING_FILING:
        return case
    step(process, "file_case", chief, lambda: case_services.case_file(case=case, user=chief, approve=True, opinion="同意立案。", investigators=[officer, officer2]))
    _add_evidence(case, officer)
    if stage == INVESTIGATING:
        return case
    criminal = stage >= PENDING_APPROVAL and stage != CLOSED
    step(process, "investigate", officer, lambda: case_services.case_record_investigation(
        case=case, user=officer, findings=f"经查，{title.removesuffix('案')}，涉及医保基金 {amount} 元。",
        amount_involved=amount, violation_types=["V-IN3"] if criminal else ["V-IN2b"],
        proposed_handling=Handling.CRIMINAL if criminal else Handling.ADMINISTRATIVE,
        handling_reason="涉案金额达到诈骗罪追诉标准，涉嫌犯罪。" if criminal else "违法情节较轻，依法给予行政处理。",
    ))
    if stage == PENDING_DECISION:
        return case
    step(process, "decide", head, lambda: case_services.case_decide(
        case=case, user=head, handling=Handling.CRIMINAL if criminal else Handling.ADMINISTRATIVE, opinion="同意。"))
    if not criminal:
        step(process, "handle_administratively", officer, lambda: _record_outcome(case, officer, amount))
        return case
    referral = case.referrals.get()
    transfer = referral.process
    step(transfer, "prepare_package", officer, lambda: referral_services.transfer_submit(
        referral=referral, user=officer, to_agency=cast.agencies["zj-psb"], facts=case.findings,
        investigation_report="一、当事人基本情况……\n二、案件来源……\n三、调查经过……\n四、认定的事实和证据……\n五、涉案金额计算……\n六、法律分析……\n七、已采取的行政措施……\n八、结论及移送建议。",
        suspected_offence="诈骗罪（《中华人民共和国刑法》第二百六十六条）", task_force=[officer, officer2],
        evidence=list(case.evidence.all()), contact_name="王立新", contact_phone="0511-84420001",
        seized_items=[
            {"name": "住院病历原件", "quantity": "58份", "location": "医保局档案室", "seal_number": "镇医保封〔2026〕3号"},
            {"name": "医保结算数据光盘", "quantity": "1张", "custodian": "王立新"},
        ],
    ))
    if stage == PENDING_APPROVAL:
        return case
    step(transfer, "approve_transfer", head, lambda: referral_services.transfer_approve(referral=referral, user=head, approve=True, opinion="同意移送。"))
    if stage == SENT:
        return case
    referral.refresh_from_db()
    received_at = when.get("sign_receipt") or min(timezone.now(), referral.sent_at + timedelta(minutes=1))
    step(transfer, "sign_receipt", psb, lambda: referral_services.transfer_sign_receipt(
        referral=referral, user=psb, received_at=received_at, items_received=6, signer_title="经侦支队民警"))
    filed = stage == PSB_FILED
    step(transfer, "decide_filing", psb, lambda: referral_services.transfer_decide(
        referral=referral, user=psb, decision=FilingDecision.FILE if filed else FilingDecision.DECLINE,
        reason="" if filed else "现有证据不足以证明当事人具有非法占有目的，涉案金额未达追诉标准。",
        document_number="镇公（经）立字〔2026〕41号" if filed else "镇公（经）不立字〔2026〕7号",
        police_case_number="A3211000000002026110041" if filed else "", files_returned=not filed,
    ))
    return case


def tell_all(cast: Cast, *, dated: bool = False) -> list[Case]:
    """Create every story not told yet (matched by title); `dated`: over the days they take (tell)."""
    told = set(Case.objects.filter(title__in=[story[0] for story in STORIES]).values_list("title", flat=True))
    untold = [story for story in STORIES if story[0] not in told]
    if dated:  # registered in date order, so the case numbers run with the dates as in a real register
        untold.sort(key=lambda story: story_schedule(story[2])["register"])
    return [tell(story, cast, dated=dated) for story in untold]


SUPERVISED = "博爱医院挂床住院骗保案"


def supervise_demo_case(cast: Cast) -> None:
    """The province lists the case the police filed (挂牌督办) and 镇江 has submitted its plan; idempotent."""
    from supervision import services as supervision_services
    from supervision.flows import supervision_open

    case = Case.objects.filter(title=SUPERVISED).first()
    if case is None or case.supervisions.exists():
        return
    officer, head = cast.user("msb_officer"), cast.user("js_msb_head")
    supervision = supervision_open(case=case, user=officer, criteria=["amount", "gang"],
                                   reason="挂床住院骗取医保基金73万余元，涉及多名参保人员，公安机关已立案侦查。")
    complete(supervision.process, "designate", head, lambda: supervision_services.supervision_designate(
        supervision=supervision, user=head, approve=True, opinion="同意挂牌督办。",
        issue="查清挂床住院的全部事实，追回医保基金，配合公安机关侦查。", term="3m"))
    complete(supervision.process, "submit_plan", officer, lambda: supervision_services.supervision_submit_plan(
        supervision=supervision, user=officer, plan="一、全面调取住院结算数据；二、逐一核实住院人员；三、配合公安机关取证。"))


def office_hours(day, at: time):
    """`at` on the first working day from `day` on: a meeting is held in office hours, whenever the demo runs."""
    return timezone.make_aware(datetime.combine(calendar.next_working_day(day), at))


def joint_meeting_demo(cast: Cast) -> None:
    """镇江's joint-meeting mechanism with one issued 纪要: one 议定事项 for the police (overdue), one for
    the health commission (长期坚持); idempotent."""
    from meetings import services as meeting_services
    from meetings.flows import minutes_issue_and_track
    from meetings.models import Mechanism

    if Mechanism.objects.exists():
        return
    a, head, officer = cast.agencies, cast.user("msb_head"), cast.user("msb_officer")
    mechanism = meeting_services.mechanism_create(
        user=head, name="镇江市医疗保障基金监管工作联席会议", convenor="市政府分管副市长", convenor_agency=a["zj-gov"],
        members=[a[code] for code in ("zj-psb", "zj-proc", "zj-health", "zj-market", "zj-disc", "zj-fund", "zj-gov")],
        liaisons={a["zj-psb"].pk: cast.user("psb_officer"), a["zj-health"].pk: cast.user("health_officer")},
        frequency="每季度一次", charter_number="镇政办发〔2026〕12号",
    )
    held = office_hours(timezone.localdate() - timedelta(days=20), time(9, 30))
    cases = list(Case.objects.filter(title=SUPERVISED))
    meeting = meeting_services.meeting_convene(
        mechanism=mechanism, user=officer, kind="plenary", title="2026年第四季度联席会议", held_at=held, venue="市政府第一会议室",
        chair="市政府分管副市长", topics=["通报打击欺诈骗保专项整治工作进展"], cases=cases,
    )
    meeting_services.attendance_record(meeting=meeting, user=officer, rows=[
        {"agency": a["zj-msb"], "name": "周明", "post": "局长", "status": "present"},
        {"agency": a["zj-psb"], "name": "郑伟", "post": "局长", "status": "present"},
        {"agency": a["zj-health"], "name": "何平", "post": "医政医管科科员", "status": "present"},
        {"agency": a["zj-market"], "name": "高远", "post": "价格监督检查科科员", "status": "leave"},
    ])
    minutes_issue_and_track(meeting=meeting, user=officer, heard="市医保局关于打击欺诈骗保专项整治工作情况的汇报。",
                            views="各成员单位要强化协同，形成监管合力。", distribution="各成员单位", resolutions=[
        {"text": "公安机关对博爱医院挂床住院骗保案加快侦办，每月通报进展", "kind": "case", "owner": a["zj-psb"],
         "co_agencies": [a["zj-msb"]], "due_on": (timezone.localtime(held) + timedelta(days=10)).date(), "ongoing": False,
         "case": cases[0] if cases else None},
        {"text": "卫生健康部门加强对定点医疗机构执业行为的日常监管", "kind": "task", "owner": a["zj-health"], "co_agencies": [],
         "due_on": None, "ongoing": True},
    ])


# 身份证 numbers (valid check digits) of the demo institutions' legal representatives, in STORIES order.
LEGAL_REPRESENTATIVE_IDS = ["321102197001010012", "321102197102020025", "321102197203030038", "321102197304040040",
                            "321102197405050053", "321102197506060066", "321102197607070079", "321102197708080081"]


def agreements_demo(cast: Cast) -> None:
    """The 经办机构's side: the demo institutions under agreement, inspections, 约谈 and a 中止, and a
    doctor with points on record; idempotent."""
    from agreements import practitioners, services as agreement_services
    from agreements.models import Institution
    from inspections.services import inspection_record

    if Institution.objects.exists():
        return
    fund, today = cast.user("fund_officer"), timezone.localdate()
    institutions = {}
    rows = [story[4] for story in STORIES if story[4] is not None]
    for (name, uscc, _address, legal_rep), legal_rep_id in zip(rows, LEGAL_REPRESENTATIVE_IDS, strict=True):
        institutions[name] = agreement_services.institution_register(
            user=fund, name=name, uscc=uscc, kind="pharmacy" if "药" in name else "hospital", legal_representative=legal_rep,
            legal_representative_id=legal_rep_id, region_code=cast.agencies["zj-fund"].region_code,
            agreement_start=today.replace(month=1, day=1), agreement_end=today.replace(month=12, day=31),
        )
    for name in list(institutions)[:4]:
        inspection_record(user=fund, institution=institutions[name], kind="full_coverage", inspected_on=today - timedelta(days=30),
                          findings="病历、结算数据和进销存抽查，未见异常。" if "仁和" in name else "发现疑似违规结算，已约谈。")
    agreement_services.action_record(
        user=fund, institution=institutions["镇江市润康大药房有限公司"], kind="interview", decided_on=today - timedelta(days=20),
        facts="医保药品进销存不符，约谈主要负责人，责令说明情况。")
    agreement_services.action_record(
        user=fund, institution=institutions["镇江博爱医院有限公司"], kind="suspend", decided_on=today - timedelta(days=15),
        facts="挂床住院骗取医保基金，公安机关已立案侦查，中止医保协议。", document_number="镇医保中心协〔2026〕3号",
        statement_heard=True)
    doctor = practitioners.practitioner_register(user=fund, name="陈某某", id_number="321111196909090018",
                                                 institution=institutions["镇江博爱医院有限公司"])
    practitioners.points_record(user=fund, practitioner=doctor, event_date=today - timedelta(days=15), points=10,
                                reason="参与虚构住院服务，骗取医保基金。")


UNREAD_KEPT = 3  # what a newcomer's bell shows after the demo



# 举报奖励标准 of the demo: the national bounds are the rules' (domain.md §6.11); the ratios are examples.
DEMO_REWARD_POLICIES = [
    ("", "全国", date(2018, 11, 29), date(2022, 12, 31), "《欺诈骗取医疗保障基金行为举报奖励暂行办法》（2018年）",
     [{"upto": None, "rate": 2}], Decimal("200"), Decimal("100000"), "演示数据：比例为示例值"),
    ("32", "江苏省", date(2023, 1, 1), None, "《违法违规使用医疗保障基金举报奖励办法》（医保办发〔2022〕22号）及本省实施细则",
     [{"upto": 100000, "rate": 6}, {"upto": 1000000, "rate": 4}, {"upto": None, "rate": 2}], Decimal("200"), Decimal("200000"),
     "演示数据：分段比例为示例值，以本省实施细则为准"),
]


def reward_policies_demo() -> None:
    """The demo's reward standards; idempotent (a standard already entered is left as it is)."""
    from rewards.models import RewardPolicy

    for region_code, region_name, start, until, name, tiers, low, high, note in DEMO_REWARD_POLICIES:
        RewardPolicy.objects.get_or_create(region_code=region_code, effective_from=start, defaults={
            "region_name": region_name, "effective_until": until, "name": name, "tiers": tiers, "minimum": low,
            "maximum": high, "note": note,
        })


def connected_systems_demo(cast: Cast) -> None:
    """The 12393 hotline's system, connected to the city's bureau, with one lead waiting to be signed
    for in 接入线索; idempotent (its token is never shown: the security administrator replaces it to use it)."""
    from systems.models import ConnectedSystem
    from systems.services import lead_submit

    system = ConnectedSystem.objects.filter(name="12393医保服务热线系统", agency=cast.agencies["zj-msb"]).first()
    if system is None:
        system = ConnectedSystem(name="12393医保服务热线系统", agency=cast.agencies["zj-msb"])
        system.token_set()
        system.save()
    lead_submit(system=system, key="12393-DEMO-0001", payload={
        "title": "镇江市某大药房涉嫌为参保人套取个人账户资金案", "source": "tip", "source_detail": "12393工单 ZJ-2026-1205-017",
        "summary": "来电人反映该药房以生活用品替换药品结算，按结算金额的九折返还现金。", "violation_types": [],
        "amount_involved": "3600.00", "reporter_real_name": False, "reporter_name": "", "reporter_contact": "",
    })

def notifications_settle(cast: Cast) -> None:
    """Each demo user's newest notifications stay unread, the history the demo wrote before them is
    read, as if they had been working through it: a first login shows 3 new notices, not 23."""
    from notifications.models import Notification

    for officer in cast.officers.values():
        newest = list(Notification.objects.filter(recipient=officer.user).order_by("-id").values_list("id", flat=True)[:UNREAD_KEPT])
        Notification.objects.filter(recipient=officer.user, read_at__isnull=True).exclude(pk__in=newest).update(
            read_at=timezone.now()
        )
