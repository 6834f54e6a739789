"""The addresses of a list's rows (and of the menu's applications), each pattern reversed once rather
than once a row.

A task list's row links to its task (`node.reverse("index", [process pk, task pk])`) and to its
process (`viewset.reverse("process_detail", [process pk])`). Django's `reverse()` walks the URL
resolver's candidates for every call: two calls a row were a fifth of a task list's cells. The
address of a view differs between rows only in its primary keys, so the view is reversed once with
stand-in keys and each row's address is that pattern with its own keys put in. Every pattern
here takes integer keys, whose place in the address is their decimal digits (Django's `int`
converter), which is what makes the substitution exact.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from django.urls import get_script_prefix, get_urlconf

# Stand-in keys: no real key is this long, and reversing with them gives the address in which
# each occurs exactly once.
STAND_INS = (987_654_321_012, 987_654_321_013)


@lru_cache(maxsize=512)
def _pattern(reverse: Callable[..., str], viewname: str, arity: int, script_prefix: str, urlconf) -> tuple[str, ...]:
    """The address of `viewname` cut at its keys: `arity + 1` pieces with the keys between them."""
    address = reverse(viewname, args=list(STAND_INS[:arity]))
    pieces: list[str] = []
    for stand_in in STAND_INS[:arity]:
        before, found, address = address.partition(str(stand_in))
        if not found:  # a converter that writes its key other than as its digits
            raise ValueError(f"{viewname}: the address does not carry its keys as digits")
        pieces.append(before)
    pieces.append(address)
    return tuple(pieces)


def row_url(reverse: Callable[..., str], viewname: str, *pks: int) -> str:
    """`reverse(viewname, args=pks)` for integer keys, from the view's pattern reversed once.

    `reverse` is a viewflow node's or viewset's bound `reverse`; the pattern is kept per script
    prefix and URLconf, so a site mounted under a path, or a test with its own URLconf, gets its own.
    """
    pieces = _pattern(reverse, viewname, len(pks), get_script_prefix(), get_urlconf())
    parts = [pieces[0]]
    for pk, piece in zip(pks, pieces[1:]):
        parts += [str(int(pk)), piece]
    return "".join(parts)
