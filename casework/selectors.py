"""Reads used by views, consumers and flows; every list is scoped to the user."""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from agencies.models import AuditEvent
from agencies.visibility import VisiblePages, few_ids, granted, rare_matches
from casework.models import Case, CaseGroupObjectPermission, CaseProcess, CaseUserObjectPermission, Deadline, Subject
from casework.permissions import VIEW_CASE


def case_list_for_user(*, user, search: str = "", status: str = "") -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    cases = granted(Case.objects.all(), user=user, perm=VIEW_CASE, user_grants=CaseUserObjectPermission, group_grants=CaseGroupObjectPermission)
    return searched_cases(cases, search=search, status=status)


def searched_cases(cases: QuerySet[Case], *, search: str = "", status: str = "") -> QuerySet[Case]:
    """`cases` cut to a search and a status, in the case list's order."""
    if search:
        cases = cases.filter(
            Q(number__icontains=search) | Q(title__icontains=search) | Q(subjects__name__icontains=search)
            | Q(subjects__identifier__iexact=search)
        ).distinct()
    if status:
        cases = cases.filter(status=status)
    return cases.select_related("agency", "lead_officer").order_by("-registered_at", "-id")


# A full 身份证号 or 统一社会信用代码 (18 characters; 15 for an old ID): searched as a party's code only,
# from the index on Subject.identifier, so a code that matches one case in a million is found at once
# (and its cases handed to the grant scans as a list, agencies.visibility.few_ids).
IDENTIFIER = re.compile(r"^[0-9A-Za-z]{15,20}$")
# A case number or 文号 typed in full (盐医保案〔2026〕129054号) is looked up as that number, in the numbers'
# unique indexes: its trigrams (医保案, 〔20, 202 …) are in every number of a city's register, so a trigram
# look-up reads long posting lists, 35–50 ms at 1M cases, twice on the 搜索 page (cases, referrals). A piece
# of a number (保案〔2026〕12号) is no number of the register and is searched as any other word.
FULL_NUMBER = re.compile(r"^\S+〔\d{4}〕\d+号$")


def numbered_cases(search: str) -> list[int]:
    """The case whose number `search` is in full (an empty list if it is none)."""
    if not FULL_NUMBER.match(search):
        return []
    return list(Case.objects.filter(number=search).values_list("pk", flat=True))


def case_matching(*, search: str = "", status: str = "") -> Q | None:
    """The case list's search and filter as conditions on a grant's case (None: every case)."""
    matching = Q()
    if search and IDENTIFIER.match(search):
        parties = Subject.objects.filter(identifier=search.upper()).values_list("case_id", flat=True)
        found = few_ids(parties)
        matching &= Q(content_object_id__in=parties if found is None else found)
    elif search and (numbered := numbered_cases(search)):
        matching &= Q(content_object_id__in=numbered)
    elif search and (found := _rare_cases(search)) is not None:
        matching &= Q(content_object_id__in=found)
    elif search:
        subjects = Subject.objects.filter(case=OuterRef("content_object_id")).filter(
            Q(name__icontains=search) | Q(identifier__iexact=search)
        )
        matching &= Q(content_object__number__icontains=search) | Q(content_object__title__icontains=search) | Exists(subjects)
    if status:
        matching &= Q(content_object__status=status)
    return matching or None


def _rare_cases(search: str) -> list[int] | None:
    """The cases a word finds by number, title, party name or party code, when few (agencies.visibility)."""
    return rare_matches(
        search,
        Case.objects.filter(Q(number__icontains=search) | Q(title__icontains=search)).values_list("pk", flat=True),
        Subject.objects.filter(name__icontains=search).values_list("case_id", flat=True),
        Subject.objects.filter(identifier=search.upper()).values_list("case_id", flat=True),
    )


# What a row of the case list and of 搜索's case section shows (templates/casework/case_list.html,
# templates/search/_cases.html, search/api.py): a page loads these, not every case's opinions and
# findings nor the lead officer's whole user row. A column shown without its field here costs a query
# a row, which tests/casework/test_query_budget.py catches.
CASE_ROW_FIELDS = (
    "number", "title", "source", "amount_involved", "status", "registered_at", "agency__name", "agency__short_name",
    "lead_officer__username", "lead_officer__first_name", "lead_officer__last_name",
)


def case_pages_for_user(*, user, search: str = "", status: str = "") -> VisiblePages | QuerySet[Case]:
    """What the case list pages through: read from the user's grants in list order, a search or filter
    checked on each grant's case as the grant index yields it (a page costs the same at any depth)."""
    if not user.is_authenticated:
        return Case.objects.none()
    return VisiblePages(
        user=user, perm=VIEW_CASE, model=Case, user_grants=CaseUserObjectPermission,
        group_grants=CaseGroupObjectPermission, rows=Case.objects.select_related("agency", "lead_officer").only(*CASE_ROW_FIELDS),
        matching=case_matching(search=search, status=status),
    )


def case_process_list_for_user(*, user) -> QuerySet[CaseProcess]:
    return CaseProcess.objects.filter(case__in=case_list_for_user(user=user).values("pk"))


def referrals_visible_on_case(*, user, case: Case):
    """The case's referrals `user` may see (permission "referral.view_referral", object-level only)."""
    return get_objects_for_user(
        user, "referral.view_referral", klass=case.referrals.order_by("created_at"), accept_global_perms=False, with_superuser=False
    )


def case_timeline(*, case: Case) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(thread=f"case:{case.pk}").select_related("actor", "agency").order_by("occurred_at", "id")


def deadline_list_for_case(*, case: Case):
    """Every clock of a case, for the bureau that owns it."""
    return case.deadlines.select_related("agency", "responsible").prefetch_related("extensions__approved_by")


def deadline_list_for_target(*, target):
    """The clocks about one object (e.g. a referral), for whoever may see that object."""
    return (
        Deadline.objects.about(target)
        .select_related("agency", "responsible")
        .prefetch_related("extensions__approved_by")
    )
