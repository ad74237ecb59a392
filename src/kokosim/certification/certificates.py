"""German PDF certificates (fpdf2) and the cohort overview (``certificates``: CSV, HTML, chart).

Results come from :func:`kokosim.certification.export.collect_results`; the German words of
the overview are :data:`kokosim.certification.export.DECISION_WORDS` and, for the chart,
:data:`CHART_LABELS`.

A trainee gets a certificate if the course's rule (``kurs.toml``, :mod:`kokosim.courseconfig`)
is met by the modules whose pass is *decided*: graded, no blocking flag, no manual grading
open, and passed with the minimum of manually graded points
(:meth:`kokosim.courseconfig.Module.passed`). The PDF uses DejaVu Sans shipped with matplotlib
(a dependency), so names in any European script print correctly; without it, fpdf2's core font
(Latin-1) is used.

Every certificate carries a verification code (:mod:`kokosim.certification.verification`):
printed at the bottom, stored in the PDF metadata (``/Keywords``) and, with the SHA-256 of the
PDF file, in the work directory's registry ``zertifikate.json``.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import NamedTuple

from fpdf import FPDF

from kokosim._atomic import atomic_write
from kokosim.certification.export import (
    DECISION_WORDS,
    YES_NO,
    collect_results,
    flag_codes,
    result_notes,
)
from kokosim.certification.projecttitle import project_titles
from kokosim.certification.records import Decision, FlagKind, ModuleResult, ModuleState
from kokosim.certification.verification import (
    PDF_KEYWORD,
    certificate_payload,
    compute_code,
    load_key,
    register,
)
from kokosim.certification.workdir import Workdir
from kokosim.courseconfig import Course
from kokosim.style import BLUISH_GREEN, GREY, ORANGE, VERMILLION, font_file, german_number

__all__ = ["CHART_LABELS", "Certificate", "IssuedCertificates", "earned_certificates",
           "certificate_pdf", "overview_chart", "write_certificates"]

#: Bars of the overview chart, in order: a decision, or "not submitted" (``None``), with its
#: German label and Okabe-Ito colour.
CHART_LABELS: dict[Decision | None, tuple[str, str]] = {
    Decision.PASSED: ("bestanden", BLUISH_GREEN),
    Decision.FAILED: ("nicht bestanden", VERMILLION),
    Decision.OPEN: ("offen", ORANGE),
    None: ("nicht abgegeben", GREY),
}


@dataclass(frozen=True)
class Certificate:
    """What one certificate states."""

    student_id: str
    name: str
    modules: tuple[tuple[str, str, float, float, float], ...]  # id, title, points, max, hours
    #: A module was graded explicitly without the file-system sandbox (the PDF says so).
    unsafe: bool = False
    #: Title of the trainee's transfer project (Praxisprojekt), if the course has one.
    project_title: str | None = None

    @property
    def hours(self) -> float:
        """Total hours of work of the certified modules."""
        return sum(m[4] for m in self.modules)

    def payload(self, course: Course, issued: date) -> dict:
        """What this certificate states (the data its verification code covers)."""
        return certificate_payload(student_id=self.student_id, name=self.name,
                                   course=course.title, issuer=course.issuer,
                                   issued=issued.isoformat(), modules=self.modules,
                                   project_title=self.project_title)


class IssuedCertificates(NamedTuple):
    """What :func:`write_certificates` issued, and whose certificate waits for a project title."""

    certificates: list[Certificate]
    #: Trainee id → German problem with the project title (the certificate is not issued).
    withheld: dict[str, str]


def earned_certificates(course: Course, rows: list[ModuleResult]) -> list[Certificate]:
    """The certificates the results earn under the course's rule.

    Only decided passes count (see :attr:`ModuleResult.decided_pass`), and the course's rule
    checks their autograded and manual points again. The transfer project counts like a
    module; its title is added by :func:`write_certificates`.

    Examples
    --------
    >>> from kokosim.courseconfig import Module
    >>> course = Course(Path("kurs.toml"), "Übungskurs", "Akademie", "all_modules_passed", 2,
    ...                 tuple(Module(f"module{n}", f"Modul {n}", ("a.ipynb",), 4, 5, 2, 4, 1)
    ...                       for n in (1, 2)))
    >>> def row(module, decision, manual=2.0):
    ...     return ModuleResult("tn1", "Aylin", "Öztürk", module, ModuleState.GRADED, 6.0, 7.0,
    ...                         decision, manual_score=manual, min_manual_score=1.0)
    >>> earned_certificates(course, [row("module1", Decision.PASSED),
    ...                              row("module2", Decision.OPEN)])
    []
    >>> [c.name for c in earned_certificates(course, [row("module1", Decision.PASSED),
    ...                                               row("module2", Decision.PASSED)])]
    ['Aylin Öztürk']
    >>> earned_certificates(course, [row("module1", Decision.PASSED),
    ...                              row("module2", Decision.PASSED, manual=0.0)])
    []
    """
    by_student: dict[str, list[ModuleResult]] = defaultdict(list)
    for row in rows:
        by_student[row.student_id].append(row)
    found = []
    for student, results in sorted(by_student.items()):
        decided = {r.module: r for r in results if r.decided_pass and r.score is not None
                   and r.manual_score is not None}
        if not course.certificate_earned({module: (r.auto_score, r.manual_score)
                                          for module, r in decided.items()}):
            continue
        modules = tuple((m.id, m.title, decided[m.id].score, m.max_points, m.hours)
                        for m in course.modules)
        unsafe = any(flag.kind is FlagKind.NO_SANDBOX for r in results if r.module in decided
                     for flag in r.flags)
        found.append(Certificate(student, results[0].name, modules, unsafe))
    return found


def _pdf() -> tuple[FPDF, str]:
    pdf = FPDF(format="A4")
    regular, bold = font_file("DejaVuSans.ttf"), font_file("DejaVuSans-Bold.ttf")
    if regular.is_file() and bold.is_file():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return pdf, "DejaVu"
    return pdf, "Helvetica"


def certificate_pdf(course: Course, certificate: Certificate, issued: date,
                    code: str | None = None) -> bytes:
    """Render one certificate as PDF bytes (with its verification ``code``, if given).

    Examples
    --------
    >>> course = Course(Path("kurs.toml"), "Übungskurs", "Akademie", "all_modules_passed", 1, ())
    >>> modules = (("module1", "Übungsmodul 1", 6.0, 7.0, 4.5),)
    >>> cert = Certificate("tn1", "Łucja Nguyễn", modules)
    >>> certificate_pdf(course, cert, date(2026, 11, 21))[:5]
    b'%PDF-'
    """
    pdf, font = _pdf()
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=timezone.utc))
    pdf.set_title(f"Zertifikat {certificate.name}")
    pdf.set_author(course.issuer)
    if code is not None:
        pdf.set_keywords(f"{PDF_KEYWORD}{code}")
        pdf.set_subject(f"Prüfcode {code}")
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    pdf.set_font(font, "B", 30)
    pdf.cell(0, 20, "Zertifikat", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 13)
    pdf.ln(6)
    pdf.cell(0, 8, "Hiermit wird bestätigt, dass", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "B", 20)
    pdf.cell(0, 14, certificate.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 13)
    parts = "allen Modulen und dem Praxisprojekt" if certificate.project_title else "allen Modulen"
    pdf.multi_cell(0, 8, f"den Kurs „{course.title}“ mit {parts} erfolgreich "
                   "abgeschlossen hat.", align="C", new_x="LMARGIN", new_y="NEXT")
    if certificate.project_title:
        pdf.ln(2)
        pdf.multi_cell(0, 7, f"Praxisprojekt: „{certificate.project_title}“", align="C",
                       new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(font, "", 11)
    with pdf.table(col_widths=(18, 52, 15, 15), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
                   line_height=7) as table:
        table.row(("Modul", "Titel", "Punkte", "Stunden"))
        for number, (module_id, title, points, maximum, hours) in enumerate(
                certificate.modules, 1):
            project = course.project is not None and module_id == course.project.id
            table.row(("Praxisprojekt" if project else f"Modul {number}", title,
                       f"{german_number(points, None)} von {german_number(maximum, None)}",
                       german_number(hours, None)))
    pdf.ln(6)
    pdf.cell(0, 8, f"Arbeitsumfang insgesamt: {german_number(certificate.hours, None)} Stunden",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    pdf.cell(0, 8, f"Ausgestellt am {issued:%d.%m.%Y}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, course.issuer, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 9)
    pdf.cell(0, 8, f"Kennung: {certificate.student_id}", new_x="LMARGIN", new_y="NEXT")
    if certificate.unsafe:
        pdf.multi_cell(0, 5, "Hinweis: Mindestens ein Modul wurde UNSICHER ohne "
                       "Dateisystem-Sandbox bewertet.", new_x="LMARGIN", new_y="NEXT")
    if code is not None:
        pdf.set_font(font, "B", 11)
        pdf.cell(0, 8, f"Prüfcode: {code}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 9)
        pdf.multi_cell(0, 5, f"Die Echtheit dieses Zertifikats bestätigt {course.issuer} "
                       "anhand des Prüfcodes.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def overview_chart(course: Course, rows: list[ModuleResult]) -> bytes:
    """One bar chart (PNG): per module how many trainees passed, failed, are open, missing.

    Examples
    --------
    >>> from kokosim.courseconfig import Module
    >>> module = Module("module1", "Übungsmodul 1", ("a.ipynb",), 4, 5, 2, 4, 1)
    >>> course = Course(Path("kurs.toml"), "Übungskurs", "Akademie", "all_modules_passed", 1,
    ...                 (module,))
    >>> overview_chart(course, [])[:4]
    b'\\x89PNG'
    """
    from matplotlib.figure import Figure

    counts = {bar: [0] * len(course.modules) for bar in CHART_LABELS}
    index = {m.id: i for i, m in enumerate(course.modules)}
    for row in rows:
        if row.module not in index:
            continue
        bar = None if row.state is ModuleState.NOT_SUBMITTED else row.decision
        counts[bar][index[row.module]] += 1
    figure = Figure(figsize=(7, 3.5), dpi=120)
    axes = figure.subplots()
    names = [m.title for m in course.modules]
    left = [0] * len(names)
    for bar, (label, colour) in CHART_LABELS.items():
        axes.barh(names, counts[bar], left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, counts[bar])]
    axes.invert_yaxis()
    axes.set_xlabel("Anzahl Teilnehmende")
    axes.set_title("Ergebnisse der Kohorte je Modul")
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _overview_rows(course: Course, rows: list[ModuleResult], certified: set[str],
                   withheld: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    header = ["Kennung", "Name"] + [f"{m.id} Punkte" for m in course.modules] + \
        [f"{m.id} bestanden" for m in course.modules] + ["Hinweise", "Zertifikat"]
    table: dict[str, dict[str, ModuleResult]] = defaultdict(dict)
    for row in rows:
        table[row.student_id][row.module] = row
    body = []
    for student, results in sorted(table.items()):
        first = next(iter(results.values()))
        scores = ["" if (r := results.get(m.id)) is None or r.score is None
                  else german_number(r.score, None) for m in course.modules]
        passed = [DECISION_WORDS[results[m.id].decision if m.id in results else Decision.OPEN]
                  for m in course.modules]
        notes = "; ".join(f"{m}: {text}" for m, r in results.items()
                          if (text := "; ".join(filter(None, (flag_codes(r.flags),
                                                              result_notes(r))))))
        if student in withheld:
            notes = "; ".join(filter(None, (notes, f"Projekttitel: {withheld[student]}")))
        body.append([student, first.name, *scores, *passed, notes,
                     YES_NO[student in certified]])
    return header, body


def write_certificates(workdir: Workdir, out: str | Path,
                       issued: date | None = None) -> IssuedCertificates:
    """Write ``zertifikat-ID.pdf`` per certified trainee and the cohort overview into ``out``.

    If the course has a transfer project, each certificate names its title, read from the
    trainee's submission (:mod:`kokosim.certification.projecttitle`); a trainee who passed
    everything but whose title is missing or unusable gets no certificate yet: the overview's
    notes and :attr:`IssuedCertificates.withheld` say why.

    The overview is ``kohorte.csv``, ``kohorte.png`` (chart) and ``kohorte.html`` (table and
    chart in one file). Every certificate's verification code is recorded in the work
    directory's registry before its PDF is written; issuing the same certificates again
    (same results, same date) gives the same codes and byte-identical PDFs.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    course = workdir.course
    issued = issued or date.today()
    rows = collect_results(workdir)
    earned = earned_certificates(course, rows)
    titles, problems = project_titles(workdir, [c.student_id for c in earned])
    certificates = [c if course.project is None else replace(c, project_title=titles[c.student_id])
                    for c in earned if c.student_id not in problems]
    key = load_key(workdir, create=True) if certificates else b""
    issued_now = []
    for certificate in certificates:
        payload = certificate.payload(course, issued)
        code = compute_code(key, payload)
        issued_now.append((certificate.student_id, code, payload,
                           certificate_pdf(course, certificate, issued, code)))
    # The registry first: a PDF is never handed out with a code the registry does not know.
    register(workdir, [(code, payload, pdf) for _, code, payload, pdf in issued_now])
    for student_id, _, _, pdf in issued_now:
        atomic_write(out / f"zertifikat-{student_id}.pdf", pdf)
    header, body = _overview_rows(course, rows, {c.student_id for c in certificates}, problems)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    atomic_write(out / "kohorte.csv", buffer.getvalue())
    chart = overview_chart(course, rows)
    atomic_write(out / "kohorte.png", chart)
    cells = "\n".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in line) + "</tr>"
                      for line in body)
    page = f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Kohortenübersicht</title>
<style>body{{font-family:sans-serif}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:2px 6px}}</style></head><body>
<h1>Kohortenübersicht: {html.escape(course.title)}</h1>
<p>Stand {issued:%d.%m.%Y}; {len(certificates)} von {len(body)} Teilnehmenden erhalten ein
Zertifikat. „offen“ heißt: nicht abgegeben, noch nicht bewertet, markiert (Hinweise) oder
Handbewertung ausstehend. Bestanden heißt: Bestehensgrenze erreicht und dazu die
Mindestpunktzahl der von Hand bewerteten Aufgaben (Reflexionen).</p>
<img alt="Ergebnisse der Kohorte je Modul"
 src="data:image/png;base64,{base64.b64encode(chart).decode()}">
<table><tr>{"".join(f"<th>{html.escape(h)}</th>" for h in header)}</tr>
{cells}
</table></body></html>
"""
    atomic_write(out / "kohorte.html", page)
    return IssuedCertificates(certificates, problems)
