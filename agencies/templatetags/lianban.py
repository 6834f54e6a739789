"""Template helpers of the site's chrome (the menu every page shows)."""

from __future__ import annotations

from django import template

from agencies.links import row_url

register = template.Library()


@register.filter
def index_url(app) -> str:
    """An application's start page, for the site menu: reversed once (viewflow's `{% reverse %}` resolved
    each of the fourteen on every page) and kept per script prefix and URLconf, like the lists' row
    addresses (agencies.links): a site mounted under a path, or a test with its own URLconf, gets its own."""
    return row_url(app.reverse, "index")
