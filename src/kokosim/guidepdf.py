"""Printable PDFs of the trainer guide and the role cards: Markdown in, A4 PDF out.

Trainers print the guide (``course/Leitfaden_Trainerinnen.md``, ``course/leitfaden/*.md``) and
hand out the role cards (``course/leitfaden/rollenkarten.md``). This module sets such Markdown
files as A4 PDFs with German typography:

* the text is parsed with markdown-it-py (CommonMark plus tables, *no* "typographer", so German
  quotation marks „…“ and dashes stay exactly as written) and set with fpdf2's own primitives
  (headings, paragraphs with bold, italic and code, nested lists, tables, block quotes, code
  blocks, rules);
* the font is DejaVu Sans (and DejaVu Sans Mono for code) from matplotlib's data folder, a
  dependency of kokosim, so umlauts, „“, –, →, ≥ and × print correctly;
* every page has a footer "Seite N von M", pages after the first carry the document's title at
  the top, and the PDF has an outline (bookmarks) of the headings;
* a level-2 heading (``## …``) starts a new page, unless the page is still empty: in the role
  cards every card is a level-2 section and so gets a page of its own.

The library takes every path as an argument; it never looks for files in the checkout. The
command ``kokosim-leitfaden`` (:func:`main`) is the German door for trainers::

    kokosim-leitfaden pdf course/Leitfaden_Trainerinnen.md course/leitfaden/*.md --ziel ausgabe/

It writes one PDF per Markdown file (``rollenkarten.md`` → ``Rollenkarten.pdf``), atomically.
Bad input — a missing file, a file that is not Markdown, a folder that cannot be written — ends
with a German message naming the file and exit code 1, without a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace
from markdown_it import MarkdownIt
from markdown_it.token import Token

from kokosim._atomic import atomic_write
from kokosim._cli import use_german_argparse
from kokosim.style import font_file

__all__ = ["MARKDOWN_SUFFIXES", "GuidePdf", "GuidePdfError", "Heading", "main",
           "markdown_to_pdf", "pdf_name", "read_markdown", "write_pdfs"]

#: File endings accepted as Markdown.
MARKDOWN_SUFFIXES: tuple[str, ...] = (".md", ".markdown")

_FONTS = {  # (family, style) -> file in matplotlib's font folder
    ("DejaVu", ""): "DejaVuSans.ttf",
    ("DejaVu", "B"): "DejaVuSans-Bold.ttf",
    ("DejaVu", "I"): "DejaVuSans-Oblique.ttf",
    ("DejaVu", "BI"): "DejaVuSans-BoldOblique.ttf",
    ("DejaVuMono", ""): "DejaVuSansMono.ttf",
    ("DejaVuMono", "B"): "DejaVuSansMono-Bold.ttf",
    ("DejaVuMono", "I"): "DejaVuSansMono-Oblique.ttf",
    ("DejaVuMono", "BI"): "DejaVuSansMono-BoldOblique.ttf",
}

# Layout (millimetres and points).
_MARGIN_SIDE, _MARGIN_TOP, _MARGIN_BOTTOM = 20.0, 20.0, 20.0
_BODY_PT, _TABLE_PT, _CODE_PT = 10.0, 8.5, 8.5
_LINE = 4.8          # line height of body text
_TABLE_LINE = 4.0    # line height in tables
_TABLE_PADDING = 1.2  # inner padding of table cells
_FORM_ROW = 8.0       # height of a table row left blank for handwriting
_INDENT = 6.0        # indentation per list level and for block quotes
_HEADING_PT = {1: 18.0, 2: 15.0, 3: 12.5, 4: 11.0}
_HEADING_SPACE_BEFORE = {1: 0.0, 2: 4.0, 3: 4.0, 4: 3.0}
_INK = (0, 0, 0)
_HEADING_INK = (0, 70, 120)     # dark blue
_QUIET_INK = (90, 90, 90)       # running title, footer, block quotes
_LINK_INK = (0, 90, 160)
_CODE_FILL = (242, 242, 242)
_TABLE_HEAD_FILL = (225, 232, 240)
# fpdf2's markup inside table cells, escaped when it occurs literally in the text.
_FPDF_MARKERS = ("**", "__", "~~", "--")
_WORDS = re.compile(r"([ \t\r\n\f\v]+)")  # breakable white space; not U+00A0
_NBSP = "\u00a0"
# German typesetting: no line break inside "z. B.", "e. V.", after "§" or "Abs.", before a unit.
_KEEP_TOGETHER = (
    (re.compile(r"(?<![\w.])([A-Za-zÄÖÜäöü]{1,2}\.) (?=[A-Za-zÄÖÜäöü]{1,2}\.)"), r"\1" + _NBSP),
    (re.compile(r"(§§?|Abs\.|Nr\.|ca\.) (?=\d)"), r"\1" + _NBSP),
    (re.compile(r"(\d) (?=(?:T€|€|%|Min\.|P\.)(?!\w))"), r"\1" + _NBSP),
)


class GuidePdfError(Exception):
    """Bad input or output for the PDF export; the message is German and names the file."""


@dataclass(frozen=True)
class Heading:
    """A heading as set in the PDF: its Markdown level, its text and the page it starts on."""

    level: int
    text: str
    page: int


@dataclass(frozen=True)
class GuidePdf:
    """A rendered document: the PDF bytes, the number of pages, its title and its headings."""

    data: bytes = field(repr=False)
    pages: int
    title: str
    headings: tuple[Heading, ...]


@dataclass
class _Run:
    """A piece of inline text with one style."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: str | None = None


@dataclass
class _List:
    """An open list: numbered or not, and the number of its next item."""

    ordered: bool
    next_number: int = 1


class _Document(FPDF):
    """A4 document with the running title at the top and "Seite N von M" at the bottom."""

    def __init__(self, running_title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.running_title = running_title
        self.set_margins(_MARGIN_SIDE, _MARGIN_TOP, _MARGIN_SIDE)
        self.set_auto_page_break(True, margin=_MARGIN_BOTTOM)
        for (family, style), filename in _FONTS.items():
            path = font_file(filename)
            if not path.is_file():
                raise GuidePdfError(f"Die Schrift „{path}“ fehlt (sie gehört zu matplotlib); "
                                    "bitte matplotlib neu installieren.")
            self.add_font(family, style, str(path))

    def header(self) -> None:
        if self.page_no() > 1 and self.running_title:
            self.set_font("DejaVu", "", 8)
            self.set_text_color(*_QUIET_INK)
            self.set_xy(self.l_margin, 10)
            self.cell(0, 4, self.running_title, align=Align.L)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", 8.5)
        self.set_text_color(*_QUIET_INK)
        self.cell(0, 5, f"Seite {self.page_no()} von {self.str_alias_nb_pages}", align=Align.C)

    def page_is_empty(self) -> bool:
        """Nothing written below the top margin of the current page yet."""
        return self.page == 0 or self.get_y() <= self.t_margin + 0.5


def _keep_together(text: str) -> str:
    """Replace the spaces that German typesetting does not break by no-break spaces.

    >>> _keep_together("Flüchtlingshilfe Nord e. V., z. B. § 25 GO NRW, ca. 75 Min., 150 T€")
    'Flüchtlingshilfe Nord e.\xa0V., z.\xa0B. §\xa025 GO NRW, ca.\xa075\xa0Min., 150\xa0T€'
    """
    for pattern, replacement in _KEEP_TOGETHER:
        text = pattern.sub(replacement, text)
    return text


def _plain(runs: Sequence[_Run]) -> str:
    return "".join(run.text for run in runs).strip()


def _escape_fpdf_markup(text: str) -> str:
    """Protect literal ``**``, ``__``, ``~~`` and ``--`` from fpdf2's markup in table cells.

    >>> _escape_fpdf_markup("kokosim-leitfaden --ziel ausgabe/")
    'kokosim-leitfaden \\\\--ziel ausgabe/'
    """
    out, index = [], 0
    while index < len(text):
        pair = text[index:index + 2]
        if pair in _FPDF_MARKERS:
            out.append("\\" + pair)
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


class _Renderer:
    """Walks markdown-it's token stream and sets it with fpdf2."""

    def __init__(self, pdf: _Document, page_break_level: int | None) -> None:
        self.pdf = pdf
        self.page_break_level = page_break_level
        self.headings: list[Heading] = []
        self.lists: list[_List] = []
        self.quote_depth = 0
        self.item_starts = False  # the next block continues the line of a list marker
        self.outline_levels: list[int] = []
        self.widths: dict[tuple[bool, bool, bool, float, str], float] = {}

    # ----------------------------------------------------------------------------- helpers
    def base_margin(self) -> float:
        return _MARGIN_SIDE + _INDENT * (len(self.lists) + self.quote_depth)

    def set_style(self, run: _Run, size: float = _BODY_PT) -> None:
        style = ("B" if run.bold else "") + ("I" if run.italic else "")
        self.pdf.set_font("DejaVuMono" if run.code else "DejaVu", style,
                          size - 1 if run.code else size)
        if run.link:
            self.pdf.set_text_color(*_LINK_INK)
        elif self.quote_depth:
            self.pdf.set_text_color(*_QUIET_INK)
        else:
            self.pdf.set_text_color(*_INK)

    def runs(self, inline: Token) -> list[_Run]:
        bold = italic = 0
        link: str | None = None
        found: list[_Run] = []
        for child in inline.children or []:
            kind = child.type
            if kind == "text":
                found.append(_Run(child.content, bold > 0, italic > 0, False, link))
            elif kind == "softbreak":
                found.append(_Run(" ", bold > 0, italic > 0, False, link))
            elif kind == "hardbreak":
                found.append(_Run("\n", bold > 0, italic > 0, False, link))
            elif kind == "code_inline":
                found.append(_Run(child.content, bold > 0, italic > 0, True, link))
            elif kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold -= 1
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic -= 1
            elif kind == "link_open":
                href = str(child.attrGet("href") or "")
                # Only web and mail links work in a printed or downloaded PDF.
                link = href if href.startswith(("http://", "https://", "mailto:")) else None
            elif kind == "link_close":
                link = None
            elif kind == "image":
                found.append(_Run(f"[Bild: {child.content}]", bold > 0, True, False, None))
            elif kind == "html_inline" and child.content.lower().startswith("<br"):
                found.append(_Run("\n", bold > 0, italic > 0, False, link))
        return found

    def write_runs(self, runs: Sequence[_Run], size: float = _BODY_PT,
                   line: float = _LINE) -> None:
        """Write inline runs, breaking lines between words only.

        fpdf2's ``write`` splits a word letter by letter when it does not fit on the rest of the
        line ("Bearbeitung|szeit"). Here the lines are broken before a word — including pieces in
        other styles glued to it, like „(`kokosim`)“ — and each line is written in as few
        ``write`` calls as there are styles on it.
        """
        pdf = self.pdf
        right = pdf.w - pdf.r_margin - 2 * pdf.c_margin  # fpdf2 keeps a cell margin each side
        pieces = [(run, part) for run in runs
                  for part in _WORDS.split(run.text if run.code else _keep_together(run.text))
                  if part]
        buffer: list[str] = []
        buffer_run: _Run | None = None
        space: _Run | None = None  # a space waiting for the next word on the same line
        x = pdf.get_x()

        def flush() -> None:
            nonlocal buffer
            if buffer and buffer_run is not None:
                self.set_style(buffer_run, size)
                pdf.write(line, "".join(buffer), link=buffer_run.link or "")
            buffer = []

        def add(run: _Run, text: str) -> None:
            nonlocal buffer_run
            if buffer_run is not run:
                flush()
                buffer_run = run
            buffer.append(text)

        index = 0
        while index < len(pieces):
            run, part = pieces[index]
            if part.isspace():
                if "\n" in part:
                    flush()
                    pdf.ln(line)
                    x, space = pdf.l_margin, None
                elif x > pdf.l_margin + 0.01:
                    space = run
                index += 1
                continue
            end, width = index, 0.0
            while end < len(pieces) and not pieces[end][1].isspace():
                width += self.width(*pieces[end], size)
                end += 1
            gap = self.width(space, " ", size) if space is not None else 0.0
            if x > pdf.l_margin + 0.01 and x + gap + width > right:
                flush()
                pdf.ln(line)
                x, space, gap = pdf.l_margin, None, 0.0
            if space is not None:
                add(space, " ")
                x += gap
                space = None
            if width > right - pdf.l_margin:  # longer than a line: fpdf2 splits it
                flush()
                for piece_run, text in pieces[index:end]:
                    self.set_style(piece_run, size)
                    pdf.write(line, text, link=piece_run.link or "")
                x = pdf.get_x()
            else:
                for piece_run, text in pieces[index:end]:
                    add(piece_run, text)
                x += width
            index = end
        flush()
        pdf.set_text_color(*_INK)

    def width(self, run: _Run, text: str, size: float) -> float:
        """Width of ``text`` in the style of ``run`` (cached: the same words recur often)."""
        key = (run.bold, run.italic, run.code, size, text)
        if key not in self.widths:
            self.set_style(run, size)
            self.widths[key] = self.pdf.get_string_width(text)
        return self.widths[key]

    def start_block(self) -> None:
        """Put the cursor at the start of a new block (unless it follows a list marker)."""
        self.pdf.set_left_margin(self.base_margin())
        if self.item_starts:
            self.item_starts = False
            return
        self.pdf.set_x(self.pdf.l_margin)

    def end_block(self, gap: float) -> None:
        self.pdf.ln(_LINE)
        self.pdf.ln(gap)

    # ---------------------------------------------------------------------------- blocks
    def heading(self, level: int, runs: Sequence[_Run]) -> None:
        text = _plain(runs)
        pdf = self.pdf
        size = _HEADING_PT.get(level, 10.5)
        if (self.page_break_level is not None and level <= self.page_break_level
                and not pdf.page_is_empty()):
            pdf.add_page()
        elif pdf.get_y() > pdf.page_break_trigger - 30:  # no heading alone at the page's end
            pdf.add_page()
        elif not pdf.page_is_empty():
            pdf.ln(_HEADING_SPACE_BEFORE.get(level, 2.0))
        # Outline (bookmarks): levels start at 0 and rise by at most one.
        while self.outline_levels and self.outline_levels[-1] >= level:
            self.outline_levels.pop()
        outline_level = len(self.outline_levels)
        self.outline_levels.append(level)
        pdf.start_section(text, level=outline_level, strict=False)
        self.headings.append(Heading(level, text, pdf.page_no()))
        pdf.set_left_margin(self.base_margin())
        pdf.set_x(pdf.l_margin)
        pdf.set_font("DejaVu", "B", size)
        pdf.set_text_color(*_HEADING_INK)
        pdf.multi_cell(0, size * 0.5, _keep_together(text), align=Align.L, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.set_text_color(*_INK)
        pdf.ln(2.5 if level <= 2 else 1.5)

    def paragraph(self, runs: Sequence[_Run]) -> None:
        self.start_block()
        self.write_runs(runs)
        self.end_block(0.8 if self.lists else 2.0)

    def list_item(self, token: Token) -> None:
        current = self.lists[-1]
        if current.ordered:
            number = token.info or str(current.next_number)
            if number.isdigit():
                current.next_number = int(number) + 1
            marker = f"{number}{token.markup or '.'}"
        else:
            marker = "•" if len(self.lists) % 2 else "–"
        self.pdf.set_left_margin(self.base_margin())
        self.pdf.set_x(self.pdf.l_margin - _INDENT)
        self.pdf.set_font("DejaVu", "", _BODY_PT)
        self.pdf.set_text_color(*_INK)
        self.pdf.cell(_INDENT, _LINE, marker)
        self.item_starts = True

    def code_block(self, text: str) -> None:
        self.item_starts = False
        pdf = self.pdf
        pdf.set_left_margin(self.base_margin())
        pdf.set_x(pdf.l_margin)
        pdf.set_font("DejaVuMono", "", _CODE_PT)
        pdf.set_fill_color(*_CODE_FILL)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(0, 4.2, text.rstrip("\n"), fill=True, align=Align.L,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2.0)

    def rule(self) -> None:
        pdf = self.pdf
        pdf.ln(1.0)
        pdf.set_draw_color(*_QUIET_INK)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(3.0)

    def table(self, rows: list[list[list[_Run]]], aligns: list[str]) -> None:
        self.item_starts = False
        pdf = self.pdf
        if not rows:
            return
        columns = max(len(row) for row in rows)
        rows = [row + [[]] * (columns - len(row)) for row in rows]
        aligns = (aligns + ["left"] * columns)[:columns]
        pdf.set_left_margin(self.base_margin())
        pdf.set_x(pdf.l_margin)
        available = pdf.w - pdf.l_margin - pdf.r_margin  # as fpdf2's epw
        widths = self.column_widths(rows, available)
        pdf.set_font("DejaVu", "", _TABLE_PT)
        pdf.set_text_color(*_INK)
        pdf.set_draw_color(150, 150, 150)
        text_align = tuple({"right": "RIGHT", "center": "CENTER"}.get(a, "LEFT") for a in aligns)
        with pdf.table(col_widths=widths, width=min(sum(widths), available), align=Align.L,
                       markdown=True, text_align=text_align, line_height=_TABLE_LINE,
                       padding=_TABLE_PADDING, v_align="TOP",
                       headings_style=FontFace(emphasis="BOLD", fill_color=_TABLE_HEAD_FILL),
                       first_row_as_headings=True, repeat_headings=1) as table:
            for number, row in enumerate(rows):
                texts = [self.table_text(runs) for runs in row]
                # A row that is mostly empty is a form to fill in by hand: give it room.
                blank = number > 0 and 2 * sum(not text for text in texts) >= len(texts)
                cells = table.row(min_height=_FORM_ROW if blank else None)
                for text in texts:
                    cells.cell(text)
        pdf.ln(3.0)

    @staticmethod
    def table_text(runs: Sequence[_Run]) -> str:
        """A cell's runs in fpdf2's markup: ``**`` bold, ``__`` italic, the rest escaped."""
        parts = []
        for run in runs:
            text = run.text.replace("\n", " ")
            text = _escape_fpdf_markup(text if run.code else _keep_together(text))
            if not text.strip():
                parts.append(text)
                continue
            if run.italic:
                text = f"__{text}__"
            if run.bold:
                text = f"**{text}**"
            parts.append(text)
        return "".join(parts).strip()

    def column_widths(self, rows: list[list[list[_Run]]], available: float) -> list[float]:
        """Column widths: every column fits its longest word, the rest by amount of text."""
        pdf = self.pdf
        columns = len(rows[0])
        minima, weights, blank = [], [], []
        for col in range(columns):
            texts = [_plain(row[col]) for row in rows]
            pdf.set_font("DejaVu", "B", _TABLE_PT)
            longest = max((pdf.get_string_width(word) for text in texts for word in text.split()),
                          default=0.0)
            # A long identifier may wrap rather than squeeze the other columns.
            minima.append(min(longest + 2 * (_TABLE_PADDING + pdf.c_margin) + 0.5,
                              available * 0.28))
            lengths = [len(text) for text in texts]
            weights.append(max(sum(lengths) / len(lengths) * 0.6 + max(lengths) * 0.4, 1.0))
            blank.append(len(rows) > 1 and not any(lengths[1:]))
        if any(blank) and not all(blank):
            # A column left blank for handwriting gets the room of an average written column.
            written = sum(w for w, b in zip(weights, blank) if not b) / blank.count(False)
            weights = [max(w, written) if b else w for w, b in zip(weights, blank)]
        if sum(minima) >= available:
            return [available * m / sum(minima) for m in minima]
        rest = available - sum(minima)
        return [m + rest * w / sum(weights) for m, w in zip(minima, weights)]

    # ------------------------------------------------------------------------------ walk
    def render(self, tokens: list[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                self.heading(int(token.tag[1:]), self.runs(tokens[index + 1]))
                index += 3
                continue
            if kind == "paragraph_open":
                self.paragraph(self.runs(tokens[index + 1]))
                index += 3
                continue
            if kind in ("bullet_list_open", "ordered_list_open"):
                start = token.attrGet("start")
                self.lists.append(_List(kind == "ordered_list_open",
                                        int(start) if start is not None else 1))
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
                self.item_starts = False
                self.pdf.set_left_margin(self.base_margin())
                if not self.lists:
                    self.pdf.ln(1.2)
            elif kind == "list_item_open":
                self.list_item(token)
            elif kind == "list_item_close":
                if self.item_starts:  # an empty item: end the marker's line
                    self.item_starts = False
                    self.pdf.ln(_LINE)
            elif kind == "blockquote_open":
                self.quote_depth += 1
            elif kind == "blockquote_close":
                self.quote_depth -= 1
                self.pdf.set_left_margin(self.base_margin())
            elif kind in ("fence", "code_block"):
                self.code_block(token.content)
            elif kind == "hr":
                if not self.breaks_page(tokens, index + 1):
                    self.rule()
            elif kind == "table_open":
                index = self.collect_table(tokens, index)
                continue
            # html_block and anything unknown: not printed
            index += 1

    def breaks_page(self, tokens: list[Token], index: int) -> bool:
        """Whether the token at ``index`` is a heading that starts a new page anyway."""
        return (index < len(tokens) and tokens[index].type == "heading_open"
                and self.page_break_level is not None
                and int(tokens[index].tag[1:]) <= self.page_break_level)

    def collect_table(self, tokens: list[Token], index: int) -> int:
        rows: list[list[list[_Run]]] = []
        aligns: list[str] = []
        index += 1
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "tr_open":
                rows.append([])
            elif token.type in ("th_open", "td_open"):
                style = str(token.attrGet("style") or "")
                if token.type == "th_open":
                    aligns.append(style.removeprefix("text-align:") or "left")
                rows[-1].append(self.runs(tokens[index + 1]))
                index += 2
            index += 1
        self.table(rows, aligns)
        return index + 1


def _parser() -> MarkdownIt:
    # CommonMark without "typographer": German quotes and dashes stay as they are written.
    return MarkdownIt("commonmark", {"typographer": False}).enable("table")


def markdown_to_pdf(text: str, *, title: str | None = None,
                    page_break_level: int | None = 2) -> GuidePdf:
    """Set Markdown text as an A4 PDF.

    Parameters
    ----------
    text : str
        Markdown (CommonMark with tables).
    title : str, optional
        Title for the PDF's metadata and the running title on pages after the first; by default
        the first heading of the text.
    page_break_level : int or None, default 2
        Headings of this level or higher (``#``, ``##``) start a new page unless the page is still
        empty; ``None`` never breaks before headings.

    Returns
    -------
    GuidePdf
        The PDF bytes with the page count, the title and every heading with its page.

    Examples
    --------
    >>> karten = ("# Rollenkarten\\n\\nFür „Sporthalle Nord“.\\n\\n"
    ...           "## Karte 1\\n\\nText.\\n\\n## Karte 2\\n")
    >>> pdf = markdown_to_pdf(karten)
    >>> pdf.data[:5], pdf.pages, pdf.title
    (b'%PDF-', 3, 'Rollenkarten')
    >>> [(h.level, h.text, h.page) for h in pdf.headings]
    [(1, 'Rollenkarten', 1), (2, 'Karte 1', 2), (2, 'Karte 2', 3)]
    >>> markdown_to_pdf(karten, page_break_level=None).pages
    1
    """
    tokens = _parser().parse(text)
    first_heading = next((tokens[i + 1].content for i, token in enumerate(tokens)
                          if token.type == "heading_open"), "")
    title = title if title is not None else first_heading
    pdf = _Document(running_title=title)
    pdf.set_title(title or "Leitfaden")
    pdf.set_lang("de-DE")
    pdf.set_creator("kokosim")
    pdf.set_subject("Kommunales Konfliktmanagement — Unterlagen für Trainerinnen und Trainer")
    pdf.add_page()
    renderer = _Renderer(pdf, page_break_level)
    renderer.render(tokens)
    return GuidePdf(bytes(pdf.output()), pdf.pages_count, title, tuple(renderer.headings))


def pdf_name(source: str | os.PathLike[str]) -> str:
    """Name of the PDF for a Markdown file: its stem with a capital first letter.

    >>> pdf_name("course/leitfaden/rollenkarten.md")
    'Rollenkarten.pdf'
    >>> pdf_name("course/Leitfaden_Trainerinnen.md")
    'Leitfaden_Trainerinnen.pdf'
    """
    stem = Path(source).stem
    return f"{stem[:1].upper()}{stem[1:]}.pdf"


def read_markdown(source: str | os.PathLike[str]) -> str:
    """Read a Markdown file, or raise :class:`GuidePdfError` with a German message naming it.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> read_markdown(folder / "fehlt.md")
    Traceback (most recent call last):
    ...
    kokosim.guidepdf.GuidePdfError: Die Datei „.../fehlt.md“ gibt es nicht.
    >>> _ = (folder / "notiz.txt").write_text("Text", encoding="utf-8")
    >>> read_markdown(folder / "notiz.txt")
    Traceback (most recent call last):
    ...
    kokosim.guidepdf.GuidePdfError: Die Datei „.../notiz.txt“ ist keine Markdown-Datei ...
    """
    path = Path(source)
    if not path.exists():
        raise GuidePdfError(f"Die Datei „{path}“ gibt es nicht.")
    if path.is_dir():
        raise GuidePdfError(f"„{path}“ ist ein Ordner, keine Markdown-Datei.")
    if path.suffix.lower() not in MARKDOWN_SUFFIXES:
        raise GuidePdfError(f"Die Datei „{path}“ ist keine Markdown-Datei "
                            f"(erwartet: {' oder '.join(MARKDOWN_SUFFIXES)}).")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise GuidePdfError(f"Die Datei „{path}“ lässt sich nicht lesen: "
                            f"{error.strerror or error}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GuidePdfError(f"Die Datei „{path}“ ist keine Markdown-Datei: Sie ist nicht als "
                            "UTF-8-Text lesbar.") from None
    if "\x00" in text:
        raise GuidePdfError(f"Die Datei „{path}“ ist keine Markdown-Datei: Sie enthält "
                            "Binärdaten.")
    if not text.strip():
        raise GuidePdfError(f"Die Datei „{path}“ ist leer.")
    return text


def write_pdfs(sources: Sequence[str | os.PathLike[str]],
               target: str | os.PathLike[str]) -> list[tuple[Path, int]]:
    """Write one PDF per Markdown file into the folder ``target`` (created if missing).

    Every input is read and set before the first file is written, so a bad file in the list
    leaves the folder as it was. Each PDF is written atomically.

    Parameters
    ----------
    sources : sequence of path-like
        Markdown files; their PDFs are named by :func:`pdf_name`.
    target : path-like
        Output folder.

    Returns
    -------
    list of (Path, int)
        Each written PDF and its number of pages, in the order of ``sources``.

    Raises
    ------
    GuidePdfError
        With a German message naming the file or folder: missing or unreadable input, not
        Markdown, two inputs with the same PDF name, output folder not creatable or writable.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "rollenkarten.md").write_text("# Karten\\n\\n## Karte 1\\n", encoding="utf-8")
    >>> [(path.name, pages) for path, pages in write_pdfs([folder / "rollenkarten.md"],
    ...                                                   folder / "ausgabe")]
    [('Rollenkarten.pdf', 2)]
    """
    if not sources:
        raise GuidePdfError("Keine Markdown-Datei angegeben.")
    texts = [(Path(source), read_markdown(source)) for source in sources]
    names: dict[str, Path] = {}
    for path, _ in texts:
        name = pdf_name(path)
        if name in names:
            raise GuidePdfError(f"„{names[name]}“ und „{path}“ ergäben beide „{name}“; bitte "
                                "die Dateien einzeln in verschiedene Ordner ausgeben.")
        names[name] = path
    rendered = []
    for path, text in texts:
        try:
            rendered.append((path, markdown_to_pdf(text)))
        except GuidePdfError:
            raise
        except Exception as error:  # noqa: BLE001 - any failure of the typesetter names the file
            raise GuidePdfError(f"Die Datei „{path}“ ließ sich nicht als PDF setzen: "
                                f"{error}") from None
    folder = Path(target)
    if folder.exists() and not folder.is_dir():
        raise GuidePdfError(f"Das Ziel „{folder}“ ist kein Ordner.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GuidePdfError(f"Der Ordner „{folder}“ lässt sich nicht anlegen: "
                            f"{error.strerror or error}.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise GuidePdfError(f"In den Ordner „{folder}“ darf nicht geschrieben werden.")
    written = []
    for path, document in rendered:
        out = folder / pdf_name(path)
        try:
            atomic_write(out, document.data)
        except OSError as error:
            raise GuidePdfError(f"Die Datei „{out}“ lässt sich nicht schreiben: "
                                f"{error.strerror or error}.") from None
        written.append((out, document.pages))
    return written


def _argument_parser() -> argparse.ArgumentParser:
    use_german_argparse()
    parser = argparse.ArgumentParser(
        prog="kokosim-leitfaden",
        description="Druckfassungen des Leitfadens für Trainerinnen und Trainer und der "
                    "Rollenkarten: eine PDF-Datei (A4) je Markdown-Datei.")
    commands = parser.add_subparsers(dest="befehl", required=True, title="Befehle",
                                     metavar="BEFEHL")
    pdf = commands.add_parser(
        "pdf", help="Markdown-Dateien als PDF ausgeben",
        description="Setzt jede Markdown-Datei als PDF (A4, „Seite N von M“, jede Überschrift "
                    "der Ebene 2 auf einer neuen Seite) und schreibt sie in den Zielordner: "
                    "rollenkarten.md wird zu Rollenkarten.pdf.",
        epilog="Beispiel: kokosim-leitfaden pdf course/Leitfaden_Trainerinnen.md "
               "course/leitfaden/*.md --ziel ausgabe/")
    pdf.add_argument("dateien", nargs="+", metavar="DATEI", help="Markdown-Datei(en) (.md)")
    pdf.add_argument("--ziel", default=".", metavar="ORDNER",
                     help="Ordner für die PDF-Dateien; wird angelegt (Standard: aktueller Ordner)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command ``kokosim-leitfaden``: Markdown files to PDFs; returns the exit code.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     main(["pdf", "gibt-es-nicht.md"])
    1
    >>> err.getvalue()
    'kokosim-leitfaden: Fehler: Die Datei „gibt-es-nicht.md“ gibt es nicht.\\n'
    """
    args = _argument_parser().parse_args(argv)
    try:
        written = write_pdfs(args.dateien, args.ziel)
    except GuidePdfError as error:
        print(f"kokosim-leitfaden: Fehler: {error}", file=sys.stderr)
        return 1
    for path, pages in written:
        print(f"geschrieben: {path} ({pages} {'Seite' if pages == 1 else 'Seiten'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
