"""The agreement pages a 经办机构 officer works with, driven over HTTP like a person would."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agreements.models import ActionKind, ActionStatus, AgreementAction, AgreementStatus, Institution, PaymentStatus, Practitioner

from .conftest import day_after_years, days_ago, register_institution, resident_id, today, uscc, wrong_check, years_later

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(login):
    return login("fund_officer")


def listed_institutions(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'<td><a href="/agreements/(\d+)/"', response.content.decode())]


def test_twenty_five_institutions_make_two_pages(fund, officer):
    made = [register_institution(fund, serial, name=f"分页测试医院{serial:02d}") for serial in range(10, 35)]
    first = officer.get(reverse("agreements:index"))
    next_link = re.search(r'href="(\?after=[^"]+)">下一页', first.content.decode()).group(1)
    second = officer.get(reverse("agreements:index") + next_link)
    assert listed_institutions(first) == [i.pk for i in made[:20]]  # by region, then name
    assert listed_institutions(second) == [i.pk for i in made[20:]]
    assert "第 1 页（第 1–20 条，后面还有）" in first.content.decode()
    assert "第 2 页（第 21–25 条）" in second.content.decode() and "下一页" not in second.content.decode()


def test_search_by_name_or_code_and_filter_by_status(fund, officer, kangning):
    other = register_institution(fund, 2, name="镇江仁和医院有限公司")
    assert listed_institutions(officer.get(reverse("agreements:index"), {"q": "康宁"})) == [kangning.pk]
    assert listed_institutions(officer.get(reverse("agreements:index"), {"q": other.uscc.lower()})) == [other.pk]
    assert listed_institutions(officer.get(reverse("agreements:index"), {"status": AgreementStatus.SUSPENDED})) == []
    response = officer.get(reverse("agreements:index"), {"q": "不存在"})
    assert "没有符合条件的定点医药机构。" in response.content.decode()


def test_registering_an_institution_over_the_form(officer):
    data = {
        "name": "镇江润康大药房有限公司", "uscc": uscc(40), "kind": "pharmacy", "legal_representative": "张海",
        "legal_representative_id": resident_id(40), "controller": "", "controller_id": "", "region_code": "321102",
        "agreement_start": days_ago(10).isoformat(), "agreement_end": years_later(today(), 2).isoformat(),
    }
    bad = officer.post(reverse("agreements:institution_register"), {**data, "uscc": wrong_check(uscc(40))})
    assert "校验位不正确" in bad.content.decode() and not Institution.objects.exists()
    response = officer.post(reverse("agreements:institution_register"), data)
    institution = Institution.objects.get()
    assert response.status_code == 302 and response.url == reverse("agreements:detail", args=[institution.pk])
    duplicate = officer.post(reverse("agreements:institution_register"), data)
    assert "该统一社会信用代码已登记为定点医药机构" in duplicate.content.decode()
    assert Institution.objects.count() == 1


def test_the_detail_page_shows_the_history_and_the_form_records_an_interview(officer, kangning):
    url = reverse("agreements:detail", args=[kangning.pk])
    assert "暂无协议处理记录。" in officer.get(url).content.decode()
    form = officer.get(reverse("agreements:action_record", args=[kangning.pk]))
    assert form.status_code == 200 and "违约事实及依据" in form.content.decode()
    response = officer.post(reverse("agreements:action_record", args=[kangning.pk]), {
        "kind": ActionKind.INTERVIEW, "decided_on": days_ago(1).isoformat(), "facts": "门诊处方超量，约谈院长。"})
    assert response.status_code == 302
    page = officer.get(url).content.decode()
    assert "门诊处方超量，约谈院长。" in page and "约谈" in page


def suspension_form(**changes) -> dict:
    return {
        "kind": ActionKind.SUSPEND, "decided_on": days_ago(2).isoformat(), "document_number": "镇医保中心协〔2026〕12号",
        "facts": "虚记诊疗项目。\n拒不整改。", "statement_heard": "on", **changes,
    }


def test_a_suspension_is_confirmed_on_its_own_page_before_it_is_recorded(officer, kangning):
    url = reverse("agreements:action_record", args=[kangning.pk])
    preview = officer.post(url, suspension_form())
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "确认中止医保协议" in page and "中止期间，该机构发生的医保费用不予结算" in page
    assert not AgreementAction.objects.exists()

    back = officer.post(url, {**suspension_form(), "edit": "1"}).content.decode()  # 返回修改: the filled-in form again
    assert 'name="document_number" value="镇医保中心协〔2026〕12号"' in back and "确认中止医保协议" not in back
    assert not AgreementAction.objects.exists()

    done = officer.post(url, {**suspension_form(), "confirmed": "1"})
    assert done.status_code == 302
    action = AgreementAction.objects.get()
    assert action.facts == "虚记诊疗项目。\n拒不整改。" and action.statement_heard
    kangning.refresh_from_db()
    assert kangning.status == AgreementStatus.SUSPENDED
    assert "整改验收，恢复医保协议" in officer.get(reverse("agreements:detail", args=[kangning.pk])).content.decode()


def test_the_confirmation_page_is_not_shown_for_a_suspension_that_would_be_refused(officer, kangning):
    response = officer.post(reverse("agreements:action_record", args=[kangning.pk]), suspension_form(statement_heard=""))
    page = response.content.decode()
    assert "陈述、申辩" in page and "确认中止医保协议" not in page
    assert not AgreementAction.objects.exists()


def test_a_termination_shows_the_bar_date_before_it_is_confirmed(officer, kangning):
    data = suspension_form(kind=ActionKind.TERMINATE, ground="3")
    page = officer.post(reverse("agreements:action_record", args=[kangning.pk]), data).content.decode()
    assert "确认解除医保协议" in page and "不能撤回" in page
    assert f"{day_after_years(days_ago(2), 3):%Y-%m-%d} 前不得申请医保定点" in page
    assert not AgreementAction.objects.exists()
    officer.post(reverse("agreements:action_record", args=[kangning.pk]), {**data, "confirmed": "1"})
    kangning.refresh_from_db()
    assert kangning.status == AgreementStatus.TERMINATED
    assert "前不得申请医保定点" in officer.get(reverse("agreements:detail", args=[kangning.pk])).content.decode()


def test_resuming_and_concluding_over_the_forms(officer, fund, kangning):
    officer.post(reverse("agreements:action_record", args=[kangning.pk]), {**suspension_form(), "confirmed": "1"})
    empty = officer.post(reverse("agreements:resume", args=[kangning.pk]), {"resumed_on": today().isoformat(), "opinion": ""})
    assert empty.status_code == 200
    response = officer.post(reverse("agreements:resume", args=[kangning.pk]), {"resumed_on": today().isoformat(), "opinion": "验收通过。"})
    assert response.status_code == 302
    kangning.refresh_from_db()
    assert kangning.status == AgreementStatus.NORMAL

    officer.post(reverse("agreements:action_record", args=[kangning.pk]), {
        "kind": ActionKind.RECOVER, "decided_on": days_ago(1).isoformat(), "facts": "追回超量开药费用。", "amount": "8600.00"})
    recovery = AgreementAction.objects.get(kind=ActionKind.RECOVER)
    response = officer.post(reverse("agreements:action_conclude", args=[recovery.pk]), {
        "concluded_on": today().isoformat(), "conclusion": "违规费用已全部追回。"})
    assert response.status_code == 302
    recovery.refresh_from_db()
    assert recovery.status == ActionStatus.ENDED
    assert "违规费用已全部追回。" in officer.get(reverse("agreements:detail", args=[kangning.pk])).content.decode()


def test_practitioner_pages_register_and_score(officer, kangning):
    number = resident_id(905)
    response = officer.post(reverse("agreements:practitioner_register"), {"name": "赵医生", "id_number": number, "institution": kangning.pk})
    practitioner = Practitioner.objects.get()
    assert response.status_code == 302 and response.url == reverse("agreements:practitioner", args=[practitioner.pk])

    bad = officer.post(reverse("agreements:points_record", args=[practitioner.pk]), {
        "event_date": today().isoformat(), "points": "15", "reason": "x", "suspend_months": "1"})
    assert bad.status_code == 200 and not practitioner.point_records.exists()
    response = officer.post(reverse("agreements:points_record", args=[practitioner.pk]), {
        "event_date": today().isoformat(), "points": "9", "reason": "串换药品。", "suspend_months": "2"})
    assert response.status_code == 302
    page = officer.get(reverse("agreements:practitioner", args=[practitioner.pk])).content.decode()
    assert "暂停" in page and "串换药品。" in page and f"{today().year}年" in page
    practitioner.refresh_from_db()
    assert practitioner.status == PaymentStatus.SUSPENDED
    listing = officer.get(reverse("agreements:practitioners"), {"status": PaymentStatus.SUSPENDED}).content.decode()
    assert "赵医生" in listing
    assert "赵医生" not in officer.get(reverse("agreements:practitioners"), {"status": PaymentStatus.NORMAL}).content.decode()
