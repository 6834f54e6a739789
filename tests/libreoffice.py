"""Print a generated .docx with LibreOffice, as a clerk's machine without the GB fonts would.

Every conversion reads the project's font rules (deploy/fonts/64-lianban-gongwen.conf) on top of
the system's fontconfig, so the PDFs and PNGs show what a Debian machine with fonts-noto-cjk and
those rules prints. Tests that need LibreOffice carry `needs_libreoffice` (skipped, with the
reason, where `make test` could not install it: scripts/ensure-libreoffice.sh).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")  # poppler-utils: LibreOffice's Writer-only package exports no PNG
FONT_RULES = Path(__file__).resolve().parent.parent / "deploy" / "fonts" / "64-lianban-gongwen.conf"
SYSTEM_FONTCONFIG = Path("/etc/fonts/fonts.conf")

needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice not installed (no soffice/libreoffice on PATH): .docx → PDF conversion not checked",
)

needs_pdftoppm = pytest.mark.skipif(
    PDFTOPPM is None, reason="pdftoppm (poppler-utils) not installed: letters not rendered to PNG"
)


def fontconfig_file(directory: Path, *, rules: bool = True) -> Path:
    """A fonts.conf that reads the system's configuration and then (with `rules`) the project's."""
    path = directory / ("fonts-with-rules.conf" if rules else "fonts-system.conf")
    include = f"<include>{FONT_RULES}</include>" if rules else ""
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f'<fontconfig><include ignore_missing="yes">{SYSTEM_FONTCONFIG}</include>{include}</fontconfig>\n',
        encoding="utf-8",
    )
    return path


def convert(content: bytes, directory: Path, name: str, *, rules: bool = True) -> Path:
    """Write `content` as `name`.docx in `directory` and print it to `name`.pdf there."""
    source = directory / f"{name}.docx"
    source.write_bytes(content)
    home = directory / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "FONTCONFIG_FILE": str(fontconfig_file(directory, rules=rules))}
    subprocess.run(
        [SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(directory), str(source)],
        check=True, timeout=180, env=env, capture_output=True,
    )
    pdf = directory / f"{name}.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), f"LibreOffice printed no PDF of {name}"
    return pdf


def first_page_png(pdf: Path, *, dpi: int = 96) -> Path:
    """Page 1 of `pdf` as a PNG beside it."""
    stem = pdf.with_suffix("")
    subprocess.run([PDFTOPPM, "-f", "1", "-l", "1", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(stem)],
                   check=True, timeout=60, capture_output=True)
    return stem.with_suffix(".png")


def pdf_fonts(pdf: Path) -> set[str]:
    """The fonts a PDF embeds, without the subset prefix: {"NotoSerifCJKjp-Regular-VKana", …}."""
    return {name.decode() for name in re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([A-Za-z0-9_.-]+)", pdf.read_bytes())}


def pdf_page_count(pdf: Path) -> int:
    """Pages of a PDF as LibreOffice writes it (page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))
