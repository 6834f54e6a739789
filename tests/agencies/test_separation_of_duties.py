"""三员分立 (等保2.0 第三级): the system, security and audit administrators each open only their part of
/admin/; none is a superuser; every change they make lands in the audit chain; the audit
administrator reads the trail with case contents masked; a superuser stops a production start-up."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import Client
from viewflow.workflow.models import Process, Task

from agencies.administrators import AdminRole, account_set_active, administrators, role_of
from agencies.admin import ADMIN_MODELS
from agencies.models import AgencyGroup, AuditEvent, Role
from demo import stories
from demo.scenario import AUDIT_ADMIN, DEMO_PASSWORD, SECURITY_ADMIN, SYSTEM_ADMIN, system_admin_ensure

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "Xin-Mima-2026!"
REAL_STORY = stories.STORIES[4]  # 康宁医院涉嫌虚构医药服务骗取医保基金案: insured 李某某, 486320.50 元
REFUSED = (403, 404)


def refused(response) -> bool:
    """403, 404, or the admin's answer for an object outside the user's list: back to the index."""
    return response.status_code in REFUSED or (response.status_code == 302 and response.url == "/admin/")


@pytest.fixture
def admins(cast):
    system_admin_ensure()

    def _client(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return _client


def officer_form(officer, **changes) -> dict:
    return {"agency": officer.agency_id, "role": officer.role, "title": officer.title, "badge_number": officer.badge_number,
            "phone": officer.phone, "_save": "保存", **changes}


def security_events(verb: str):
    return AuditEvent.objects.filter(thread="security", verb=verb)


def test_the_demo_administrators_hold_one_role_each_and_none_is_a_superuser(admins):
    for username, role in [(SYSTEM_ADMIN, AdminRole.SYSTEM), (SECURITY_ADMIN, AdminRole.SECURITY), (AUDIT_ADMIN, AdminRole.AUDIT)]:
        user = User.objects.get(username=username)
        assert (user.is_staff, user.is_superuser, role_of(user)) == (True, False, role), username
        assert user.check_password(DEMO_PASSWORD)


def test_an_older_demos_superuser_sysadmin_becomes_a_plain_system_administrator(cast):
    User.objects.create_superuser(username=SYSTEM_ADMIN, password=DEMO_PASSWORD)
    user = system_admin_ensure()
    user.refresh_from_db()
    assert not user.is_superuser and role_of(user) == AdminRole.SYSTEM
    assert security_events("administrator.assigned").filter(target_id=str(user.pk)).exists()


def test_the_system_administrator_opens_agencies_officers_calendar_and_registers_only(admins, cast, tell):
    case = tell(stories.SENT)
    client = admins(SYSTEM_ADMIN)
    officer = cast.officers["msb_officer"]
    for url in ("/admin/", "/admin/agencies/agency/", "/admin/agencies/officer/", f"/admin/agencies/officer/{officer.pk}/change/",
                "/admin/agencies/officer/add/", "/admin/casework/holidayyear/", "/admin/agencies/documentregister/"):
        assert client.get(url).status_code == 200, url
    process = case.process
    task = Task.objects.filter(process__in=Process.objects.all()).first()
    for url in ("/admin/agencies/auditevent/", "/admin/viewflow/process/", f"/admin/viewflow/process/{process.pk}/delete/",
                f"/admin/viewflow/task/{task.pk}/change/", "/admin/auth/user/", f"/admin/auth/user/{officer.user_id}/change/",
                f"/admin/auth/user/{officer.user_id}/password/", "/admin/auth/group/", "/admin/axes/accessattempt/"):
        assert client.get(url).status_code in REFUSED, url
    response = client.post(f"/admin/auth/user/{officer.user_id}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code in REFUSED
    officer.user.refresh_from_db()
    assert officer.user.check_password(DEMO_PASSWORD)
    index = client.get("/admin/").content.decode()
    assert case.title not in index and "流程" not in index


def test_the_system_administrator_moves_an_officer_and_the_groups_follow(admins, cast):
    officer = cast.officers["msb_officer2"]
    fund = cast.agencies["zj-fund"]
    response = admins(SYSTEM_ADMIN).post(
        f"/admin/agencies/officer/{officer.pk}/change/", officer_form(officer, agency=fund.pk, role=Role.SECTION_CHIEF)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(pk=officer.user_id)
    groups = set(user.groups.values_list("name", flat=True))
    assert groups == {"zj-fund:section_chief", "zj-fund:members"}
    assert user.has_perm("agencies.approve_case", fund) and not user.has_perm("agencies.act_for_agency", cast.agencies["zj-msb"])
    event = security_events("officer.reassigned").get(target_id=str(officer.pk))
    assert event.actor.username == SYSTEM_ADMIN and event.data["from"] == {"agency": "zj-msb", "role": Role.OFFICER}


def test_the_system_administrator_creates_an_officer_without_a_password(admins, cast):
    response = admins(SYSTEM_ADMIN).post("/admin/agencies/officer/add/", {
        "username": "msb_officer3", "full_name": "吕新", "agency": cast.agencies["zj-msb"].pk, "role": Role.OFFICER,
        "title": "科员", "badge_number": "", "phone": "", "_save": "保存"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="msb_officer3")
    assert not user.has_usable_password() and not user.is_staff
    assert set(user.groups.values_list("name", flat=True)) == {"zj-msb:officer", "zj-msb:members"}
    assert AuditEvent.objects.filter(verb="officer.created", actor__username=SYSTEM_ADMIN).exists()


def test_the_system_administrator_adds_an_agency_with_its_role_groups(admins, cast):
    response = admins(SYSTEM_ADMIN).post("/admin/agencies/agency/add/", {
        "code": "zj-dt-msb", "name": "镇江市丹徒区医疗保障局", "short_name": "丹徒区医保局", "kind": "msb", "level": "county",
        "region_code": "321112", "region_name": "镇江市丹徒区", "parent": cast.agencies["zj-msb"].pk, "doc_prefix": "丹医保",
        "address": "", "phone": "", "_save": "保存"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AgencyGroup.objects.filter(agency__code="zj-dt-msb").count() == len(Role.values)
    assert AuditEvent.objects.get(verb="agency.created", agency__code="zj-dt-msb").actor.username == SYSTEM_ADMIN


def test_the_security_administrator_creates_an_account_and_it_is_audited(admins):
    response = admins(SECURITY_ADMIN).post("/admin/auth/user/add/", {
        "username": "new_account", "usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "_save": "保存"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new_account")
    assert not user.is_staff and not user.is_superuser and not user.groups.exists()
    assert security_events("account.created").get(target_id=str(user.pk)).actor.username == SECURITY_ADMIN


def test_the_security_administrator_resets_a_password_and_the_security_log_records_it(admins, cast):
    officer = cast.user("msb_officer")
    client = admins(SECURITY_ADMIN)
    assert client.get(f"/admin/auth/user/{officer.pk}/password/").status_code == 200
    response = client.post(f"/admin/auth/user/{officer.pk}/password/",
                           {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    event = security_events("account.password_reset").get(target_id=str(officer.pk))
    assert event.actor.username == SECURITY_ADMIN and "王立新" in event.summary
    assert NEW_PASSWORD not in str(event.data)


def test_the_security_administrator_cannot_reach_administrators_case_data_or_the_audit_trail(admins, cast, tell):
    case = tell(stories.SENT)
    client = admins(SECURITY_ADMIN)
    sysadmin = User.objects.get(username=SYSTEM_ADMIN)
    for url in (f"/admin/auth/user/{sysadmin.pk}/password/", f"/admin/auth/user/{sysadmin.pk}/change/",
                "/admin/agencies/auditevent/", "/admin/viewflow/process/", "/admin/agencies/agency/",
                "/admin/agencies/officer/add/", "/admin/casework/holidayyear/", f"/cases/{case.pk}/"):
        assert refused(client.get(url)), url
    page = client.get("/admin/auth/user/").content.decode()
    assert "msb_officer" in page and SYSTEM_ADMIN not in page and AUDIT_ADMIN not in page


def test_the_security_administrator_changes_only_an_officers_role(admins, cast):
    officer = cast.officers["msb_officer2"]
    response = admins(SECURITY_ADMIN).post(f"/admin/agencies/officer/{officer.pk}/change/", officer_form(
        officer, agency=cast.agencies["zj-fund"].pk, role=Role.SECTION_CHIEF, title="改了的职务"))
    assert response.status_code == 302, response.content.decode()[:2000]
    officer.refresh_from_db()
    assert (officer.agency.code, officer.role, officer.title) == ("zj-msb", Role.SECTION_CHIEF, "基金监管科科员")
    assert set(officer.user.groups.values_list("name", flat=True)) == {"zj-msb:section_chief", "zj-msb:members"}
    assert security_events("officer.reassigned").filter(actor__username=SECURITY_ADMIN).count() == 1


def test_the_security_administrator_deactivates_an_account_and_it_is_audited(admins, cast):
    clerk = cast.user("msb_clerk")
    response = admins(SECURITY_ADMIN).post("/admin/auth/user/", {"action": "deactivate", "_selected_action": [clerk.pk]})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert security_events("account.deactivated").get(target_id=str(clerk.pk)).actor.username == SECURITY_ADMIN


def test_the_security_administrator_unlocks_a_locked_out_account_and_it_is_audited(admins):
    attempt = AccessAttempt.objects.create(
        username="msb_officer", ip_address="10.0.0.8", user_agent="test", http_accept="*/*", path_info="/accounts/login/",
        get_data="", post_data="", failures_since_start=5,
    )
    client = admins(SECURITY_ADMIN)
    assert admins(SYSTEM_ADMIN).post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert security_events("account.unlocked").get().actor.username == SECURITY_ADMIN


def test_the_audit_administrator_reads_the_trail_with_case_contents_masked(admins, cast):
    title, *_rest, (insured, insured_id) = REAL_STORY
    case = stories.tell(REAL_STORY, cast)
    account_set_active(actor=User.objects.get(username=SECURITY_ADMIN), user=cast.user("msb_clerk"), active=False)
    client = admins(AUDIT_ADMIN)
    page = client.get("/admin/agencies/auditevent/?all=").content.decode()
    assert "case.registered" in page and f"case:{case.pk}" in page
    for secret in (title, insured, insured_id, "486320", case.number):
        assert secret not in page, secret
    assert "停用账号 孙悦（msb_clerk）" in page  # the security log is read in full
    registered = AuditEvent.objects.get(verb="case.registered", target_id=str(case.pk))
    detail = client.get(f"/admin/agencies/auditevent/{registered.pk}/change/")
    assert detail.status_code == 200
    assert "case.registered" in detail.content.decode() and title not in detail.content.decode()
    assert client.post(f"/admin/agencies/auditevent/{registered.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/agencies/auditevent/{registered.pk}/history/").status_code == 403
    for url in ("/admin/agencies/officer/", "/admin/auth/user/", "/admin/casework/holidayyear/", "/admin/viewflow/process/"):
        assert client.get(url).status_code in REFUSED, url


def test_the_events_of_a_confidential_discipline_referral_are_fully_masked(admins, cast, tell):
    from referral.clues import clue_open
    from referral.models import ReferralKind

    case = tell(stories.PENDING_DECISION, title="医保中心人员内外勾结案")
    referral = clue_open(case=case, kind=ReferralKind.DISCIPLINE, opened_by=cast.user("msb_head"))
    event = AuditEvent.objects.get(thread=f"referral:{referral.pk}")
    client = admins(AUDIT_ADMIN)
    page = client.get("/admin/agencies/auditevent/").content.decode()
    assert "case.registered" in page
    assert event.verb not in page and f"referral:{referral.pk}" not in page and "〔保密〕" in page
    detail = client.get(f"/admin/agencies/auditevent/{event.pk}/change/").content.decode()
    assert event.verb not in detail and "周明" not in detail and "msb_head" not in detail


def test_the_admin_site_shows_no_case_process_task_referral_or_notification_model():
    labels = {model._meta.label_lower for model in admin.site._registry}
    assert labels <= ADMIN_MODELS
    assert "viewflow.process" not in labels and "viewflow.task" not in labels
    assert not {label for label in labels if label.split(".")[0] in {"referral", "notifications", "guardian", "viewflow"}}


@pytest.mark.parametrize("debug, active, fires", [(False, True, True), (True, True, False), (False, False, False)])
def test_the_system_check_refuses_an_active_superuser_in_production(db, settings, debug, active, fires):
    User.objects.create_superuser(username="root", password=NEW_PASSWORD, is_active=active)
    settings.DEBUG = debug
    if not fires:
        call_command("check", "--database", "default")
        return
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", "--database", "default")
    assert "agencies.E002" in str(raised.value) and "root" in str(raised.value) and "create_administrator" in str(raised.value)


def test_create_administrator_makes_a_staff_account_that_is_not_a_superuser(db, monkeypatch):
    monkeypatch.setenv("LIANBAN_ADMIN_PASSWORD", NEW_PASSWORD)
    call_command("create_administrator", "--role", "audit", "--username", "auditor1")
    user = User.objects.get(username="auditor1")
    assert (user.is_staff, user.is_superuser, role_of(user)) == (True, False, AdminRole.AUDIT)
    assert user.check_password(NEW_PASSWORD)
    assert security_events("administrator.created").get().target_id == str(user.pk)


def test_create_administrator_turns_a_leftover_superuser_into_an_administrator(db):
    root = User.objects.create_superuser(username="root", password=NEW_PASSWORD)
    call_command("create_administrator", "--role", "system", "--username", "root")
    root.refresh_from_db()
    assert not root.is_superuser and role_of(root) == AdminRole.SYSTEM
    assert list(administrators(AdminRole.SYSTEM)) == [root]


@pytest.mark.parametrize("password", ["short", "12345678901"])
def test_create_administrator_refuses_a_weak_password_and_creates_nothing(db, monkeypatch, password):
    monkeypatch.setenv("LIANBAN_ADMIN_PASSWORD", password)
    with pytest.raises(CommandError):
        call_command("create_administrator", "--role", "security", "--username", "sec1")
    assert not User.objects.filter(username="sec1").exists()


def test_create_administrator_refuses_an_officers_account(cast, monkeypatch):
    monkeypatch.setenv("LIANBAN_ADMIN_PASSWORD", NEW_PASSWORD)
    with pytest.raises(CommandError, match="机关工作人员"):
        call_command("create_administrator", "--role", "security", "--username", "msb_officer")
    assert not cast.user("msb_officer").is_staff


def test_the_role_groups_of_an_agency_are_left_alone_by_the_administrator_roles(cast):
    """The administrator groups hold model permissions only; no agency role group gains any."""
    system_admin_ensure()
    assert not AgencyGroup.objects.filter(group__permissions__isnull=False).exists()


def test_create_administrator_asks_twice_and_refuses_two_different_passwords(db, monkeypatch):
    from agencies.management.commands import create_administrator

    monkeypatch.delenv("LIANBAN_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(create_administrator.Command, "stdin_is_interactive", staticmethod(lambda: True))
    answers = iter([NEW_PASSWORD, NEW_PASSWORD + "x"])
    monkeypatch.setattr(create_administrator.getpass, "getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="两次输入的密码不一致"):
        call_command("create_administrator", "--role", "system", "--username", "sys2")
    assert not User.objects.filter(username="sys2").exists()


def test_the_system_administrator_puts_an_agency_on_paper_and_its_recorders_clerks_may_then_act_for_it(admins, cast):
    police, bureau = cast.agencies["zj-psb"], cast.agencies["zj-msb"]
    form = {
        "code": police.code, "name": police.name, "short_name": police.short_name, "kind": police.kind, "level": police.level,
        "region_code": police.region_code, "region_name": police.region_name, "parent": "", "doc_prefix": police.doc_prefix,
        "address": "", "phone": "", "_save": "保存",
    }
    clerk = cast.user("msb_clerk")
    assert not clerk.has_perm("agencies.act_for_agency", police)
    response = admins(SYSTEM_ADMIN).post(f"/admin/agencies/agency/{police.pk}/change/", {**form, "recorded_by": bureau.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    police.refresh_from_db()
    clerk = type(clerk).objects.get(pk=clerk.pk)  # a fresh permission cache
    assert police.recorded_by == bureau and clerk.has_perm("agencies.act_for_agency", police)
    assert not cast.user("msb_officer").has_perm("agencies.act_for_agency", police)  # the clerks only
    event = AuditEvent.objects.get(verb="agency.recorder_changed")
    assert event.actor.username == SYSTEM_ADMIN and event.summary == "镇江市公安局改为纸质办理，由镇江市医疗保障局文书代录"

    # The bureau cannot go on paper while it records for the police: a clear error, nothing changed.
    bureau_form = {**form, "code": bureau.code, "name": bureau.name, "short_name": bureau.short_name, "kind": bureau.kind,
                   "level": bureau.level, "region_code": bureau.region_code, "region_name": bureau.region_name,
                   "parent": bureau.parent_id or "", "doc_prefix": bureau.doc_prefix, "recorded_by": cast.agencies["zj-fund"].pk}
    response = admins(SYSTEM_ADMIN).post(f"/admin/agencies/agency/{bureau.pk}/change/", bureau_form)
    assert response.status_code == 200 and "正在为其他机关代录" in response.content.decode()
    bureau.refresh_from_db()
    assert bureau.recorded_by is None and AuditEvent.objects.filter(verb="agency.recorder_changed").count() == 1
