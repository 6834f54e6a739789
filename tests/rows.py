"""What a loaded row holds, for tests that compare rows loaded two ways."""

from __future__ import annotations


def described(obj) -> tuple:
    """What a reader of a loaded row can get without a query: its class, its loaded fields, which fields are
    left to load, and the related rows that came with it (forward and one-to-one back), each described the
    same way (a row's way back to the row it was reached from is named, not described again)."""
    return _described(obj, seen=())


def _described(obj, seen) -> tuple:
    if obj is None:
        return (None,)
    if any(obj is other for other in seen):
        return ("back to", type(obj), obj.pk)
    seen = (*seen, obj)
    deferred = obj.get_deferred_fields()
    loaded = {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields if field.attname not in deferred}
    related = {}
    for field in obj._meta.get_fields():
        if (field.is_relation and (field.concrete or field.one_to_one) and hasattr(field, "is_cached")
                and field.is_cached(obj)):
            related[field.name] = _described(field.get_cached_value(obj), seen)
    return type(obj), loaded, sorted(deferred), related
