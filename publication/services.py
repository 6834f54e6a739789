"""A typical case, step by step: 拟稿 (a closed case's text, redacted, proposed by an officer) → 审批
(the head approves or refuses) → 发布 (where and when it went out) → and, if the decision is later
changed or annulled, 撤回 within 3 working days (行政处罚法 Art. 48), on a clock that warns and
escalates like every statutory one. Each step is one transaction and one audit event; a wrong input
raises ValidationError naming the field and changes nothing."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.audit import audit_append
from agencies.dates import day_error
from agencies.models import Role
from agencies.selectors import officer_users
from casework.clocks import clock_meet, clock_start
from casework.models import Case, CaseStatus, ClockUnit, PenaltyKind
from notifications.services import notify
from publication.models import EDITABLE, Channel, PublicationStatus, TypicalCase
from publication.permissions import can_approve_publication, can_see_publication
from publication.redaction import leaks, masked_name, redact

WITHDRAW_CLOCK = "publication.withdraw"


def publication_url(case: Case) -> str:
    return reverse("publication:case", args=[case.pk])


def draft(case: Case) -> tuple[str, str]:
    """A first headline and text from the case's records, already redacted; the officer edits it."""
    lines = [f"一、基本案情\n{case.findings or case.summary}"]
    results = []
    for decision in case.penalties.select_related("subject"):
        kinds = "、".join(PenaltyKind(kind).label for kind in decision.kinds)
        amounts = "".join(f"，{label}{value:,.2f}元" for label, value in (("罚款", decision.fine_amount),
                                                                        ("责令退回医保基金", decision.refund_amount)) if value)
        name = decision.subject.name if decision.subject.kind in ("institution", "pharmacy") else masked_name(decision.subject.name)
        results.append(f"{decision.decided_on:%Y年%-m月%-d日}，{case.agency.name}依法对{name}作出{kinds}的处理{amounts}。")
    if results or case.outcome:
        lines.append("二、处理结果\n" + "\n".join(results or [case.outcome]))
    return redact(case.title, case), redact("\n".join(lines), case)


def _audit(publication: TypicalCase, *, actor, verb: str, summary: str) -> None:
    case = publication.case
    audit_append(actor=actor, verb=verb, target=publication, agency=case.agency, thread=f"case:{case.pk}",
                 summary=f"{case.number} 典型案例曝光：{summary}")


def _locked(case: Case) -> TypicalCase | None:
    return TypicalCase.objects.select_for_update().select_related("case__agency").filter(case=case).first()


@transaction.atomic
def publication_propose(*, user, case: Case, headline: str, text: str) -> TypicalCase:
    """拟稿: propose a closed case, with its public text; the text is checked for names and numbers."""
    case = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    if not can_see_publication(user, case):
        raise PermissionDenied("只有承办案件的医疗保障局工作人员可以拟稿曝光典型案例。")
    publication = _locked(case)
    if publication is not None and publication.status not in EDITABLE:
        raise ValidationError(f"典型案例{publication.get_status_display()}，不能修改公开文本。")
    if case.status != CaseStatus.CLOSED:
        raise ValidationError("只有已结案的案件可以作为典型案例曝光。")
    headline, text = headline.strip(), text.strip()
    errors = {}
    for field, value, label in (("headline", headline, "公开标题"), ("text", text, "公开文本")):
        if not value:
            errors[field] = f"请填写{label}。"
        elif found := leaks(value, case):
            errors[field] = f"{label}仍含有不得公开的个人信息：{'、'.join(found)}。请改为“某”或删去后再提交。"
    if errors:
        raise ValidationError(errors)
    again = publication is not None
    publication, _ = TypicalCase.objects.update_or_create(case=case, defaults={
        "status": PublicationStatus.PROPOSED, "headline": headline, "text": text, "proposed_by": user, "proposed_at": timezone.now(),
        "decided_by": None, "decided_at": None, "opinion": "",
    })
    _audit(publication, actor=user, verb="publication.proposed", summary=f"{'重新' if again else ''}拟稿，报请审批")  # the headline stays on the publication's page until published
    notify(recipients=officer_users(agency=case.agency, roles=[Role.HEAD]), event="publication.proposed",
           title=f"典型案例曝光待审批：{headline}", body=f"{case.number}", url=publication_url(case))
    return publication


@transaction.atomic
def publication_decide(*, user, case: Case, approve: bool, opinion: str) -> TypicalCase:
    publication = _locked(case)
    if publication is None or not can_approve_publication(user, publication.case):
        raise PermissionDenied("只有本局负责人可以审批典型案例曝光。")
    if publication.status != PublicationStatus.PROPOSED:
        raise ValidationError(f"典型案例{publication.get_status_display()}，无需审批。")
    if publication.proposed_by_id == user.pk:
        raise ValidationError("拟稿人不能审批自己拟稿的典型案例，请由其他负责人审批。")
    opinion = opinion.strip()
    if not approve and not opinion:
        raise ValidationError({"opinion": "不予曝光的，请填写理由。"})
    publication.status = PublicationStatus.APPROVED if approve else PublicationStatus.REFUSED
    publication.decided_by, publication.decided_at, publication.opinion = user, timezone.now(), opinion or "同意曝光。"
    publication.save()
    _audit(publication, actor=user, verb="publication.approved" if approve else "publication.refused",
           summary=f"{'同意' if approve else '不予'}曝光：{publication.opinion}")
    notify(recipients=[publication.proposed_by], event="publication.decided",
           title=f"典型案例{'已批准曝光' if approve else '不予曝光'}：{publication.headline}", body=publication.opinion,
           url=publication_url(publication.case))
    return publication


@transaction.atomic
def publication_publish(*, user, case: Case, published_on: date | None, channel: str, location: str) -> TypicalCase:
    """发布: when and where the approved text went out."""
    publication = _locked(case)
    if publication is None or not can_see_publication(user, publication.case):
        raise PermissionDenied("只有承办案件的医疗保障局工作人员可以登记发布。")
    if publication.status != PublicationStatus.APPROVED:
        raise ValidationError(f"典型案例{publication.get_status_display()}，不能登记发布。")
    errors: dict[str, str] = {}
    if problem := day_error(published_on, label="发布日期", earliest=timezone.localdate(publication.decided_at),
                            earliest_label="审批日期"):
        errors["published_on"] = problem
    if channel not in Channel.values:
        errors["channel"] = "请选择发布渠道。"
    location = location.strip()
    if not location:
        errors["location"] = "请填写发布位置（网页链接，或刊发的媒体、版面）。"
    if errors:
        raise ValidationError(errors)
    publication.status, publication.published_on = PublicationStatus.PUBLISHED, published_on
    publication.channel, publication.location = channel, location
    publication.save()
    _audit(publication, actor=user, verb="publication.published",
           summary=f"《{publication.headline}》于{published_on:%Y-%m-%d}在{publication.get_channel_display()}发布（{location}）")
    return publication


@transaction.atomic
def publication_decision_changed(*, user, case: Case, changed_on: date | None, note: str) -> TypicalCase:
    """The published decision was changed, annulled or declared void: the publication must be withdrawn
    within 3 working days of it (行政处罚法 Art. 48); the clock starts on that day."""
    publication = _locked(case)
    if publication is None or not can_see_publication(user, publication.case):
        raise PermissionDenied("只有承办案件的医疗保障局工作人员可以登记。")
    if publication.status != PublicationStatus.PUBLISHED or publication.decision_changed_on:
        raise ValidationError("只有已曝光、尚未登记决定变更的典型案例可以登记处罚决定变更或撤销。")
    errors: dict[str, str] = {}
    if problem := day_error(changed_on, label="变更或撤销日期", earliest=publication.published_on, earliest_label="发布日期"):
        errors["changed_on"] = problem
    note = note.strip()
    if not note:
        errors["note"] = "请写明处罚决定被变更、撤销或确认无效的情况（如复议决定书、判决书文号）。"
    if errors:
        raise ValidationError(errors)
    publication.decision_changed_on, publication.decision_change_note = changed_on, note
    publication.save()
    now = timezone.localtime()
    clock_start(
        case=publication.case, target=publication, code=WITHDRAW_CLOCK, title="撤回已公开的典型案例",
        legal_basis="《中华人民共和国行政处罚法》第四十八条", agency=publication.case.agency,
        amount=settings.LIANBAN_PUBLICATION_WITHDRAW_WORKING_DAYS, unit=ClockUnit.WORKING_DAYS,
        start_event="处罚决定被变更、撤销或确认无效", url=publication_url(publication.case),
        started_at=timezone.make_aware(datetime.combine(changed_on, now.time())), responsible=user,
    )
    _audit(publication, actor=user, verb="publication.decision_changed", summary=f"处罚决定于{changed_on:%Y-%m-%d}变更或撤销：{note}")
    return publication


@transaction.atomic
def publication_withdraw(*, user, case: Case, withdrawn_on: date | None, reason: str) -> TypicalCase:
    publication = _locked(case)
    if publication is None or not can_see_publication(user, publication.case):
        raise PermissionDenied("只有承办案件的医疗保障局工作人员可以撤回。")
    if publication.status != PublicationStatus.PUBLISHED:
        raise ValidationError(f"典型案例{publication.get_status_display()}，不能撤回。")
    errors: dict[str, str] = {}
    if problem := day_error(withdrawn_on, label="撤回日期", earliest=publication.published_on, earliest_label="发布日期"):
        errors["withdrawn_on"] = problem
    reason = reason.strip() or publication.decision_change_note
    if not reason:
        errors["reason"] = "请填写撤回理由。"
    if errors:
        raise ValidationError(errors)
    publication.status, publication.withdrawn_on, publication.withdraw_reason = PublicationStatus.WITHDRAWN, withdrawn_on, reason
    publication.save()
    clock_meet(target=publication, code=WITHDRAW_CLOCK,
               at=timezone.make_aware(datetime.combine(withdrawn_on, timezone.localtime().time())))
    _audit(publication, actor=user, verb="publication.withdrawn", summary=f"于{withdrawn_on:%Y-%m-%d}撤回：{reason}")
    return publication
