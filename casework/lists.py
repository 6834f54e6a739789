"""The paginated, searchable list every app's list pages share (no flow imports: any app may use it)."""

from __future__ import annotations

from django.views import generic

from casework.paging import CountlessPaginator


class SearchListView(generic.ListView):
    """A paginated list with `?q=` search and a `?status=` filter, both handed to the selector."""

    paginate_by = 20
    paginator_class = CountlessPaginator  # no COUNT of everything visible on every page
    statuses: list = []

    def select(self, *, user, search: str, status: str):  # pragma: no cover - each list defines it
        raise NotImplementedError

    def get_queryset(self):
        return self.select(user=self.request.user, search=self.request.GET.get("q", "").strip(), status=self.request.GET.get("status", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=self.statuses, q=self.request.GET.get("q", ""), status=self.request.GET.get("status", ""), **kwargs
        )
