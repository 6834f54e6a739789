"""Walking a keyset-paged list (casework.paging) the way its 下一页 / 上一页 links do, for the list suites."""

from __future__ import annotations

from casework.paging import KeysetPaginator


def walk_both_ways(pages, size: int) -> tuple[list[list[int]], list[list[int]]]:
    """Every page forwards through 下一页 (`after` cursors), then backwards from the last through 上一页."""
    paginator = KeysetPaginator(pages, size)
    page = paginator.seek()
    forwards = [[row.pk for row in page]]
    while page.has_next():
        page = paginator.seek(after=page.next_param().removeprefix("after="))
        forwards.append([row.pk for row in page])
    backwards = []
    while page.has_previous():
        page = paginator.seek(before=page.previous_param().removeprefix("before="))
        backwards.append([row.pk for row in page])
    return forwards, backwards


def walk(pages, size: int) -> list[int]:
    """Every row through 下一页, checking that 上一页 from the last page walks back the same pages."""
    forwards, backwards = walk_both_ways(pages, size)
    assert backwards == forwards[-2::-1]
    return [pk for rows in forwards for pk in rows]
