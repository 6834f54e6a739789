"""Evidence uploads: the size limit enforced while the body is parsed, and the content checked against
the file's extension (an allow-list of magic bytes), with archives (.docx, .xlsx, .zip …) bounded in
entry count and uncompressed size so a zip bomb is refused before anything reads it.

`SizeLimitUploadHandler` is first in FILE_UPLOAD_HANDLERS: past LIANBAN_EVIDENCE_MAX_BYTES it stops
passing the file's bytes on (so no later handler stores them), drops what was buffered, and leaves a
`RefusedUpload` in request.FILES that the form turns into a Chinese error. `check_evidence_file` is
the content check the evidence form runs on what was received.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

SNIFF_BYTES = 8192
ZIP_READ_CHUNK = 1024 * 1024


def max_upload_bytes() -> int:
    return settings.LIANBAN_EVIDENCE_MAX_BYTES


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:g} MB" if size >= 1024 * 1024 else f"{size / 1024:g} KB"


def too_large_message() -> str:
    return f"文件超过 {size_text(max_upload_bytes())} 的上限，未保存。请压缩或分卷后再上传。"


# --- the size limit, while the body is parsed -------------------------------------------------------


class RefusedUpload(UploadedFile):
    """Stands in request.FILES for a file that was not received; carries the reason."""

    def __init__(self, *, name: str, content_type: str, refusal: str):
        super().__init__(BytesIO(), name=name, content_type=content_type, size=0)
        self.refusal = refusal


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops a file at LIANBAN_EVIDENCE_MAX_BYTES: nothing past the limit reaches the storing handlers.

    A file is refused up front when the request (or the part) declares a length over the limit,
    otherwise as soon as the bytes counted pass it; what a later handler buffered is closed (a
    temporary file is deleted on close).
    """

    FORM_FIELDS_ALLOWANCE = 1024 * 1024  # the other fields of the form travel in the same body

    def __init__(self, request: Any = None):
        super().__init__(request)
        self.body_too_large = False
        self.refused = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.body_too_large = bool(content_length) and content_length > max_upload_bytes() + self.FORM_FIELDS_ALLOWANCE
        return None  # the normal multipart parsing goes on

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.refused = self.body_too_large or (content_length is not None and content_length > max_upload_bytes())
        if self.refused:
            raise StopFutureHandlers  # the storing handlers never open a file for it

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if not self.refused and start + len(raw_data) > max_upload_bytes():
            self.refused = True
            self._discard_later_buffers()
        return None if self.refused else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.refused:
            return None  # a later handler returns the stored file
        self.refused = False
        return RefusedUpload(name=self.file_name or "", content_type=self.content_type or "", refusal=too_large_message())

    def _discard_later_buffers(self) -> None:
        handlers = list(getattr(self.request, "upload_handlers", []) or [])
        for handler in handlers[handlers.index(self) + 1 :] if self in handlers else []:
            buffered = getattr(handler, "file", None)
            if buffered is not None:
                buffered.close()
                handler.file = BytesIO()  # whatever file_complete it may still reach sees an empty buffer


# --- the content, against the extension ---------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    label: str
    signatures: tuple[bytes, ...] = ()  # one must match at the start (offset below); empty: no magic
    offset: int = 0
    zip_main_type: str = ""  # an Office Open XML part the [Content_Types].xml must declare
    zip_member: str = ""  # a member a zip-based format must contain
    archive: bool = False  # a zip: bounded in entries and uncompressed size
    text: bool = False  # plain text: no NUL byte, UTF-8 or GB18030, not markup
    opaque: bool = False  # raw electronic data: anything but markup


ZIP = (b"PK\x03\x04",)
OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
FTYP = (b"ftyp",)

KINDS: dict[str, Kind] = {
    ".pdf": Kind("PDF 文档", (b"%PDF-",)),
    ".ofd": Kind("OFD 版式文档", ZIP, archive=True, zip_member="OFD.xml"),
    ".png": Kind("PNG 图片", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": Kind("JPEG 图片", (b"\xff\xd8\xff",)),
    ".jpeg": Kind("JPEG 图片", (b"\xff\xd8\xff",)),
    ".gif": Kind("GIF 图片", (b"GIF87a", b"GIF89a")),
    ".bmp": Kind("BMP 图片", (b"BM",)),
    ".tif": Kind("TIFF 图片", (b"II*\x00", b"MM\x00*")),
    ".tiff": Kind("TIFF 图片", (b"II*\x00", b"MM\x00*")),
    ".doc": Kind("Word 97-2003 文档", OLE2),
    ".xls": Kind("Excel 97-2003 工作簿", OLE2),
    ".ppt": Kind("PowerPoint 97-2003 演示文稿", OLE2),
    ".docx": Kind("Word 文档", ZIP, archive=True,
                  zip_main_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    ".xlsx": Kind("Excel 工作簿", ZIP, archive=True,
                  zip_main_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    ".pptx": Kind("PowerPoint 演示文稿", ZIP, archive=True,
                  zip_main_type="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
    ".zip": Kind("ZIP 压缩包", (b"PK\x03\x04", b"PK\x05\x06"), archive=True),
    ".mp3": Kind("MP3 音频", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": Kind("WAV 音频", (b"RIFF",)),
    ".amr": Kind("AMR 音频", (b"#!AMR",)),
    ".mp4": Kind("MP4 视频", FTYP, offset=4),
    ".m4a": Kind("M4A 音频", FTYP, offset=4),
    ".mov": Kind("MOV 视频", FTYP, offset=4),
    ".txt": Kind("文本文件", text=True),
    ".csv": Kind("CSV 表格", text=True),
    ".bin": Kind("电子数据", opaque=True),
    ".dat": Kind("电子数据", opaque=True),
}

MARKUP_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


def allowed_extensions_text() -> str:
    return "、".join(sorted(KINDS))


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(MARKUP_STARTS)


def _is_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark (Notepad's "Unicode")
        return True
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut at the end of the sniffed bytes
                return True
    return False


def _check_archive(kind: Kind, stream: IO[bytes]) -> None:
    """Entries counted and decompressed (bounded, without storing) before anything reads the archive."""
    limit, max_entries = settings.LIANBAN_UPLOAD_MAX_UNCOMPRESSED_BYTES, settings.LIANBAN_UPLOAD_MAX_ZIP_ENTRIES
    too_big = f"{kind.label}解压后超过 {size_text(limit)} 或文件数超过 {max_entries} 个，疑为压缩炸弹，未保存。"
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > max_entries or sum(entry.file_size for entry in entries) > limit:
                raise ValidationError(too_big, code="archive_too_large")
            total = 0
            for entry in entries:  # the sizes in the directory may lie: count what really comes out
                with archive.open(entry) as member:
                    while chunk := member.read(ZIP_READ_CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise ValidationError(too_big, code="archive_too_large")
            names = {entry.filename for entry in entries}
            if kind.zip_member and kind.zip_member not in names:
                raise ValidationError(f"文件内容不是{kind.label}。", code="content_mismatch")
            if kind.zip_main_type:
                types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
                if kind.zip_main_type.encode() not in types:
                    raise ValidationError(f"文件内容不是{kind.label}（可能是扩展名被改动）。", code="content_mismatch")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, RuntimeError, ValueError) as exc:
        raise ValidationError(f"{kind.label}已损坏或加密，无法检查，未保存。", code="archive_unreadable") from exc


def check_evidence_file(upload: UploadedFile) -> None:
    """Raise a ValidationError (Chinese) unless the upload is within the limits and its bytes are what its extension says."""
    if isinstance(upload, RefusedUpload):
        raise ValidationError(upload.refusal, code="too_large")
    if upload.size is not None and upload.size > max_upload_bytes():
        raise ValidationError(too_large_message(), code="too_large")
    extension = PurePath(upload.name or "").suffix.lower()
    kind = KINDS.get(extension)
    if kind is None:
        raise ValidationError(
            f"不支持“{extension or '无扩展名'}”类型的文件。可上传：{allowed_extensions_text()}。", code="extension"
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    mismatch = ValidationError(f"文件内容与扩展名“{extension}”不符，不是{kind.label}，未保存。", code="content_mismatch")
    if kind.signatures and not any(head[kind.offset :].startswith(magic) for magic in kind.signatures):
        raise mismatch
    if (kind.text or kind.opaque) and _looks_like_markup(head):
        raise ValidationError(f"网页或脚本文件不能作为“{extension}”上传，未保存。", code="markup")
    if kind.text and not _is_text(head):
        raise mismatch
    if kind.archive:
        try:
            _check_archive(kind, upload)
        finally:
            upload.seek(0)
