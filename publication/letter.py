"""The typical case as a .docx for publication: its headline, its redacted text (a line a paragraph;
"一、…" lines as headings) and the bureau's name and date. Built from the public text only, so
nothing the check in publication.redaction did not pass can reach the file."""

from __future__ import annotations

import re

from referral.letters import layout
from referral.letters.clue_letter import balanced_title, title_pieces

from publication.models import TypicalCase

HEADING = re.compile(r"^[一二三四五六七八九十]+、")


def build_typical_case(publication: TypicalCase) -> bytes:
    agency = publication.case.agency
    document = layout.new_document(title=publication.headline, author=agency.name)
    layout.title(document, text=balanced_title(title_pieces(publication.headline)))
    layout.blank_line(document)
    headings = 0
    for line in publication.text.splitlines():
        line = line.strip()
        if not line:
            continue
        if HEADING.match(line):  # numbered again in order: 一、二、…
            headings += 1
            layout.heading(document, number=headings, text=HEADING.sub("", line), level=1)
        else:
            layout.body(document, text=line)
    layout.blank_line(document)
    layout.signature(document, organ=agency.name, signed_on=publication.published_on or publication.proposed_at.date(),
                     seal_placeholder=False)
    layout.page_numbers(document)
    return layout.to_bytes(document)
