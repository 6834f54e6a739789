"""The permission matrix's machinery: every URL pattern made concrete with the ids of real records,
and a reader that finds text in any response (HTML, JSON, .docx/.xlsx, plain files).

`concrete_urls()` refuses a pattern it cannot fill (it raises `UnfilledPattern`), so a new URL can
never drop out of the matrix silently: it has to be given its ids here, or be listed in `SKIPPED`
with the reason. Nor can a route whose kind of record the matrix world holds none of: it is opened by
nobody, so `concrete_urls()` raises `UnopenedRoute` naming it, unless `UNOPENED` lists it with the reason
(and an entry of `UNOPENED` that no route needs any more fails it too).
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from viewflow.workflow.models import Process, Task

# Patterns left out of the matrix, each with its reason.
SKIPPED = {
    "accounts/logout/": "ends the session the matrix is browsing with",
}


def _nodes(flow: str, *nodes: str, reason: str) -> dict[str, str]:
    """The routes of these nodes of a flow (their tasks' index, detail, assign, execute, undo, cancel and
    revive pages), one entry a node: a node reached one day is caught alone."""
    return {rf"^workflow/flows/{flow}/<int:process_pk>/{node}/<int:task_pk>/": reason for node in nodes}


# Routes the matrix world (tests/test_permission_matrix.build_world) holds no record for, so no URL of
# theirs is opened, each with the reason. Every other route must be opened for at least one record.
UNOPENED = {
    **_nodes("case", "close_lead", "end_not_filed", reason=(
        "a lead not filed (不予立案) ends the case flow there: every case of the world is filed or still a lead")),
    **_nodes("case", "is_transfer_accepted", "end_transferred", reason=(
        "a transferred case waits at await_transfer until its transfer ends: no transfer of the world has ended "
        "(see the transfer's conclude)")),
    **_nodes("case", "await_referrals", reason=(
        "a case waits here only while a clue referral is still open when its handling is done: the world's "
        "discipline referral is closed before its case's handling ends")),
    **_nodes("transfer", "conclude", "end", reason=(
        "a transfer ends once the items are handed over after filing, or a decline is accepted or withdrawn: "
        "the world's transfers wait at 立案审查, 交接确认 and 按通知立案")),
    **_nodes("incomingreferral", "is_handled", "await_handling", "final_report", "receive_final_report", reason=(
        "only a 检察意见 owes a final report once its case is handled: the world's incoming document is a "
        "reverse transfer, answered and signed for")),
    **_nodes("supervision", "is_revoked", "review", "is_accepted", "end", "end_declined", "end_revoked", reason=(
        "the demo's 挂牌督办 (demo.stories.supervise_demo_case) is under way: no final report is reviewed, none "
        "is declined, revoked or closed (销号)")),
    **_nodes("resolution", "end", reason=(
        "the joint meeting's resolutions (demo.stories.joint_meeting_demo) are being carried out: none is done")),
    r"^admin/axes/accessfailurelog/<path:object_id>/": (
        "axes keeps this log only with AXES_ENABLE_ACCESS_FAILURE_LOG, which config/settings.py leaves off "
        "(False): the table stays empty (the world's failed login is an access attempt, opened)"),
}

# The admin site's reference data (accounts, agencies, registers, the holiday calendar, lockouts) holds
# no case text, and each row's pages are guarded alike; they are opened for their first and last rows
# only (the calendar alone has over 700 days). The audit trail mentions cases: every row is opened
# (of its change page, the one that shows a row: its other pages are ROWLESS).
ADMIN_EVERY_ROW = frozenset({"agencies.auditevent"})
# Pages that show no row to anyone, whatever the row: each answers with a redirect or a refusal. They are
# opened for their first and last rows only, and `rowless` holds them to it: browsing fails if one of them
# answers 200 (then it shows its row, and must be opened for every row again).
#  - a task's index page redirects to its execute, assign or detail page, each opened for every row (the
#    detail page asks the same can_view first);
#  - a task's undo, cancel and revive pages and a process's cancel page: viewflow asks the flow's
#    has_manage_permission, False for every user and every process (casework.workflow.ScopedFlowMixin);
#  - the audit trail's object URL redirects to its change page, its delete page is refused
#    (has_delete_permission is False for every row), its history page raises PermissionDenied.
ROWLESS = re.compile(r"^workflow/flows/\w+/<int:process_pk>/(?:\w+/<int:task_pk>/(?:undo/|cancel/|revive/)?|cancel/)$"
                     r"|^admin/agencies/auditevent/<path:object_id>/(?:delete/|history/)?$")
# Marking a notification read shows no row either: POST only (405 to a GET), it answers a redirect or the
# unread count, never the notification's text. But whose notification it is decides who may mark it: one
# per recipient (and read state) is opened, not the first and last.
NOTIFICATION_READ = re.compile(r"^(?:api/\^)?notifications/.*read/\$?$")
FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>|<drf_format_suffix:format>")
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<regex_name>\w+)>[^)]*\)")


class UnfilledPattern(LookupError):
    pass


class UnopenedRoute(LookupError):
    """Routes the matrix world holds no record for, not listed in UNOPENED (or entries no route needs)."""


@dataclass(frozen=True)
class Route:
    pattern: str  # the route as written, prefixes included
    names: tuple[str, ...]  # its parameters, in order
    admin_model: type | None  # the model of an admin route, if it is one


def routes() -> Iterator[Route]:
    model_of_admin_prefix = {f"admin/{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}

    def walk(patterns, prefix: str) -> Iterator[Route]:
        for entry in patterns:
            text = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, text)
                continue
            assert isinstance(entry, URLPattern)
            names = tuple(m.group("name") or m.group("regex_name") for m in PARAMETER.finditer(text))
            model = next((m for p, m in model_of_admin_prefix.items() if text.startswith(p)), None)
            yield Route(text, names, model)

    yield from walk(get_resolver().url_patterns, "")


def _fill(pattern: str, values: dict[str, object]) -> str:
    """The route with its parameters replaced (regex anchors and escapes removed)."""

    def value(match: re.Match) -> str:
        return str(values[match.group("name") or match.group("regex_name")])

    url = PARAMETER.sub(value, pattern)
    return "/" + url.replace("^", "").replace("$", "").replace("\\", "")


def _flow_labels() -> dict[str, type]:
    """flows/<label>/ → flow class, for every flow mounted under /workflow/."""
    from config.urls import workflow

    labels = {}
    for flow_class in workflow.flow_classes:
        index = flow_class.instance.reverse("index")
        labels[index.rstrip("/").rsplit("/", 1)[-1]] = flow_class
    return labels


def _candidates(route: Route, flows: dict[str, type]) -> list[dict[str, object]]:
    """Every combination of real ids the route's parameters can take (all records of the kind)."""
    from agreements.models import AgreementAction, Institution, Practitioner
    from casework.models import Case, Evidence, PaperRecord, PenaltyDecision, ScreeningHit, ScreeningImport
    from meetings.models import Mechanism, Meeting, Resolution
    from notifications.models import Notification
    from referral.models import IssuedDocument, PackageItem, Referral
    from supervision.models import Supervision
    from systems.models import SubmittedLead

    names, pattern = set(route.names), route.pattern
    if not names:
        return [{}]
    if route.admin_model is not None and names in ({"object_id"}, {"id"}):
        name = next(iter(names))
        ids = list(route.admin_model._default_manager.order_by("pk").values_list("pk", flat=True))
        if route.admin_model._meta.label_lower not in ADMIN_EVERY_ROW:
            ids = list(dict.fromkeys(ids[:1] + ids[-1:]))
        return [{name: pk} for pk in ids]
    if names == {"content_type_id", "object_id"}:  # admin's "view on site" shortcut
        from django.contrib.contenttypes.models import ContentType

        return [{"content_type_id": ContentType.objects.get_for_model(Case).pk, "object_id": pk}
                for pk in Case.objects.values_list("pk", flat=True)]
    if names == {"app_label"}:
        return [{"app_label": label} for label in sorted({m._meta.app_label for m in admin.site._registry})]
    if names == {"uidb64", "token"}:
        return [{"uidb64": "MQ", "token": "set-password"}]
    if names == {"url"}:  # admin's catch-all
        return [{"url": "no-such-page"}]
    if pattern.startswith("workflow/flows/"):
        label = pattern.split("/")[2]
        flow_class = flows[label]
        processes = Process.objects.filter(flow_class=flow_class)
        if names == {"process_pk"}:
            return [{"process_pk": pk} for pk in processes.values_list("pk", flat=True)]
        if names == {"process_pk", "task_pk"}:
            node = pattern.split("<int:process_pk>/", 1)[1].split("/", 1)[0]
            tasks = Task.objects.filter(process__in=processes).select_related("process").order_by("pk")
            return [{"process_pk": t.process_id, "task_pk": t.pk} for t in tasks if t.flow_task.name == node]
    api = {"cases": Case, "referrals": Referral, "notifications": Notification, "supervisions": Supervision,
           "resolutions": Resolution, "leads": SubmittedLead, "referral-status": Referral}
    if NOTIFICATION_READ.search(pattern):
        name = next(iter(names))
        rows = Notification.objects.order_by("pk").values_list("pk", "recipient_id", "read_at")
        return [{name: pk} for pk in {(recipient, read_at is None): pk for pk, recipient, read_at in rows}.values()]
    if pattern.startswith("api/") and names == {"pk"} and pattern.split("/")[1].lstrip("^") in api:  # else UnfilledPattern
        return [{"pk": pk} for pk in api[pattern.split("/")[1].lstrip("^")]._default_manager.values_list("pk", flat=True)]
    joint: dict[frozenset[str], Callable[[], list[dict[str, object]]]] = {
        frozenset({"case_id"}): lambda: [{"case_id": pk} for pk in Case.objects.values_list("pk", flat=True)],
        frozenset({"case_id", "evidence_id"}): lambda: [
            {"case_id": c, "evidence_id": e} for c, e in Evidence.objects.values_list("case_id", "pk")],
        frozenset({"referral_id"}): lambda: [{"referral_id": pk} for pk in Referral.objects.values_list("pk", flat=True)],
        frozenset({"referral_id", "item_id"}): lambda: [
            {"referral_id": r, "item_id": i} for r, i in PackageItem.objects.values_list("referral_id", "pk")],
        frozenset({"document_id"}): lambda: [{"document_id": pk} for pk in IssuedDocument.objects.values_list("pk", flat=True)],
        frozenset({"supervision_id"}): lambda: [{"supervision_id": pk} for pk in Supervision.objects.values_list("pk", flat=True)],
        frozenset({"supervision_id", "document_id"}): lambda: [
            {"supervision_id": s, "document_id": d}
            for s, case in Supervision.objects.values_list("pk", "case_id")
            for d in IssuedDocument.objects.filter(case_id=case).values_list("pk", flat=True)],
        frozenset({"mechanism_id"}): lambda: [{"mechanism_id": pk} for pk in Mechanism.objects.values_list("pk", flat=True)],
        frozenset({"meeting_id"}): lambda: [{"meeting_id": pk} for pk in Meeting.objects.values_list("pk", flat=True)],
        frozenset({"resolution_id"}): lambda: [{"resolution_id": pk} for pk in Resolution.objects.values_list("pk", flat=True)],
        frozenset({"institution_id"}): lambda: [{"institution_id": pk} for pk in Institution.objects.values_list("pk", flat=True)],
        frozenset({"action_id"}): lambda: [{"action_id": pk} for pk in AgreementAction.objects.values_list("pk", flat=True)],
        frozenset({"practitioner_id"}): lambda: [{"practitioner_id": pk} for pk in Practitioner.objects.values_list("pk", flat=True)],
        frozenset({"record_id"}): lambda: [{"record_id": pk} for pk in PaperRecord.objects.values_list("pk", flat=True)],
        frozenset({"case_id", "penalty_id"}): lambda: [
            {"case_id": c, "penalty_id": p} for c, p in PenaltyDecision.objects.values_list("case_id", "pk")],
        frozenset({"case_id", "hit_id"}): lambda: [
            {"case_id": c, "hit_id": h} for c, h in ScreeningHit.objects.values_list("case_id", "pk")],
        frozenset({"job_id"}): lambda: [{"job_id": pk} for pk in ScreeningImport.objects.values_list("pk", flat=True)],
        frozenset({"notification_id"}): lambda: [{"notification_id": pk} for pk in Notification.objects.values_list("pk", flat=True)],
    }
    if frozenset(names) in joint:
        return joint[frozenset(names)]()
    raise UnfilledPattern(f"the permission matrix has no ids for {pattern!r} ({', '.join(sorted(names))}): add them in tests/matrix.py")


def every(pattern: str) -> bool:
    return True


def concrete_urls(*, only: Callable[[str], bool] = every, rowless: set[str] | None = None) -> list[str]:
    """Every URL of the site, once per combination of real ids of its parameters (the ROWLESS pages and
    the notifications' read/ for some rows only). `rowless`, if given, receives the URLs of those pages.
    A route with no ids at all must be in UNOPENED (UnopenedRoute otherwise); over every route (`only`
    left out) each entry of UNOPENED must still be needed."""
    flows = _flow_labels()
    urls: list[str] = []
    unopened: list[str] = []
    needed: set[str] = set()
    for route in routes():
        if route.pattern in SKIPPED or FORMAT_SUFFIX.search(route.pattern) or not only(route.pattern):
            continue
        candidates = _candidates(route, flows)
        if not candidates:
            listed = [entry for entry in UNOPENED if re.search(entry, route.pattern)]
            needed.update(listed)
            if not listed:
                unopened.append(route.pattern)
            continue
        if ROWLESS.search(route.pattern):
            candidates = candidates[:1] + candidates[-1:] if len(candidates) > 1 else candidates
        filled = [_fill(route.pattern, values) for values in candidates]
        if rowless is not None and (ROWLESS.search(route.pattern) or NOTIFICATION_READ.search(route.pattern)):
            rowless.update(filled)
        urls.extend(filled)
    if unopened:
        raise UnopenedRoute(f"{len(unopened)} routes have no record in the matrix world, so nobody opens them: add their "
                            "records to build_world (tests/test_permission_matrix.py), or list them in tests/matrix.py's "
                            "UNOPENED with the reason:\n" + "\n".join(unopened))
    if only is every and (stale := [entry for entry in UNOPENED if entry not in needed]):
        raise UnopenedRoute("UNOPENED lists routes that are opened now (or are gone): remove " + ", ".join(stale))
    return list(dict.fromkeys(urls))


def readable_text(content: bytes, content_type: str) -> str:
    """What a person could read in a response: the text of HTML and JSON, of .docx/.xlsx parts, of plain files."""
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                xml = "".join(archive.read(name).decode("utf-8", "ignore") for name in archive.namelist() if name.endswith(".xml"))
        except zipfile.BadZipFile:
            return content.decode("utf-8", "ignore")
        return re.sub(r"<[^>]+>", "", xml)  # the runs of a paragraph joined again
    text = content.decode("utf-8", "ignore")
    if "json" in content_type:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def found(text: str, markers: Iterable[str]) -> list[str]:
    return [marker for marker in markers if marker in text]


@contextmanager
def refusals_unlogged() -> Iterator[None]:
    """Django logs every 4xx answer, a refusal with its traceback: tens of thousands of lines in a matrix
    pass, each formatted and captured (1–2 % of the pass), and all of them in a failure's report. Server
    errors are still logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
