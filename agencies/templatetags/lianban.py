"""Template helpers of the site's chrome (the menu every page shows)."""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf

register = template.Library()

_index_urls: dict[tuple, str] = {}


@register.filter
def index_url(app) -> str:
    """An application's start page, for the site menu: reversed once (viewflow's `{% reverse %}` resolved
    each of the fourteen on every page), kept per script prefix and URLconf like casework.links' row
    addresses, so a site mounted under a path, or a test with its own URLconf, gets its own."""
    key = (id(app), get_script_prefix(), get_urlconf())
    if key not in _index_urls:
        _index_urls[key] = app.reverse("index")
    return _index_urls[key]
