"""Reads about referrals, always scoped to the user."""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from agencies.models import AuditEvent
from agencies.visibility import TRIGRAM, VisiblePages, granted, rare_matches
from casework.models import Case, Deadline
from casework.selectors import FULL_NUMBER, numbered_cases
from referral.models import (
    IssuedDocument,
    Referral,
    ReferralGroupObjectPermission,
    ReferralProcess,
    ReferralUserObjectPermission,
)
from referral.permissions import VIEW_REFERRAL


def referral_list_for_user(*, user, search: str = "", status: str = "") -> QuerySet[Referral]:
    if not user.is_authenticated:
        return Referral.objects.none()
    referrals = granted(Referral.objects.all(), user=user, perm=VIEW_REFERRAL, user_grants=ReferralUserObjectPermission,
                        group_grants=ReferralGroupObjectPermission)
    return searched_referrals(referrals, search=search, status=status)


def searched_referrals(referrals: QuerySet[Referral], *, search: str = "", status: str = "") -> QuerySet[Referral]:
    """`referrals` cut to a search and a status, in the referral list's order."""
    if search:
        referrals = referrals.filter(
            Q(case_title__icontains=search) | Q(case__number__icontains=search) | Q(documents__number__icontains=search)
        ).distinct()
    if status:
        referrals = referrals.filter(status=status)
    return referrals.select_related("case", "from_agency", "to_agency").order_by("-created_at", "-id")


def referral_matching(*, search: str = "", status: str = "") -> Q | None:
    """The referral list's search and filter as conditions on a grant's referral (None: every referral).

    A 文号 is searched by a piece of three characters or more: one or two (医保, 〔2) are in every 文号 of
    a register and find nothing in particular, and PostgreSQL would answer them by reading every issued
    document (no trigram to look up) — at 1M cases half a million rows on every search of a short word."""
    matching = Q()
    if search and (numbered := _numbered_referrals(search)) is not None:
        matching &= Q(content_object_id__in=numbered)
    elif search and (found := _rare_referrals(search)) is not None:
        matching &= Q(content_object_id__in=found)
    elif search:
        matching &= Q(content_object__case_title__icontains=search) | Q(content_object__case__number__icontains=search)
        if len(search) >= TRIGRAM:
            documents = IssuedDocument.objects.filter(referral=OuterRef("content_object_id"), number__icontains=search)
            matching |= Exists(documents)
    if status:
        matching &= Q(content_object__status=status)
    return matching or None


def _numbered_referrals(search: str) -> list[int] | None:
    """For a case number or 文号 typed in full (casework.selectors.FULL_NUMBER): the referrals of that case
    and the one that issued that 文号; None when `search` is neither."""
    if not FULL_NUMBER.match(search):
        return None
    cases = numbered_cases(search)
    letters = list(IssuedDocument.objects.filter(number=search, referral__isnull=False).values_list("referral_id", flat=True))
    if not cases and not IssuedDocument.objects.filter(number=search).exists():
        return None
    return [*Referral.objects.filter(case__in=cases).values_list("pk", flat=True), *letters]


def _rare_referrals(search: str) -> list[int] | None:
    """The referrals a word finds by case title, case number or 文号, when few (agencies.visibility)."""
    return rare_matches(
        search,
        Referral.objects.filter(case_title__icontains=search).values_list("pk", flat=True),
        Referral.objects.filter(case__in=Case.objects.filter(number__icontains=search).values("pk")).values_list("pk", flat=True),
        IssuedDocument.objects.filter(number__icontains=search, referral__isnull=False).values_list("referral_id", flat=True),
    )


# What a row of the referral list and of 搜索's referral section shows (templates/referral/referral_list.html,
# templates/search/_referrals.html, search/api.py): a page loads these, not each referral's facts and
# reports nor its whole case. A column shown without its field here costs a query a row, which
# tests/casework/test_query_budget.py catches.
REFERRAL_ROW_FIELDS = (
    "case_title", "kind", "status", "created_at", "sent_at", "received_at",
    "from_agency__name", "from_agency__short_name", "to_agency__name", "to_agency__short_name",
)


def referral_pages_for_user(*, user, search: str = "", status: str = "") -> VisiblePages | QuerySet[Referral]:
    """What the referral list pages through: read from the user's grants in list order, a search or
    filter checked on each grant's referral as the grant index yields it."""
    if not user.is_authenticated:
        return Referral.objects.none()
    return VisiblePages(
        user=user, perm=VIEW_REFERRAL, model=Referral, user_grants=ReferralUserObjectPermission,
        group_grants=ReferralGroupObjectPermission,
        rows=Referral.objects.select_related("from_agency", "to_agency").only(*REFERRAL_ROW_FIELDS),
        matching=referral_matching(search=search, status=status),
    )


def referral_process_list_for_user(*, user) -> QuerySet[ReferralProcess]:
    return ReferralProcess.objects.filter(referral__in=referral_list_for_user(user=user).values("pk"))


def referral_documents(*, referral: Referral) -> QuerySet[IssuedDocument]:
    return referral.documents.order_by("issued_at", "id")


def referral_timeline(*, referral: Referral) -> QuerySet[AuditEvent]:
    """What the receiving agency may see of the history: the referral's own events, not the case's."""
    return AuditEvent.objects.filter(target_type="referral.referral", target_id=str(referral.pk)).select_related("actor", "agency")


def without_confidential_clocks(deadlines: QuerySet[Deadline]) -> QuerySet[Deadline]:
    """Leave out the clocks of confidential (discipline) referrals: readers beyond the named officers
    must not learn that such a referral exists."""
    confidential = Referral.objects.filter(confidential=True).annotate(key=Cast("pk", CharField())).values("key")
    return deadlines.exclude(target_type="referral.referral", target_id__in=confidential)
