"""Results per trainee and module (``export``): gradebook plus flags, and the CSV of grades.

:func:`collect_results` reads nbgrader's gradebook, the submissions' arrival times and the
records of ``flags.json`` and decides each module (:class:`~kokosim.certification.records.
ModuleResult`); ``status``, ``certificates`` and the learning-platform exports use it too: the
pass/fail decision is made here, once. A module is only decided (passed/failed) when the
submission is graded, no blocking flag is open and no answer awaits manual grading; otherwise it
is open. Missing submissions are open too (they may still come in). Passed means
:meth:`kokosim.courseconfig.Module.passed`: enough points in total *and* at least
``min_manual_points`` from the manually graded answers (:func:`manual_points`).

The German words of the CSV file (``ja``/``nein``/``offen``, the states, the note on the
manual minimum) are defined here, once: :data:`STATE_WORDS`, :data:`DECISION_WORDS`,
:data:`YES_NO`, :func:`result_notes`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nbgrader.api import GradeCell, MissingEntry, TaskCell
from nbgrader.utils import parse_utc

from kokosim._atomic import atomic_write
from kokosim.certification.records import (
    Decision,
    Flag,
    ModuleResult,
    ModuleState,
    load_records,
)
from kokosim.certification.workdir import Workdir
from kokosim.style import german_number

__all__ = ["CSV_COLUMNS", "STATE_WORDS", "DECISION_WORDS", "YES_NO", "flag_codes",
           "manual_minimum_text", "result_notes", "manual_points", "collect_results",
           "csv_row", "write_csv", "export"]

#: German words for a module's state (``status`` column).
STATE_WORDS = {ModuleState.NOT_SUBMITTED: "nicht abgegeben",
               ModuleState.SUBMITTED: "eingegangen, nicht bewertet",
               ModuleState.RESUBMITTED: "neu eingegangen, Bewertung veraltet",
               ModuleState.GRADED: "bewertet"}
#: German words for the decision (``passed`` column; also the cohort overview).
DECISION_WORDS = {Decision.PASSED: "ja", Decision.FAILED: "nein", Decision.OPEN: "offen"}
#: German yes/no.
YES_NO = {True: "ja", False: "nein"}
#: Columns of the grades CSV, in order.
CSV_COLUMNS = ("student_id", "first_name", "last_name", "module", "status", "score",
               "max_score", "passed", "flags", "late", "submitted_at", "manual_open",
               "manual_score", "notes")


def flag_codes(flags: Iterable[Flag]) -> str:
    """The flags' words joined with ``"; "`` (the ``flags`` column).

    Examples
    --------
    >>> from kokosim.certification.records import FlagKind
    >>> flag_codes([Flag(FlagKind.CELL_TIMEOUT, ""), Flag(FlagKind.TEST_CELL_EDITED, "")])
    'zeitlimit; testzelle_veraendert'
    """
    return "; ".join(flag.kind.value for flag in flags)


def manual_minimum_text(row: ModuleResult) -> str:
    """German note for a module failed on the minimum of manually graded points ('' if not).

    Examples
    --------
    >>> row = ModuleResult("tn1", "A", "B", "module1", ModuleState.GRADED, 5.0, 7.0,
    ...                    Decision.FAILED, manual_score=0.0, min_manual_score=1.0,
    ...                    manual_short=True)
    >>> manual_minimum_text(row)
    'Mindestpunktzahl der von Hand bewerteten Aufgaben nicht erreicht (0 von 1)'
    """
    if not row.manual_short:
        return ""
    return (f"Mindestpunktzahl der von Hand bewerteten Aufgaben nicht erreicht "
            f"({german_number(row.manual_score, None)} von "
            f"{german_number(row.min_manual_score, None)})")


def result_notes(row: ModuleResult) -> str:
    """German notes on the decision of ``row`` (the ``notes`` column; '' if none).

    Examples
    --------
    >>> row = ModuleResult("tn1", "A", "B", "module1", ModuleState.GRADED, 7.0, 7.0,
    ...                    Decision.PASSED, manual_score=2.0, min_manual_score=1.0)
    >>> result_notes(row)
    ''
    """
    return manual_minimum_text(row)


def manual_points(submission: Any) -> float:
    """Points of a submission's manually graded answers, from nbgrader's gradebook.

    ``submission`` is nbgrader's ``SubmittedAssignment``. Manually graded are the answers that
    are graded *and* solution cells, and task cells (as in
    :func:`kokosim.courseconfig.notebook_points`); a score set by hand on an autograded test
    cell stays autograded. Each grade counts with nbgrader's ``Grade.score`` (the manual score
    if set, else the automatic one, plus extra credit).
    """
    total = 0.0
    for notebook in submission.notebooks:
        answers = {cell.name for cell in notebook.notebook.solution_cells}
        for grade in notebook.grades:
            if isinstance(grade.cell, TaskCell) or (isinstance(grade.cell, GradeCell)
                                                    and grade.cell.name in answers):
                total += float(grade.score or 0.0)
    return total


def _submitted_time(workdir: Workdir, student: str, module: str) -> datetime | None:
    stamp = workdir.path("submitted", student, module, "timestamp.txt")
    return parse_utc(stamp.read_text(encoding="utf-8").strip()) if stamp.is_file() else None


def collect_results(workdir: Workdir) -> list[ModuleResult]:
    """Every (trainee, configured module) pair with score, state, flags and lateness."""
    course = workdir.course
    records = load_records(workdir)
    rows: list[ModuleResult] = []
    with workdir.gradebook() as gb:
        students = sorted(gb.students, key=lambda s: s.id)
        for module in course.modules:
            for student in students:
                arrived = _submitted_time(workdir, student.id, module.id)
                record = records.get(module.id, {}).get(student.id)
                try:
                    sub = gb.find_submission(module.id, student.id)
                except MissingEntry:
                    sub = None
                graded = sub is not None and record is not None
                if arrived is None:
                    state = ModuleState.NOT_SUBMITTED
                elif not graded:
                    state = ModuleState.SUBMITTED
                elif sub.timestamp is not None and arrived > sub.timestamp:
                    state = ModuleState.RESUBMITTED
                else:
                    state = ModuleState.GRADED
                manual_open = graded and bool(sub.needs_manual_grade)
                score = float(sub.score) if graded else None
                manual = manual_points(sub) if graded else None
                if state is ModuleState.GRADED and not record.flagged and not manual_open:
                    passed = module.passed(score - manual, manual)
                    decision = Decision.PASSED if passed else Decision.FAILED
                    short = not passed and not module.manual_minimum_met(manual)
                else:
                    decision, short = Decision.OPEN, False
                rows.append(ModuleResult(
                    student_id=student.id, first_name=student.first_name or "",
                    last_name=student.last_name or "", module=module.id, state=state,
                    score=score, max_score=module.max_points, decision=decision,
                    flags=record.flags if record is not None else (),
                    late_seconds=float(sub.total_seconds_late) if graded else 0.0,
                    submitted_at=arrived.replace(tzinfo=timezone.utc) if arrived else None,
                    manual_open=manual_open, manual_score=manual,
                    min_manual_score=module.min_manual_points, manual_short=short))
    return rows


def csv_row(row: ModuleResult) -> dict[str, str]:
    """``row`` in the words of the grades CSV (keys: :data:`CSV_COLUMNS`).

    Examples
    --------
    >>> row = ModuleResult("tn1", "A", "B", "module1", ModuleState.GRADED, 6.0, 7.0,
    ...                    Decision.PASSED, late_seconds=5400.0)
    >>> csv_row(row)["passed"], csv_row(row)["late"], csv_row(row)["status"]
    ('ja', 'ja (1.5 h)', 'bewertet')
    """
    return {"student_id": row.student_id, "first_name": row.first_name,
            "last_name": row.last_name, "module": row.module, "status": STATE_WORDS[row.state],
            "score": "" if row.score is None else f"{row.score:g}",
            "max_score": f"{row.max_score:g}", "passed": DECISION_WORDS[row.decision],
            "flags": flag_codes(row.flags),
            "late": (f"ja ({row.late_seconds / 3600:.1f} h)" if row.late_seconds > 0
                     else "nein"),
            "submitted_at": (row.submitted_at.isoformat(timespec="seconds")
                             if row.submitted_at else ""),
            "manual_open": YES_NO[row.manual_open],
            "manual_score": "" if row.manual_score is None else f"{row.manual_score:g}",
            "notes": result_notes(row)}


def write_csv(rows: list[ModuleResult], out: str | Path) -> Path:
    """Write ``rows`` as CSV (UTF-8, comma-separated) atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> row = ModuleResult("tn1", "A", "B", "module1", ModuleState.GRADED, 6.0, 7.0,
    ...                    Decision.PASSED)
    >>> out = write_csv([row], pathlib.Path(tempfile.mkdtemp()) / "noten.csv")
    >>> out.read_text(encoding="utf-8").splitlines()[1]
    'tn1,A,B,module1,bewertet,6,7,ja,,nein,,nein,,'
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_row(row) for row in rows)
    out = Path(out)
    atomic_write(out, buffer.getvalue())
    return out


def export(workdir: Workdir, out: str | Path) -> list[ModuleResult]:
    """Collect all results and write them to ``out`` (see :func:`write_csv`)."""
    rows = collect_results(workdir)
    write_csv(rows, out)
    return rows
