"""Lists of what a user may see, read from the grants in the list's order.

Guardian answers "which objects may this user see?" with `pk IN (user's grants) OR pk IN (groups'
grants)`: the database reads every visible row, sorts them all and only then cuts the page; at
100k visible cases that is hundreds of milliseconds a page, growing with every case. Here each
grant row carries its object's sort key (`SortedGrant`), and a page is read from the grant indexes
in that order: one short index scan per group of the user and one for the user's own grants, merged
(a UNION ALL, never guardian's OR; on PostgreSQL one query, elsewhere one a branch merged in Python) —
a page costs the same at any number of cases.

Deeper pages start at the previous page's last key (`after`, casework.paging.KeysetPaginator): the
key is one more condition on the same index scans, so page 1,000 costs what page 1 costs. A search
or status filter (`matching`) is checked on each grant's object, found by primary key as the index
yields the grants: no table is read whole, but a rare match costs reading past the grants that do not
match (the price of keeping the list's order without sorting everything visible).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from agencies.permissions import group_ids
from agencies import prepared


class SortedGrant(models.Model):
    """A per-object grant that carries its object's sort key (copied on save; the key never changes).

    Concrete grant models set `sort_key_source` (the object's field) and index
    `(group or user, permission, -sort_key, -content_object)`.
    """

    sort_key_source = ""
    sort_key = models.DateTimeField("排序键", editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.sort_key = getattr(self.content_object, self.sort_key_source)
        super().save(*args, **kwargs)


_permission_ids: dict[str, int] = {}


def _permission_id(perm: str) -> int:
    """The permission's id, looked up once per process (every list page asks it). Permissions change
    only with migrations, and `forget_permission_ids` runs after each (a test database's flush
    re-creates them with new ids)."""
    if perm not in _permission_ids:
        app_label, codename = perm.split(".", 1)
        _permission_ids[perm] = Permission.objects.values_list("pk", flat=True).get(content_type__app_label=app_label, codename=codename)
    return _permission_ids[perm]


def forget_permission_ids(**kwargs) -> None:
    _permission_ids.clear()
    prepared.forget()  # the page statements, keyed by the ids too


def granted(
    queryset: QuerySet, *, user: AbstractBaseUser, perm: str, user_grants: type[SortedGrant], group_grants: type[SortedGrant],
) -> QuerySet:
    """`queryset` cut to the objects `user` holds `perm` on, directly or through a group: what
    guardian's `get_objects_for_user(…, accept_global_perms=False, with_superuser=False)` answers,
    without its look-ups of the permission's content type and of the user's groups on every call (the
    permission's id is read once per process, the groups once per request). For a question about
    one object, or a filter: a page of a list is read by `visible_keys`.

    Each way of holding the grant is asked about the object itself (`EXISTS`, the grant index's
    last column), not as guardian's `pk IN (every grant)`: to answer "may this officer see case 42",
    PostgreSQL built a hash of all the officer's grants first, 35–40 ms for the 130,000 cases an
    officer of a big bureau sees at 1M, on every task page and 办理 (the task guard). Asked of many
    objects, PostgreSQL may still read the grants whole into a hash, where that is cheaper."""
    if not user.is_authenticated:
        return queryset.none()
    permission_id = _permission_id(perm)
    direct = user_grants.objects.filter(user=user, permission_id=permission_id, content_object_id=OuterRef("pk"))
    through_groups = group_grants.objects.filter(group_id__in=group_ids(user), permission_id=permission_id, content_object_id=OuterRef("pk"))
    return queryset.filter(Exists(direct) | Exists(through_groups))


GRANT_ORDER = ("-sort_key", "-content_object_id")
Key = tuple[datetime, int]  # an object's place in its list: (sort key, id), newest first


def _seek(*, after: Key | None, before: Key | None, key: str = "sort_key", pk: str = "content_object_id") -> tuple[Q, tuple[str, ...]]:
    """The rows past the cursor, in reading order. `key <= k` is the index condition (the index
    starts right at the cursor, however deep); the tie on `k` is settled by id in a filter."""
    if after is not None:
        value, last = after
        return Q(**{f"{key}__lte": value}) & (Q(**{f"{key}__lt": value}) | Q(**{f"{pk}__lt": last})), (f"-{key}", f"-{pk}")
    if before is not None:
        value, first = before
        return Q(**{f"{key}__gte": value}) & (Q(**{f"{key}__gt": value}) | Q(**{f"{pk}__gt": first})), (key, pk)
    return Q(), (f"-{key}", f"-{pk}")


def grant_branches(
    *, user: AbstractBaseUser, perm: str, user_grants: type[SortedGrant], group_grants: type[SortedGrant],
    after: Key | None = None, before: Key | None = None, matching: Q | None = None,
):
    """One ordered query per way the user holds grants: directly, and through each of the user's groups.

    Each reads `(sort_key, id)` from its grant index in list order, starting past the cursor (`after`
    the given key, or `before` it, read backwards); `matching` (conditions on `content_object__…`)
    keeps only the grants whose object matches a search or filter, looked up by primary key as the
    index yields them: a UNION ALL of the branches, never guardian's `user grants OR group grants`.
    """
    held = _held_keys(perm=perm, after=after, before=before, matching=matching)
    return [held(user_grants, user=user), *(held(group_grants, group_id=group_id) for group_id in group_ids(user))]


def _held_keys(*, perm: str, after: Key | None, before: Key | None, matching: Q | None):
    """`held(grants, **holder)`: the `(sort_key, id)` of one holder's grants of `perm` past the cursor,
    in reading order, each grant's object matching `matching` — a branch of a page's UNION ALL."""
    permission_id = _permission_id(perm)
    seek, order = _seek(after=after, before=before)
    if matching is not None:
        seek &= matching

    def held(grants: type[SortedGrant], **holder) -> QuerySet:
        query = grants.objects.filter(permission_id=permission_id, **holder).filter(seek).order_by(*order)
        return query.values_list("sort_key", "content_object_id")
    return held


def visible_keys(
    *, user: AbstractBaseUser, perm: str, user_grants: type[SortedGrant], group_grants: type[SortedGrant], stop: int,
    after: Key | None = None, before: Key | None = None, matching: Q | None = None,
) -> list[Key]:
    """The first `stop` keys of the objects `user` may see through `perm` past the cursor, in
    reading order (newest first; oldest first when reading `before` a key)."""
    if not user.is_authenticated or stop <= 0:
        return []
    branches = grant_branches(
        user=user, perm=perm, user_grants=user_grants, group_grants=group_grants, after=after, before=before,
        matching=matching,
    )
    backwards = before is not None
    return _merged(_read(branches, stop=stop, backwards=backwards), stop=stop, backwards=backwards)


def _read(branches: list[QuerySet], *, stop: int, backwards: bool) -> list[list[Key]]:
    """Each branch's first `stop` keys, as runs in the branches' reading order.

    Where the database orders and limits each part of a UNION ALL (PostgreSQL), the branches are one
    query — each part still its own index scan, one round trip however many groups the user is in —
    and its rows, whose order across the parts SQL does not promise, are sorted here into one run.
    Elsewhere (SQLite) each branch is a query of its own."""
    together = one_query(branches, stop=stop)
    if together is None:
        return [list(branch[:stop]) for branch in branches]
    return [sorted(together, reverse=not backwards)]


def one_query(branches: list[QuerySet], *, stop: int) -> QuerySet | None:
    """The branches' first `stop` keys each, as one UNION ALL query; None for a single branch or where
    the database cannot order and limit the parts of a compound query (SQLite)."""
    if len(branches) < 2 or not connections[branches[0].db].features.supports_slicing_ordering_in_compound:
        return None
    return branches[0][:stop].union(*(branch[:stop] for branch in branches[1:]), all=True)


def _merged(runs: list[list[Key]], *, stop: int, backwards: bool) -> list[Key]:
    return list(islice(_unique(heapq.merge(*runs, reverse=not backwards)), stop))


def visible_ids(
    *, user: AbstractBaseUser, perm: str, user_grants: type[SortedGrant], group_grants: type[SortedGrant], stop: int
) -> list[int]:
    """The first `stop` ids of the objects `user` may see through `perm`, newest sort key first."""
    keys = visible_keys(user=user, perm=perm, user_grants=user_grants, group_grants=group_grants, stop=stop)
    return [pk for _, pk in keys]


def _unique(rows) -> Iterator[Key]:
    """Each object once (a user may hold the same object through a group and directly: the same key,
    so the copies come out of the merge side by side)."""
    previous = None
    for row in rows:
        if row != previous:
            yield row
        previous = row


# A searched word of TRIGRAM characters or more is looked up first in the trigram indexes on PostgreSQL
# (search/migrations/0001_trigram_indexes.py); if it is found in at most RARE objects, the grant scans are
# handed those ids and skip every other grant at the cost of a hash probe. A shorter word gives the index
# nothing to look up, and a commoner one is soon met on the way down the grants: both are checked on
# each grant's object as the index yields it (`matching` as conditions on `content_object__…`). Whether
# a word is common is first asked of the planner (its estimate from ANALYZE's statistics of the indexed
# expression, no rows read), so a common word costs no look-up it would then throw away.
TRIGRAM = 3
RARE = 2000


def rare_matches(search: str, *found: QuerySet) -> list[int] | None:
    """The ids of the objects the `found` queries (each a flat values_list of ids, served by a trigram
    index) yield for `search`, when there are at most RARE; None when the database cannot look the
    word up in an index, or when it is too common for the list to be worth handing over."""
    if connection.vendor != "postgresql" or len(search) < TRIGRAM:
        return None
    if sum(_estimated_rows(query) for query in found) > 2 * RARE:
        return None
    return few_ids(*found)


def few_ids(*found: QuerySet) -> list[int] | None:
    """The ids the `found` queries yield (each a flat values_list of ids, read from an index), or None
    when there are more than RARE."""
    ids: set[int] = set()
    for query in found:
        ids.update(query[: RARE + 1])
        if len(ids) > RARE:
            return None
    return sorted(ids)


def _estimated_rows(query: QuerySet) -> float:
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]


class Pages:
    """What a list view pages through, in its index's order: `pages.read(size=n, after=key)` reads
    the n rows past a key (the cost of page 1 at any depth), `pages[a:b]` the rows up to b.

    Quacks enough like a QuerySet for Django's ListView and casework.paging (slicing, `model`,
    `ordered`); it is never counted. A kind of list says how it reads its keys (`keys`) and loads
    their rows (`_rows`)."""

    ordered = True
    model: type[models.Model]
    _rows: QuerySet  # the model's queryset that loads a page's objects (with its select_related)

    def keys(self, *, stop: int, after: Key | None = None, before: Key | None = None) -> list[Key]:
        raise NotImplementedError

    def load(self, keys: list[Key]) -> list[models.Model]:
        """The objects of `keys` (each ending with the object's id), in that order."""
        loaded = self._rows.in_bulk([key[-1] for key in keys])
        return [loaded[key[-1]] for key in keys if key[-1] in loaded]

    def read(self, *, size: int, after: Key | None = None, before: Key | None = None) -> tuple[list[Key], list[models.Model], bool]:
        """The first `size` keys past the cursor, their objects, both in reading order (oldest first when
        reading `before` a key), and whether more rows follow: two reads (a key more than the page, the
        page's objects), unless a kind of list can do both in one."""
        keys = self.keys(stop=size + 1, after=after, before=before)
        return keys[:size], self.load(keys[:size]), len(keys) > size

    def __getitem__(self, window: slice) -> list[models.Model]:
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError(f"{type(self).__name__} supports only [start:stop] slices")
        return self.read(size=window.stop)[1][window.start or 0 :]


class VisiblePages(Pages):
    """The objects a user may see through a permission, read from the grant indexes in list order
    (`visible_keys`); on PostgreSQL a page is one statement (`page_query`)."""

    def __init__(self, *, user, perm: str, model: type[models.Model], user_grants, group_grants, rows, matching: Q | None = None):
        self.model = model
        self._user, self._perm = user, perm
        self._user_grants, self._group_grants = user_grants, group_grants
        self._rows = rows
        self._matching = matching  # the search / filter, as conditions on the grants' `content_object__…`

    def keys(self, *, stop: int, after: Key | None = None, before: Key | None = None) -> list[Key]:
        return visible_keys(
            user=self._user, perm=self._perm, user_grants=self._user_grants, group_grants=self._group_grants,
            stop=stop, after=after, before=before, matching=self._matching,
        )

    def read(self, *, size: int, after: Key | None = None, before: Key | None = None) -> tuple[list[Key], list[models.Model], bool]:
        if size <= 0 or connections[self._rows.db].vendor != "postgresql":
            return super().read(size=size, after=after, before=before)
        objects = self._page(stop=size + 1, after=after, before=before)
        page = objects[:size]
        return [(getattr(row, self._sort_field), row.pk) for row in page], page, len(objects) > size

    @property
    def _sort_field(self) -> str:
        """The objects' field their grants' sort key is copied from."""
        return self._user_grants.sort_key_source

    def _page(self, *, stop: int, after: Key | None, before: Key | None) -> list[models.Model]:
        """The rows of `page_query`. A list neither searched nor filtered runs its statement compiled once a
        shape (`_prepared`): on every request the same statement but for the user and the cursor."""
        statement = self._prepared(stop=stop, after=after, before=before) if self._matching is None else None
        if statement is None:
            return list(self.page_query(stop=stop, after=after, before=before))
        cursor = after or before or (None, None)
        return statement.rows({"user": self._user.pk, "key": cursor[0], "id": cursor[1]})

    def _prepared(self, *, stop: int, after: Key | None, before: Key | None) -> prepared.Prepared | None:
        """`page_query`'s statement for this shape of page, compiled with stand-ins for the user and the
        cursor (agencies.prepared), once a process; None for rows the statement cannot be kept for."""
        shape = _rows_shape(self._rows)
        if shape is None:
            return None
        direction = "after" if after is not None else "before" if before is not None else "first"
        permission_id = _permission_id(self._perm)
        key = (PAGE_STATEMENT, self._rows.db, shape, self._user_grants, self._group_grants, permission_id, stop, direction)
        cursor = (_STAND_IN_KEY, _STAND_IN_ID)

        def build():
            statement = self.page_query(
                stop=stop, after=cursor if direction == "after" else None, before=cursor if direction == "before" else None,
                user_id=_STAND_IN_USER,
            )
            return statement, {_STAND_IN_USER: "user", _STAND_IN_KEY: "key", _STAND_IN_ID: "id"}
        try:
            return prepared.kept(key, build)
        except prepared.NotPreparable:
            return None

    def page_query(self, *, stop: int, after: Key | None = None, before: Key | None = None, user_id: int | None = None) -> QuerySet:
        """A page as one statement (PostgreSQL): the rows whose ids are the first `stop` keys of the
        user's grants past the cursor — the direct grants' index scan and one scan a group of the user (a
        LATERAL join over the user's memberships), the scans `visible_keys` runs as a UNION ALL, but in
        the same round trip as the rows and the groups, and compiled as two branches however many groups.
        Keys come back from the rows: a grant's sort key is its object's `sort_key_source`, copied.
        (`user_id` stands in for the user's in a statement compiled to be kept: `_prepared`.)"""
        user_id = self._user.pk if user_id is None else user_id
        held = _held_keys(perm=self._perm, after=after, before=before, matching=self._matching)
        try:
            direct, direct_params = held(self._user_grants, user_id=user_id)[:stop].query.sql_with_params()
            grouped, grouped_params = held(self._group_grants, group_id=RawSQL("member.group_id", ()))[:stop].query.sql_with_params()
        except EmptyResultSet:  # a search whose look-up found nothing (`content_object_id__in=[]`)
            return self._rows.none()
        direction = "ASC" if before is not None else "DESC"
        memberships = connections[self._rows.db].ops.quote_name(get_user_model().groups.through._meta.db_table)
        keys = (
            f"SELECT page.content_object_id FROM (SELECT DISTINCT grant_key.sort_key, grant_key.content_object_id"
            f" FROM (({direct}) UNION ALL (SELECT held.sort_key, held.content_object_id"
            f" FROM {memberships} AS member CROSS JOIN LATERAL ({grouped}) AS held WHERE member.user_id = %s)) AS grant_key"
            f" ORDER BY 1 {direction}, 2 {direction} LIMIT %s) AS page"
        )
        params = (*direct_params, *grouped_params, user_id, stop)
        field = self._sort_field
        model_order = (field, "pk") if before is not None else (f"-{field}", "-pk")
        return self._rows.filter(pk__in=RawSQL(keys, params)).order_by(*model_order)


# The stand-ins of a page statement compiled to be kept (VisiblePages._prepared): values no real page asks for.
_STAND_IN_USER = -(2**62) + 1
_STAND_IN_ID = -(2**62) + 2
_STAND_IN_KEY = datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC)
PAGE_STATEMENT = "agencies.visibility.page"  # the first part of a kept page statement's key (agencies.prepared.kept)


def _rows_shape(rows: QuerySet) -> tuple | None:
    """What, besides its model, makes the statement of a list's rows what it is: the related rows it joins
    and the columns it loads. None for rows with conditions or computed columns of their own (their values
    would be compiled into a statement kept for every user)."""
    query = rows.query
    if (query.where or query.annotations or query.extra or query.distinct or query.is_sliced or query.select_for_update
            or query.combinator):
        return None
    names, deferred = query.deferred_loading
    return rows.model, _frozen(query.select_related), frozenset(names), deferred


def _frozen(related):
    """`select_related`'s tree (True, False or nested dicts) as something a dict can be keyed on."""
    if isinstance(related, dict):
        return tuple(sorted((name, _frozen(below)) for name, below in related.items()))
    return related


class BranchPages(Pages):
    """Pages of a list that a user sees by several ways at once (e.g. supervisions the agency holds,
    co-holds, or whose case is its own): one queryset per way, each read in `(key, id)` order past
    the cursor from an index of its own, merged — a UNION ALL instead of one OR that no index serves."""

    def __init__(self, *, model: type[models.Model], branches: list, key: str, rows):
        self.model, self._branches, self._key, self._rows = model, branches, key, rows

    def branches(self, *, after: Key | None = None, before: Key | None = None) -> list:
        """Each way's `(key, id)` query, past the cursor, in reading order."""
        seek, order = _seek(after=after, before=before, key=self._key, pk="id")
        return [branch.filter(seek).order_by(*order).values_list(self._key, "id") for branch in self._branches]

    def keys(self, *, stop: int, after: Key | None = None, before: Key | None = None) -> list[Key]:
        if stop <= 0:
            return []
        backwards = before is not None
        runs = _read(self.branches(after=after, before=before), stop=stop, backwards=backwards)
        return _merged(runs, stop=stop, backwards=backwards)
