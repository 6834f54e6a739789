"""搜索 (`/search/?q=`): one box over what the user may see — cases (by number, title, a party's name,
身份证号 or 统一社会信用代码), referrals (by case title, case number or 文号) and, for the bureaus
and handling agencies, the 定点医药机构 (by name or 统一社会信用代码).

Each section is the first page of the list it comes from (search.selectors), with a link to that
list searched for the same words. Identity numbers are never shown in the results: a case found by
one shows its number and title only.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.views import generic

from agencies.permissions import officer_of
from search.selectors import LONGEST_QUERY, search_sections


class SearchView(LoginRequiredMixin, generic.TemplateView):
    template_name = "search/search.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and officer_of(request.user) is None:
            raise PermissionDenied("搜索供机关工作人员使用。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        q = self.request.GET.get("q", "").strip()[:LONGEST_QUERY]
        sections = search_sections(user=self.request.user, q=q)
        return super().get_context_data(q=q, sections=sections, found=any(section.rows for section in sections), **kwargs)
