"""Pages without counting: every list shows "第 21–40 条" and a 下一页 link when there is more.

Django's Paginator counts the whole list on every page (`SELECT COUNT(*)` over everything the user
may see: at 100k visible cases that count alone costs more than the page). Here a page reads one row
more than it shows; that row only tells whether there is a next page.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger, Paginator


class CountlessPage(Page):
    def __init__(self, object_list, number: int, paginator: CountlessPaginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self._more = more

    def has_next(self) -> bool:
        return self._more

    def next_page_number(self) -> int:
        if not self._more:
            raise EmptyPage("没有下一页")
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class CountlessPaginator(Paginator):
    """A Paginator whose pages never count the list (`count` and `num_pages` are unknown: None)."""

    @property
    def count(self) -> None:  # type: ignore[override]
        return None

    @property
    def num_pages(self) -> None:  # type: ignore[override]
        return None

    def validate_number(self, number) -> int:
        try:
            number = int(str(number))
        except (TypeError, ValueError):
            raise PageNotAnInteger("页码必须是正整数") from None
        if number < 1:
            raise EmptyPage("页码必须是正整数")
        return number

    def page(self, number) -> CountlessPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("该页没有内容")
        return CountlessPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number) -> CountlessPage:
        try:
            return self.page(number)
        except InvalidPage:
            return self.page(1)
