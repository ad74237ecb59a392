"""Grades for the learning platforms of German further education: Moodle and ILIAS (``export``).

Only *decided* modules are exported (graded, no blocking flag, manual grading done; see
:func:`kokosim.certification.export.collect_results`): a grade that is still open never reaches
a learning platform. Points are written with a decimal point (``6.5``), which Moodle and ILIAS
read in every language. Every file is written atomically.

``moodle`` — Moodle gradebook, "Import grades from CSV" (``grade/import/csv``): one row per
trainee, the key columns ``E-Mail-Adresse`` and ``ID-Nummer`` (the trainee id, for sites that
store it as the users' ID number), ``Vorname``, ``Nachname``, then one column per module, headed
with the module title, holding the points. In Moodle's import dialog map "Zuordnen von" to
``E-Mail-Adresse`` → "E-Mail-Adresse" (or ``ID-Nummer`` → "ID-Nummer") and each module column to
its grade item. An empty cell means "no grade" (Moodle removes a grade there), so only trainees
with at least one decided module get a row; rows without the chosen key are left out (Moodle
aborts the whole import on an unknown or empty key).

``moodle-bewertung`` — the offline grading worksheet of a Moodle assignment
("Bewertungstabelle", ``assignfeedback_offline``). Moodle matches rows by its ``Identifier``
("Teilnehmer/in 123456"), which only Moodle knows, so the worksheet downloaded from the
assignment is the template (``--vorlage``): its rows are matched to trainees by e-mail address
(else by full name), ``Grade``/``Bewertung`` and ``Feedback comments``/``Feedback als Kommentar``
are filled in, everything else (header, identifiers, ``Last modified (grade)``) stays as Moodle
wrote it. If the assignment's maximum grade differs from the module's points, points are
converted in proportion.

``ilias`` — ILIAS exercise assignment: the status file (``status.xlsx`` or ``status.csv``, the
"Status-Datei" of StudOn/FAU's exercise status file feature and the ``ExerciseStatusFile``
plugin for ILIAS 8/9) with the columns ``update, usr_id, login, lastname, firstname, status,
mark, notice, comment, plagiarism, plag_comment``, read by position in exactly that order; only
rows with ``update`` = 1 are applied. The file downloaded from the assignment is the template
(it holds ILIAS's ``usr_id``); rows are matched by ``login`` (= trainee id or e-mail), else by
last and first name. ``status`` becomes ``passed``/``failed``, ``mark`` the points, ``comment``
(shown to the trainee) a German summary, ``notice`` (tutors only) the export date. Beside it the
multi-feedback zip of ILIAS core (Übungseinheit → "Multi-Feedback"): a folder whose name starts
with ``multi_feedback``, inside one folder per trainee named
``Nachname_Vorname_Login_usrid`` (ASCII; ILIAS reads the number after the last ``_``) holding
the trainee's feedback HTML.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kokosim._atomic import atomic_write
from kokosim.certification.export import collect_results, manual_minimum_text
from kokosim.certification.records import Decision, ModuleResult
from kokosim.certification.workdir import Workdir
from kokosim.courseconfig import Course, Module

__all__ = ["FORMATS", "MOODLE_KEYS", "ILIAS_TITLES", "Trainee", "points_text", "feedback_text",
           "moodle_gradebook", "fill_moodle_worksheet", "read_ilias_status",
           "fill_ilias_status", "multi_feedback_zip", "ascii_name", "export_lms"]

#: Export formats of ``kokosim-cert export --format`` besides the plain ``csv``.
FORMATS = ("moodle", "moodle-bewertung", "ilias")
#: Key columns of the Moodle gradebook import: option value → column header.
MOODLE_KEYS = {"email": "E-Mail-Adresse", "kennung": "ID-Nummer"}
#: Columns of ILIAS's status file for one member per row, in the order ILIAS reads them.
ILIAS_TITLES = ("update", "usr_id", "login", "lastname", "firstname", "status", "mark",
                "notice", "comment", "plagiarism", "plag_comment")
_DECISION_WORDS = {Decision.PASSED: "bestanden", Decision.FAILED: "nicht bestanden"}
# Column names of Moodle's worksheet in English and German (lang strings of mod_assign/core).
_MOODLE_COLUMNS = {
    "id": ("Identifier", "ID"),
    "grade": ("Grade", "Bewertung"),
    "modified": ("Last modified (grade)", "Zuletzt geändert (Bewertung)"),
    "email": ("Email address", "E-Mail-Adresse"),
    "name": ("Full name", "Vollständiger Name"),
    "feedback": ("Feedback comments", "Feedback als Kommentar"),
    "max": ("Maximum Grade", "Bestwertung"),
}


@dataclass(frozen=True)
class Trainee:
    """A trainee as in the gradebook (for matching rows of the learning platform)."""

    id: str
    first_name: str
    last_name: str
    email: str

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def points_text(points: float) -> str:
    """Points with a decimal point and at most two decimals.

    Examples
    --------
    >>> points_text(6.0), points_text(6.5), points_text(2 / 3)
    ('6', '6.5', '0.67')
    """
    return f"{round(points, 2):.2f}".rstrip("0").rstrip(".")


def feedback_text(result: ModuleResult, module: Module) -> str:
    """German one-line summary for the trainee.

    Examples
    --------
    >>> from kokosim.certification.records import ModuleState
    >>> m = Module("module1", "Übungsmodul 1", ("a.ipynb",), 4, 5, 2, 4, 1)
    >>> r = ModuleResult("tn1", "A", "B", "module1", ModuleState.GRADED, 6.5, 7.0,
    ...                  Decision.PASSED, manual_score=1.5, min_manual_score=1)
    >>> print(feedback_text(r, m))
    Übungsmodul 1: 6,5 von 7 Punkten – bestanden (Bestehensgrenze 4 Punkte, davon mindestens 1
    aus von Hand bewerteten Aufgaben).
    >>> r = ModuleResult("tn1", "A", "B", "module1", ModuleState.GRADED, 5, 7.0,
    ...                  Decision.FAILED, manual_score=0, min_manual_score=1, manual_short=True)
    >>> print(feedback_text(r, m))
    Übungsmodul 1: 5 von 7 Punkten – nicht bestanden (...). Mindestpunktzahl der von Hand
    bewerteten Aufgaben nicht erreicht (0 von 1).
    """
    from kokosim.style import german_number

    text = (f"{module.title}: {german_number(result.score or 0.0, None)} von "
            f"{german_number(module.max_points, None)} Punkten – "
            f"{_DECISION_WORDS[result.decision]} (Bestehensgrenze "
            f"{german_number(module.pass_points, None)} Punkte, davon mindestens "
            f"{german_number(module.min_manual_points, None)} aus von Hand bewerteten "
            "Aufgaben).")
    note = manual_minimum_text(result)
    return f"{text} {note}." if note else text


def _decided(rows: Iterable[ModuleResult]) -> dict[tuple[str, str], ModuleResult]:
    return {(r.student_id, r.module): r for r in rows
            if r.decision in (Decision.PASSED, Decision.FAILED) and r.score is not None}


def _csv_text(header: Sequence[str], body: Iterable[Sequence[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return buffer.getvalue()


# --- Moodle gradebook -------------------------------------------------------------------------

def moodle_gradebook(course: Course, rows: Sequence[ModuleResult],
                     trainees: Mapping[str, Trainee], key: str = "email") -> tuple[str, list[str]]:
    """The Moodle grade import CSV and German notes (who was left out and why).

    Examples
    --------
    >>> from kokosim.certification.records import ModuleState
    >>> m = Module("module1", "Übungsmodul 1", ("a.ipynb",), 4, 5, 2, 4, 1)
    >>> course = Course(Path("kurs.toml"), "Kurs", "Akademie", "all_modules_passed", 1, (m,))
    >>> r = ModuleResult("tn1", "A", "B", "module1", ModuleState.GRADED, 6.5, 7.0,
    ...                  Decision.PASSED)
    >>> text, notes = moodle_gradebook(course, [r], {"tn1": Trainee("tn1", "A", "B", "a@x.de")})
    >>> text.splitlines()
    ['E-Mail-Adresse,ID-Nummer,Vorname,Nachname,Übungsmodul 1', 'a@x.de,tn1,A,B,6.5']
    """
    if key not in MOODLE_KEYS:
        raise ValueError(f"--moodle-schluessel {key!r} ist unbekannt (erlaubt: "
                         f"{', '.join(MOODLE_KEYS)})")
    decided = _decided(rows)
    header = ["E-Mail-Adresse", "ID-Nummer", "Vorname", "Nachname",
              *(m.title for m in course.modules)]
    body, notes = [], []
    for student_id in sorted({r.student_id for r in rows}):
        person = trainees.get(student_id) or Trainee(student_id, "", "", "")
        cells = [points_text(decided[(student_id, m.id)].score)  # type: ignore[arg-type]
                 if (student_id, m.id) in decided else "" for m in course.modules]
        if not any(cells):
            notes.append(f"{student_id}: kein Modul entschieden – keine Zeile")
            continue
        if key == "email" and not person.email:
            notes.append(f"{student_id}: keine E-Mail-Adresse in der Teilnehmerliste – keine "
                         "Zeile (oder --moodle-schluessel kennung)")
            continue
        body.append([person.email, student_id, person.first_name, person.last_name, *cells])
    return _csv_text(header, body), notes


# --- Moodle assignment worksheet --------------------------------------------------------------

def _read_table(data: bytes, where: str) -> tuple[list[list[str]], str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{where}: keine UTF-8-Datei (in Moodle/ILIAS als UTF-8 herunterladen "
                         "oder in der Tabellenkalkulation als „CSV UTF-8“ speichern)") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ValueError(f"{where}: die Datei ist leer (Kopfzeile fehlt)")
    return rows, delimiter


def _column(header: Sequence[str], names: Sequence[str]) -> int | None:
    cleaned = [cell.strip() for cell in header]
    for name in names:
        if name in cleaned:
            return cleaned.index(name)
    return None


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(" ", "").replace(",", "."))
    except ValueError:
        return None


def fill_moodle_worksheet(template: bytes, module: Module, rows: Sequence[ModuleResult],
                          trainees: Mapping[str, Trainee], *,
                          where: str = "Vorlage") -> tuple[str, list[str]]:
    """Fill a Moodle grading worksheet (``template``, as downloaded) for ``module``.

    Returns the worksheet text and German notes. Raises ``ValueError`` naming ``where`` and the
    line if the template is not a worksheet.
    """
    table, delimiter = _read_table(template, where)
    header = table[0]
    col = {key: _column(header, names) for key, names in _MOODLE_COLUMNS.items()}
    for key in ("id", "grade", "modified"):
        if col[key] is None:
            raise ValueError(f"{where}, Zeile 1: Spalte {' / '.join(_MOODLE_COLUMNS[key])!r} "
                             "fehlt – ist das die Bewertungstabelle der Aufgabe (Moodle: "
                             "Bewertungsvorgang → Bewertungstabelle herunterladen)?")
    if col["email"] is None and col["name"] is None:
        raise ValueError(f"{where}, Zeile 1: weder E-Mail-Adresse noch vollständiger Name – "
                         "die Zeilen lassen sich keiner Person zuordnen")
    notes = []
    if col["feedback"] is None:
        notes.append("Spalte 'Feedback comments' fehlt (Feedback als Kommentar in der "
                     "Moodle-Aufgabe nicht aktiviert): nur Punkte")
    decided = _decided(rows)
    ours = {r.student_id for r in rows if r.module == module.id}
    by_email = {_fold(t.email): t for t in trainees.values() if t.email and t.id in ours}
    by_name: dict[str, list[Trainee]] = {}
    for person in trainees.values():
        if person.id in ours:
            by_name.setdefault(_fold(person.name), []).append(person)
    seen: set[str] = set()
    filled = 0
    for number, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row.extend([""] * (len(header) - len(row)))
        person = None
        if col["email"] is not None and row[col["email"]].strip():
            person = by_email.get(_fold(row[col["email"]]))
        if person is None and col["name"] is not None:
            found = by_name.get(_fold(row[col["name"]]), [])
            person = found[0] if len(found) == 1 else None
        if person is None:
            continue
        if person.id in seen:
            raise ValueError(f"{where}, Zeile {number}: {person.id} steht mehrfach in der Tabelle")
        seen.add(person.id)
        result = decided.get((person.id, module.id))
        if result is None:
            notes.append(f"{person.id}: {module.id} nicht entschieden – Zeile {number} "
                         "unverändert")
            continue
        points = float(result.score)  # type: ignore[arg-type]
        maximum = _number(row[col["max"]]) if col["max"] is not None else None
        if maximum and abs(maximum - module.max_points) > 1e-9:
            points = points / module.max_points * maximum
            notes.append(f"{person.id}: Punkte auf die Bestwertung {points_text(maximum)} "
                         "umgerechnet")
        row[col["grade"]] = points_text(points)
        if col["feedback"] is not None:
            row[col["feedback"]] = feedback_text(result, module)
        filled += 1
    for person_id in sorted(ours - seen):
        if (person_id, module.id) in decided:
            notes.append(f"{person_id}: nicht in der Bewertungstabelle (nicht in der "
                         "Moodle-Aufgabe eingeschrieben oder andere E-Mail-Adresse)")
    notes.insert(0, f"{filled} Bewertung(en) eingetragen")
    return _csv_text(header, table[1:], delimiter), notes


# --- ILIAS ------------------------------------------------------------------------------------

def read_ilias_status(path: Path) -> tuple[list[list[str]], str]:
    """Rows (header first, as text) of an ILIAS status file and its format (``xlsx``/``csv``).

    Raises
    ------
    ValueError
        In German, naming the file, if it cannot be read or lacks ILIAS's columns.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValueError(f"Vorlage {path} gibt es nicht")
    if suffix == ".xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                            else str(v)) for v in row]
                    for row in sheet.iter_rows(values_only=True)]
            book.close()
        except Exception as error:  # openpyxl raises many kinds for broken files
            raise ValueError(f"{path}: keine lesbare Excel-Datei ({type(error).__name__})") \
                from None
        fmt = "xlsx"
    elif suffix == ".csv":
        rows, _ = _read_table(path.read_bytes(), str(path))
        fmt = "csv"
    else:
        raise ValueError(f"{path}: Status-Datei muss .xlsx oder .csv sein")
    if not rows:
        raise ValueError(f"{path}: die Datei ist leer (Kopfzeile fehlt)")
    header = [cell.strip() for cell in rows[0]]
    if "team_id" in header:
        raise ValueError(f"{path}, Zeile 1: Status-Datei einer Team-Übungseinheit – nur "
                         "Einzelabgaben werden unterstützt")
    missing = [title for title in ILIAS_TITLES if title not in header]
    if missing:
        raise ValueError(f"{path}, Zeile 1: Spalte(n) {', '.join(missing)} fehlen – ist das die "
                         "Status-Datei der Übungseinheit?")
    return rows, fmt


def fill_ilias_status(table: Sequence[Sequence[str]], module: Module,
                      rows: Sequence[ModuleResult], trainees: Mapping[str, Trainee], *,
                      today: date | None = None, where: str = "Vorlage"
                      ) -> tuple[list[list[str]], dict[str, dict[str, str]], list[str]]:
    """Fill ILIAS status rows for ``module``.

    Returns the rows in ILIAS's column order (header first), the matched members
    (trainee id → the row as dict) and German notes.
    """
    today = today or date.today()
    header = [cell.strip() for cell in table[0]]
    index = {title: header.index(title) for title in ILIAS_TITLES}
    decided = _decided(rows)
    ours = {r.student_id for r in rows if r.module == module.id}
    by_login = {}
    for person in trainees.values():
        if person.id in ours:
            by_login[_fold(person.id)] = person
            if person.email:
                by_login.setdefault(_fold(person.email), person)
    by_name: dict[tuple[str, str], list[Trainee]] = {}
    for person in trainees.values():
        if person.id in ours:
            by_name.setdefault((_fold(person.last_name), _fold(person.first_name)), []).append(person)
    out = [list(ILIAS_TITLES)]
    matched: dict[str, dict[str, str]] = {}
    notes = []
    for number, raw in enumerate(table[1:], start=2):
        cells = list(raw) + [""] * (len(header) - len(raw))
        row = {title: str(cells[index[title]]).strip() for title in ILIAS_TITLES}
        if not any(row.values()):
            continue
        if not row["usr_id"].isdigit():
            raise ValueError(f"{where}, Zeile {number}: usr_id {row['usr_id']!r} ist keine Zahl")
        row["update"] = "0"
        person = by_login.get(_fold(row["login"]))
        if person is None:
            found = by_name.get((_fold(row["lastname"]), _fold(row["firstname"])), [])
            person = found[0] if len(found) == 1 else None
        if person is not None and person.id in matched:
            raise ValueError(f"{where}, Zeile {number}: {person.id} steht mehrfach in der Datei")
        result = decided.get((person.id, module.id)) if person else None
        if person is not None and result is None:
            notes.append(f"{person.id}: {module.id} nicht entschieden – Zeile {number} "
                         "unverändert (update=0)")
        if result is not None and person is not None:
            row.update(update="1", status="passed" if result.decided_pass else "failed",
                       mark=points_text(result.score),  # type: ignore[arg-type]
                       comment=feedback_text(result, module),
                       notice=f"kokosim-cert, Export vom {today:%d.%m.%Y}")
            matched[person.id] = row
        out.append([row[title] for title in ILIAS_TITLES])
    for person_id in sorted(ours - set(matched)):
        if (person_id, module.id) in decided:
            notes.append(f"{person_id}: nicht in der Status-Datei (nicht Mitglied der Übung oder "
                         "Login/Name weicht ab)")
    notes.insert(0, f"{len(matched)} Bewertung(en) eingetragen (update=1)")
    return out, matched, notes


def ascii_name(text: str) -> str:
    """``text`` as an ASCII folder name, like ILIAS's ``getASCIIFilename``.

    Examples
    --------
    >>> ascii_name("Öztürk_Łucja Maria_tn-1_4711")
    'Oeztuerk_Lucja_Maria_tn-1_4711'
    """
    for umlaut, plain in (("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ä", "ae"), ("ö", "oe"),
                          ("ü", "ue"), ("ß", "ss"), ("Ł", "L"), ("ł", "l")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "_"


def multi_feedback_zip(module_id: str, members: Mapping[str, Mapping[str, str]],
                       pages: Mapping[str, Sequence[Path]]) -> tuple[bytes, list[str]]:
    """ILIAS's multi-feedback zip: ``multi_feedback_MODULE/Nachname_Vorname_Login_ID/*.html``."""
    root = f"multi_feedback_{ascii_name(module_id)}"
    buffer = io.BytesIO()
    notes = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{root}/", b"")
        for person_id, row in sorted(members.items()):
            files = pages.get(person_id, ())
            if not files:
                notes.append(f"{person_id}: keine Rückmeldung (HTML) vorhanden – erst "
                             "'kokosim-cert feedback' ausführen")
                continue
            folder = ascii_name(f"{row['lastname']}_{row['firstname']}_{row['login']}_"
                                f"{row['usr_id']}")
            for page in files:
                archive.writestr(f"{root}/{folder}/rueckmeldung_{ascii_name(page.name)}",
                                 page.read_bytes())
    return buffer.getvalue(), notes


def _xlsx(rows: Sequence[Sequence[str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "members"
    for number, row in enumerate(rows):
        values: list[object] = list(row)
        if number:  # update and usr_id are numbers, as ILIAS writes them
            values[0], values[1] = int(values[0] or 0), int(values[1])
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- entry point ------------------------------------------------------------------------------

def _trainees(workdir: Workdir) -> dict[str, Trainee]:
    with workdir.gradebook() as gb:
        return {s.id: Trainee(s.id, s.first_name or "", s.last_name or "", s.email or "")
                for s in gb.students}


def _target_file(out: Path) -> Path:
    if out.is_dir():
        raise ValueError(f"--out {out} ist ein Ordner; bitte einen Dateinamen angeben")
    if not out.parent.is_dir():
        raise ValueError(f"--out {out}: Ordner {out.parent} gibt es nicht")
    return out


def export_lms(workdir: Workdir, fmt: str, out: str | Path, *, module: str | None = None,
               template: str | Path | None = None, key: str = "email") -> list[str]:
    """Write the export ``fmt`` (one of :data:`FORMATS`) and return German notes.

    ``out`` is a file for ``moodle`` and ``moodle-bewertung``, a folder for ``ilias``.

    Raises
    ------
    ValueError
        In German, naming the option or file, for bad input; nothing is written then.
    """
    if fmt not in FORMATS:
        raise ValueError(f"--format {fmt!r} ist unbekannt (erlaubt: csv, {', '.join(FORMATS)})")
    course = workdir.course
    out = Path(out)
    if fmt == "moodle":
        if module or template:
            raise ValueError("--modul und --vorlage gelten nur für moodle-bewertung und ilias")
        text, notes = moodle_gradebook(course, collect_results(workdir), _trainees(workdir), key)
        atomic_write(_target_file(out), text)
        return notes
    if module is None:
        raise ValueError(f"--format {fmt} braucht --modul (z. B. --modul module1)")
    known = [m.id for m in course.modules]
    if module not in known:
        raise ValueError(f"--modul {module!r} steht nicht in der Kurskonfiguration (vorhanden: "
                         f"{', '.join(known)})")
    if template is None:
        what = ("die Bewertungstabelle der Moodle-Aufgabe" if fmt == "moodle-bewertung"
                else "die Status-Datei der ILIAS-Übungseinheit")
        raise ValueError(f"--format {fmt} braucht --vorlage: {what}, wie von der Plattform "
                         "heruntergeladen (nur sie kennt die Teilnehmer-IDs der Plattform)")
    template = Path(template)
    spec = course.module(module)
    rows = collect_results(workdir)
    trainees = _trainees(workdir)
    if fmt == "moodle-bewertung":
        if not template.is_file():
            raise ValueError(f"--vorlage {template} gibt es nicht")
        text, notes = fill_moodle_worksheet(template.read_bytes(), spec, rows, trainees,
                                            where=str(template))
        atomic_write(_target_file(out), text)
        return notes
    table, kind = read_ilias_status(template)
    filled, members, notes = fill_ilias_status(table, spec, rows, trainees, where=str(template))
    pages = {person: sorted(workdir.path("feedback", person, module).glob("*.html"))
             for person in members}
    archive, zip_notes = multi_feedback_zip(module, members, pages)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} ist eine Datei; für ilias einen Ordner angeben")
    out.mkdir(parents=True, exist_ok=True)
    status = out / f"status.{kind}"
    atomic_write(status, _xlsx(filled) if kind == "xlsx" else _csv_text(filled[0], filled[1:]))
    atomic_write(out / f"multi_feedback_{ascii_name(module)}.zip", archive)
    return notes + zip_notes
