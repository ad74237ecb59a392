"""Results per trainee and module from nbgrader's gradebook plus the flags, and the CSV export.

``passed`` is only decided (``ja``/``nein``) when the submission is graded, no blocking flag is
open and no answer awaits manual grading; otherwise it is ``offen``. Missing submissions are
``offen`` too (they may still come in).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from datetime import timezone
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.utils import parse_utc

from kokosim._atomic import atomic_write
from kokosim.certification.flags import blocking_flags, load_records
from kokosim.certification.workdir import Workdir

__all__ = ["ModuleResult", "STATES", "collect_results", "write_csv", "export"]

#: German states of a trainee's module.
STATES = ("nicht abgegeben", "eingegangen, nicht bewertet", "neu eingegangen, Bewertung veraltet",
          "bewertet")


@dataclass(frozen=True)
class ModuleResult:
    """One trainee's result in one module (one row of ``grades.csv``)."""

    student_id: str
    first_name: str
    last_name: str
    module: str
    status: str
    score: float | None
    max_score: float
    passed: str
    flags: str
    late: str
    submitted_at: str
    manual_open: str

    @property
    def decided_pass(self) -> bool:
        """Whether the module is passed and nothing about it is open."""
        return self.passed == "ja"


def _submitted_time(workdir: Workdir, student: str, module: str):
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
                    status = STATES[0]
                elif not graded:
                    status = STATES[1]
                elif sub.timestamp is not None and arrived > sub.timestamp:
                    status = STATES[2]
                else:
                    status = STATES[3]
                blocking = blocking_flags(record)
                manual_open = graded and bool(sub.needs_manual_grade)
                score = float(sub.score) if graded else None
                if status == STATES[3] and not blocking and not manual_open:
                    passed = "ja" if module.passed(score) else "nein"
                else:
                    passed = "offen"
                late_seconds = float(sub.total_seconds_late) if graded else 0.0
                rows.append(ModuleResult(
                    student_id=student.id, first_name=student.first_name or "",
                    last_name=student.last_name or "", module=module.id, status=status,
                    score=score, max_score=module.max_points, passed=passed,
                    flags="; ".join(f["code"] for f in (record or {}).get("flags", [])),
                    late=(f"ja ({late_seconds / 3600:.1f} h)" if late_seconds > 0 else "nein"),
                    submitted_at=(arrived.replace(tzinfo=timezone.utc).isoformat(
                        timespec="seconds") if arrived else ""),
                    manual_open="ja" if manual_open else "nein"))
    return rows


def write_csv(rows: list[ModuleResult], out: str | Path) -> Path:
    """Write ``rows`` as CSV (UTF-8, comma-separated) atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> row = ModuleResult("tn1", "A", "B", "module1", "bewertet", 6.0, 7.0, "ja", "", "nein",
    ...                    "", "nein")
    >>> out = write_csv([row], pathlib.Path(tempfile.mkdtemp()) / "noten.csv")
    >>> out.read_text(encoding="utf-8").splitlines()[1]
    'tn1,A,B,module1,bewertet,6,7,ja,,nein,,nein'
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in fields(ModuleResult)],
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        record = asdict(row)
        record["score"] = "" if row.score is None else f"{row.score:g}"
        record["max_score"] = f"{row.max_score:g}"
        writer.writerow(record)
    out = Path(out)
    atomic_write(out, buffer.getvalue())
    return out


def export(workdir: Workdir, out: str | Path) -> list[ModuleResult]:
    """Collect all results and write them to ``out`` (see :func:`write_csv`)."""
    rows = collect_results(workdir)
    write_csv(rows, out)
    return rows
