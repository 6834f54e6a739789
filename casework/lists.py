"""The paginated, searchable list every app's list pages share (no flow imports: any app may use it)."""

from __future__ import annotations

from django.views import generic

from agencies.visibility import Pages
from casework.paging import CountlessPaginator, KeysetPaginator, query_without_paging


class SearchListView(generic.ListView):
    """A paginated list with `?q=` search and a `?status=` filter, both handed to the selector.

    A selector that reads in index order (agencies.visibility.Pages) is paged
    by cursor (`?after=` / `?before=`, casework.paging.KeysetPaginator); any other list by page
    number, without counting.
    """

    paginate_by = 20
    paginator_class = CountlessPaginator  # no COUNT of everything visible on every page
    statuses: list = []

    def select(self, *, user, search: str, status: str):  # pragma: no cover - each list defines it
        raise NotImplementedError

    def get_queryset(self):
        return self.select(user=self.request.user, search=self.request.GET.get("q", "").strip(), status=self.request.GET.get("status", ""))

    def paginate_queryset(self, queryset, page_size):
        if not isinstance(queryset, Pages):
            return super().paginate_queryset(queryset, page_size)
        paginator = KeysetPaginator(queryset, page_size)
        page = paginator.seek(after=self.request.GET.get("after"), before=self.request.GET.get("before"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=self.statuses, q=self.request.GET.get("q", ""), status=self.request.GET.get("status", ""),
            page_query=query_without_paging(self.request.GET), **kwargs,
        )
