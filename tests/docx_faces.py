"""What a .docx paragraph or run looks like once its styles are applied, as Word resolves them.

The letters set their faces through named styles; these helpers follow the chain (document
defaults → table style → paragraph style and its `basedOn` ancestors → character style → the
paragraph's or run's own properties) so that tests check what is printed, not where it is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import _Element

# Attributes that stand for one another: an explicit font replaces a theme font and back.
_FONT_SLOTS = {"ascii": "asciiTheme", "hAnsi": "hAnsiTheme", "eastAsia": "eastAsiaTheme", "cs": "cstheme"}


@dataclass(frozen=True)
class RunFace:
    ascii: str | None
    east_asia: str | None
    size_pt: float | None
    color: str | None
    east_asian_language: str | None


@dataclass(frozen=True)
class ParagraphLook:
    align: str  # w:jc value; "left" when unset
    first_line_pt: float  # negative for a hanging indent
    left_pt: float
    right_pt: float
    line_pt: float | None
    line_rule: str | None
    space_before_pt: float
    space_after_pt: float
    keep_with_next: bool


def _chain(styles: dict[str, _Element], style_id: str | None) -> list[_Element]:
    """The style and its ancestors, root first."""
    chain: list[_Element] = []
    while style_id and style_id in styles and len(chain) < 20:
        style = styles[style_id]
        chain.insert(0, style)
        based = style.find(qn("w:basedOn"))
        style_id = based.get(qn("w:val")) if based is not None else None
    return chain


def _default_paragraph_style(styles: dict[str, _Element]) -> str | None:
    for style_id, style in styles.items():
        if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true", "on"):
            return style_id
    return None


def _table_style(p: Paragraph) -> str | None:
    tbl = next((a for a in p._p.iterancestors(qn("w:tbl"))), None)
    if tbl is None:
        return None
    style = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}")
    return style.get(qn("w:val")) if style is not None else None


def _paragraph_levels(p: Paragraph) -> tuple[list[_Element], list[_Element]]:
    """(pPr, rPr) property elements of every level up to the paragraph style, lowest first."""
    styles = _styles_of(p)
    defaults = p.part.package.main_document_part.styles.element.find(qn("w:docDefaults"))
    ppr_levels = [e for e in defaults.iter(qn("w:pPr"))] if defaults is not None else []
    rpr_levels = [e for e in defaults.iter(qn("w:rPr"))] if defaults is not None else []
    for style in _chain(styles, _table_style(p)):
        ppr_levels += style.findall(qn("w:pPr"))
        rpr_levels += style.findall(qn("w:rPr"))
    ppr = p._p.pPr
    own = ppr.find(qn("w:pStyle")) if ppr is not None else None
    style_id = own.get(qn("w:val")) if own is not None else _default_paragraph_style(styles)
    for style in _chain(styles, style_id):
        ppr_levels += style.findall(qn("w:pPr"))
        rpr_levels += style.findall(qn("w:rPr"))
    return ppr_levels, rpr_levels


def _merge(levels: list[_Element], tag: str, slots: dict[str, str] | None = None) -> dict[str, str]:
    """Attributes of child `tag` over the levels, the higher level winning attribute by attribute."""
    merged: dict[str, str] = {}
    for level in levels:
        element = level.find(qn(tag))
        if element is None:
            continue
        for key, value in element.attrib.items():
            name = key.split("}")[-1]
            for slot, twin in (slots or {}).items():
                if name in (slot, twin):
                    merged.pop(slot, None)
                    merged.pop(twin, None)
            merged[name] = value
    return merged


def run_face(p: Paragraph, run: Run) -> RunFace:
    """The face a run prints in: fonts, size, colour and East Asian language."""
    _, rpr_levels = _paragraph_levels(p)
    styles = _styles_of(p)
    rpr = run._r.rPr
    rstyle = rpr.find(qn("w:rStyle")) if rpr is not None else None
    if rstyle is not None:
        for style in _chain(styles, rstyle.get(qn("w:val"))):
            rpr_levels += style.findall(qn("w:rPr"))
    if rpr is not None:
        rpr_levels.append(rpr)
    fonts = _merge(rpr_levels, "w:rFonts", _FONT_SLOTS)
    size = _merge(rpr_levels, "w:sz").get("val")
    color = _merge(rpr_levels, "w:color").get("val")
    return RunFace(
        ascii=fonts.get("ascii"),
        east_asia=fonts.get("eastAsia"),
        size_pt=int(size) / 2 if size else None,
        color=color,
        east_asian_language=_merge(rpr_levels, "w:lang").get("eastAsia"),
    )


def _styles_of(p: Paragraph) -> dict[str, _Element]:
    styles = p.part.package.main_document_part.styles.element
    return {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}


def paragraph_look(p: Paragraph) -> ParagraphLook:
    """Alignment, indents (pt), line spacing and keep-with-next a paragraph prints with."""
    ppr_levels, _ = _paragraph_levels(p)
    if p._p.pPr is not None:
        ppr_levels.append(p._p.pPr)
    ind = _merge(ppr_levels, "w:ind", {"firstLine": "hanging"})
    spacing = _merge(ppr_levels, "w:spacing")
    keep = _merge(ppr_levels, "w:keepNext")

    def pt(value: str | None) -> float:
        return int(value) / 20 if value else 0.0

    return ParagraphLook(
        align=_merge(ppr_levels, "w:jc").get("val", "left"),
        first_line_pt=-pt(ind["hanging"]) if "hanging" in ind else pt(ind.get("firstLine")),
        left_pt=pt(ind.get("left", ind.get("start"))),
        right_pt=pt(ind.get("right", ind.get("end"))),
        line_pt=pt(spacing["line"]) if "line" in spacing else None,
        line_rule=spacing.get("lineRule"),
        space_before_pt=pt(spacing.get("before")),
        space_after_pt=pt(spacing.get("after")),
        keep_with_next=bool(keep) and keep.get("val", "1") not in ("0", "false", "off"),
    )
