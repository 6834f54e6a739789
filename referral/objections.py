"""When the police decline: the bureau accepts, asks for 复议, or asks the procuratorate to supervise
(310 Arts. 9–10; 高检发释字〔2001〕4号). Every step a transaction, with its legal clock."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from agencies import recording
from agencies.models import AgencyKind
from agencies.permissions import can_act_for, grant_to_agency
from agencies.selectors import agency_counterparts
from casework.models import Deadline, DeadlineStatus
from referral import clocks
from referral.documents import document_issue
from referral.letters.reconsideration_request import build_reconsideration_request
from referral.letters.supervision_proposal import build_supervision_proposal
from referral.objection_letters import reconsideration_request_for, supervision_proposal_for
from referral.events import agency_handlers, record, referral_url, sending_side, tell
from referral.models import (
    DeclineResponse,
    FilingDecision,
    Reconsideration,
    ReconsiderationDecision,
    Referral,
    ReferralStatus,
    SupervisionOutcome,
    SupervisionProposal,
)
from referral.permissions import VIEW_REFERRAL


def _filed(referral: Referral, *, document_number: str, police_case_number: str = "") -> None:
    """The police have filed after all: the bureau now hands over the seized items within 3 days."""
    referral.decision = FilingDecision.FILE
    referral.decision_reason = ""
    referral.decision_document_number = document_number
    referral.police_case_number = police_case_number or referral.police_case_number
    referral.decided_at = recording.now()
    referral.status = ReferralStatus.FILED
    referral.save()
    clocks.start(clocks.HANDOVER, referral=referral, agency=referral.from_agency, url=referral_url(referral))


@transaction.atomic
def decline_respond(*, referral: Referral, user, response: str, reasons: str = "", new_evidence: str = "") -> Referral:
    """The bureau's answer to 不予立案 (or to a 复议 that upheld it): accept, 复议 or 立案监督."""
    if referral.status not in (ReferralStatus.DECLINED, ReferralStatus.UPHELD):
        raise ValidationError("该移送不在等待移送机关决定的状态。")
    response = DeclineResponse(response)
    if response == DeclineResponse.RECONSIDER and referral.status == ReferralStatus.UPHELD:
        raise ValidationError({"response": "复议已维持不予立案决定，不能再次提请复议；可以建议人民检察院进行立案监督。"})
    if response != DeclineResponse.ACCEPT and not reasons.strip():
        raise ValidationError({"reasons": "请写明应当立案的事实、证据和法律依据。"})
    waiting = clocks.DECLINE_RESPONSE if referral.status == ReferralStatus.DECLINED else clocks.UPHELD_RESPONSE
    clocks.meet(waiting, referral=referral)
    now = recording.now()
    if response == DeclineResponse.ACCEPT:
        referral.status = ReferralStatus.DECLINE_ACCEPTED
        referral.save()
        record(referral, actor=user, verb="referral.decline_accepted", summary="接受不予立案决定，依法继续行政处理")
        return referral
    if response == DeclineResponse.RECONSIDER:
        reconsideration = Reconsideration.objects.create(
            referral=referral, requested_by=user, requested_at=now, reasons=reasons, new_evidence=new_evidence
        )
        reconsideration.letter = document_issue(
            agency=referral.from_agency, family=settings.LIANBAN_RECONSIDERATION_DOC_FAMILY, title="提请复议书",
            case=referral.case, referral=referral, issued_by=user,
            build=lambda number: build_reconsideration_request(reconsideration_request_for(referral, reconsideration, number=number)),
        )
        reconsideration.save(update_fields=["letter"])
        referral.status = ReferralStatus.RECONSIDERING
        referral.save()
        clocks.start(clocks.RECONSIDERATION, referral=referral, agency=referral.to_agency, url=referral_url(referral))
        record(referral, actor=user, verb="referral.reconsideration_requested", summary=f"向{referral.to_agency.name}提请复议")
        tell(agency_handlers(referral.to_agency), referral, event="referral.reconsideration_requested", title="收到提请复议",
             body=f"{referral.from_agency.name}对不予立案决定提请复议，请在3日内作出复议决定。")
        return referral
    procuratorate = agency_counterparts(agency=referral.from_agency, kind=AgencyKind.PROCURATORATE).first()
    if procuratorate is None:
        raise ValidationError({"response": "系统中没有同级人民检察院，无法提出立案监督建议。"})
    # A proposal made while the police were overdue (310 Art. 17) is carried on, not duplicated.
    supervision, _ = SupervisionProposal.objects.update_or_create(
        referral=referral, defaults={"procuratorate": procuratorate, "proposed_by": user, "proposed_at": now, "reasons": reasons}
    )
    supervision.letter = document_issue(
        agency=referral.from_agency, family=settings.LIANBAN_SUPERVISION_DOC_FAMILY, title="立案监督建议书",
        case=referral.case, referral=referral, issued_by=user,
        build=lambda number: build_supervision_proposal(supervision_proposal_for(referral, supervision, number=number)),
    )
    supervision.save(update_fields=["letter"])
    referral.status = ReferralStatus.SUPERVISING
    referral.save()
    grant_to_agency(agency=procuratorate, perm=VIEW_REFERRAL, obj=referral)
    record(referral, actor=user, verb="referral.supervision_proposed", summary=f"建议{procuratorate.name}进行立案监督")
    tell(agency_handlers(procuratorate), referral, event="referral.supervision_proposed", title="收到立案监督建议",
         body=f"{referral.from_agency.name}建议对{referral.to_agency.name}不予立案一事进行立案监督。")
    return referral


@transaction.atomic
def reconsideration_decide(*, referral: Referral, user, decision: str, decision_number: str, reasons: str) -> Referral:
    """The police answer the 复议 within 3 days: file after all, or uphold with reasons."""
    if referral.status != ReferralStatus.RECONSIDERING:
        raise ValidationError("该移送没有待决定的复议。")
    if not decision_number.strip():
        raise ValidationError({"decision_number": "请填写复议决定书文号。"})
    if decision == ReconsiderationDecision.UPHOLD and not reasons.strip():
        raise ValidationError({"reasons": "维持不予立案决定的，应当说明理由。"})
    reconsideration = referral.reconsideration
    reconsideration.decided_by, reconsideration.decided_at = user, recording.now()
    reconsideration.decision, reconsideration.decision_number, reconsideration.decision_reasons = decision, decision_number, reasons
    reconsideration.save()
    clocks.meet(clocks.RECONSIDERATION, referral=referral)
    label = ReconsiderationDecision(decision).label
    if decision == ReconsiderationDecision.FILE:
        _filed(referral, document_number=decision_number)
    else:
        referral.status = ReferralStatus.UPHELD
        referral.save()
        clocks.start(clocks.UPHELD_RESPONSE, referral=referral, agency=referral.from_agency, url=referral_url(referral))
    record(referral, actor=user, agency=referral.to_agency, verb="referral.reconsidered", summary=f"复议决定：{label}（{decision_number}）")
    tell(sending_side(referral), referral, event="referral.reconsidered", title=f"复议决定：{label}", body=reasons)
    return referral


@transaction.atomic
def supervision_request_explanation(*, referral: Referral, user, notice_number: str) -> Referral:
    """The procuratorate issues the 要求说明不立案理由通知书; the police answer within 7 days."""
    supervision = referral.supervision
    if referral.status != ReferralStatus.SUPERVISING or supervision.explanation_requested_at:
        raise ValidationError("该立案监督不在待要求说明理由的阶段。")
    if not notice_number.strip():
        raise ValidationError({"notice_number": "请填写要求说明不立案理由通知书文号。"})
    supervision.explanation_requested_by, supervision.explanation_requested_at = user, recording.now()
    supervision.explanation_request_number = notice_number
    supervision.save()
    clocks.start(clocks.EXPLANATION, referral=referral, agency=referral.to_agency, url=referral_url(referral))
    record(referral, actor=user, agency=supervision.procuratorate, verb="referral.explanation_requested",
           summary=f"{supervision.procuratorate.name}要求说明不立案理由（{notice_number}）")
    tell(agency_handlers(referral.to_agency), referral, event="referral.explanation_requested", title="要求说明不立案理由",
         body=f"{supervision.procuratorate.name}（{notice_number}）要求在7日内书面说明不立案理由。")
    return referral


@transaction.atomic
def supervision_explain(*, referral: Referral, user, explanation: str) -> Referral:
    supervision = referral.supervision
    if not supervision.explanation_requested_at or supervision.explained_at:
        raise ValidationError("没有待说明的不立案理由。")
    if not explanation.strip():
        raise ValidationError({"explanation": "请书面说明不立案的理由。"})
    supervision.explained_by, supervision.explained_at, supervision.explanation = user, recording.now(), explanation
    supervision.save()
    clocks.meet(clocks.EXPLANATION, referral=referral)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.explained", summary="公安机关书面说明不立案理由")
    tell(agency_handlers(supervision.procuratorate), referral, event="referral.explained", title="公安机关已说明不立案理由",
         body=explanation)
    return referral


@transaction.atomic
def supervision_conclude(*, referral: Referral, user, outcome: str, opinion: str, notice_number: str = "") -> Referral:
    """Reasons valid: the bureau goes on administratively. Not valid: 通知立案 — the police file within 15 days.
    Either way the procuratorate tells the bureau that proposed the supervision."""
    supervision = referral.supervision
    if not supervision.explained_at or supervision.outcome:
        raise ValidationError("该立案监督不在待作出结论的阶段。")
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写审查意见。"})
    if outcome == SupervisionOutcome.FILING_ORDERED and not notice_number.strip():
        raise ValidationError({"notice_number": "通知立案的，请填写通知立案书文号。"})
    supervision.outcome, supervision.outcome_by, supervision.outcome_at = outcome, user, recording.now()
    supervision.outcome_number, supervision.outcome_opinion = notice_number, opinion
    supervision.save()
    label = SupervisionOutcome(outcome).label
    if outcome == SupervisionOutcome.FILING_ORDERED:
        clocks.start(clocks.ORDERED_FILING, referral=referral, agency=referral.to_agency, url=referral_url(referral))
        tell(agency_handlers(referral.to_agency), referral, event="referral.filing_ordered", title="收到通知立案书",
             body=f"{supervision.procuratorate.name}（{notice_number}）通知立案，请在15日内立案并送达立案决定书。")
    else:
        referral.status = ReferralStatus.DECLINE_ACCEPTED
        referral.save()
    record(referral, actor=user, agency=supervision.procuratorate, verb="referral.supervision_concluded", summary=f"立案监督结论：{label}")
    tell(sending_side(referral), referral, event="referral.supervision_concluded", title=f"立案监督结论：{label}", body=opinion)
    return referral


@transaction.atomic
def ordered_filing_record(*, referral: Referral, user, document_number: str, police_case_number: str = "") -> Referral:
    """The police file as the procuratorate ordered and send the 立案决定书."""
    if referral.status != ReferralStatus.SUPERVISING or referral.supervision.outcome != SupervisionOutcome.FILING_ORDERED:
        raise ValidationError("该移送没有待执行的通知立案。")
    if not document_number.strip():
        raise ValidationError({"document_number": "请填写立案决定书文号。"})
    clocks.meet(clocks.ORDERED_FILING, referral=referral)
    _filed(referral, document_number=document_number, police_case_number=police_case_number)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.filed_as_ordered", summary=f"依通知立案（{document_number}）")
    procuratorate = referral.supervision.procuratorate
    tell(sending_side(referral) + agency_handlers(procuratorate), referral, event="referral.decided", title="公安机关依通知立案",
         body=document_number)
    return referral


def can_propose_overdue_supervision(user, referral: Referral) -> bool:
    """The police missed the review limit and have not decided: the bureau may go to the procuratorate."""
    return (
        referral.status == ReferralStatus.RECEIPTED
        and not hasattr(referral, "supervision")
        and can_act_for(user, referral.from_agency)
        and Deadline.objects.filter(
            target_type="referral.referral", target_id=str(referral.pk), code=clocks.REVIEW.code, status=DeadlineStatus.BREACHED
        ).exists()
    )


@transaction.atomic
def overdue_supervision_propose(*, referral: Referral, user, reasons: str) -> SupervisionProposal:
    """310 Art. 17 (edge case 2): the police let the review lapse; the bureau proposes 立案监督 while
    the police's decision is still open. If they later decline, the same proposal carries on."""
    if not can_propose_overdue_supervision(user, referral):
        raise PermissionDenied("只有在公安机关逾期未作出立案决定时，移送机关才能据此建议立案监督。")
    if not reasons.strip():
        raise ValidationError({"reasons": "请写明应当立案的理由。"})
    procuratorate = agency_counterparts(agency=referral.from_agency, kind=AgencyKind.PROCURATORATE).first()
    if procuratorate is None:
        raise ValidationError("系统中没有同级人民检察院，无法提出立案监督建议。")
    supervision = SupervisionProposal.objects.create(
        referral=referral, procuratorate=procuratorate, proposed_by=user, proposed_at=recording.now(), reasons=reasons
    )
    supervision.letter = document_issue(
        agency=referral.from_agency, family=settings.LIANBAN_SUPERVISION_DOC_FAMILY, title="立案监督建议书",
        case=referral.case, referral=referral, issued_by=user,
        build=lambda number: build_supervision_proposal(supervision_proposal_for(referral, supervision, number=number)),
    )
    supervision.save(update_fields=["letter"])
    grant_to_agency(agency=procuratorate, perm=VIEW_REFERRAL, obj=referral)
    record(referral, actor=user, verb="referral.supervision_proposed", summary=f"公安机关逾期未决定，建议{procuratorate.name}进行立案监督")
    tell(agency_handlers(procuratorate) + agency_handlers(referral.to_agency), referral, event="referral.supervision_proposed",
         title="公安机关逾期未作立案决定，移送机关建议立案监督", body=reasons)
    return supervision
