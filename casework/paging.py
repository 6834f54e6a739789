"""Pages without counting: every list shows "第 21–40 条" and a 下一页 link when there is more.

Django's Paginator counts the whole list on every page (`SELECT COUNT(*)` over everything the user
may see: at 100k visible cases that count alone costs more than the page). Here a page reads one row
more than it shows; that row only tells whether there is a next page.
"""

from __future__ import annotations

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import datetime, timezone

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

    def next_param(self) -> str:
        return f"page={self.number + 1}" if self._more else ""

    def previous_param(self) -> str:
        return f"page={self.number - 1}" if self.has_previous() else ""


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


# --- keyset ("seek") pages ------------------------------------------------------------------------------
#
# An OFFSET page still reads and throws away every row before it: page 1,000 reads 20,000 rows. The
# lists read from the grants (agencies.visibility.VisiblePages) page by the last row's key instead:
# 下一页 carries `?after=<cursor>`, 上一页 `?before=<cursor>`, and the next page starts right at that
# key in the index, so page 1,000 costs what page 1 costs. The cursor is the row's (sort key, id) and
# its place in the list (only to show "第 a–b 条"), base64-encoded; a cursor that does not parse
# shows page 1. It grants nothing: the page is still read from the user's own grants.

Key = tuple[datetime, int]


def cursor_encode(key: Key, position: int) -> str:
    sort_key, pk = key
    return urlsafe_b64encode(f"{sort_key.isoformat()}|{pk}|{position}".encode()).decode().rstrip("=")


def cursor_decode(text: str | None) -> tuple[Key, int] | None:
    """(key, position) of a cursor from cursor_encode; None for anything else."""
    if not text or len(text) > 120:
        return None
    try:
        sort_key, pk, position = urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().split("|")
        moment, pk, position = datetime.fromisoformat(sort_key), int(pk), int(position)
        if moment.tzinfo is None or pk < 1 or not 0 <= position < 10**9 or pk >= 2**63:
            return None
        return (moment.astimezone(timezone.utc), pk), position
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error):
        return None


class KeysetPage(Page):
    """A page read past a cursor; its links carry the cursors of its first and last rows."""

    def __init__(self, object_list, paginator, *, keys: list[Key], start: int, more_before: bool, more_after: bool):
        super().__init__(object_list, start // paginator.per_page + 1, paginator)
        self._keys, self._start = keys, start
        self._before, self._after = more_before, more_after

    def has_next(self) -> bool:
        return self._after

    def has_previous(self) -> bool:
        return self._before

    def start_index(self) -> int:
        return self._start + 1 if self.object_list else 0

    def end_index(self) -> int:
        return self._start + len(self.object_list)

    def next_param(self) -> str:
        return f"after={cursor_encode(self._keys[-1], self.end_index())}" if self._after else ""

    def previous_param(self) -> str:
        return f"before={cursor_encode(self._keys[0], self._start)}" if self._before else ""


class KeysetPaginator(CountlessPaginator):
    """Pages of a VisiblePages read past a cursor (`after` or `before`); without one, the first page."""

    def seek(self, *, after: str | None = None, before: str | None = None) -> KeysetPage:
        pages, size = self.object_list, self.per_page
        if (cursor := cursor_decode(before)) is not None:
            key, position = cursor
            keys = pages.keys(stop=size + 1, before=key)
            more_before = len(keys) > size
            keys = keys[:size][::-1]
            if keys:
                start = max(position - len(keys), 1) if more_before else 0
                return KeysetPage(pages.load(keys), self, keys=keys, start=start, more_before=more_before, more_after=True)
        elif (cursor := cursor_decode(after)) is not None:
            key, position = cursor
            keys = pages.keys(stop=size + 1, after=key)
            if keys:
                return KeysetPage(
                    pages.load(keys[:size]), self, keys=keys[:size], start=position, more_before=True,
                    more_after=len(keys) > size,
                )
        keys = pages.keys(stop=size + 1)  # no cursor, a bad one, or one past either end: the first page
        return KeysetPage(pages.load(keys[:size]), self, keys=keys[:size], start=0, more_before=False, more_after=len(keys) > size)
