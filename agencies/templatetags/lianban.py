"""Template helpers of every page: the site's chrome (the menus) and the cells of the lists' rows.

A list prints twenty rows of six or seven cells on every page, so what a cell costs is paid a hundred
and forty times. Django's own ways of writing three common cells cost far more than the cell: `{% url %}`
resolves the address anew for each row, `get_<field>_display` builds its choices dict anew for each
call, and the `date` filter formats through the localisation machinery. The filters below give the same
text from work done once: `row_url` from the address's pattern reversed once (agencies.links),
`display` from each field's choices kept as a dict, `minute` with one strftime.

The menus and a task list's filter are the same HTML for everyone who sees the same entries, yet
a page built them anew each time: ~15 entries, each a permission check, an address and a
translation, and a form of a hundred options (2–4 ms of CPU a page at 1M cases). They are
rendered once per worker process with Django's `{% cache %}` into the "fragments" cache
(config/settings.py), under a key of everything they depend on: `menu_key` and `filter_key`.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from agencies.links import row_url as _row_url

register = template.Library()


@register.filter
def viewset_url(viewset, name: str = "index") -> str:
    """`{% reverse viewset name %}` (viewflow's tag), reversed once and kept per script prefix and URLconf,
    like the lists' row addresses (agencies.links): `{{ app|viewset_url:"inbox" }}` for the workflow
    menu's four links, which stay outside its cached part (they carry the badges)."""
    return _row_url(viewset.reverse, name)


def _site_key() -> str:
    """Where the site is mounted and in which language the page is: the same menu or form under
    another script prefix or URLconf has other addresses, in another language other words."""
    return f"{get_script_prefix()}|{get_urlconf()}|{get_language()}"


@register.simple_tag(takes_context=True)
def menu_key(context, menu) -> str:
    """The key of a viewflow menu's HTML (the site's applications, or an application's viewsets):
    the menu, which of its entries the user may see (each one's `has_view_permission`, asked here as
    the menu's template asks it), the site's place and language, and whether the page's viewset
    turns Turbo off (the site menu's links say so)."""
    user = context["request"].user
    seen = "".join("1" if item.has_view_permission(user) else "0" for item in menu.menu_items())
    turbo_off = bool(getattr(context.get("viewset"), "turbo_disabled", False))
    return f"menu|{id(menu)}|{seen}|{turbo_off}|{_site_key()}"


PAGING = ("after", "before")  # the cursors of casework.paging: which page, not what the filter shows


@register.simple_tag(takes_context=True)
def filter_key(context, view) -> str:
    """The key of a task list's filter form (casework.tasklists.TaskListFilter), whose choices are the
    flows' steps, the same for every user: the view, its flows, the query's values other than the
    page's cursor (what the form shows as chosen, and the list's order), the site's place and language."""
    flows = ",".join(f"{flow.__module__}.{flow.__qualname__}" for flow in view.flow_classes)
    query = sorted((name, values) for name, values in context["request"].GET.lists() if name not in PAGING)
    return f"filter|{type(view).__module__}.{type(view).__qualname__}|{flows}|{query!r}|{_site_key()}"


@register.filter
def row_url(pk, viewname: str) -> str:
    """`{% url viewname pk %}` for a row's integer key: `{{ case.pk|row_url:"cases:detail" }}`."""
    return _row_url(reverse, viewname, pk)


@lru_cache(maxsize=256)
def _choices(model: type, field_name: str) -> dict:
    return dict(make_hashable(model._meta.get_field(field_name).flatchoices))


@register.filter
def display(obj, field_name: str) -> str:
    """`obj.get_<field>_display()`, its choices read into a dict once: `{{ case|display:"status" }}`."""
    value = getattr(obj, field_name)
    return force_str(_choices(type(obj), field_name).get(make_hashable(value), value), strings_only=True)


@register.filter
def minute(value: datetime | None) -> str:
    """`value|date:"Y-m-d H:i"` in the current time zone; "" for no time (so `|default:` still applies)."""
    if not value:
        return ""
    return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
