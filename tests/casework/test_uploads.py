"""Evidence uploads: the size limit holds before anything is stored, the bytes must be what the extension
says (an HTML page named .pdf is refused), a zip bomb dressed as .docx is refused, and real documents pass.
Free text is bounded too: a summary of a million characters is refused and nothing changes."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditEvent
from casework import services
from casework.flows import CaseFlow
from casework.models import Case, CaseSource, Evidence

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


@pytest.fixture
def officer(login):
    return login("msb_officer")


@pytest.fixture
def lead(cast):
    return services.case_register(user=cast.user("msb_officer"), title="上传检查测试案", source=CaseSource.TIP, summary="测试线索")


def upload(client, case, name: str, content: bytes, content_type: str = "application/octet-stream"):
    return client.post(reverse("cases:evidence_add", args=[case.pk]), {
        "kind": "document", "title": "证据材料", "upload": SimpleUploadedFile(name, content, content_type=content_type),
    })


def stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def refused(response, case, message: str) -> bool:
    """Shown on the form (status 200), no evidence row, no file in the media directory, no audit event."""
    return (
        response.status_code == 200
        and message in response.content.decode()
        and not Evidence.objects.filter(case=case).exists()
        and not stored_files()
        and not AuditEvent.objects.filter(verb="evidence.added").exists()
    )


def real_pdf() -> bytes:
    """A minimal but well-formed one-page PDF (catalog, pages, page; a correct xref table)."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"]
    out = BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def real_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("询问笔录：被询问人张某，对虚开处方的事实供认不讳。")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bomb_docx(uncompressed: int) -> bytes:
    """A .docx as Word would name its parts, whose document.xml inflates to `uncompressed` bytes of zeros."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", f'<Types><Override PartName="/word/document.xml" ContentType="{DOCX_MAIN}"/></Types>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = bytes(MiB)
            for _ in range(uncompressed // MiB):
                member.write(chunk)
    return buffer.getvalue()


# --- accepted ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content_type", "content"), [
    ("处方笺扫描件.pdf", "application/pdf", real_pdf()),
    ("询问笔录.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", real_docx()),
])
def test_a_real_pdf_and_a_real_docx_are_accepted_and_download_unchanged(lead, officer, name, content_type, content):
    response = upload(officer, lead, name, content, content_type)
    assert response.status_code == 302
    evidence = Evidence.objects.get(case=lead)
    download = officer.get(reverse("cases:evidence_download", args=[lead.pk, evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content


# --- refused -------------------------------------------------------------------------------------------


def test_an_html_page_named_pdf_is_refused_and_not_stored(lead, officer):
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script>\xe5\x8f\x91\xe7\xa5\xa8</body></html>"
    response = upload(officer, lead, "发票.pdf", page, "application/pdf")
    assert refused(response, lead, "文件内容与扩展名“.pdf”不符，不是PDF 文档")


def test_a_docx_that_is_really_a_pdf_is_refused(lead, officer):
    response = upload(officer, lead, "笔录.docx", real_pdf())
    assert refused(response, lead, "文件内容与扩展名“.docx”不符")


def test_an_xlsx_that_is_really_a_docx_is_refused(lead, officer):
    response = upload(officer, lead, "明细.xlsx", real_docx())
    assert refused(response, lead, "文件内容不是Excel 工作簿")


def test_an_executable_extension_is_refused_with_the_list_of_allowed_types(lead, officer):
    response = upload(officer, lead, "工具.exe", b"MZ\x90\x00" + bytes(100))
    assert refused(response, lead, "不支持“.exe”类型的文件。可上传：")


def test_a_zip_bomb_named_docx_is_refused_before_anything_is_stored(lead, officer, settings):
    settings.LIANBAN_UPLOAD_MAX_UNCOMPRESSED_BYTES = 8 * MiB
    bomb = zip_bomb_docx(64 * MiB)
    assert len(bomb) < MiB  # it is the inflation that is refused, not the upload size
    response = upload(officer, lead, "询问笔录.docx", bomb)
    assert refused(response, lead, "疑为压缩炸弹")


def test_a_file_declared_over_the_limit_is_refused_and_nothing_is_stored(lead, officer, settings):
    """The request is larger than the limit: the upload handler refuses it before any byte is buffered."""
    settings.LIANBAN_EVIDENCE_MAX_BYTES = MiB
    response = upload(officer, lead, "扫描件.pdf", b"%PDF-1.4\n" + bytes(3 * MiB))
    assert refused(response, lead, "文件超过 1 MB 的上限，未保存")


def test_a_file_that_passes_the_limit_while_being_read_is_refused_and_nothing_is_stored(lead, officer, settings):
    """Within the request's allowance for the other fields, the file is stopped once its bytes pass the limit."""
    settings.LIANBAN_EVIDENCE_MAX_BYTES = MiB
    response = upload(officer, lead, "扫描件.pdf", b"%PDF-1.4\n" + bytes(MiB + MiB // 2))
    assert refused(response, lead, "文件超过 1 MB 的上限，未保存")


def test_a_file_just_within_the_limit_is_accepted(lead, officer, settings):
    settings.LIANBAN_EVIDENCE_MAX_BYTES = MiB
    content = b"%PDF-1.4\n" + bytes(MiB - 9)
    assert upload(officer, lead, "扫描件.pdf", content).status_code == 302
    assert Evidence.objects.get(case=lead).size == MiB


# --- free text -----------------------------------------------------------------------------------------


def test_a_summary_of_a_million_characters_is_refused_and_no_case_is_registered(cast, officer):
    cases, events = Case.objects.count(), AuditEvent.objects.count()
    response = officer.post(CaseFlow.register.reverse("execute"), {
        "title": "超长摘要测试案", "source": "tip", "summary": "虚" * 1_000_000, "amount_involved": "0",
    })
    assert response.status_code == 200
    assert "内容过长：最多 20000 个字，现有 1000000 个字" in response.content.decode()
    assert (Case.objects.count(), AuditEvent.objects.count()) == (cases, events)


def test_past_the_limit_no_byte_reaches_the_handlers_that_store(settings):
    """The size handler sits first: a storing handler after it receives at most the limit, then nothing."""
    from django.core.files.uploadhandler import MemoryFileUploadHandler
    from django.http.multipartparser import MultiPartParser
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from casework.uploads import RefusedUpload, SizeLimitUploadHandler

    class Recorder(MemoryFileUploadHandler):
        received = 0

        def receive_data_chunk(self, raw_data, start):
            Recorder.received += len(raw_data)
            return super().receive_data_chunk(raw_data, start)

    settings.LIANBAN_EVIDENCE_MAX_BYTES = 256 * 1024
    body = encode_multipart(BOUNDARY, {"upload": SimpleUploadedFile("扫描件.pdf", b"%PDF-1.4\n" + bytes(MiB))})
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * MiB  # the recorder would keep everything in memory

    class Request:
        upload_handlers: list = []

    request = Request()
    request.upload_handlers = [SizeLimitUploadHandler(request), Recorder(request)]
    _, files = MultiPartParser(meta, BytesIO(body), request.upload_handlers).parse()

    assert isinstance(files["upload"], RefusedUpload)
    assert "文件超过 256 KB 的上限" in files["upload"].refusal
    assert 0 < Recorder.received <= 256 * 1024
