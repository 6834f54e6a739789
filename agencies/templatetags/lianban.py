"""Template helpers of every page: the site's chrome (the menu) and the cells of the lists' rows.

A list prints twenty rows of six or seven cells on every page, so what a cell costs is paid a hundred
and forty times. Django's own ways of writing three common cells cost far more than the cell: `{% url %}`
resolves the address anew for each row, `get_<field>_display` builds its choices dict anew for each
call, and the `date` filter formats through the localisation machinery. The filters below give the same
text from work done once: `row_url` from the address's pattern reversed once (agencies.links),
`display` from each field's choices kept as a dict, `minute` with one strftime.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from agencies.links import row_url as _row_url

register = template.Library()


@register.filter
def index_url(app) -> str:
    """An application's start page, for the site menu: reversed once (viewflow's `{% reverse %}` resolved
    each of the fourteen on every page) and kept per script prefix and URLconf, like the lists' row
    addresses (agencies.links): a site mounted under a path, or a test with its own URLconf, gets its own."""
    return _row_url(app.reverse, "index")


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
