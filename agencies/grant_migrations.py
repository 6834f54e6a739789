"""Data-migration steps shared by the apps whose grants carry a sort key and moved to members groups.

Importable from migrations: it only uses the historical models it is handed.
"""

from __future__ import annotations


def copy_sort_keys(apps, app_label: str, object_model: str, source_field: str, grant_models: tuple[str, ...]) -> None:
    """Give existing grant rows their object's sort key (agencies.visibility.SortedGrant)."""
    from django.db.models import OuterRef, Subquery

    Object = apps.get_model(app_label, object_model)
    key = Subquery(Object.objects.filter(pk=OuterRef("content_object_id")).values(source_field)[:1])
    for name in grant_models:
        apps.get_model(app_label, name).objects.update(sort_key=key)


def move_role_grants_to_members(apps, app_label: str, model_name: str) -> None:
    """Replace the grants held by an agency's role groups with one grant held by its members group.

    Every grant made to an agency went to all five of its role groups (grant_to_agency with every
    role), so the five rows become one, with the same permission, object and sort key.
    """
    Grant = apps.get_model(app_label, model_name)
    AgencyGroup = apps.get_model("agencies", "AgencyGroup")
    members_of = dict(AgencyGroup.objects.filter(agency__members__isnull=False).values_list("group_id", "agency__members_id"))
    wanted = {}
    for group_id, permission_id, object_id, sort_key in (
        Grant.objects.filter(group_id__in=members_of)
        .values_list("group_id", "permission_id", "content_object_id", "sort_key")
        .iterator(chunk_size=5000)
    ):
        wanted[(members_of[group_id], permission_id, object_id)] = sort_key
    existing = set(
        Grant.objects.filter(group_id__in=set(members_of.values())).values_list("group_id", "permission_id", "content_object_id")
    )
    Grant.objects.bulk_create(
        [
            Grant(group_id=group_id, permission_id=permission_id, content_object_id=object_id, sort_key=sort_key)
            for (group_id, permission_id, object_id), sort_key in wanted.items()
            if (group_id, permission_id, object_id) not in existing
        ],
        batch_size=5000,
    )
    Grant.objects.filter(group_id__in=members_of).delete()
