"""Printable PDFs of the trainer guide and the role cards (kokosim.guidepdf, kokosim-leitfaden).

The PDFs are read back with a small text extractor below (fpdf2 embeds DejaVu as a Type 0 font
with a ToUnicode map; pypdf is not a dependency of the project): what a trainer would read on paper
— headings, umlauts, German quotation marks, "Seite N von M" — is checked in the PDF itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zlib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from kokosim import guidepdf
from kokosim.guidepdf import GuidePdfError, main, markdown_to_pdf, pdf_name, write_pdfs

ROOT = Path(__file__).resolve().parents[1]
GUIDES = [ROOT / "course" / "Leitfaden_Trainerinnen.md",
          *sorted((ROOT / "course" / "leitfaden").glob("*.md"))]
ROLE_CARDS = ROOT / "course" / "leitfaden" / "rollenkarten.md"
GERMAN_MARKS = set("äöüÄÖÜß„“‚‘–—")


# ------------------------------------------------------------------------------------------
# Reading text back from a PDF written by fpdf2


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)\s*endobj", data, re.S)}


def _stream(body: bytes) -> bytes:
    match = re.search(rb"stream\r?\n(.*)\r?\nendstream", body, re.S)
    assert match, "object without stream"
    raw = match.group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body[:match.start()] else raw


def _cmap(text: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, start in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(start, 16)
            for offset in range(int(high, 16) - int(low, 16) + 1):
                mapping[int(low, 16) + offset] = chr(first + offset)
    return mapping


def _literal_strings(content: bytes):
    """Yield (position in content, bytes) of every literal string ``( … )``."""
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
               ord("f"): b"\f", ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}
    index = 0
    while (start := content.find(b"(", index)) != -1:
        out, index, depth = bytearray(), start + 1, 1
        while True:
            char = content[index]
            if char == ord("\\"):
                following = content[index + 1]
                if following in escapes:
                    out += escapes[following]
                    index += 2
                else:  # octal \ddd
                    digits = re.match(rb"[0-7]{1,3}", content[index + 1:index + 4]).group()
                    out.append(int(digits, 8))
                    index += 1 + len(digits)
                continue
            if char == ord("("):
                depth += 1
            elif char == ord(")"):
                depth -= 1
                if depth == 0:
                    break
            out.append(char)
            index += 1
        yield start, bytes(out)
        index += 1


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, line by line (top to bottom)."""
    objects = _objects(data)
    fonts = {}
    for body in objects.values():
        for resources in re.findall(rb"/Font\s*<<(.*?)>>", body, re.S):
            for name, number in re.findall(rb"/(F\d+)\s+(\d+) 0 R", resources):
                unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(number)])
                fonts[name] = _cmap(_stream(objects[int(unicode_ref.group(1))]))
    pages_root = next(body for body in objects.values()
                      if re.search(rb"/Type\s*/Pages\b", body) and b"/Kids" in body)
    kids_list = re.search(rb"/Kids\s*\[(.*?)\]", pages_root, re.S).group(1)
    kids = [int(n) for n in re.findall(rb"(\d+) 0 R", kids_list)]
    pages = []
    for kid in kids:
        contents = int(re.search(rb"/Contents (\d+) 0 R", objects[kid]).group(1))
        content = _stream(objects[contents])
        events = sorted(
            [(m.start(), "font", m.group(1))
             for m in re.finditer(rb"/(F\d+)\s+[\d.]+\s+Tf", content)]
            + [(m.start(), "pos", (float(m.group(1)), float(m.group(2))))
               for m in re.finditer(rb"(-?[\d.]+)\s+(-?[\d.]+)\s+Td", content)]
            + [(pos, "text", raw) for pos, raw in _literal_strings(content)],
            key=lambda event: event[0])
        pieces = []  # (y, x, text); y grows upwards in PDF
        font, x, y = None, 0.0, 0.0
        for _, kind, value in events:
            if kind == "font":
                font = value
            elif kind == "pos":
                x, y = value
            else:
                codes = [int.from_bytes(value[i:i + 2], "big") for i in range(0, len(value), 2)]
                pieces.append((y, x, "".join(fonts[font].get(code, "\ufffd") for code in codes)))
        # One line = pieces whose baselines differ by less than 3 pt (code is set smaller).
        lines: list[list[tuple[float, float, str]]] = []
        for piece in sorted(pieces, key=lambda p: (-p[0], p[1])):
            if lines and lines[-1][0][0] - piece[0] < 3:
                lines[-1].append(piece)
            else:
                lines.append([piece])
        pages.append("\n".join("".join(text for _, _, text in sorted(line, key=lambda p: p[1]))
                               for line in lines))
    return pages


def flat(text: str) -> str:
    return " ".join(text.split())


def markdown_headings(text: str) -> list[tuple[int, str]]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return [(int(token.tag[1:]), "".join(child.content for child in tokens[i + 1].children
                                        if child.type in ("text", "code_inline")).strip())
            for i, token in enumerate(tokens) if token.type == "heading_open"]


@pytest.fixture(scope="module")
def rendered() -> dict[Path, tuple[guidepdf.GuidePdf, list[str]]]:
    """Every guide file set once: its GuidePdf and the text of its pages."""
    result = {}
    for path in GUIDES:
        document = markdown_to_pdf(path.read_text(encoding="utf-8"))
        result[path] = (document, pdf_pages(document.data))
    return result


# ------------------------------------------------------------------------------------------
# The guide files


def test_the_role_cards_and_the_room_guide_are_among_the_guides():
    names = {path.name for path in GUIDES}
    assert {"Leitfaden_Trainerinnen.md", "rollenkarten.md", "praxis_im_raum.md"} <= names


@pytest.mark.parametrize("path", GUIDES, ids=lambda path: path.name)
def test_every_guide_file_becomes_a_readable_pdf(rendered, path):
    document, pages = rendered[path]
    source = path.read_text(encoding="utf-8")
    assert document.data.startswith(b"%PDF-") and document.data.rstrip().endswith(b"%%EOF")
    assert document.pages >= 1 and len(pages) == document.pages
    text = flat("\n".join(pages))
    headings = markdown_headings(source)
    assert headings, "a guide without headings"
    assert [(h.level, h.text) for h in document.headings] == headings
    for _, heading in headings:
        assert flat(heading) in text, heading
    # German letters and typography survive: every such mark in the source is in the PDF.
    assert GERMAN_MARKS & set(source) <= set(text)
    assert "\ufffd" not in text
    # Markup does not leak into the print.
    assert "**" not in text and "\\-" not in text
    # The footer counts the pages.
    assert f"Seite 1 von {document.pages}" in pages[0]
    assert f"Seite {document.pages} von {document.pages}" in pages[-1]


def test_the_running_title_heads_every_page_after_the_first(rendered):
    document, pages = rendered[ROLE_CARDS]
    assert document.title == markdown_headings(ROLE_CARDS.read_text(encoding="utf-8"))[0][1]
    assert pages[0].count(document.title) == 1  # the heading itself, no running title
    assert all(page.startswith(document.title + "\n") for page in pages[1:])


def test_every_role_card_starts_on_a_page_of_its_own(rendered):
    document, pages = rendered[ROLE_CARDS]
    cards = [h for h in document.headings if h.level == 2]
    assert len(cards) >= 20 and sum(h.text.startswith("Karte ") for h in cards) >= 20
    assert document.pages >= len(cards) + 1
    starts = [h.page for h in cards]
    assert starts == sorted(set(starts)), "two cards share a page"
    for heading in cards:
        page = pages[heading.page - 1]
        first_lines = flat(page.split("\n", 1)[1])  # after the running title
        assert first_lines.startswith(flat(heading.text)), (heading.text, first_lines[:80])


def test_role_cards_cover_the_three_role_plays_and_an_observer_sheet_each(rendered):
    document, _ = rendered[ROLE_CARDS]
    titles = [h.text for h in document.headings if h.level == 2]
    for play in ("1.3", "4.2", "BV"):
        cards = [t for t in titles if t.startswith(f"Karte {play} ")]
        assert len(cards) >= 4, play
        assert any("Beobachtung" in t for t in cards), play
    assert sum("Spielleitung" in t for t in titles) == 3


# ------------------------------------------------------------------------------------------
# The typesetter


SAMPLE = """# Übung „Sporthalle Nord“

Die Sprecherin sagt: „Wir ziehen vor Gericht.“ — und der Verein ‚bleibt‘ hart.
Ein **fetter** Satz, ein *kursiver*, `kokosim-leitfaden --ziel ausgabe/` und ein
[Verweis](https://example.org) sowie [lokal](modul2.md).

1. erster Punkt mit Ä, Ö, Ü und ß
2. zweiter Punkt
   * eingerückt

| Befehl | Wirkung |
|---|--:|
| `make leitfaden-pdf --ziel` | **schreibt** build/leitfaden |
| __doppelt__ und ~~durch~~ | 3 |

> Ein Zitat.

```
code --mit strichen
```

---

## Karte 1

Text der Karte.
"""


def test_markdown_is_set_with_german_typography_kept():
    document = markdown_to_pdf(SAMPLE)
    pages = pdf_pages(document.data)
    assert document.pages == 2 == len(pages)
    first, second = flat(pages[0]), flat(pages[1])
    assert first.startswith("Übung „Sporthalle Nord“")
    assert "„Wir ziehen vor Gericht.“ — und der Verein ‚bleibt‘ hart." in first
    assert "kokosim-leitfaden --ziel ausgabe/" in first  # code kept, no typographer
    assert "Verweis sowie lokal" in first
    assert "erster Punkt mit Ä, Ö, Ü und ß" in first and "eingerückt" in first
    assert "make leitfaden-pdf --ziel" in first  # "--" in a table cell is not underline markup
    assert "schreibt" in first and "**" not in first
    assert "doppelt" in first and "durch" in first
    assert "Ein Zitat." in first and "code --mit strichen" in first
    assert second.startswith("Übung „Sporthalle Nord“ Karte 1 Text der Karte.")
    assert "Seite 2 von 2" in second


def test_words_are_never_split_across_lines():
    # fpdf2's own write() would split a word that does not fit on the rest of a line.
    text = "\n\n".join(" ".join(["Wort"] * n) + " **Bearbeitungszeitenberechnung**(`code`) danach"
                       for n in range(14, 40))
    lines = "\n".join(pdf_pages(markdown_to_pdf(text, page_break_level=None).data)).split("\n")
    assert sum("Bearbeitungszeitenberechnung(code)" in line for line in lines) == 26
    assert any(line.startswith("Bearbeitungszeitenberechnung(code)") for line in lines)
    assert all(set(word) <= set("Wort") or word.startswith(("Bearb", "danach", "Seite", "von"))
               or word.isdigit() for line in lines for word in line.split())


def test_page_break_level_none_keeps_sections_together():
    assert markdown_to_pdf(SAMPLE, page_break_level=None).pages == 1
    assert markdown_to_pdf(SAMPLE, title="Eigener Titel").title == "Eigener Titel"


def test_pdf_names():
    assert pdf_name(Path("course/leitfaden/rollenkarten.md")) == "Rollenkarten.pdf"
    assert pdf_name("praxis_im_raum.markdown") == "Praxis_im_raum.pdf"


# ------------------------------------------------------------------------------------------
# Writing files and the command kokosim-leitfaden


def _card_file(folder: Path, name: str = "rollenkarten.md") -> Path:
    path = folder / name
    path.write_text("# Karten\n\n## Karte A\n\nText.\n\n## Karte B\n\nText.\n", encoding="utf-8")
    return path


def test_command_writes_one_pdf_per_file_atomically(tmp_path, capsys):
    cards = _card_file(tmp_path)
    guide = tmp_path / "Leitfaden_Trainerinnen.md"
    guide.write_text("# Leitfaden\n\nText mit „Anführungszeichen“.\n", encoding="utf-8")
    target = tmp_path / "ausgabe" / "neu"
    assert main(["pdf", str(guide), str(cards), "--ziel", str(target)]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in target.iterdir()) == ["Leitfaden_Trainerinnen.pdf",
                                                         "Rollenkarten.pdf"]
    assert "Rollenkarten.pdf (3 Seiten)" in out and "(1 Seite)" in out
    assert len(pdf_pages((target / "Rollenkarten.pdf").read_bytes())) == 3
    # Written again: replaced in place, no temporary file left behind.
    assert main(["pdf", str(cards), "--ziel", str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == ["Leitfaden_Trainerinnen.pdf",
                                                         "Rollenkarten.pdf"]


def _fails(argv: list[str], capsys) -> str:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    assert captured.err.startswith("kokosim-leitfaden: Fehler: ")
    return captured.err


def test_a_missing_file_is_named_in_german(tmp_path, capsys):
    missing = tmp_path / "fehlt.md"
    err = _fails(["pdf", str(missing), "--ziel", str(tmp_path / "aus")], capsys)
    assert f"Die Datei „{missing}“ gibt es nicht." in err
    assert not (tmp_path / "aus").exists()


@pytest.mark.parametrize("name, content, reason", [
    ("notizen.txt", "# Titel\n", "ist keine Markdown-Datei (erwartet: .md oder .markdown)"),
    ("bild.md", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "ist keine Markdown-Datei"),
    ("leer.md", "  \n", "ist leer"),
])
def test_a_file_that_is_not_markdown_is_named_in_german(tmp_path, capsys, name, content, reason):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    good = _card_file(tmp_path)
    err = _fails(["pdf", str(good), str(path), "--ziel", str(tmp_path / "aus")], capsys)
    assert f"„{path}“" in err and reason in err
    assert not (tmp_path / "aus").exists()  # nothing is written when one input is bad


def test_a_folder_as_input_is_refused(tmp_path, capsys):
    err = _fails(["pdf", str(tmp_path), "--ziel", str(tmp_path / "aus")], capsys)
    assert f"„{tmp_path}“ ist ein Ordner" in err


def test_two_inputs_with_the_same_pdf_name_are_refused(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = _card_file(tmp_path / "a"), _card_file(tmp_path / "b")
    err = _fails(["pdf", str(first), str(second), "--ziel", str(tmp_path / "aus")], capsys)
    assert f"„{first}“ und „{second}“ ergäben beide „Rollenkarten.pdf“" in err


def test_an_unwritable_target_is_named_in_german(tmp_path, capsys):
    cards = _card_file(tmp_path)
    a_file = tmp_path / "datei.pdf"
    a_file.write_bytes(b"x")
    err = _fails(["pdf", str(cards), "--ziel", str(a_file)], capsys)
    assert f"Das Ziel „{a_file}“ ist kein Ordner." in err
    below = a_file / "unter"
    err = _fails(["pdf", str(cards), "--ziel", str(below)], capsys)
    assert f"Der Ordner „{below}“ lässt sich nicht anlegen" in err


def test_an_unwritable_target_file_is_named_in_german(tmp_path, capsys):
    # A folder where the PDF should go cannot be overwritten, also not by root (a read-only
    # folder can: root ignores the permission bits).
    cards = _card_file(tmp_path)
    target = tmp_path / "ausgabe"
    (target / pdf_name(cards)).mkdir(parents=True)
    err = _fails(["pdf", str(cards), "--ziel", str(target)], capsys)
    assert f"„{target / pdf_name(cards)}“" in err or f"„{target}“" in err
    assert "Traceback" not in err


def test_write_pdfs_needs_a_file():
    with pytest.raises(GuidePdfError, match="Keine Markdown-Datei angegeben"):
        write_pdfs([], ".")


def test_the_command_runs_as_a_program_without_traceback(tmp_path):
    missing = tmp_path / "fehlt.md"
    result = subprocess.run([sys.executable, "-m", "kokosim.guidepdf", "pdf", str(missing)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"kokosim-leitfaden: Fehler: Die Datei „{missing}“ gibt es nicht.\n"
    usage = subprocess.run([sys.executable, "-m", "kokosim.guidepdf"], capture_output=True,
                           text=True, cwd=tmp_path)
    assert usage.returncode == 2 and "Aufruf: kokosim-leitfaden" in usage.stderr
    assert "Fehler: folgende Angaben fehlen" in usage.stderr


def test_the_command_is_installed_and_has_a_make_target():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["kokosim-leitfaden"] == "kokosim.guidepdf:main"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^leitfaden-pdf:.*\n\t(.+)$", makefile, re.M).group(1)
    assert "kokosim-leitfaden pdf" in recipe and "--ziel build/leitfaden" in recipe
    assert "build/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
