"""The 搜索 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from agencies.permissions import officer_of
from search import views


def can_search(user) -> bool:
    return user.is_authenticated and officer_of(user) is not None


class SearchApp(Application):
    title = "搜索"
    icon = "search"
    app_name = "search"
    permission = staticmethod(can_search)  # officers; the administrators see no cases
    menu_template_name = None

    index_path = path("", views.SearchView.as_view(), name="index")
