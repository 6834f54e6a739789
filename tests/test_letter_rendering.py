"""Every letter family printed by LibreOffice on a machine without the GB fonts: in Chinese serif
faces through the project's font rules, on the pages it should take, page 1 kept as a PNG.

`LIANBAN_REFRESH_LETTER_PNGS=1 make test` (or this file alone) writes page 1 of each family to
docs/letters/ for review; a plain run renders them to a temporary directory and checks them.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from meetings.letters.minutes import build_minutes
from referral.letters.clue_letter import build_clue_letter
from referral.letters.reply_letter import build_reply_letter
from referral.letters.transfer_notice import SignedReceipt, build_signed_receipt
from supervision.letters.notice import build_supervision_notice
from supervision.letters.report import build_supervision_report
from tests.libreoffice import convert, first_page_png, needs_libreoffice, needs_pdftoppm, pdf_fonts, pdf_page_count
from tests.meetings.test_minutes_letter import MINUTES
from tests.referral.test_clue_and_reply_letters import CLUES, REPLIES
from tests.referral.test_letter_families import BUILDERS as REFERRAL_LETTERS
from tests.referral.test_letters import NOTICE as TRANSFER_NOTICE
from tests.supervision.test_letters import NOTICE as SUPERVISION_NOTICE
from tests.supervision.test_letters import REPORT as SUPERVISION_REPORT

DOCS = Path(__file__).resolve().parent.parent / "docs" / "letters"
REFRESH = os.environ.get("LIANBAN_REFRESH_LETTER_PNGS") == "1"

# One sample of each family, named as docs/letters/README.md lists them.
FAMILIES = {
    "T1-移送书": REFERRAL_LETTERS["T1_transfer_notice"],
    "T1-回执（已签收）": lambda: build_signed_receipt(TRANSFER_NOTICE, SignedReceipt(
        signer="刘强", signer_title="经侦支队民警", received_at=datetime(2026, 11, 23, 6, 5, tzinfo=UTC), copies_received=4,
    )),
    "T2-调查报告": REFERRAL_LETTERS["T2_investigation_report"],
    "T3-涉案物品清单": REFERRAL_LETTERS["T3_item_list"],
    "T3-交接清单": REFERRAL_LETTERS["T3_handover_list"],
    "T4-线索移送函": lambda: build_clue_letter(CLUES["health"]),
    "T5-挂牌督办通知书": lambda: build_supervision_notice(SUPERVISION_NOTICE),
    "T7-提请复议书": REFERRAL_LETTERS["T7_reconsideration_request"],
    "T8-立案监督建议书": REFERRAL_LETTERS["T8_supervision_proposal"],
    "T10-督办进展报告": lambda: build_supervision_report(SUPERVISION_REPORT),
    "复函": lambda: build_reply_letter(REPLIES["reverse_transfer"]),
    "联席会议纪要": lambda: build_minutes(MINUTES),
}


@needs_libreoffice
@needs_pdftoppm
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_prints_its_text_in_a_chinese_serif_face(family: str, tmp_path: Path) -> None:
    """仿宋 and 小标宋 print as Noto Serif CJK (fonts-noto-cjk), not as the sans-serif face
    LibreOffice falls back to without the rules; page 1 is rendered to PNG."""
    pdf = convert(FAMILIES[family](), tmp_path, family)
    fonts = pdf_fonts(pdf)
    assert any(font.startswith("NotoSerifCJK") for font in fonts), fonts

    png = first_page_png(pdf)
    assert png.read_bytes().startswith(b"\x89PNG")
    if REFRESH:
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, DOCS / f"{family}.png")


@needs_libreoffice
def test_without_the_rules_the_letter_falls_back_to_a_sans_face(tmp_path: Path) -> None:
    """What the rules are for: the same 移送书 without them has no serif face at all."""
    pdf = convert(FAMILIES["T1-移送书"](), tmp_path, "移送书", rules=False)
    assert not any(font.startswith("NotoSerifCJK") for font in pdf_fonts(pdf))


@needs_libreoffice
def test_the_transfer_notice_and_its_receipt_take_four_pages_without_a_spill(tmp_path: Path) -> None:
    """Three pages of 移送书 and the 回执 on the fourth: its note used to spill onto an empty fifth."""
    assert pdf_page_count(convert(FAMILIES["T1-移送书"](), tmp_path, "移送书")) == 4


def test_every_family_has_its_png_in_the_docs() -> None:
    """docs/letters/ holds page 1 of every family listed here (refresh with LIANBAN_REFRESH_LETTER_PNGS=1)."""
    assert sorted(path.stem for path in DOCS.glob("*.png")) == sorted(FAMILIES)
