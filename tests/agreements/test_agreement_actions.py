"""协议处理 by the 经办机构 (domain §5.2, §6.10): what each measure needs, the 中止 → 恢复 / 解除 path,
the 3-year bar a 解除 starts, and the audit trail and notices each change leaves."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agencies.models import AuditEvent
from agreements import services
from agreements.models import ActionKind, ActionStatus, AgreementAction, AgreementStatus, Institution, TerminationGround
from notifications.models import Notification

from .conftest import day_after_years, days_ago, register_institution, suspend, terminate, today, years_later

pytestmark = pytest.mark.django_db


def record(user, institution, kind, **fields):
    return services.action_record(
        user=user, institution=institution, kind=kind, decided_on=fields.pop("decided_on", days_ago(5)),
        facts=fields.pop("facts", "超量开药。"), **fields,
    )


def error_text(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def test_a_suspension_stops_the_agreement_until_rectification_is_accepted(fund, kangning):
    action = suspend(fund, kangning)
    kangning.refresh_from_db()
    assert kangning.status == AgreementStatus.SUSPENDED
    assert action.status == ActionStatus.IN_FORCE

    services.agreement_resume(user=fund, institution=kangning, resumed_on=days_ago(1), opinion="整改到位，验收通过。")
    kangning.refresh_from_db()
    action.refresh_from_db()
    assert kangning.status == AgreementStatus.NORMAL
    assert (action.status, action.concluded_on) == (ActionStatus.RESUMED, days_ago(1))


def test_suspending_an_agreement_already_suspended_is_refused_and_points_to_termination_ground_one(fund, kangning):
    suspend(fund, kangning)
    with pytest.raises(ValidationError) as refused:
        suspend(fund, kangning, decided_on=days_ago(2), number="镇医保中心协〔2026〕2号")
    assert "已处于中止状态" in error_text(refused)
    assert "第四十三条第（一）项" in error_text(refused)
    assert kangning.actions.count() == 1


def test_a_second_suspension_within_the_agreement_term_is_refused_pointing_to_termination(fund, kangning):
    """令第2号 Art. 43(1): two 中止 in one agreement term is a ground for 解除, not a second 中止."""
    suspend(fund, kangning, decided_on=days_ago(60))
    services.agreement_resume(user=fund, institution=kangning, resumed_on=days_ago(40), opinion="整改到位。")
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        suspend(fund, kangning, decided_on=days_ago(5), number="镇医保中心协〔2026〕5号")
    message = error_text(refused)
    assert "本协议期内" in message and "已于" in message and "中止过医保协议" in message
    assert "第四十三条第（一）项解除医保协议" in message
    kangning.refresh_from_db()
    assert kangning.status == AgreementStatus.NORMAL
    assert kangning.actions.filter(kind=ActionKind.SUSPEND).count() == 1
    assert AuditEvent.objects.count() == events

    # … and ground (1) is what the agency uses instead.
    terminated = services.agreement_terminate(
        user=fund, institution=kangning, decided_on=days_ago(5), ground=TerminationGround.REPEATED_SUSPENSION,
        document_number="镇医保中心协〔2026〕6号", facts="协议期内再次违约。", statement_heard=True,
    )
    assert terminated.get_ground_display().startswith("（一）")


def test_a_suspension_in_an_earlier_agreement_term_does_not_count(fund):
    institution = register_institution(fund, 2, agreement_start=days_ago(100))
    Institution.objects.filter(pk=institution.pk).update(agreement_start=days_ago(1000), agreement_end=days_ago(300))
    institution.refresh_from_db()
    suspend(fund, institution, decided_on=days_ago(400))
    services.agreement_resume(user=fund, institution=institution, resumed_on=days_ago(350), opinion="整改到位。")
    Institution.objects.filter(pk=institution.pk).update(agreement_start=days_ago(299), agreement_end=today() + timedelta(days=400))
    institution.refresh_from_db()

    suspend(fund, institution, decided_on=days_ago(3))
    institution.refresh_from_db()
    assert institution.status == AgreementStatus.SUSPENDED


@pytest.mark.parametrize("kind", [ActionKind.SUSPEND, ActionKind.TERMINATE])
def test_suspension_and_termination_need_the_institutions_statement_heard_first(fund, kangning, kind):
    """条例 Art. 13: 陈述、申辩 before a 中止 or 解除."""
    with pytest.raises(ValidationError) as refused:
        record(fund, kangning, kind, document_number="镇医保中心协〔2026〕3号", ground=TerminationGround.FRAUD_CONFIRMED
               if kind == ActionKind.TERMINATE else "", statement_heard=False)
    assert "陈述、申辩" in refused.value.message_dict["statement_heard"][0]
    kangning.refresh_from_db()
    assert kangning.status == AgreementStatus.NORMAL and not kangning.actions.exists()


@pytest.mark.parametrize(
    ("kind", "fields", "field", "words"),
    [
        (ActionKind.RECOVER, {}, "amount", "应填写金额"),
        (ActionKind.PENALTY, {}, "amount", "应填写金额"),
        (ActionKind.INTERVIEW, {"amount": Decimal("100")}, "amount", "不涉及金额"),
        (ActionKind.RECTIFY, {}, "rectify_by", "整改期限"),
        (ActionKind.RECTIFY, {"rectify_by": days_ago(10)}, "rectify_by", "应晚于处理日期"),
        (ActionKind.TERMINATE, {"statement_heard": True, "document_number": "X"}, "ground", "解除依据"),
        (ActionKind.INTERVIEW, {"ground": TerminationGround.FRAUD_CONFIRMED}, "ground", "只有解除"),
        (ActionKind.INTERVIEW, {"decided_on": today() + timedelta(days=1)}, "decided_on", "不能晚于今天"),
        (ActionKind.INTERVIEW, {"facts": "  "}, "facts", ""),
    ],
)
def test_bad_input_is_refused_with_a_message_on_its_field_and_changes_nothing(fund, kangning, kind, fields, field, words):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        record(fund, kangning, kind, **fields)
    assert words in " ".join(refused.value.message_dict[field])
    assert not AgreementAction.objects.exists()
    assert AuditEvent.objects.count() == events


def test_termination_ends_the_agreement_and_bars_reapplication_for_three_years(fund, kangning):
    suspend(fund, kangning, decided_on=days_ago(40))
    action = terminate(fund, kangning, decided_on=days_ago(10))
    kangning.refresh_from_db()
    decided = days_ago(10)
    assert kangning.status == AgreementStatus.TERMINATED
    assert kangning.terminated_on == decided
    assert kangning.barred_until == day_after_years(decided, 3)
    assert action.status == ActionStatus.ENDED
    assert kangning.actions.get(kind=ActionKind.SUSPEND).status == ActionStatus.ENDED  # the 中止 ends with it


def test_the_bar_length_is_a_setting(fund, kangning, settings):
    settings.LIANBAN_REAPPLICATION_BAR_YEARS = 5
    terminate(fund, kangning, decided_on=days_ago(10))
    kangning.refresh_from_db()
    assert kangning.barred_until == day_after_years(days_ago(10), 5)


def test_after_termination_only_recovery_and_penalties_can_be_recorded(fund, kangning):
    terminate(fund, kangning)
    with pytest.raises(ValidationError) as refused:
        record(fund, kangning, ActionKind.INTERVIEW)
    assert "只能登记追回违规费用或违约金" in error_text(refused)
    with pytest.raises(ValidationError):
        suspend(fund, kangning, decided_on=days_ago(1))
    recovered = record(fund, kangning, ActionKind.RECOVER, amount=Decimal("15230.50"), decided_on=days_ago(1))
    assert recovered.amount == Decimal("15230.50")


def test_ground_one_needs_a_suspension_in_the_term(fund, kangning):
    with pytest.raises(ValidationError) as refused:
        services.agreement_terminate(
            user=fund, institution=kangning, decided_on=days_ago(1), ground=TerminationGround.REPEATED_SUSPENSION,
            document_number="镇医保中心协〔2026〕7号", facts="违约。", statement_heard=True,
        )
    assert "没有中止医保协议的记录" in refused.value.message_dict["ground"][0]
    kangning.refresh_from_db()
    assert kangning.status == AgreementStatus.NORMAL


def test_rectification_is_concluded_and_a_suspension_is_not_concluded_directly(fund, kangning):
    rectify = record(fund, kangning, ActionKind.RECTIFY, rectify_by=today() + timedelta(days=30))
    concluded = services.action_conclude(user=fund, action=rectify, concluded_on=today(), conclusion="已按期整改。")
    assert concluded.status == ActionStatus.RECTIFIED
    with pytest.raises(ValidationError, match="已是“已整改”状态"):
        services.action_conclude(user=fund, action=rectify, concluded_on=today(), conclusion="再次办结。")

    suspension = suspend(fund, kangning)
    with pytest.raises(ValidationError, match="不能直接办结"):
        services.action_conclude(user=fund, action=suspension, concluded_on=today(), conclusion="办结。")


def test_only_the_holding_agency_handles_the_agreement(cast, kangning):
    from django.core.exceptions import PermissionDenied

    for username in ("msb_officer", "msb_head", "js_msb_officer", "cz_msb_officer", "psb_officer"):
        with pytest.raises(PermissionDenied):
            record(cast.user(username), kangning, ActionKind.INTERVIEW)
    assert not AgreementAction.objects.exists()


def test_every_change_is_in_the_audit_trail_of_the_institution(fund, kangning):
    record(fund, kangning, ActionKind.INTERVIEW, decided_on=days_ago(90))
    rectify = record(fund, kangning, ActionKind.RECTIFY, decided_on=days_ago(80), rectify_by=days_ago(50))
    services.action_conclude(user=fund, action=rectify, concluded_on=days_ago(50), conclusion="已整改。")
    suspend(fund, kangning, decided_on=days_ago(40))
    services.agreement_resume(user=fund, institution=kangning, resumed_on=days_ago(20), opinion="验收通过。")
    terminate(fund, kangning, decided_on=days_ago(10))

    events = AuditEvent.objects.filter(thread=f"institution:{kangning.pk}").order_by("id")
    assert [e.verb for e in events] == [
        "institution.registered",
        "agreement_action.recorded",  # 约谈
        "agreement_action.recorded",  # 限期整改
        "agreement_action.concluded",
        "agreement_action.recorded",  # 中止
        "agreement.suspended",
        "agreement.resumed",
        "agreement_action.recorded",  # 解除
        "agreement.terminated",
    ]
    assert all(e.actor == fund and e.agency == kangning.agency for e in events)
    assert "前不得申请医保定点" in events.last().summary


def test_the_supervising_bureau_is_told_of_a_suspension_and_a_termination(cast, fund, kangning):
    suspend(fund, kangning)
    terminate(fund, kangning, decided_on=days_ago(1))
    for username in ("msb_officer", "msb_head"):
        events = set(Notification.objects.filter(recipient=cast.user(username)).values_list("event", flat=True))
        assert {"agreement.suspended", "agreement.terminated"} <= events
    assert not Notification.objects.filter(recipient=cast.user("cz_msb_officer")).exists()
    assert not Notification.objects.filter(recipient=cast.user("psb_officer"), event__startswith="agreement").exists()
