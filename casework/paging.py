"""Pages without counting: every list shows "第 21–40 条" and a 下一页 link when there is more.

Django's Paginator counts the whole list on every page (`SELECT COUNT(*)` over everything the user
may see: at 100k visible cases that count alone costs more than the page). Here a page reads one row
more than it shows; that row only tells whether there is a next page.
"""

from __future__ import annotations

import binascii
import heapq
import itertools
import json
from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import date, datetime, timezone

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger, Paginator
from django.db import connections, models
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from agencies.visibility import Pages


PAGING_PARAMS = ("page", "after", "before")


def counted_up_to(cap: int, *querysets: QuerySet) -> list[int]:
    """How many rows each queryset has, counted no further than `cap`, in one query.

    A badge on every page may not count a whole list, and several badges need not cost a round trip
    each: each count reads at most `cap` keys from its list's index, and the counts come back as the
    columns of one row. The querysets are read from the first one's database.
    """
    if not querysets:
        return []
    using = querysets[0].db
    columns, params = [], []
    for queryset in querysets:
        try:
            sql, sql_params = queryset.order_by().values("pk")[:cap].query.get_compiler(using=using).as_sql()
        except EmptyResultSet:  # empty by its conditions (`none()`, `pk__in=[]`): nothing to ask the database
            columns.append("0")
            continue
        columns.append(f"(SELECT COUNT(*) FROM ({sql}) capped)")
        params += sql_params
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        return list(cursor.fetchone())


def query_without_paging(params) -> str:
    """The request's query string (search, filters, order) without its page or cursor: what the
    下一页 / 上一页 links keep."""
    kept = params.copy()
    for name in PAGING_PARAMS:
        kept.pop(name, None)
    return kept.urlencode()


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
# lists read in an index's order (agencies.visibility.Pages) page by the last row's key instead:
# 下一页 carries `?after=<cursor>`, 上一页 `?before=<cursor>`, and the next page starts right at that
# key in the index, so page 1,000 costs what page 1 costs. The cursor is the row's (sort key, id) and
# its place in the list (only to show "第 a–b 条"), base64-encoded; a cursor that does not parse
# shows page 1. It grants nothing: the page is still read from the user's own grants.

Key = tuple  # (sort key, id) — or, for a KeysetPages list, its order's fields ending with the id
KEY_TYPES = (datetime, int)  # what a grant list's (VisiblePages, BranchPages) key holds


def cursor_encode(key: Key, position: int) -> str:
    if len(key) == 2 and type(key[0]) is datetime and type(key[1]) is int:
        sort_key, pk = key
        return urlsafe_b64encode(f"{sort_key.isoformat()}|{pk}|{position}".encode()).decode().rstrip("=")
    payload = json.dumps([[_tagged(value) for value in key], position], ensure_ascii=False, separators=(",", ":"))
    return urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def cursor_decode(text: str | None) -> tuple[Key, int] | None:
    """(key, position) of a cursor from cursor_encode; None for anything else."""
    if not text or len(text) > 1200:
        return None
    try:
        payload = urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        if payload.startswith("["):
            return _decode_fields(payload)
        if len(text) > 120:
            return None
        sort_key, pk, position = payload.split("|")
        moment, pk, position = datetime.fromisoformat(sort_key), int(pk), int(position)
        if moment.tzinfo is None or pk < 1 or not 0 <= position < 10**9 or pk >= 2**63:
            return None
        return (moment.astimezone(timezone.utc), pk), position
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, binascii.Error):
        return None


# A key of other fields (a date, a name, several columns) goes as JSON: each value tagged with its type
# ("t" a moment, "d" a day, "s" text; ids are numbers), so it comes back as what the database compares.


def _tagged(value):
    if isinstance(value, datetime):
        return "t" + value.isoformat()
    if isinstance(value, date):
        return "d" + value.isoformat()
    if isinstance(value, str):
        return "s" + value
    return value


def _untagged(value):
    if type(value) is int and -(2**63) <= value < 2**63:
        return value
    if type(value) is not str or len(value) > 300:
        raise ValueError("not a key value")
    tag, text = value[:1], value[1:]
    if tag == "t":
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("a moment without its time zone")
        return moment.astimezone(timezone.utc)
    if tag == "d":
        return date.fromisoformat(text)
    if tag == "s":
        return text
    raise ValueError("not a key value")


def _decode_fields(payload: str) -> tuple[Key, int] | None:
    values, position = json.loads(payload)
    if type(values) is not list or not 2 <= len(values) <= 5 or type(position) is not int or not 0 <= position < 10**9:
        return None
    *fields, pk = values
    if type(pk) is not int or not 1 <= pk < 2**63:
        return None
    return (*(_untagged(value) for value in fields), pk), position


def _fits(key: Key, types: tuple[type, ...]) -> bool:
    """Whether a cursor's key has the shape of the list's (a cursor of another list opens page 1)."""
    return len(key) == len(types) and all(type(value) is kind for value, kind in zip(key, types))


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
    """Pages of a `Pages` list read past a cursor (`after` or `before`); without one, the first page."""

    def seek(self, *, after: str | None = None, before: str | None = None) -> KeysetPage:
        pages, size = self.object_list, self.per_page
        types = getattr(pages, "key_types", KEY_TYPES)
        before, after = (cursor_decode(text) for text in (before, after))
        before, after = (cursor if cursor and _fits(cursor[0], types) else None for cursor in (before, after))
        if (cursor := before) is not None:
            key, position = cursor
            keys, rows, more_before = pages.read(size=size, before=key)
            if keys:
                start = max(position - len(keys), 1) if more_before else 0
                return KeysetPage(rows[::-1], self, keys=keys[::-1], start=start, more_before=more_before, more_after=True)
        elif (cursor := after) is not None:
            key, position = cursor
            keys, rows, more_after = pages.read(size=size, after=key)
            if keys:
                return KeysetPage(rows, self, keys=keys, start=position, more_before=True, more_after=more_after)
        keys, rows, more_after = pages.read(size=size)  # no cursor, a bad one, or one past either end: the first page
        return KeysetPage(rows, self, keys=keys, start=0, more_before=False, more_after=more_after)


# --- one scoped list in the order of its own index ------------------------------------------------------
#
# Lists that are not read from grants (agreements, inspections: visibility follows the officer's agency)
# are one query each, filtered to what the user may see and ordered by fields an index holds in that
# order, ending with the id. A page past a cursor is a row comparison, `(a, b, id) > (…)`, which
# PostgreSQL starts the index scan at: no OFFSET, no count, page 1,000 costs what page 1 costs.


def _key_type(field: models.Field) -> type:
    for model_field, kind in ((models.DateTimeField, datetime), (models.DateField, date), (models.CharField, str),
                              (models.TextField, str), (models.IntegerField, int), (models.AutoField, int)):
        if isinstance(field, model_field):
            return kind
    raise TypeError(f"{field} cannot be part of a list's key")


class KeysetPages(Pages):
    """What a list view pages through: `rows` (scoped, filtered, with its select_related) in `order` —
    field names all ascending or all descending ("-"), the last one the primary key."""

    def __init__(self, *, rows: QuerySet, order: tuple[str, ...], key_types: tuple[type, ...] | None = None):
        """`key_types` names the key's types when the order holds an annotation of `rows` (it is read
        from the model's fields otherwise)."""
        self.model, self._rows = rows.model, rows
        self._descending = order[0].startswith("-")
        self._fields = tuple(name.removeprefix("-") for name in order)
        if {name.startswith("-") for name in order} != {self._descending} or self._fields[-1] not in ("id", "pk"):
            raise ValueError("a list's order runs one way and ends with the id")
        self.key_types = key_types or tuple(_key_type(self.model._meta.get_field(name)) for name in self._fields)

    def query(self, *, after: Key | None = None, before: Key | None = None) -> QuerySet:
        """The `(…, id)` keys past the cursor, in reading order (backwards when reading `before` a key)."""
        backwards = before is not None
        order = [f"-{name}" if self._descending != backwards else name for name in self._fields]
        rows = self._rows
        if (key := before if backwards else after) is not None:
            later = TupleGreaterThan if order[0] == self._fields[0] else TupleLessThan
            rows = rows.filter(later(Tuple(*(F(name) for name in self._fields)), tuple(key)))
        return rows.order_by(*order).values_list(*self._fields)

    def keys(self, *, stop: int, after: Key | None = None, before: Key | None = None) -> list[Key]:
        return [tuple(row) for row in self.query(after=after, before=before)[:stop]] if stop > 0 else []


class MergedPages(Pages):
    """One list read from several disjoint KeysetPages in the same order, each served by its own
    index (a UNION ALL done by the page: each part reads at most a page past the cursor, and the
    page takes the first keys of their merge). The page's rows are loaded from `rows`."""

    def __init__(self, *, parts: list[KeysetPages], rows: QuerySet):
        first = parts[0]
        if any((part._fields, part._descending) != (first._fields, first._descending) for part in parts):
            raise ValueError("the parts of a merged list share one order")
        self.model, self._rows = rows.model, rows
        self._parts, self._descending, self.key_types = parts, first._descending, first.key_types

    def keys(self, *, stop: int, after: Key | None = None, before: Key | None = None) -> list[Key]:
        if stop <= 0:
            return []
        reading_down = self._descending != (before is not None)
        merged = heapq.merge(*(part.keys(stop=stop, after=after, before=before) for part in self._parts), reverse=reading_down)
        return list(itertools.islice(merged, stop))
