"""定点申请 after a 解除 (domain §5.2, edge 14): refused for 3 years by 统一社会信用代码, and by the same
法定代表人 or 实际控制人 under a new name; nothing is stored on refusal; allowed once the bar has run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agencies.models import AuditEvent
from agreements import services
from agreements.models import DesignationApplication, InstitutionKind

from .conftest import day_after_years, days_ago, resident_id, terminate, today, uscc, wrong_check, years_later

pytestmark = pytest.mark.django_db


def application(**changes) -> dict:
    """A new pharmacy with its own code and people, unless `changes` says otherwise."""
    return {
        "name": "镇江新康大药房有限公司", "uscc": uscc(77), "kind": InstitutionKind.PHARMACY,
        "legal_representative": "周新", "legal_representative_id": resident_id(77),
        "controller": "", "controller_id": "", "region_code": "321102", "received_on": today(), **changes,
    }


def submit(user, **changes):
    return services.application_submit(user=user, **application(**changes))


def refusal(user, **changes) -> str:
    before = (DesignationApplication.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        submit(user, **changes)
    assert (DesignationApplication.objects.count(), AuditEvent.objects.count()) == before
    return " ".join(refused.value.messages)


def test_the_terminated_institution_reapplying_within_three_years_is_refused_with_the_dates(fund, kangning):
    terminate(fund, kangning, decided_on=days_ago(200))
    decided = days_ago(200)
    message = refusal(fund, name="镇江康宁医院有限公司", uscc=kangning.uscc)
    assert "不予受理" in message
    assert "镇江康宁医院有限公司" in message
    assert f"{decided.year}年{decided.month}月{decided.day}日解除" in message
    ends = day_after_years(decided, 3)
    assert f"{ends.year}年{ends.month}月{ends.day}日前不得申请医保定点" in message


def test_a_new_name_with_the_same_controller_is_refused(fund, kangning):
    """Edge 14: a new company (new name, new code) behind the same 实际控制人."""
    terminate(fund, kangning)
    message = refusal(fund, controller="孙大成", controller_id=kangning.controller_id)
    assert "实际控制人孙大成是已解除医保协议的“镇江康宁医院有限公司”的实际控制人" in message


def test_the_old_controller_as_the_new_legal_representative_is_refused(fund, kangning):
    terminate(fund, kangning)
    message = refusal(fund, legal_representative="孙大成", legal_representative_id=kangning.controller_id)
    assert "法定代表人孙大成是已解除医保协议的“镇江康宁医院有限公司”的实际控制人" in message


def test_a_person_who_only_shares_the_name_is_not_refused(fund, kangning):
    """People are matched by identity number, not by name: a namesake may apply."""
    terminate(fund, kangning)
    assert submit(fund, legal_representative="孙康宁").pk


def test_the_application_is_received_once_the_bar_has_run(fund, kangning):
    terminate(fund, kangning, decided_on=years_later(days_ago(1), -3))  # the bar's last day was yesterday
    received = submit(fund, uscc=kangning.uscc, controller="孙大成", controller_id=kangning.controller_id)
    assert DesignationApplication.objects.get() == received
    assert AuditEvent.objects.filter(thread=f"designation:{received.pk}", verb="designation.received").exists()


def test_an_application_received_on_the_last_day_of_the_bar_is_still_refused(fund, kangning):
    """Terminated three years ago today: the start day is not counted (民法典 Art. 201), so today is the
    bar's last day and tomorrow the first on which an application is received."""
    terminate(fund, kangning, decided_on=years_later(today(), -3))
    assert "不予受理" in refusal(fund, uscc=kangning.uscc, received_on=today())
    tomorrow = today() + timedelta(days=1)
    assert f"{tomorrow.year}年{tomorrow.month}月{tomorrow.day}日前不得申请医保定点" in refusal(fund, uscc=kangning.uscc, received_on=today())


def test_which_identities_are_matched_is_a_setting(fund, kangning, settings):
    terminate(fund, kangning)
    settings.LIANBAN_REAPPLICATION_BAR_MATCH = ("uscc",)
    assert submit(fund, controller="孙大成", controller_id=kangning.controller_id).pk
    assert "不予受理" in refusal(fund, uscc=kangning.uscc, name="另一名称")


def test_an_institution_under_agreement_need_not_apply(fund, kangning):
    assert "已是定点医药机构" in refusal(fund, uscc=kangning.uscc)


def test_bad_identifiers_and_regions_are_refused_on_their_fields(fund):
    with pytest.raises(ValidationError) as refused:
        submit(fund, uscc=wrong_check(uscc(77)), legal_representative_id=wrong_check(resident_id(77)), controller="某人")
    errors = refused.value.message_dict
    assert "校验位" in errors["uscc"][0]
    assert "校验位" in errors["legal_representative_id"][0]
    assert "同时填写" in errors["controller_id"][0]
    with pytest.raises(ValidationError) as refused:
        submit(fund, region_code="320402")
    assert "管辖范围" in refused.value.message_dict["region_code"][0]
    assert not DesignationApplication.objects.exists()


def test_only_a_handling_agency_receives_applications(cast):
    with pytest.raises(PermissionDenied):
        submit(cast.user("msb_officer"))


def test_the_application_page_shows_the_refusal(fund, kangning, login):
    terminate(fund, kangning)
    response = login("fund_officer").post(reverse("agreements:application_submit"), application(
        name="镇江康宁新院有限公司", uscc=uscc(78), controller="孙大成", controller_id=kangning.controller_id,
        received_on=today().isoformat(),
    ))
    page = response.content.decode()
    assert response.status_code == 200
    assert "不予受理" in page and "镇江康宁医院有限公司" in page and "前不得申请医保定点" in page
    assert not DesignationApplication.objects.exists()

    response = login("fund_officer").post(
        reverse("agreements:application_submit"), application(received_on=today().isoformat())
    )
    assert response.status_code == 302
    listing = login("fund_officer").get(reverse("agreements:applications")).content.decode()
    assert "镇江新康大药房有限公司" in listing
    assert "镇江新康大药房有限公司" not in login("cz_msb_officer").get(reverse("agreements:applications")).content.decode()


def test_once_the_bar_has_run_the_terminated_institution_signs_a_new_agreement_on_its_own_record(fund, kangning):
    """The path back: registering the same USCC again re-signs the terminated institution (one record,
    one history), with the new agreement's term and people, and the earlier termination in the audit."""
    from agreements.models import AgreementAction, AgreementStatus, Institution

    decided = years_later(days_ago(1), -3)
    terminate(fund, kangning, decided_on=decided)
    kangning.refresh_from_db()
    barred_until = kangning.barred_until
    start, end = today(), years_later(today(), 2)

    again = services.institution_register(
        user=fund, name="镇江康宁医院有限公司", uscc=kangning.uscc, kind=kangning.kind, legal_representative="李新",
        legal_representative_id=resident_id(88), controller="", controller_id="", region_code=kangning.region_code,
        agreement_start=start, agreement_end=end,
    )

    assert again.pk == kangning.pk and Institution.objects.filter(uscc=kangning.uscc).count() == 1
    assert (again.status, again.terminated_on, again.barred_until) == (AgreementStatus.NORMAL, None, None)
    assert (again.agreement_start, again.agreement_end, again.legal_representative) == (start, end, "李新")
    assert AgreementAction.objects.filter(institution=again).exists()  # the termination stays in its history
    event = AuditEvent.objects.get(verb="institution.redesignated", thread=f"institution:{again.pk}")
    assert f"原协议于{decided.year}年{decided.month}月{decided.day}日解除" in event.summary
    assert event.data["barred_until"] == barred_until.isoformat()


def test_while_the_bar_runs_registering_the_terminated_institution_again_is_refused_and_changes_nothing(fund, kangning):
    from agreements.models import AgreementStatus

    terminate(fund, kangning)
    with pytest.raises(ValidationError, match="不予受理"):
        services.institution_register(
            user=fund, name=kangning.name, uscc=kangning.uscc, kind=kangning.kind, legal_representative="李新",
            legal_representative_id=resident_id(88), controller="", controller_id="", region_code=kangning.region_code,
            agreement_start=today(), agreement_end=years_later(today(), 2),
        )
    kangning.refresh_from_db()
    assert kangning.status == AgreementStatus.TERMINATED and kangning.legal_representative == "孙康宁"
    assert not AuditEvent.objects.filter(verb="institution.redesignated").exists()


def test_the_register_page_re_signs_the_terminated_institution_and_says_so(fund, kangning, login):
    """On the page, the path back is not refused as a duplicate code, and its message says what happened."""
    terminate(fund, kangning, decided_on=years_later(days_ago(1), -3))
    response = login("fund_officer").post(reverse("agreements:institution_register"), {
        "name": "镇江康宁医院有限公司", "uscc": kangning.uscc, "kind": kangning.kind, "legal_representative": "李新",
        "legal_representative_id": resident_id(88), "controller": "", "controller_id": "", "region_code": kangning.region_code,
        "agreement_start": today().isoformat(), "agreement_end": years_later(today(), 2).isoformat(),
    }, follow=True)
    page = response.content.decode()
    form = response.context.get("form") if response.context else None
    assert response.redirect_chain and response.redirect_chain[-1][0] == reverse("agreements:detail", args=[kangning.pk]), (
        form.errors if form else page[:300])
    assert "已重新签订医保协议：镇江康宁医院有限公司" in page and "已登记定点医药机构" not in page


def test_the_register_page_refuses_a_code_under_agreement_and_names_its_holder(fund, kangning, login):
    response = login("fund_officer").post(reverse("agreements:institution_register"), {
        "name": "镇江另一家医院有限公司", "uscc": kangning.uscc, "kind": kangning.kind, "legal_representative": "李新",
        "legal_representative_id": resident_id(88), "controller": "", "controller_id": "", "region_code": kangning.region_code,
        "agreement_start": today().isoformat(), "agreement_end": years_later(today(), 2).isoformat(),
    })
    assert response.status_code == 200
    assert f"该统一社会信用代码已登记为定点医药机构：{kangning.name}" in response.content.decode()
