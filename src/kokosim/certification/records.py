"""Typed records of certification and their store ``WORKDIR/flags.json``.

* :class:`FlagKind`, :class:`Flag`: something a person must look at (blocking) or should know
  (note). The kinds' values are the flag words of ``flags.json`` and of the CSV export.
* :class:`GradeRecord`: one grading run of one trainee in one module (flags, seconds, sandbox).
  Grading worker processes send it to the parent as one JSON line (:meth:`GradeRecord.to_json`).
* :class:`ModuleState`, :class:`Decision`, :class:`ModuleResult`: one trainee's state and
  pass/fail decision in one module (:func:`kokosim.certification.export.collect_results`).

German words for states and decisions live at the edges (CSV export, status, certificates).

``flags.json`` is rewritten atomically after every graded trainee, so an interrupted run never
loses the records of trainees already graded. A new grading run of a trainee replaces that
trainee's record for the module; other trainees' records stay as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from kokosim._atomic import atomic_write

__all__ = [
    "FLAGS_FILE",
    "FlagKind",
    "Flag",
    "GradeRecord",
    "ModuleState",
    "Decision",
    "ModuleResult",
    "load_records",
    "record_grading",
]

FLAGS_FILE = "flags.json"


class FlagKind(Enum):
    """Kinds of flags; the values are the words used in ``flags.json`` and ``grades.csv``."""

    CELL_TIMEOUT = "zeitlimit"
    WALL_TIMEOUT = "zeitlimit_gesamt"
    KERNEL_DIED = "kernel_abbruch"
    MEMORY = "speicher"
    ERROR = "fehler"
    TEST_CELL_EDITED = "testzelle_veraendert"
    TEST_CELL_DELETED = "testzelle_geloescht"
    PROCESSES = "prozesse"
    DISK = "speicherplatz"
    OUTPUT_CUT = "ausgabe_gekuerzt"
    WARNING = "warnung"
    NO_SANDBOX = "ohne_sandbox"

    @property
    def blocking(self) -> bool:
        """Whether the pass/fail decision waits for a person.

        Notes only: restored test cells, cut outputs (errors are always kept, the score is
        unchanged), warnings in test cells (no points lost) and runs explicitly made without
        the file-system sandbox (every export row and certificate says so).

        Examples
        --------
        >>> FlagKind.CELL_TIMEOUT.blocking, FlagKind.TEST_CELL_DELETED.blocking
        (True, False)
        """
        return self not in (FlagKind.TEST_CELL_EDITED, FlagKind.TEST_CELL_DELETED,
                            FlagKind.OUTPUT_CUT, FlagKind.WARNING, FlagKind.NO_SANDBOX)


@dataclass(frozen=True)
class Flag:
    """A flag of one grading run.

    Attributes
    ----------
    kind : FlagKind
    text : str
        German description with notebook and cell (shown to staff as is).

    Examples
    --------
    >>> flag = Flag(FlagKind.CELL_TIMEOUT, "a.ipynb, Zelle 3")
    >>> flag.blocking, flag.to_dict()
    (True, {'code': 'zeitlimit', 'text': 'a.ipynb, Zelle 3', 'blocking': True})
    >>> Flag.from_dict(flag.to_dict()) == flag
    True
    """

    kind: FlagKind
    text: str

    @property
    def blocking(self) -> bool:
        """Whether the pass/fail decision waits for a person."""
        return self.kind.blocking

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``blocking`` is written for readers of the file; it follows the kind)."""
        return {"code": self.kind.value, "text": self.text, "blocking": self.blocking}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flag:
        """Inverse of :meth:`to_dict`."""
        return cls(FlagKind(data["code"]), str(data["text"]))


@dataclass(frozen=True)
class GradeRecord:
    """One grading run of one trainee in one module.

    Attributes
    ----------
    module, student : str
    flags : tuple of Flag
    seconds : float
        Wall time of the grading run.
    sandbox : str
        German description of the sandbox the run used
        (:func:`kokosim.certification.sandbox.sandbox_mode`).
    finished : str or None
        ISO time at which the worker finished (``None`` when the parent flagged the run).
    submission : str or None
        Arrival time of the submission that was graded (its ``timestamp.txt``); a later
        ``grade`` skips the trainee while the submission is unchanged.
    sandboxed : bool
        ``False`` for a run explicitly made without the file-system sandbox
        (``grade --ohne-sandbox-UNSICHER``).

    Examples
    --------
    >>> record = GradeRecord("module1", "tn1", (Flag(FlagKind.MEMORY, "x"),), 1.5, "aus")
    >>> record.flagged, GradeRecord.from_json(record.to_json()) == record
    (True, True)
    """

    module: str
    student: str
    flags: tuple[Flag, ...] = ()
    seconds: float = 0.0
    sandbox: str = ""
    finished: str | None = None
    submission: str | None = None
    sandboxed: bool = True

    @property
    def blocking_flags(self) -> tuple[Flag, ...]:
        """The flags that hold back the pass/fail decision."""
        return tuple(flag for flag in self.flags if flag.blocking)

    @property
    def flagged(self) -> bool:
        """Whether a person must look at this run before the module is decided."""
        return bool(self.blocking_flags)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (one entry of ``flags.json``)."""
        return {"module": self.module, "student": self.student,
                "flags": [flag.to_dict() for flag in self.flags], "seconds": self.seconds,
                "sandbox": self.sandbox, "finished": self.finished,
                "submission": self.submission, "sandboxed": self.sandboxed}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GradeRecord:
        """Inverse of :meth:`to_dict`."""
        return cls(module=str(data["module"]), student=str(data["student"]),
                   flags=tuple(Flag.from_dict(flag) for flag in data.get("flags", [])),
                   seconds=float(data.get("seconds", 0.0)), sandbox=str(data.get("sandbox", "")),
                   finished=data.get("finished"), submission=data.get("submission"),
                   sandboxed=bool(data.get("sandboxed", True)))

    def to_json(self) -> str:
        """One line of JSON (how grading workers report a run)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> GradeRecord:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(line))


class ModuleState(Enum):
    """Where a trainee's submission of a module stands."""

    NOT_SUBMITTED = "not_submitted"
    SUBMITTED = "submitted"  # in, not graded yet
    RESUBMITTED = "resubmitted"  # a newer submission came in after grading
    GRADED = "graded"

    @property
    def awaiting_grading(self) -> bool:
        """Whether the submission still needs a (new) grading run."""
        return self in (ModuleState.SUBMITTED, ModuleState.RESUBMITTED)


class Decision(Enum):
    """Pass/fail of a module; ``OPEN`` until graded, unflagged and fully graded by hand."""

    PASSED = "passed"
    FAILED = "failed"
    OPEN = "open"


@dataclass(frozen=True)
class ModuleResult:
    """One trainee's result in one module (one row of the grades export).

    ``decision`` is only ``PASSED``/``FAILED`` when the submission is graded, no blocking flag
    is open and no answer awaits manual grading; otherwise (also when nothing was submitted)
    it is ``OPEN``. ``score`` is the total; ``manual_score`` the part of it from manually graded
    answers (reflections), which must reach ``min_manual_score``
    (:meth:`kokosim.courseconfig.Module.passed`); ``manual_short`` says that a failed module
    missed that minimum.

    Examples
    --------
    >>> row = ModuleResult("tn1", "A", "B", "module1", ModuleState.GRADED, 6.0, 7.0,
    ...                    Decision.FAILED, manual_score=0.0, min_manual_score=1.0,
    ...                    manual_short=True)
    >>> row.auto_score, row.manual_score
    (6.0, 0.0)
    """

    student_id: str
    first_name: str
    last_name: str
    module: str
    state: ModuleState
    score: float | None
    max_score: float
    decision: Decision
    flags: tuple[Flag, ...] = ()
    late_seconds: float = 0.0
    submitted_at: datetime | None = None
    manual_open: bool = False
    manual_score: float | None = None
    min_manual_score: float = 0.0
    manual_short: bool = False

    @property
    def auto_score(self) -> float | None:
        """Points of the autograded tests (``score`` without ``manual_score``)."""
        if self.score is None:
            return None
        return self.score - (self.manual_score or 0.0)

    @property
    def decided_pass(self) -> bool:
        """Whether the module is passed and nothing about it is open."""
        return self.decision is Decision.PASSED

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()


class _Workdir(Protocol):
    def path(self, *parts: str) -> Any: ...


def load_records(workdir: _Workdir) -> dict[str, dict[str, GradeRecord]]:
    """Read ``flags.json``: ``{module: {student: record}}`` (empty if nothing was graded).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> class W:
    ...     root = pathlib.Path(tempfile.mkdtemp())
    ...     def path(self, *p): return self.root.joinpath(*p)
    >>> load_records(W())
    {}
    >>> record_grading(W(), GradeRecord("module1", "tn1", seconds=2.0))
    >>> load_records(W())["module1"]["tn1"].seconds
    2.0
    """
    path = workdir.path(FLAGS_FILE)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {module: {student: GradeRecord.from_dict({**record, "module": module})
                     for student, record in by_student.items()}
            for module, by_student in data.items()}


def record_grading(workdir: _Workdir, record: GradeRecord) -> None:
    """Store one trainee's grading record atomically (replacing an earlier one)."""
    data = {module: {student: old.to_dict() for student, old in by_student.items()}
            for module, by_student in load_records(workdir).items()}
    data.setdefault(record.module, {})[record.student] = record.to_dict()
    atomic_write(workdir.path(FLAGS_FILE), json.dumps(data, indent=1, ensure_ascii=False))
