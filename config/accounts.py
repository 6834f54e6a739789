"""Signing in and out, and changing one's own password (viewflow's AuthViewset at /accounts/).

A forgotten password is reset by the 安全管理员 (三员分立, agencies.administrators), whose reset is
recorded in the security log — never by an e-mailed link, which an intranet deployment cannot send
and which would bypass that record. The login form's 重置密码 link says so; Django's e-mail reset
pages are not served.
"""

from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView
from viewflow.contrib.auth import AuthViewset


class LianbanAuthViewset(AuthViewset):
    @property
    def pass_reset_path(self):
        return path("password_reset/", TemplateView.as_view(template_name="registration/password_forgotten.html"), name="password_reset")

    @property
    def pass_reset_done_path(self):
        return None

    @property
    def pass_reset_confirm_path(self):
        return None

    @property
    def pass_reset_complete_path(self):
        return None
