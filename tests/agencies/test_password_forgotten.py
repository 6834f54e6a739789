"""重置密码 on the login form: a forgotten password is reset by the 安全管理员, not by an e-mailed link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_login_forms_reset_link_says_who_resets_a_password_and_sends_nothing(cast):
    login_page = Client().get("/").content.decode()
    link = re.search(r'href="([^"]+)"[^>]*>\s*重置密码\s*</a>', login_page)
    assert link, "the login form should offer 重置密码"
    page = Client().get(link.group(1))
    text = page.content.decode()
    assert page.status_code == 200 and "安全管理员" in text and "不通过电子邮件" in text
    assert "/admin/" not in text and 'name="email"' not in text

    posted = Client().post(link.group(1), {"email": "officer@example.gov.cn"})
    assert posted.status_code == 405 and mail.outbox == []


@pytest.mark.parametrize("url", ["/accounts/password_reset/done/", "/accounts/reset/MQ/set-password/"])
def test_the_e_mail_reset_pages_are_not_served(db, url):
    assert Client().get(url).status_code == 404


def test_a_signed_in_officer_still_changes_their_own_password(cast, login):
    assert login("msb_officer").get("/accounts/password_change/").status_code == 200
