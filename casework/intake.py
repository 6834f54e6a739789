"""Leads registered by code rather than on the 登记线索 page: the case flow started exactly as the page
starts it (its start task taken by the registering officer and completed)."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import transaction

from casework import services
from casework.flows import CaseFlow
from casework.models import Case


@transaction.atomic
def lead_start(*, user, **fields) -> Case:
    """Register a lead (services.case_register's fields) and start its case flow."""
    node = CaseFlow.register
    if not node.can_execute(user):
        raise PermissionDenied("只有医疗保障局的工作人员可以登记线索。")
    activation = node.activation_class.create(node, None, None)
    activation.start(SimpleNamespace(user=user))
    case = services.case_register(user=user, **fields)
    activation.process.case = case
    activation.execute()
    return case
