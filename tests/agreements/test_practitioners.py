"""医保支付资格 (医保发〔2024〕23号, domain §5.3, edge 13): points per calendar year, 9 → 暂停, 12 → 终止 with a
1-year (3 years for 12 in one event) bar on 再次登记备案 that follows the person to any institution and region."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import AuditEvent
from agreements import practitioners
from casework.clocks import add_months
from agreements.models import PaymentStatus, PointRecord, Practitioner

from .conftest import day_after_years, days_ago, register_institution, resident_id, today, years_later

pytestmark = pytest.mark.django_db

DOCTOR_ID = resident_id(901, region="321111")


@pytest.fixture
def doctor(fund, kangning):
    return practitioners.practitioner_register(user=fund, name="王医生", id_number=DOCTOR_ID, institution=kangning)


def score(user, practitioner, points: int, on: date | None = None, **fields):
    return practitioners.points_record(
        user=user, practitioner=practitioner, event_date=on or today(), points=points, reason=f"违规记{points}分", **fields
    )


def reload(practitioner) -> Practitioner:
    return Practitioner.objects.get(pk=practitioner.pk)


def test_nine_points_in_a_year_suspend_payment_eligibility_for_the_months_chosen(fund, doctor):
    score(fund, doctor, 5, on=date(today().year, 1, 1))
    assert reload(doctor).status_today == PaymentStatus.NORMAL
    score(fund, doctor, 4, suspend_months=3)
    doctor = reload(doctor)
    assert doctor.status_today == PaymentStatus.SUSPENDED
    assert doctor.suspended_until == add_months(today(), 3) + timedelta(days=1)  # 民法典 Art. 201: today not counted
    assert doctor.status_on(doctor.suspended_until - timedelta(days=1)) == PaymentStatus.SUSPENDED  # its last day
    assert doctor.status_on(doctor.suspended_until) == PaymentStatus.NORMAL  # the suspension ends by itself


def test_the_suspension_defaults_to_the_setting(fund, doctor, settings):
    settings.LIANBAN_PRACTITIONER_SUSPEND_MONTHS = 2
    score(fund, doctor, 9)
    assert reload(doctor).suspended_until == add_months(today(), 2) + timedelta(days=1)


def test_points_reset_each_calendar_year(fund, doctor):
    """8 points on 31 December and 8 on 1 January are two years of 8: no suspension."""
    score(fund, doctor, 8, on=date(today().year - 1, 12, 31))
    score(fund, doctor, 8, on=date(today().year, 1, 1))
    doctor = reload(doctor)
    assert doctor.status == PaymentStatus.NORMAL
    assert practitioners.points_in_year(doctor, today().year) == 8
    score(fund, doctor, 1)
    assert reload(doctor).status_today == PaymentStatus.SUSPENDED


def test_twelve_points_accumulated_in_a_year_terminate_with_a_one_year_bar(fund, doctor):
    score(fund, doctor, 6, on=date(today().year, 1, 1))
    score(fund, doctor, 3)
    score(fund, doctor, 3)
    doctor = reload(doctor)
    assert doctor.status == PaymentStatus.TERMINATED
    assert doctor.terminated_on == today()
    assert doctor.registration_barred_until == day_after_years(today(), 1)
    assert doctor.suspended_until is None


def test_twelve_points_in_a_single_event_bar_registration_for_three_years(fund, doctor):
    score(fund, doctor, 12)
    doctor = reload(doctor)
    assert doctor.status == PaymentStatus.TERMINATED
    assert doctor.registration_barred_until == day_after_years(today(), 3)
    assert doctor.is_barred_on(years_later(today(), 3)) and not doctor.is_barred_on(day_after_years(today(), 3))


def test_registration_is_refused_at_another_institution_in_another_region_while_barred(fund, doctor, cz_fund):
    """Edge 13: the doctor moves to 常州 after a 12-point termination; 常州's 经办机构 cannot register them."""
    score(fund, doctor, 12, on=days_ago(100))
    changzhou = register_institution(cz_fund, 301, name="常州仁爱医院有限公司", region="320400")
    with pytest.raises(ValidationError) as refused:
        practitioners.practitioner_register(user=cz_fund, name="王医生", id_number=DOCTOR_ID.lower(), institution=changzhou)
    message = " ".join(refused.value.messages)
    terminated, ends = days_ago(100), day_after_years(days_ago(100), 3)
    assert f"王医生的医保支付资格已于{terminated.year}年{terminated.month}月{terminated.day}日终止" in message
    assert f"{ends.year}年{ends.month}月{ends.day}日前不得在任何定点医药机构再次登记备案" in message
    doctor = reload(doctor)
    assert doctor.institution.name == "镇江康宁医院有限公司" and doctor.status == PaymentStatus.TERMINATED


def test_registration_is_allowed_once_the_bar_has_run(fund, doctor, cz_fund):
    score(fund, doctor, 6, on=date(today().year - 2, 1, 2))
    score(fund, doctor, 6, on=date(today().year - 2, 1, 2))  # accumulated: a 1-year bar, long over
    doctor = reload(doctor)
    assert doctor.registration_barred_until <= today()
    changzhou = register_institution(cz_fund, 302, name="常州仁爱医院有限公司", region="320400")
    moved = practitioners.practitioner_register(user=cz_fund, name="王医生", id_number=DOCTOR_ID, institution=changzhou)
    assert (moved.pk, moved.institution, moved.status) == (doctor.pk, changzhou, PaymentStatus.NORMAL)


def test_a_suspension_follows_the_person_to_the_next_institution(fund, doctor, cz_fund):
    score(fund, doctor, 9, suspend_months=6)
    changzhou = register_institution(cz_fund, 303, name="常州仁爱医院有限公司", region="320400")
    moved = practitioners.practitioner_register(user=cz_fund, name="王医生", id_number=DOCTOR_ID, institution=changzhou)
    assert moved.institution == changzhou and moved.status_today == PaymentStatus.SUSPENDED
    assert "暂停中" in AuditEvent.objects.filter(thread=f"practitioner:{doctor.pk}").last().summary
    # Points now come from 常州's 经办机构, and count with this year's earlier ones.
    with pytest.raises(PermissionDenied):
        score(fund, moved, 3)
    score(cz_fund, moved, 3)
    assert reload(moved).status == PaymentStatus.TERMINATED


def test_a_known_id_number_with_another_name_is_refused(fund, doctor, kangning):
    with pytest.raises(ValidationError) as refused:
        practitioners.practitioner_register(user=fund, name="王一生", id_number=DOCTOR_ID, institution=kangning)
    assert "已登记为“王医生”" in refused.value.message_dict["name"][0]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"points": 0}, "points", "1至12分"),
        ({"points": 13}, "points", "1至12分"),
        ({"suspend_months": 7}, "suspend_months", "1至6个月"),
        ({"event_date": today() + timedelta(days=1)}, "event_date", "不能晚于今天"),
        ({"reason": " "}, "reason", ""),
    ],
)
def test_bad_points_are_refused_and_change_nothing(fund, doctor, changes, field, words):
    events = AuditEvent.objects.count()
    fields = {"user": fund, "practitioner": doctor, "event_date": today(), "points": 9, "reason": "违规", **changes}
    with pytest.raises(ValidationError) as refused:
        practitioners.points_record(**fields)
    assert words in " ".join(refused.value.message_dict[field])
    assert not PointRecord.objects.exists()
    assert reload(doctor).status == PaymentStatus.NORMAL
    assert AuditEvent.objects.count() == events


def test_a_bad_id_number_is_refused(fund, kangning):
    with pytest.raises(ValidationError) as refused:
        practitioners.practitioner_register(user=fund, name="李医生", id_number="32111119800101901", institution=kangning)
    assert "18位" in refused.value.message_dict["id_number"][0]
    assert not Practitioner.objects.exists()


def test_the_audit_trail_records_registration_points_and_status_without_the_id_number(fund, doctor):
    score(fund, doctor, 9)
    score(fund, doctor, 3)
    events = list(AuditEvent.objects.filter(thread=f"practitioner:{doctor.pk}").order_by("id"))
    assert [e.verb for e in events] == [
        "practitioner.registered", "practitioner.points_recorded", "practitioner.suspended",
        "practitioner.points_recorded", "practitioner.terminated",
    ]
    assert "累计记满12分" in events[-1].summary
    assert not any(DOCTOR_ID in e.summary or DOCTOR_ID in str(e.data) for e in events)


def test_an_officer_of_another_city_cannot_open_a_practitioners_record_by_its_number(login, doctor, fund):
    """The 一医一档 page (name, 身份证号码, points) is read where the person is registered or was scored;
    常州's bureau typing /agreements/practitioners/<n>/ gets nothing, 镇江's bureau and 经办机构 read it."""
    from django.urls import reverse

    score(fund, doctor, 3)
    url = reverse("agreements:practitioner", args=[doctor.pk])
    refused = login("cz_msb_officer").get(url)
    assert refused.status_code == 404
    assert DOCTOR_ID not in refused.content.decode() and "王医生" not in refused.content.decode()
    for username in ("fund_officer", "msb_officer", "js_msb_officer"):
        page = login(username).get(url)
        assert page.status_code == 200 and DOCTOR_ID in page.content.decode(), username


def test_the_agency_that_scored_a_practitioner_still_reads_the_record_after_the_move(login, fund, doctor, cz_fund):
    from django.test import Client
    from django.urls import reverse

    score(fund, doctor, 3)
    changzhou = register_institution(cz_fund, 304, name="常州仁爱医院有限公司", region="320400")
    practitioners.practitioner_register(user=cz_fund, name="王医生", id_number=DOCTOR_ID, institution=changzhou)
    url = reverse("agreements:practitioner", args=[doctor.pk])
    assert login("fund_officer").get(url).status_code == 200  # its points are on the record
    changzhou_fund = Client()
    changzhou_fund.force_login(cz_fund)
    assert changzhou_fund.get(url).status_code == 200  # where the person works now
