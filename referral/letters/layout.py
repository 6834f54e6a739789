"""GB/T 9704-2012 page layout on python-docx, shared by every letter family.

Sizes follow the standard: A4, margins 37/28/35/26 mm, 22 lines of 28 characters in 3号 (16 pt).

The faces are named styles, defined once per document by `new_document`: a paragraph style per
kind of paragraph (`Look`: 正文, 标题, 发文机关标志, 版记, 页码 …) and a character style per `Face`
for a run set in another face than its paragraph's (a 黑体 heading label in a 正文 paragraph).
Each style names its font for both ASCII and East Asian text, so Word and LibreOffice agree, and
marks East Asian text as zh-CN. Paragraphs and runs refer to them by style id; only what differs
from the style (a hanging indent, a flush-left line) is set on the paragraph itself.
"""

from __future__ import annotations

import copy
import functools
import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal, Sequence

import docx
from django.utils import timezone
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Emu, Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from referral.letters.text import (  # noqa: F401 — re-exported: builders and tests import them from here
    SHANGHAI,
    amount_in_words,
    calendar_day,
    chinese_number,
    format_amount,
    format_date,
    format_datetime_minute,
    format_when,
)

TOP_MM, LEFT_MM, BOTTOM_MM, RIGHT_MM = 37, 28, 35, 26
LINE_PITCH_PT = 28.95  # 225 mm text block / 22 lines
CHARS_PER_LINE = 28  # nominal; the text flows at about 27 with a plain line grid
CHAR_PT = 16.0  # one 3号 character: the unit of every indent
RED = RGBColor(0xFF, 0x00, 0x00)


@dataclass(frozen=True)
class Face:
    """A font as the standard names it: family, size and colour."""

    name: str
    size_pt: float
    color: RGBColor | None = None


BODY = Face("仿宋_GB2312", 16)
TITLE = Face("方正小标宋简体", 22)
ORG_MARK = Face("方正小标宋简体", 26, RED)
HEADING_1 = Face("黑体", 16)
HEADING_2 = Face("楷体_GB2312", 16)
MARKER = Face("黑体", 16)
RECORD = Face("仿宋_GB2312", 14)  # 版记: 抄送
PAGE_NUMBER = Face("宋体", 14)

Align = Literal["left", "center", "right", "justify"]
EAST_ASIAN_LANGUAGE = "zh-CN"


def _line_pt(face: Face) -> float:
    return max(LINE_PITCH_PT, face.size_pt * 1.25)


@dataclass(frozen=True)
class Look:
    """A paragraph style: the face of its text, its alignment, indents and exact line pitch."""

    style_id: str
    name: str
    face: Face
    align: Align = "justify"
    first_line_pt: float = 0
    left_pt: float = 0
    right_pt: float = 0
    line_pt: float = LINE_PITCH_PT


PLAIN = Look("LbPlain", "公文 正文（不缩进）", BODY)
BODY_TEXT = Look("LbBody", "公文 正文", BODY, first_line_pt=2 * CHAR_PT)
LEFT = Look("LbLeft", "公文 正文（左对齐）", BODY, align="left")
RIGHT = Look("LbRight", "公文 正文（右对齐）", BODY, align="right")
CENTER = Look("LbCenter", "公文 正文（居中）", BODY, align="center")
TITLE_LOOK = Look("LbTitle", "公文 标题", TITLE, align="center", line_pt=_line_pt(TITLE))
ORG_MARK_LOOK = Look("LbOrgMark", "公文 发文机关标志", ORG_MARK, align="center", line_pt=_line_pt(ORG_MARK))
RECORD_LOOK = Look("LbRecord", "公文 版记", RECORD)
PAGE_NUMBER_LOOK = Look("LbPageNumber", "公文 页码", PAGE_NUMBER, line_pt=PAGE_NUMBER.size_pt * 1.25)
LOOKS = (PLAIN, BODY_TEXT, LEFT, RIGHT, CENTER, TITLE_LOOK, ORG_MARK_LOOK, RECORD_LOOK, PAGE_NUMBER_LOOK)
_LOOK_BY_ID = {look.style_id: look for look in LOOKS}
_BODY_LOOK_BY_ALIGN: dict[str, Look] = {"justify": PLAIN, "left": LEFT, "right": RIGHT, "center": CENTER}
_LOOK_BY_FACE = {look.face: look for look in (TITLE_LOOK, ORG_MARK_LOOK, RECORD_LOOK)}

# One character style per face, for a run whose face is not its paragraph's.
CHARACTER_STYLES: dict[Face, tuple[str, str]] = {
    BODY: ("LbFangsong3", "公文 仿宋三号"),
    TITLE: ("LbXiaobiaosong2", "公文 小标宋二号"),
    ORG_MARK: ("LbOrgMarkText", "公文 发文机关标志（红）"),
    HEADING_1: ("LbHeiti3", "公文 黑体三号"),  # also MARKER, the same face
    HEADING_2: ("LbKaiti3", "公文 楷体三号"),
    RECORD: ("LbFangsong4", "公文 仿宋四号"),
    PAGE_NUMBER: ("LbSongti4", "公文 宋体四号"),
}
# w:pPr children that must come after w:pBdr (ECMA-376 CT_PPrBase order).
_PPR_AFTER_PBDR = tuple(f"w:{tag}" for tag in (
    "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
    "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
    "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle "
    "rPr sectPr pPrChange").split())


# --- runs and paragraphs -------------------------------------------------------------------

def add_run(p: Paragraph, text: str, *, face: Face = BODY) -> Run:
    """Append text in `face`: bare in its paragraph's face, else through the face's character style.

    A face without a character style (none of the module's) is set on the run itself.
    """
    run = p.add_run(text)
    if face == _paragraph_face(p):
        return run
    style = CHARACTER_STYLES.get(face)
    if style is None:
        _direct_face(run, face)
        return run
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:rStyle", {qn("w:val"): style[0]}))
    run._r.insert(0, rpr)
    return run


def _paragraph_face(p: Paragraph) -> Face:
    ppr = p._p.pPr
    style = ppr.find(qn("w:pStyle")) if ppr is not None else None
    look = _LOOK_BY_ID.get(style.get(qn("w:val"))) if style is not None else None
    return look.face if look is not None else BODY  # Normal is 3号 仿宋


def _direct_face(run: Run, face: Face) -> None:
    run.font.name = face.name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face.name)
    run.font.size = Pt(face.size_pt)
    if face.color is not None:
        run.font.color.rgb = face.color


def text_width_pt(text: str, *, size_pt: float = CHAR_PT) -> float:
    """Width of `text` set solid: full-width characters take one em, the rest half."""
    return sum(size_pt if unicodedata.east_asian_width(c) in "WF" else size_pt / 2 for c in text)


def paragraph(
    container: Document | _Cell,
    *,
    look: Look | None = None,
    align: Align | None = None,
    first_line_pt: float | None = None,
    left_pt: float | None = None,
    right_pt: float | None = None,
    line_pt: float | None = None,
) -> Paragraph:
    """An empty paragraph in the style `look`; what is given here and differs from it (indents in
    points, alignment, exact line pitch) is set on the paragraph itself. Without `look`, the
    正文 style of that alignment (no indents)."""
    look = look or _BODY_LOOK_BY_ALIGN[align or "justify"]
    p = container.add_paragraph()
    ppr = OxmlElement("w:pPr")
    ppr.append(OxmlElement("w:pStyle", {qn("w:val"): look.style_id}))
    if line_pt is not None and line_pt != look.line_pt:
        if line_pt < LINE_PITCH_PT:  # a tighter pitch than the page grid's: off the grid, or it snaps back
            ppr.append(OxmlElement("w:snapToGrid", {qn("w:val"): "0"}))
        ppr.append(_spacing(line_pt))
    indents = (
        look.first_line_pt if first_line_pt is None else first_line_pt,
        look.left_pt if left_pt is None else left_pt,
        look.right_pt if right_pt is None else right_pt,
    )
    if indents != (look.first_line_pt, look.left_pt, look.right_pt):
        ppr.append(_indent(*indents))
    if align is not None and align != look.align:
        ppr.append(OxmlElement("w:jc", {qn("w:val"): _JC[align]}))
    p._p.insert(0, ppr)
    return p


_JC = {"left": "left", "center": "center", "right": "right", "justify": "both"}


def _twips(pt: float) -> str:
    return str(Pt(pt).twips)


def _spacing(line_pt: float) -> BaseOxmlElement:
    return OxmlElement("w:spacing", {qn("w:before"): "0", qn("w:after"): "0",
                                     qn("w:line"): _twips(line_pt), qn("w:lineRule"): "exact"})


def _indent(first_line_pt: float, left_pt: float, right_pt: float) -> BaseOxmlElement:
    first = ({qn("w:hanging"): _twips(-first_line_pt)} if first_line_pt < 0
             else {qn("w:firstLine"): _twips(first_line_pt)})
    return OxmlElement("w:ind", {qn("w:left"): _twips(left_pt), qn("w:right"): _twips(right_pt), **first})


def _border(p: Paragraph, *, edge: Literal["top", "bottom"], space_pt: int) -> None:
    """Red thick-and-thin double rule: thick side towards the text, as 信函格式 requires."""
    pbdr = OxmlElement("w:pBdr")
    rule = OxmlElement(f"w:{edge}")
    for key, value in (("val", "thinThickSmallGap"), ("sz", "24"), ("space", str(space_pt)),
                       ("color", str(RED))):
        rule.set(qn(f"w:{key}"), value)
    pbdr.append(rule)
    p._p.get_or_add_pPr().insert_element_before(pbdr, *_PPR_AFTER_PBDR)


# --- the document ---------------------------------------------------------------------------

def new_document(*, title: str = "", author: str = "") -> Document:
    """A4 document with GB/T 9704 margins, line grid, 3号 仿宋 as the Normal style and the letter
    styles (`LOOKS`, `CHARACTER_STYLES`)."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.gutter = Mm(0)
    # The page number's dash sits 7 mm below the text block (GB/T 9704 §7.5).
    section.footer_distance = Emu(Mm(BOTTOM_MM - 7) - Pt(PAGE_NUMBER.size_pt * 1.25))
    line_grid(document, pitch_pt=LINE_PITCH_PT)

    styles = document.styles.element
    normal, *letter_styles = _letter_styles()
    styles.replace(styles.get_by_id("Normal"), copy.deepcopy(normal))
    styles.extend(copy.deepcopy(style) for style in letter_styles)

    props = document.core_properties
    props.title, props.author, props.last_modified_by, props.comments = title, author, author, ""
    props.created = props.modified = timezone.now()
    return document


@functools.cache
def _letter_styles() -> tuple[BaseOxmlElement, ...]:
    """The Normal style and the letter styles as XML, made once per process (copied into each
    document)."""
    styles = docx.Document().styles
    normal = styles["Normal"]
    _style_face(normal, BODY)
    _style_look(normal, PLAIN, align=False)
    made = [normal]
    for look in LOOKS:
        style = styles.add_style(look.name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.styleId = look.style_id
        style.base_style, style.next_paragraph_style = normal, None
        _style_face(style, look.face)
        _style_look(style, look)
        made.append(style)
    for face, (style_id, name) in CHARACTER_STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        style.element.styleId = style_id
        _style_face(style, face)
        made.append(style)
    return tuple(style.element for style in made)


def _style_face(style: BaseStyle, face: Face) -> None:
    style.font.name = face.name
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), face.name)
    style.font.size = Pt(face.size_pt)
    if face.color is not None:
        style.font.color.rgb = face.color
    rpr.insert_element_before(OxmlElement("w:lang", {qn("w:eastAsia"): EAST_ASIAN_LANGUAGE}),
                              "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _style_look(style: BaseStyle, look: Look, *, align: bool = True) -> None:
    fmt = style.paragraph_format
    if align:
        fmt.alignment = WD_ALIGN_PARAGRAPH[look.align.upper()]
        fmt.first_line_indent = Pt(look.first_line_pt)
        fmt.left_indent = Pt(look.left_pt)
        fmt.right_indent = Pt(look.right_pt)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(look.line_pt)


def line_grid(document: Document, *, pitch_pt: float) -> None:
    """The page's line grid, which LibreOffice snaps every line to: 22 lines a page by default.

    A line grid only. A character grid of 28 a line would need a pitch of 15.8 pt, narrower than
    the 16 pt 3号 glyph, and LibreOffice then gives every character two cells.
    """
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(pitch_pt * 20)))  # twips


def landscape(document: Document) -> None:
    """Turn the page to A4 landscape for a wide table, keeping the 225 × 156 mm text block.

    The portrait margins turn with the page, so the 订口 (28 mm) lies along the table's head.
    """
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.left_margin, section.right_margin = Mm(BOTTOM_MM), Mm(TOP_MM)
    section.footer_distance = Emu(Mm(RIGHT_MM - 7) - Pt(PAGE_NUMBER.size_pt * 1.25))


def to_bytes(document: Document) -> bytes:
    """The .docx file as bytes."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def page_break(document: Document) -> None:
    """Start a new page."""
    paragraph(document).add_run().add_break(WD_BREAK.PAGE)


def blank_line(document: Document, *, count: int = 1) -> None:
    """Empty lines on the grid, where the standard asks for 空一行 / 空二行."""
    for _ in range(count):
        paragraph(document)


# --- 版头 -----------------------------------------------------------------------------------

def org_mark(document: Document, *, text: str, face: Face = ORG_MARK) -> Paragraph:
    """发文机关标志, centred red 小标宋 over the 信函格式 red double rule (thick over thin)."""
    p = paragraph(document, look=ORG_MARK_LOOK, line_pt=_line_pt(face))
    add_run(p, text, face=face)
    _border(p, edge="bottom", space_pt=8)
    return p


def markers(document: Document, *, secrecy: str = "", urgency: str = "") -> None:
    """密级和保密期限 and 紧急程度 in 黑体, flush left; omitted when empty."""
    for text in (secrecy, urgency):
        if text:
            add_run(paragraph(document, align="left"), text, face=MARKER)


def doc_number(
    document: Document, *, number: str, align: Literal["right", "center"] = "right"
) -> Paragraph:
    """发文字号: flush right under the rule in 信函格式, centred in 公文 format."""
    p = paragraph(document, align=align)
    add_run(p, number)
    return p


def title(document: Document, *, text: str) -> Paragraph:
    """标题, centred 2号 小标宋; a newline in `text` breaks the title into lines."""
    p = paragraph(document, look=TITLE_LOOK)
    for index, line in enumerate(text.split("\n")):
        run = p.add_run()
        if index:
            run.add_break()
        run.add_text(line)
    return p


def addressee(document: Document, *, text: str) -> Paragraph:
    """主送机关, flush left, ending with a full-width colon."""
    p = paragraph(document, align="left")
    add_run(p, text if text.endswith("：") else f"{text}：")
    return p


def letter_head(
    document: Document, *, organ: str, number: str, title_text: str, to: str
) -> None:
    """信函格式 opening: organ mark over the red rule, 文号 flush right, title, 主送机关."""
    org_mark(document, text=organ)
    doc_number(document, number=number)
    blank_line(document)
    title(document, text=title_text)
    blank_line(document)
    addressee(document, text=to)


# --- 主体 -----------------------------------------------------------------------------------

def body(document: Document, *, text: str, align: Align = "justify") -> Paragraph:
    """A 正文 paragraph: 3号 仿宋, justified, indented two characters.

    Use align="left" for lines carrying long unbreakable codes (证件号码), which justification
    would otherwise stretch across the line.
    """
    p = paragraph(document, look=BODY_TEXT, align=align)
    p.add_run(text)
    return p


def body_paragraphs(document: Document, *, text: str, align: Align = "justify") -> list[Paragraph]:
    """One 正文 paragraph per non-blank line of `text`."""
    return [body(document, text=line.strip(), align=align) for line in text.splitlines() if line.strip()]


def heading(
    document: Document, *, number: int, text: str, level: Literal[1, 2], continuation: str = ""
) -> Paragraph:
    """Heading "一、××" in 黑体 (level 1) or "（一）××" in 楷体 (level 2).

    `continuation` runs on in 仿宋 within the same paragraph.
    """
    label = f"{chinese_number(number)}、" if level == 1 else f"（{chinese_number(number)}）"
    p = paragraph(document, look=BODY_TEXT)
    if not continuation:
        p.paragraph_format.keep_with_next = True  # a bare heading never ends a page
    add_run(p, label + text, face=HEADING_1 if level == 1 else HEADING_2)
    if continuation:
        p.add_run(continuation)
    return p


def attachment_note(document: Document, *, items: Sequence[str]) -> None:
    """附件说明 "附件：1. ××", wrapped lines aligned with the first character of each name; the
    list is never split by a page break (「附件：1.」 alone at a page foot)."""
    lead = text_width_pt("附件：")
    for index, item in enumerate(items, start=1):
        label = f"{index}. " if len(items) > 1 else ""
        hang = text_width_pt(label) + (lead if index == 1 else 0)
        left = 2 * CHAR_PT + lead + text_width_pt(label)
        p = paragraph(document, left_pt=left, first_line_pt=-hang)
        p.paragraph_format.keep_together = True
        p.paragraph_format.keep_with_next = index < len(items)
        add_run(p, ("附件：" if index == 1 else "") + label + item)


def signature(
    document: Document, *, organ: str, signed_on: date, seal_placeholder: bool = True
) -> None:
    """发文机关署名 centred over 成文日期, which stands four characters from the right."""
    dated = format_date(signed_on)
    right = 4 * CHAR_PT

    def centred_over_date(text: str) -> None:
        offset = (text_width_pt(dated) - text_width_pt(text)) / 2
        add_run(paragraph(document, align="right", right_pt=max(0, right + offset)), text)

    if seal_placeholder:
        centred_over_date("（印章）")
    centred_over_date(organ)
    add_run(paragraph(document, align="right", right_pt=right), dated)


def annotation(document: Document, *, text: str) -> Paragraph:
    """附注, indented two characters and wrapped in parentheses."""
    p = paragraph(document, look=BODY_TEXT)
    p.add_run(text if text.startswith("（") else f"（{text}）")
    return p


def copy_to(document: Document, *, organs: Sequence[str]) -> Paragraph:
    """版记 "抄送：A，B。" in 4号 仿宋, one character in from each side, wrapped after the colon."""
    lead = text_width_pt("抄送：", size_pt=RECORD.size_pt)
    side = RECORD.size_pt
    p = paragraph(document, look=RECORD_LOOK, left_pt=side + lead, first_line_pt=-lead, right_pt=side)
    p.add_run(f"抄送：{'，'.join(organs)}。")
    return p


def table(
    document: Document,
    *,
    rows: Sequence[Sequence[str]],
    widths_mm: Sequence[float],
    face: Face = BODY,
    centre_first_column: bool = True,
    header_row: bool = False,
    line_pt: float | None = None,
) -> Table:
    """A bordered table; a newline inside a cell starts a new line in that cell.

    With `header_row` the first row is centred and repeats atop every page the table runs onto,
    and no row splits across pages. `line_pt` tightens the line pitch (default: the page grid).
    """
    line_pt = line_pt or _line_pt(face)
    face_look = _LOOK_BY_FACE.get(face)
    grid = document.add_table(rows=len(rows), cols=len(widths_mm))
    grid._tbl.tblPr.style = "TableGrid"  # by id: looking "Table Grid" up by name scans every style
    grid.autofit = False
    for column, width in zip(grid.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for index, (row, values) in enumerate(zip(grid.rows, rows, strict=True)):
        heading_row = header_row and index == 0
        if header_row:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if heading_row:
            row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            tc_pr = cell._tc.get_or_add_tcPr()
            tc_pr.width = Mm(widths_mm[column])
            tc_pr.vAlign_val = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell._element.remove(cell.paragraphs[0]._p)
            centred = heading_row or (column == 0 and centre_first_column)
            align = "center" if centred else "left"
            for line in value.split("\n"):
                add_run(paragraph(cell, look=face_look, align=align, line_pt=line_pt), line, face=face)
    return grid


def keep_together(document: Document, *, start: int) -> None:
    """Keep the body paragraphs from index `start` to the end on one page, so that the 落款 never
    stands alone on a page without text above it."""
    for p in document.paragraphs[start:-1]:
        p.paragraph_format.keep_with_next = True


# --- footers --------------------------------------------------------------------------------

def _page_field(p: Paragraph) -> None:
    """A PAGE field, shown as "1" until the reader updates it."""
    for kind in ("begin", "instr", "separate", "result", "end"):
        run = add_run(p, "1" if kind == "result" else "", face=PAGE_NUMBER)  # bare in 页码 paragraphs
        if kind == "instr":
            run._element.append(element := OxmlElement("w:instrText"))
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        elif kind != "result":
            run._element.append(element := OxmlElement("w:fldChar"))
            element.set(qn("w:fldCharType"), kind)


def page_numbers(document: Document, *, letter_format: bool = True) -> None:
    """Page numbers "— 1 —" in 4号 宋体: odd pages right, even pages left, one character in.

    In 信函格式 page 1 shows no number and carries the red double rule (thin over thick)
    at the foot of the page instead.
    """
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p._p.get_or_add_pPr().get_or_add_pStyle().val = PAGE_NUMBER_LOOK.style_id
        fmt = p.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH[align.upper()]
        indent = Pt(PAGE_NUMBER.size_pt)
        fmt.right_indent, fmt.left_indent = (indent, None) if align == "right" else (None, indent)
        p.add_run("— ")
        _page_field(p)
        p.add_run(" —")
    if letter_format:
        section.different_first_page_header_footer = True
        first = section.first_page_footer
        first.is_linked_to_previous = False
        rule = first.paragraphs[0]
        rule.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        rule.paragraph_format.line_spacing = Pt(1)
        _border(rule, edge="top", space_pt=0)
