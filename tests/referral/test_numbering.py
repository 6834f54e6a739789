"""Document numbers (文号) and issued documents.

DESIGN.md: numbers come from a register per agency × family × year, allocated under a row lock at
issue time — gapless, never reused; issued files are immutable and stored with their SHA-256.
"""

from __future__ import annotations

import hashlib
import threading
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.audit import audit_verify
from agencies.models import DocumentRegister
from agencies.numbering import DocumentNumber, allocate_number
from casework.models import Case, CaseSource
from referral.documents import document_issue
from referral.models import IssuedDocument

FAMILY = "移"


def this_year() -> int:
    return timezone.localdate().year


def test_number_text_follows_gbt_9704():
    """机关代字 + 类别 + 〔年份〕 + 序号 + 号: no leading zeros, no 第."""
    assert DocumentNumber(prefix="镇医保", family="移", year=2026, serial=1).text == "镇医保移〔2026〕1号"
    assert DocumentNumber(prefix="镇医保", family="移", year=2026, serial=12).text == "镇医保移〔2026〕12号"
    assert "第" not in DocumentNumber(prefix="常医保", family="案", year=2027, serial=3).text


@pytest.mark.django_db
def test_each_agency_family_and_year_keeps_its_own_register(cast):
    zj, cz = cast.agencies["zj-msb"], cast.agencies["cz-msb"]

    def take(agency, family: str, year: int) -> str:
        return allocate_number(agency=agency, family=family, year=year).text

    assert [take(zj, "移", 2026), take(zj, "移", 2026)] == ["镇医保移〔2026〕1号", "镇医保移〔2026〕2号"]
    assert take(zj, "案", 2026) == "镇医保案〔2026〕1号"
    assert take(zj, "移", 2027) == "镇医保移〔2027〕1号"
    assert take(cz, "移", 2026) == "常医保移〔2026〕1号"
    assert take(zj, "移", 2026) == "镇医保移〔2026〕3号"
    registers = DocumentRegister.objects.values_list("agency__code", "family", "year", "last_serial")
    assert sorted(registers) == [("cz-msb", "移", 2026, 1), ("zj-msb", "案", 2026, 1), ("zj-msb", "移", 2026, 3),
                                 ("zj-msb", "移", 2027, 1)]


@pytest.mark.django_db(transaction=True)
def test_allocating_a_number_outside_a_transaction_is_refused(cast):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        allocate_number(agency=cast.agencies["zj-msb"], family=FAMILY, year=this_year())
    assert not DocumentRegister.objects.exists()


def plain_case(cast, number: str = "测试案〔2026〕1号") -> Case:
    officer = cast.user("msb_officer")
    return Case.objects.create(
        number=number, title="测试案件", source=CaseSource.TIP, summary="测试", agency=cast.agencies["zj-msb"],
        registered_by=officer, lead_officer=officer,
    )


def issue(cast, case: Case, *, title: str = "测试文书", build=None) -> IssuedDocument:
    return document_issue(
        agency=cast.agencies["zj-msb"], family=FAMILY, title=title, case=case, issued_by=cast.user("msb_head"),
        build=build or (lambda number: f"{number}\n{title}\n".encode()),
    )


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_issue_gives_its_number_back(cast):
    """A letter that fails to build, or whose transaction rolls back, consumes no number: the next
    committed issue gets the very serial it would have had."""
    case = plain_case(cast)
    first = issue(cast, case)
    assert first.serial == 1

    def broken(number: str) -> bytes:
        raise ValueError(f"template error while building {number}")

    with pytest.raises(ValueError, match="2号"):
        issue(cast, case, build=broken)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(cast, case)
        raise RuntimeError("the surrounding step failed")

    second = issue(cast, case)
    assert second.number == f"镇医保移〔{this_year()}〕2号"
    assert list(IssuedDocument.objects.order_by("serial").values_list("serial", flat=True)) == [1, 2]
    assert DocumentRegister.objects.get(agency=cast.agencies["zj-msb"], family=FAMILY).last_serial == 2


def issue_from_threads(cast, case: Case, count: int) -> list[BaseException]:
    """Issue `count` documents at once, each from its own thread and database connection; return the errors."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=60)  # every thread opens its transaction at the same moment
            issue(cast, case, title=f"测试文书{index}")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def assert_gapless(cast, count: int) -> None:
    documents = list(IssuedDocument.objects.filter(agency=cast.agencies["zj-msb"], family=FAMILY))
    assert sorted(document.serial for document in documents) == list(range(1, count + 1))
    assert len({document.number for document in documents}) == count
    for document in documents:
        assert bytes(document.content).decode().startswith(f"{document.number}\n")  # built with its own number
    assert DocumentRegister.objects.get(agency=cast.agencies["zj-msb"], family=FAMILY).last_serial == count
    assert list(audit_verify()) == []  # every issue's audit event was sealed into one chain


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_issues_on_postgresql_get_twenty_distinct_consecutive_numbers(cast):
    """First round: the register row does not exist yet (racing creators); second round: it does
    (the row lock alone serializes them)."""
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL row locks (SELECT … FOR UPDATE); this run uses {connection.vendor}")
    case = plain_case(cast)
    assert issue_from_threads(cast, case, 20) == []
    assert_gapless(cast, 20)
    assert issue_from_threads(cast, case, 20) == []
    assert_gapless(cast, 40)


@pytest.mark.django_db(transaction=True)
def test_parallel_issues_get_consecutive_numbers_on_any_database(cast):
    """Fewer threads, on whatever database the suite runs: on SQLite `select_for_update` is a no-op,
    but IMMEDIATE transactions (settings) make the writers queue."""
    case = plain_case(cast)
    assert issue_from_threads(cast, case, 5) == []
    assert_gapless(cast, 5)
    assert issue_from_threads(cast, case, 5) == []
    assert_gapless(cast, 10)


# --- the issued letter ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_letter_is_stored_with_its_sha256_and_downloaded_byte_for_byte(tell, login, settings, tmp_path):
    from demo.stories import SENT

    settings.MEDIA_ROOT = tmp_path
    case = tell(SENT)
    letter = case.referrals.get().documents.get(title="涉嫌犯罪案件移送书")
    content = bytes(letter.content)
    assert content.startswith(b"PK")  # a .docx
    assert letter.sha256 == hashlib.sha256(content).hexdigest() and letter.size == len(content)
    assert letter.number == f"镇医保移〔{this_year()}〕1号" and letter.filename.startswith(letter.number)

    response = login("psb_officer").get(reverse("referrals:document_download", args=[letter.pk]))
    assert response.status_code == 200
    assert response.content == content
    assert response["X-Content-SHA256"] == letter.sha256
    assert quote(letter.filename) in response["Content-Disposition"]
