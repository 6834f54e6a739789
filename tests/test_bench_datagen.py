"""bench/datagen.py: a generated case has the rows a case driven through the real flows to the same
stage has, and only its own bureau sees it."""

from __future__ import annotations

import hashlib
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

DATETIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?|\d{4}年\d{1,2}月\d{1,2}日\d{1,2}时\d{2}分")
ID_KEYS = {"penalty": "casework_penaltydecision", "subject": "casework_subject"}  # audit data naming rows
ID_IN_TEXT = re.compile(r"(/cases/|/referrals/|case:|referral:|evidence/)(\d+)")


@pytest.fixture
def generated(cast):
    import datagen

    return datagen.make_cases(30, seed=1, bureaus=3, batch=8)  # four chunks: ids and the audit chain carry on across them


def _rows(case) -> dict[str, list]:
    """Every row the flows wrote for `case`, found through the case (not through the generator)."""
    from django.db.models import Q
    from viewflow.workflow.models import Process, Task

    from agencies.models import AuditEvent
    from casework.models import Case, CaseGroupObjectPermission, CaseProcess, CaseUserObjectPermission
    from notifications.models import Notification
    from referral.models import IssuedDocument, Referral, ReferralGroupObjectPermission, ReferralProcess

    referrals = list(Referral.objects.filter(case=case).order_by("pk"))
    processes = [case.process.pk] + [r.process.pk for r in referrals]
    tasks = Task.objects.filter(process__in=processes).order_by("pk")
    urls = [f"/cases/{case.pk}/"] + [f"/referrals/{r.pk}/" for r in referrals]
    threads = [f"case:{case.pk}"] + [f"referral:{r.pk}" for r in referrals]
    return {
        "casework_case": [case],
        "casework_case_investigators": list(Case.investigators.through.objects.filter(case=case).order_by("pk")),
        "casework_subject": list(case.subjects.order_by("pk")),
        "casework_evidence": list(case.evidence.order_by("pk")),
        "viewflow_process": list(Process.objects.filter(pk__in=processes).order_by("pk")),
        "casework_caseprocess": list(CaseProcess.objects.filter(case=case)),
        "referral_referral": referrals,
        "referral_referral_task_force": list(Referral.task_force.through.objects.filter(referral__in=referrals).order_by("pk")),
        "referral_packageitem": [item for r in referrals for item in r.package_items.order_by("pk")],
        "referral_issueddocument": list(IssuedDocument.objects.filter(case=case).order_by("pk")),
        "referral_referralprocess": list(ReferralProcess.objects.filter(referral__in=referrals).order_by("pk")),
        "viewflow_task": list(tasks),
        "viewflow_task_previous": list(Task.previous.through.objects.filter(from_task__in=tasks).order_by("pk")),
        "casework_casegroupobjectpermission": list(CaseGroupObjectPermission.objects.filter(content_object=case).order_by("pk")),
        "casework_caseuserobjectpermission": list(CaseUserObjectPermission.objects.filter(content_object=case)),
        "referral_referralgroupobjectpermission": list(
            ReferralGroupObjectPermission.objects.filter(content_object__in=referrals).order_by("pk")),
        "casework_deadline": list(case.deadlines.order_by("pk")),
        "casework_penaltydecision": list(case.penalties.order_by("pk")),
        "notifications_notification": list(Notification.objects.filter(url__in=urls).order_by("pk")),
        "agencies_auditevent": list(AuditEvent.objects.filter(Q(thread__in=threads)).order_by("pk")),
    }


class Shape:
    """A case's rows with what makes the case itself (ids, times, title, number, people, amount…)
    replaced by what it stands for, so two cases of one stage compare equal."""

    def __init__(self, case, rows: dict[str, list]) -> None:
        from agencies.models import Agency, AgencyGroup

        self.case, self.rows = case, rows
        self.ordinals = {(table, row.pk): i for table, table_rows in rows.items() for i, row in enumerate(table_rows)}
        investigators = [u for u in case.investigators.all() if u.pk != case.lead_officer_id]
        self.people = {case.lead_officer_id: "lead", **{u.pk: "officer2" for u in investigators}}
        self.groups = {link.group_id: (link.role, link.agency) for link in AgencyGroup.objects.select_related("agency")}
        self.groups |= {agency.members_id: ("members", agency) for agency in Agency.objects.all()}
        self.strings = self._strings()

    def _strings(self) -> dict[str, str]:
        from django.contrib.auth import get_user_model

        case = self.case
        institution = case.subjects.order_by("pk").first()
        strings = {
            case.title.removesuffix("案"): "<title>", case.number: "<number>", str(case.amount_involved): "<amount>",
            institution.name: "<institution>", institution.identifier: "<uscc>", institution.address: "<address>",
            institution.legal_representative: "<representative>", case.agency.doc_prefix: "<prefix>",
            case.lead_officer.officer.phone: "<phone>",
        }
        for i, document in enumerate(self.rows["referral_issueddocument"]):
            # The generator stores the letters rendered for its template case (rendering .docx per case
            # would cost more than all the rows): their bytes, so their hashes, are not the copy's own.
            strings[document.sha256] = f"<letter {i}>"
            if document.number:
                strings[document.number] = f"<document {document.family}>"
        for penalty in self.rows["casework_penaltydecision"]:
            strings[penalty.document_number] = "<penalty decision>"
        for i, evidence in enumerate(self.rows["casework_evidence"]):
            strings[evidence.sha256] = f"<sha {i}>"
        users = {row.recipient_id for row in self.rows["notifications_notification"]}
        users |= {row.actor_id for row in self.rows["agencies_auditevent"]} | set(self.people)
        for user in get_user_model().objects.filter(pk__in=users - {None}).select_related("officer__agency"):
            strings[user.get_full_name()] = f"<{self.person(user.pk)}>"
        for agency in {case.agency, *[r.to_agency for r in self.rows["referral_referral"]]}:
            strings[agency.name] = strings[agency.short_name] = f"<{self.agency(agency)}>"
        return strings

    def person(self, user_pk: int) -> str:
        from django.contrib.auth import get_user_model

        if user_pk in self.people:
            return self.people[user_pk]
        officer = get_user_model().objects.select_related("officer__agency").get(pk=user_pk).officer
        return f"{officer.role}@{self.agency(officer.agency)}"

    def agency(self, agency) -> str:
        return "bureau" if agency.pk == self.case.agency_id else agency.kind

    def text(self, value: str) -> str:
        for old in sorted(self.strings, key=len, reverse=True):
            value = value.replace(old, self.strings[old]) if old else value
        value = DATETIME_TEXT.sub("<time>", value)
        return ID_IN_TEXT.sub(self._id, value)

    def _id(self, match: re.Match) -> str:
        table = "referral_referral" if "referral" in match.group(1) else "casework_case"
        return f"{match.group(1)}<{self.ordinals.get((table, int(match.group(2))))}>"

    def value(self, row, f):
        from django.apps import apps
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from agencies.models import Agency

        value = getattr(row, f.attname)
        if f.name == "file":  # an upload onto an existing name gets a random suffix (old test media)
            value = re.sub(r"_[A-Za-z0-9]{7}$", "", value.name)
        if value is None or (f.primary_key and not f.is_relation):
            return None
        if f.is_relation:
            model = f.related_model
            if model is get_user_model():
                return self.person(value)
            if model is Agency:
                return self.agency(Agency.objects.get(pk=value))
            if model is Group:
                role, agency = self.groups[value]
                return f"{role}@{self.agency(agency)}"
            return self.ordinals.get((model._meta.db_table, value), value)
        if f.name in ("seq", "prev_hash", "hash", "mac"):
            return bool(value)  # chained (signed) or not; the place in the chain is the order of commits
        if isinstance(value, (datetime, date)) or f.name in ("serial", "year", "size", "content"):
            return "<time or number>"
        if f.name == "provisional":  # whether the count reached a year without a holiday schedule: follows the dates
            return "<follows the dates>"
        if f.name == "target_id":
            model = apps.get_model(row.target_type)
            return self.ordinals[(model._meta.db_table, int(value))]
        if f.name == "owner_permission_obj_pk":
            return self.agency(Agency.objects.get(pk=value))
        if isinstance(value, Decimal) and value == self.case.amount_involved:
            return "<amount>"
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (dict, list)):
            return self.json(value)
        return str(value)  # flow nodes, tokens, flow classes

    def json(self, value):
        """JSON data: texts normalised; a manifest's keys are evidence ids; a file's size follows its number."""
        if isinstance(value, dict):
            return {(f"<evidence {self.ordinals[('casework_evidence', int(k))]}>" if k.isdigit() else k):
                    ("<size>" if k == "size" else self.ordinals[(ID_KEYS[k], v)] if k in ID_KEYS else self.json(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        return self.text(value) if isinstance(value, str) else value

    def table(self, table: str) -> list[dict]:
        rows = self.rows[table]
        if not rows:
            return []
        fields = rows[0]._meta.local_concrete_fields if table.endswith("caseprocess") or table.endswith("referralprocess") \
            else rows[0]._meta.concrete_fields
        return [{f.name: self.value(row, f) for f in fields} for row in rows]


def _require_postgresql() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(f"the loader thread loads with COPY on a connection of its own (PostgreSQL); this run uses {connection.vendor}")


def _reference(stage: str, case, cast, capture):
    """The same stage reached through the real flows (demo.stories.tell), on-commit work included."""
    from agencies.audit import audit_seal
    from demo import stories

    story = ("对照医院涉嫌骗取医保基金案", case.source, getattr(stories, stage), Decimal("12345.67"), stories.STORIES[4][4], None)
    with capture(execute=True):
        case = stories.tell(story, cast)
    audit_seal()  # after commit; inside the test's transaction an earlier seal is already pending
    case.refresh_from_db()  # the flow's last steps saved their own copy of the case
    return case


@pytest.mark.django_db
def test_generated_cases_have_the_rows_of_real_ones(generated, cast, django_capture_on_commit_callbacks):
    _assert_rows_of_real_ones(generated, cast, django_capture_on_commit_callbacks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pipelined_cases_have_the_rows_of_real_ones(cast, django_capture_on_commit_callbacks):
    """The loader thread (on a connection of its own, so outside the test's transaction) loads the
    rows the serial path writes: the same COPY text, 文号 serials and audit chain across chunks."""
    import datagen

    _require_postgresql()
    generated = datagen.make_cases(30, seed=1, bureaus=3, batch=8, pipelined=True)
    _assert_rows_of_real_ones(generated, cast, django_capture_on_commit_callbacks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_load_stops_the_pipelined_run(cast, monkeypatch):
    """An error on the loader's connection is raised in the generating thread, which stops making
    chunks; what the failed chunk's transaction held is not stored."""
    import _clone
    import _rows as copy_rows
    import datagen
    from casework.models import Case

    _require_postgresql()
    loads, made = [], []

    def load_tables(connection, tables):
        loads.append(len(tables))
        if len(loads) == 2:
            raise RuntimeError("the disk is full")
        real_load(connection, tables)

    def reserve_ids(connection, needed):
        made.append(needed["casework_case"])  # once a chunk, as it is made
        return real_reserve(connection, needed)

    real_load, real_reserve = copy_rows.load_tables, _clone.reserve_ids
    monkeypatch.setattr(copy_rows, "load_tables", load_tables)
    monkeypatch.setattr(_clone, "reserve_ids", reserve_ids)
    before = Case.objects.count()
    with pytest.raises(RuntimeError, match="loader thread failed") as failure:
        datagen.make_cases(80, seed=1, bureaus=3, batch=8, pipelined=True)  # ten chunks
    assert str(failure.value.__cause__) == "the disk is full"
    assert len(loads) == 2
    assert len(made) <= 5  # the failed one, the two queued behind it and the one in hand when it failed, at most
    assert Case.objects.count() == before + 8  # the first chunk only


def _assert_rows_of_real_ones(generated, cast, capture) -> None:
    import datagen
    from agencies.audit import audit_verify
    from casework.models import Case

    assert [problem.message for problem in audit_verify()] == []  # the copies' audit events are chained
    assert generated.cases == 30 and set(generated.case_ids) == set(datagen.STAGE_WEIGHTS)
    for stage, ids in generated.case_ids.items():
        case = Case.objects.get(pk=ids[0])
        reference = _reference(stage, case, cast, capture)
        # the flows write after the copies: ids taken in advance were taken from the sequences
        assert reference.pk > max(pk for pks in generated.case_ids.values() for pk in pks)
        mine, theirs = Shape(case, _rows(case)), Shape(reference, _rows(reference))
        for table in mine.rows:
            ours, real = mine.table(table), theirs.table(table)
            assert len(ours) == len(real), f"{stage}: {table} has {len(ours)} rows, the real case {len(real)}"
            for row, expected in zip(ours, real):
                assert row == expected, f"{stage}: {table} differs: " + str(
                    {key: (row[key], expected[key]) for key in row if row[key] != expected[key]})
        for evidence in case.evidence.all():
            assert hashlib.sha256(evidence.file.read()).hexdigest() == evidence.sha256
        for document in case.documents.all():  # the letters' bytes, whole (on PostgreSQL a binary COPY)
            assert hashlib.sha256(bytes(document.content)).hexdigest() == document.sha256


@pytest.mark.django_db
def test_only_the_bureau_sees_its_generated_cases(generated, cast):
    from django.test import Client
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Task

    from agencies.models import Role
    from casework.models import Case

    city = Case.objects.exclude(agency__code="zj-msb").order_by("pk").first().agency
    cases = list(Case.objects.filter(agency=city))
    assigned = Task.objects.filter(process__caseprocess__case__in=cases, status=STATUS.ASSIGNED).select_related("owner").first()
    queued = Task.objects.filter(process__caseprocess__case__in=cases, status=STATUS.NEW, owner_permission="agencies.approve_case").first()
    chief = city.officers.get(role=Role.SECTION_CHIEF).user

    def page(user, url: str) -> str:
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert assigned is not None
    case = assigned.process.coerced.case
    assert case.number in page(assigned.owner, f"/cases/?q={case.number}")
    assert case.title in page(assigned.owner, "/workflow/inbox/")
    if queued is not None:
        assert queued.process.coerced.case.title in page(chief, "/workflow/queue/")
    outsiders = [cast.user("cz_msb_officer"), cast.user("msb_officer"),
                 Case.objects.exclude(agency=city).exclude(agency__code="zj-msb").first().lead_officer]
    for outsider in outsiders:
        listing = page(outsider, "/cases/") + page(outsider, "/workflow/inbox/") + page(outsider, "/workflow/queue/")
        assert not [c.number for c in cases if c.number in listing or c.title in listing]
