"""Referral permissions: who may see a referral, its package, its letters."""

from __future__ import annotations

from django.http import Http404

from agencies.permissions import APPROVE_EXTENSION
from referral.models import IssuedDocument, PackageItem, Referral, ReferralKind, ReferralStatus

VIEW_REFERRAL = "referral.view_referral"


def can_view_referral(user, referral: Referral) -> bool:
    return user.is_authenticated and user.has_perm(VIEW_REFERRAL, referral)


def can_extend_review(user, referral: Referral) -> bool:
    """The receiving agency's head, while the police review runs."""
    return (
        referral.kind == ReferralKind.CRIMINAL_TRANSFER
        and referral.status == ReferralStatus.RECEIPTED
        and referral.to_agency_id is not None
        and user.is_authenticated
        and user.has_perm(APPROVE_EXTENSION, referral.to_agency)
    )


def get_referral_or_404(*, user, referral_id: int) -> Referral:
    referral = (
        Referral.objects.select_related("case", "from_agency", "to_agency", "created_by").filter(pk=referral_id).first()
    )
    if referral is None or not can_view_referral(user, referral):
        raise Http404("没有找到该移送，或您无权查看。")
    return referral


def get_document_or_404(*, user, document_id: int) -> IssuedDocument:
    document = IssuedDocument.objects.select_related("referral").filter(pk=document_id, referral__isnull=False).first()
    if document is None or not can_view_referral(user, document.referral):
        raise Http404("没有找到该文书，或您无权查看。")
    return document


def get_package_item_or_404(*, user, referral_id: int, item_id: int) -> PackageItem:
    referral = get_referral_or_404(user=user, referral_id=referral_id)
    item = referral.package_items.select_related("evidence").filter(pk=item_id).first()
    if item is None:
        raise Http404("该材料不在移送材料清单中。")
    return item
