"""挂牌督办 (domain §9.3): proposed → designated with a numbered notice → 查处方案 → progress reports
on a cadence, 催办 and the escalation ladder when late → 结案报告 → 销号 or 退回重办; or revoked.

Every step is one transaction, audited on the supervision's own thread and on the case's timeline.
The supervisor never gets the case's permissions: it reads the case through `selectors`.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.audit import audit_append
from agencies.models import Agency, AgencyKind, Role
from agencies.permissions import ACT_FOR_AGENCY, APPROVE_CASE, can_act_for, officer_of
from agencies.selectors import bureaus_below, officer_users
from casework.clocks import clock_cancel, clock_meet, clock_start, due_for
from casework.models import Case, ClockUnit, Deadline
from casework.nodes import resume_waiting
from notifications.services import notify
from referral.documents import document_issue
from referral.events import agency_handlers
from supervision.letters.notice import SupervisionNotice, build_supervision_notice
from supervision.letters.report import SupervisionReportLetter, build_supervision_report
from supervision.models import (
    Criterion,
    OPEN_STATUSES,
    ProposalSource,
    ReportKind,
    Supervision,
    SupervisionAction,
    SupervisionReport,
    SupervisionStatus,
)

PLAN, REPORT, TERM = "supervision.plan", "supervision.report", "supervision.term"
BASIS = "挂牌督办通知书"  # the limits are the notice's own (their defaults are settings, domain §9.3)
URGE = "催办"


def supervision_url(supervision: Supervision) -> str:
    return reverse("supervision:detail", args=[supervision.pk])


def _audit(supervision: Supervision, *, actor, verb: str, summary: str, agency: Agency, data: dict | None = None) -> None:
    """On the supervision's thread (what both levels read) and on the case's own timeline."""
    for thread in (f"supervision:{supervision.pk}", f"case:{supervision.case_id}"):
        audit_append(actor=actor, verb=verb, target=supervision, agency=agency, thread=thread, summary=summary, data=data)


def _tell(users, supervision: Supervision, *, event: str, title: str, body: str = "") -> None:
    notify(recipients=users, event=event, title=f"{title}：{supervision.case.title}", body=body, url=supervision_url(supervision))


def _supervising_bureaus(agency: Agency) -> list[Agency]:
    """The bureaus above `agency`, nearest first."""
    chain, parent = [], agency.parent
    while parent is not None:
        if parent.kind == AgencyKind.MSB:
            chain.append(parent)
        parent = parent.parent
    return chain


def cases_open_to_listing(*, user):
    """Cases a higher bureau may list directly: open cases of the bureaus below the user's."""
    officer = officer_of(user)
    if officer is None or officer.agency.kind != AgencyKind.MSB:
        return Case.objects.none()
    below = [agency.pk for agency in bureaus_below(officer.agency)]
    return Case.objects.filter(agency__in=below, closed_at__isnull=True).exclude(supervisions__status__in=OPEN_STATUSES)


@transaction.atomic
def supervision_propose(*, case: Case, user, criteria: list[str], reason: str, source: str = "") -> Supervision:
    """报请 by the handling unit (to the bureau directly above it), or a direct listing by a higher
    bureau (it becomes the supervisor); either way its head decides."""
    officer = officer_of(user)
    if officer is None:
        raise PermissionDenied("只有机关工作人员可以提出挂牌督办。")
    if case.agency_id == officer.agency_id:
        if not can_act_for(user, case.agency, ACT_FOR_AGENCY):
            raise PermissionDenied("只有承办单位的工作人员可以报请挂牌督办。")
        above = _supervising_bureaus(case.agency)
        if not above:
            raise ValidationError("本机关没有上级医疗保障部门，无法报请挂牌督办。")
        supervisor, source = above[0], source or ProposalSource.LOWER
    elif cases_open_to_listing(user=user).filter(pk=case.pk).exists():
        supervisor, source = officer.agency, source or ProposalSource.HIGHER
    else:
        raise PermissionDenied("只能对本机关或下级医疗保障部门承办的案件提出挂牌督办。")
    errors = {}
    if not case.is_open:
        errors["case"] = "案件已办结，不能挂牌督办。"
    elif case.supervisions.filter(status__in=OPEN_STATUSES).exists():
        errors["case"] = "该案已在挂牌督办中。"
    unknown = set(criteria) - set(Criterion.values)
    if unknown or not (criteria or source == ProposalSource.MEETING):  # a meeting's resolution is reason enough
        errors["criteria"] = "请选择挂牌理由。"
    if not reason.strip():
        errors["reason"] = "请写明案件基本情况和挂牌督办的理由。"
    if errors:
        raise ValidationError(errors)
    supervision = Supervision.objects.create(
        case=case, supervisor=supervisor, source=source, criteria=sorted(set(criteria)), reason=reason, proposed_by=user
    )
    _audit(supervision, actor=user, verb="supervision.proposed", agency=officer.agency,
           summary=f"{ProposalSource(source).label}挂牌督办，报{supervisor.name}决定")
    _tell(officer_users(agency=supervisor, roles=(Role.SECTION_CHIEF, Role.HEAD)), supervision,
          event="supervision.proposed", title="挂牌督办待决定", body=reason)
    return supervision


def _term_due(term: str):
    """The 督办时限 choices: 30 working days (the 交办 rule), 3 months, 6 months."""
    amount, unit = {"30wd": (30, ClockUnit.WORKING_DAYS), "3m": (3, ClockUnit.MONTHS), "6m": (6, ClockUnit.MONTHS)}[term]
    return amount, unit


@transaction.atomic
def supervision_designate(
    *, supervision: Supervision, user, approve: bool, opinion: str, issue: str = "", requirements: str = "",
    term: str = "3m", report_every_months: int | None = None, co_supervisor: Agency | None = None,
) -> Supervision:
    """The supervisor's head lists the case (numbered 挂牌督办通知书, clocks started) or declines with reasons."""
    if not user.has_perm(APPROVE_CASE, supervision.supervisor):
        raise PermissionDenied("只有督办机关负责人可以决定挂牌督办。")
    if supervision.status != SupervisionStatus.PROPOSED:
        raise ValidationError("该事项已作出决定。")
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写决定意见。"})
    now, case = timezone.now(), supervision.case
    supervision.decided_by, supervision.decided_at, supervision.decision_opinion = user, now, opinion
    if not approve:
        supervision.status, supervision.closed_at = SupervisionStatus.DECLINED, now
        supervision.save()
        _audit(supervision, actor=user, verb="supervision.declined", agency=supervision.supervisor, summary=f"不予挂牌督办：{opinion}")
        _tell([supervision.proposed_by], supervision, event="supervision.declined", title="不予挂牌督办", body=opinion)
        return supervision
    errors = {}
    if not issue.strip():
        errors["issue"] = "请写明督办事项。"
    if co_supervisor is not None and (co_supervisor.kind != AgencyKind.PSB or co_supervisor.region_code != supervision.supervisor.region_code):
        errors["co_supervisor"] = "联合挂牌督办应为同级公安机关。"
    months = report_every_months or settings.LIANBAN_SUPERVISION_REPORT_MONTHS
    if months < 1:
        errors["report_every_months"] = "进展报告周期至少为1个月。"
    if errors:
        raise ValidationError(errors)
    amount, unit = _term_due(term)
    due_at = due_for(started_at=now, amount=amount, unit=unit).at
    supervision.issue, supervision.requirements, supervision.co_supervisor = issue, requirements, co_supervisor
    supervision.report_every_months, supervision.due_on = months, timezone.localtime(due_at).date()
    supervision.status = SupervisionStatus.ACTIVE
    officer = officer_of(user)
    supervision.notice = document_issue(
        agency=supervision.supervisor, family=settings.LIANBAN_SUPERVISION_NOTICE_DOC_FAMILY, title="挂牌督办通知书",
        case=case, issued_by=user,
        build=lambda number: build_supervision_notice(SupervisionNotice(
            number=number, supervisor=supervision.supervisor.name, co_supervisor=co_supervisor.name if co_supervisor else "",
            handling_unit=case.agency.name, case_number=case.number, case_title=case.title, case_summary=supervision.reason,
            criteria=tuple(supervision.get_criteria_display()), issue=issue, requirements=requirements,
            due_on=supervision.due_on, report_every_months=months,
            plan_working_days=settings.LIANBAN_SUPERVISION_PLAN_WORKING_DAYS,
            contact_name=officer.display_name if officer else "", contact_phone=officer.phone if officer else "",
            issued_on=timezone.localdate(),
        )),
    )
    supervision.save()
    url = supervision_url(supervision)
    for code, title, amount_, unit_ in (
        (PLAN, "报送查处方案", settings.LIANBAN_SUPERVISION_PLAN_WORKING_DAYS, ClockUnit.WORKING_DAYS),
        (REPORT, "报送督办案件进展报告", months, ClockUnit.MONTHS),
        (TERM, "督办案件办结并报送结案报告", amount, unit),
    ):
        clock_start(case=case, target=supervision, code=code, title=title, legal_basis=f"{BASIS}（{supervision.notice.number}）",
                    agency=case.agency, amount=amount_, unit=unit_, start_event="挂牌督办通知书印发", url=url,
                    started_at=now, responsible=case.lead_officer)
    _audit(supervision, actor=user, verb="supervision.designated", agency=supervision.supervisor,
           summary=f"以{supervision.notice.number}挂牌督办，限{supervision.due_on:%Y-%m-%d}前办结")
    _tell(agency_handlers(case.agency), supervision, event="supervision.designated", title="案件被挂牌督办",
          body=f"{supervision.supervisor.name}（{supervision.notice.number}）：请于{settings.LIANBAN_SUPERVISION_PLAN_WORKING_DAYS}个工作日内报送查处方案。")
    return supervision


def _require_handler(supervision: Supervision, user) -> None:
    if not can_act_for(user, supervision.case.agency, ACT_FOR_AGENCY):
        raise PermissionDenied("只有承办单位的工作人员可以报送。")


@transaction.atomic
def supervision_submit_plan(*, supervision: Supervision, user, plan: str) -> Supervision:
    _require_handler(supervision, user)
    if supervision.status != SupervisionStatus.ACTIVE or supervision.plan_submitted_at:
        raise ValidationError("当前不需要报送查处方案。")
    if not plan.strip():
        raise ValidationError({"plan": "请填写查处方案（调查步骤、分工、时间安排）。"})
    supervision.plan, supervision.plan_submitted_at = plan, timezone.now()
    supervision.save()
    clock_meet(target=supervision, code=PLAN)
    _audit(supervision, actor=user, verb="supervision.plan_submitted", agency=supervision.case.agency, summary="报送查处方案")
    _tell(agency_handlers(supervision.supervisor), supervision, event="supervision.plan_submitted", title="收到查处方案", body=plan)
    return supervision


def reporting_period_start(supervision: Supervision) -> date:
    last = supervision.reports.order_by("-period_to").first()
    return last.period_to if last else timezone.localtime(supervision.decided_at).date()


@transaction.atomic
def supervision_report(
    *, supervision: Supervision, user, kind: str, administrative: str, agreement: str = "", criminal: str = "",
    referrals: str = "", recovered=0, fines=0, problems: str = "", next_steps: str = "", typical: bool = False,
) -> SupervisionReport:
    """A numbered T10 report. A progress report restarts the cadence; the 结案报告 goes to review."""
    _require_handler(supervision, user)
    kind = ReportKind(kind)
    if supervision.status != SupervisionStatus.ACTIVE:
        raise ValidationError("督办中的案件才能报送报告。")
    if kind == ReportKind.FINAL and not supervision.plan_submitted_at:
        raise ValidationError("请先报送查处方案。")
    if not administrative.strip():
        raise ValidationError({"administrative": "请写明行政处罚（或核查）进展。"})
    if kind == ReportKind.FINAL and not next_steps.strip():
        raise ValidationError({"next_steps": "结案报告应当写明对各当事人的最终处理结果。"})
    case, officer, today = supervision.case, officer_of(user), timezone.localdate()
    report = SupervisionReport(
        supervision=supervision, kind=kind, period_from=reporting_period_start(supervision), period_to=today,
        administrative=administrative, agreement=agreement, criminal=criminal, referrals=referrals, recovered=recovered,
        fines=fines, problems=problems, next_steps=next_steps, typical=typical, submitted_by=user,
    )
    report.full_clean(exclude=["supervision", "document", "submitted_by"])
    report.document = document_issue(
        agency=case.agency, family=settings.LIANBAN_SUPERVISION_REPORT_DOC_FAMILY, title=report.get_kind_display(),
        case=case, issued_by=user,
        build=lambda number: build_supervision_report(SupervisionReportLetter(
            number=number, handling_unit=case.agency.name, supervisor=supervision.supervisor.name,
            notice_number=supervision.notice.number, case_title=case.title, final=kind == ReportKind.FINAL,
            period_from=report.period_from, period_to=today,
            tracks=(("行政处罚", administrative), ("协议处理", agreement), ("刑事案件", criminal), ("移送其他机关", referrals)),
            recovered=report.recovered, fines=report.fines, problems=problems, next_steps=next_steps, typical=typical,
            contact_name=officer.display_name if officer else "", contact_phone=officer.phone if officer else "",
            issued_on=today,
        )),
    )
    report.save()
    clock_meet(target=supervision, code=REPORT)
    if kind == ReportKind.PROGRESS:
        clock_start(case=case, target=supervision, code=REPORT, title="报送督办案件进展报告",
                    legal_basis=f"{BASIS}（{supervision.notice.number}）", agency=case.agency,
                    amount=supervision.report_every_months, unit=ClockUnit.MONTHS, start_event="上次进展报告报送",
                    url=supervision_url(supervision), responsible=case.lead_officer)
    else:
        clock_meet(target=supervision, code=TERM)
        supervision.status = SupervisionStatus.REVIEW
        supervision.save()
        resume_waiting(supervision.process, "await_final_report")
    _audit(supervision, actor=user, verb=f"supervision.{kind.value}_report", agency=case.agency,
           summary=f"以{report.document.number}报送{report.get_kind_display()}")
    _tell(agency_handlers(supervision.supervisor), supervision, event="supervision.reported", title=f"收到{report.get_kind_display()}",
          body=administrative)
    return report


@transaction.atomic
def supervision_review(*, supervision: Supervision, user, accept: bool, opinion: str) -> Supervision:
    """审核销号, or 退回重办: the case is supervised again, reports on the cadence, until a new 结案报告."""
    if not user.has_perm(APPROVE_CASE, supervision.supervisor):
        raise PermissionDenied("只有督办机关负责人可以审核结案报告。")
    report = supervision.reports.filter(kind=ReportKind.FINAL, accepted__isnull=True).last()
    if supervision.status != SupervisionStatus.REVIEW or report is None:
        raise ValidationError("没有待审核的结案报告。")
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写审核意见。" if accept else "请写明退回重办的理由和要求。"})
    report.accepted, report.review_opinion, report.reviewed_by, report.reviewed_at = accept, opinion, user, timezone.now()
    report.save()
    case = supervision.case
    if accept:
        supervision.status, supervision.closed_at = SupervisionStatus.CLOSED, timezone.now()
        supervision.save()
        _audit(supervision, actor=user, verb="supervision.closed", agency=supervision.supervisor, summary=f"审核销号：{opinion}")
        _tell(agency_handlers(case.agency), supervision, event="supervision.closed", title="督办案件已销号", body=opinion)
        return supervision
    supervision.status = SupervisionStatus.ACTIVE
    supervision.save()
    clock_start(case=case, target=supervision, code=REPORT, title="退回重办后报送进展报告",
                legal_basis=f"{BASIS}（{supervision.notice.number}）", agency=case.agency, amount=supervision.report_every_months,
                unit=ClockUnit.MONTHS, start_event="结案报告被退回重办", url=supervision_url(supervision), responsible=case.lead_officer)
    _audit(supervision, actor=user, verb="supervision.sent_back", agency=supervision.supervisor, summary=f"退回重办：{opinion}")
    _tell(agency_handlers(case.agency), supervision, event="supervision.sent_back", title="结案报告被退回重办", body=opinion)
    return supervision


def overdue_clocks(supervision: Supervision):
    """The supervision's duties past their time and still not done."""
    return Deadline.objects.about(supervision).overdue()


def next_ladder_step(supervision: Supervision) -> str | None:
    ladder = settings.LIANBAN_SUPERVISION_LADDER
    return ladder[supervision.ladder_step] if supervision.ladder_step < len(ladder) else None


@transaction.atomic
def supervision_urge(*, supervision: Supervision, user, reason: str) -> SupervisionAction:
    """催办: a written reminder from the supervisor to the handling unit, at any time while supervised."""
    if not can_act_for(user, supervision.supervisor, ACT_FOR_AGENCY):
        raise PermissionDenied("只有督办机关的工作人员可以催办。")
    if supervision.status != SupervisionStatus.ACTIVE:
        raise ValidationError("督办中的案件才能催办。")
    if not reason.strip():
        raise ValidationError({"reason": "请写明催办事由。"})
    action = SupervisionAction.objects.create(supervision=supervision, measure=URGE, reason=reason, taken_by=user)
    _audit(supervision, actor=user, verb="supervision.urged", agency=supervision.supervisor, summary=f"催办：{reason}")
    _tell([supervision.case.lead_officer, *officer_users(agency=supervision.case.agency, roles=(Role.HEAD,))], supervision,
          event="supervision.urged", title="督办机关催办", body=reason)
    return action


@transaction.atomic
def supervision_escalate(*, supervision: Supervision, user, reason: str) -> SupervisionAction:
    """The next step of the ladder (约谈 → 通报批评 → 提级办理, a setting), only when something is overdue."""
    if not user.has_perm(APPROVE_CASE, supervision.supervisor):
        raise PermissionDenied("只有督办机关负责人可以升级督办措施。")
    if supervision.status != SupervisionStatus.ACTIVE:
        raise ValidationError("督办中的案件才能升级督办措施。")
    if not overdue_clocks(supervision).exists():
        raise ValidationError("督办事项没有逾期，请先催办。")
    measure = next_ladder_step(supervision)
    if measure is None:
        raise ValidationError("督办措施已升至最高一级。")
    if not reason.strip():
        raise ValidationError({"reason": "请写明事由。"})
    supervision.ladder_step += 1
    supervision.save()
    action = SupervisionAction.objects.create(supervision=supervision, measure=measure, reason=reason, taken_by=user)
    _audit(supervision, actor=user, verb="supervision.escalated", agency=supervision.supervisor, summary=f"{measure}：{reason}")
    _tell([supervision.case.lead_officer, *officer_users(agency=supervision.case.agency, roles=(Role.HEAD, Role.LEADER))],
          supervision, event="supervision.escalated", title=f"督办措施升级：{measure}", body=reason)
    return action


@transaction.atomic
def supervision_revoke(*, supervision: Supervision, user, reason: str) -> Supervision:
    """撤销督办 (merged, transferred elsewhere …): its clocks stop, kept for the record."""
    if not user.has_perm(APPROVE_CASE, supervision.supervisor):
        raise PermissionDenied("只有督办机关负责人可以撤销督办。")
    if supervision.status != SupervisionStatus.ACTIVE or not supervision.plan_submitted_at:
        raise ValidationError("承办单位报送查处方案后、报送结案报告前，才能撤销督办。")
    if not reason.strip():
        raise ValidationError({"reason": "请写明撤销督办的理由。"})
    supervision.status, supervision.revoked_reason, supervision.closed_at = SupervisionStatus.REVOKED, reason, timezone.now()
    supervision.save()
    for code in (PLAN, REPORT, TERM):
        clock_cancel(target=supervision, code=code, reason=f"撤销督办：{reason}")
    resume_waiting(supervision.process, "await_final_report")
    _audit(supervision, actor=user, verb="supervision.revoked", agency=supervision.supervisor, summary=f"撤销督办：{reason}")
    _tell(agency_handlers(supervision.case.agency), supervision, event="supervision.revoked", title="已撤销挂牌督办", body=reason)
    return supervision
