"""Template helpers of the site's chrome (the menu every page shows)."""

from __future__ import annotations

from django import template

register = template.Library()

_index_urls: dict[int, str] = {}


@register.filter
def index_url(app) -> str:
    """An application's start page, for the site menu: reversed once per process (viewflow's `{% reverse %}`
    resolved each of the fourteen on every page). The site's URLs are fixed once its URLconf is loaded."""
    key = id(app)
    if key not in _index_urls:
        _index_urls[key] = app.reverse("index")
    return _index_urls[key]
