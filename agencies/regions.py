"""行政区划代码 arithmetic: which regions lie within which (a province's code covers its cities')."""

from __future__ import annotations


def region_prefix(region_code: str) -> str:
    """The part of a 行政区划代码 that its sub-regions share: 320000 → 32, 321100 → 3211, 321102 → 321102."""
    code = region_code
    while code.endswith("00"):
        code = code[:-2]
    return code


def region_covers(outer: str, inner: str) -> bool:
    return inner.startswith(region_prefix(outer))
