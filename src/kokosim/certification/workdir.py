"""The certification work directory: layout, nbgrader wiring, trainee import (``init``).

Every step of ``kokosim-cert`` opens the work directory through :func:`open_workdir`; it knows
the course (``kurs.toml`` given to ``init --kurs``), the gradebook and the sandbox limits, and
hands out nbgrader's API and gradebook for it (the nbgrader workarounds are in
:mod:`kokosim._nbgrader`).

A work directory lives **outside** the course repository. It holds the gradebook (SQLite by
default), the submissions, the autograded notebooks, the feedback, reports and flags; the master
notebooks stay in the course's ``source`` folder beside ``kurs.toml`` and are only read. Layout::

    WORKDIR/
      kokosim-cert.json      settings (course configuration, gradebook URL, sandbox limits)
      nbgrader_config.py     nbgrader settings (also for formgrader: ``cd WORKDIR; jupyter lab``)
      gradebook.db           nbgrader's gradebook (unless --db-url points elsewhere)
      submitted/ID/MODULE/   accepted submissions (nbgrader layout, with timestamp.txt)
      archive/ID/MODULE/...  earlier submissions replaced by a later intake
      autograded/, feedback/ nbgrader's output
      release/               the student copies nbgrader generates when registering a module
      reports/               intake and grading reports
      flags.json             flags per trainee and module (timeouts, crashes, memory)
      jupyter/               the sandbox kernelspec (only this work directory uses it)
      cache/laeufe/          model runs of the masters (read-only for grading kernels)
      cache/matplotlib-kernel/  matplotlib's font list, built once
      runtime/               grading processes' private folders (kernel sockets, starter)
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config, PyFileConfigLoader

from kokosim._atomic import atomic_write
from kokosim._nbgrader import ensure_tool_path, quiet_api
from kokosim.certification.database import check_database, prepare_db_url
from kokosim.certification.sandbox import KERNEL_NAME, SandboxLimits, write_kernelspec
from kokosim.courseconfig import Course, load_course

__all__ = [
    "SETTINGS_FILE",
    "STUDENT_ID",
    "Workdir",
    "check_student_id",
    "init_workdir",
    "open_workdir",
    "read_students",
]

SETTINGS_FILE = "kokosim-cert.json"
#: Allowed trainee ids (they become folder and file names).
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_CSV_COLUMNS = ("id", "first_name", "last_name", "email")


def check_student_id(student_id: str, where: str = "") -> str:
    """Return ``student_id`` if it is a safe trainee id, else raise ``ValueError``.

    Examples
    --------
    >>> check_student_id("tn-007")
    'tn-007'
    >>> check_student_id("../x", "students.csv, Zeile 3")
    Traceback (most recent call last):
    ...
    ValueError: students.csv, Zeile 3: Kennung '../x' ist ungültig (erlaubt: Buchstaben, Ziffern, - und _, höchstens 64 Zeichen)
    """
    if not STUDENT_ID.fullmatch(student_id):
        prefix = f"{where}: " if where else ""
        raise ValueError(f"{prefix}Kennung {student_id!r} ist ungültig (erlaubt: Buchstaben, "
                         "Ziffern, - und _, höchstens 64 Zeichen)")
    return student_id


def read_students(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read the trainee list (CSV with columns ``id, first_name, last_name, email``).

    Raises
    ------
    ValueError
        Naming file, line and field for a missing column, an invalid or repeated id.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "students.csv"
    >>> _ = f.write_text("id,first_name,last_name,email\\ntn1,Aylin,Öztürk,a@example.org\\n",
    ...                  encoding="utf-8")
    >>> read_students(f)[0]["last_name"]
    'Öztürk'
    >>> _ = f.write_text("id,first_name\\ntn1,A\\n", encoding="utf-8")
    >>> read_students(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: .../students.csv, Zeile 1: Spalte(n) last_name, email fehlen
    """
    rows: list[dict[str, str]] = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}, Zeile 1: Spalte(n) {', '.join(missing)} fehlen")
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            where = f"{path}, Zeile {line}"
            record = {c: (row.get(c) or "").strip() for c in _CSV_COLUMNS}
            check_student_id(record["id"], f"{where}, Feld id")
            if record["id"] in seen:
                raise ValueError(f"{where}, Feld id: Kennung {record['id']!r} kommt doppelt vor")
            if not record["last_name"]:
                raise ValueError(f"{where}, Feld last_name: Nachname fehlt")
            seen.add(record["id"])
            rows.append(record)
    return rows


@dataclass(frozen=True)
class Workdir:
    """An initialised work directory (see the module docstring for its layout).

    Attributes
    ----------
    root : Path
        The work directory.
    course_config : Path
        The course configuration ``kurs.toml`` (its ``source/`` holds the masters).
    db_url : str
        SQLAlchemy URL of the gradebook.
    limits : SandboxLimits
        Default sandbox limits for grading.
    """

    root: Path
    course_config: Path
    db_url: str
    limits: SandboxLimits

    @property
    def course(self) -> Course:
        """The course configuration (modules, points, pass marks, certificate)."""
        return load_course(self.course_config, check_notebooks=False)

    @property
    def course_root(self) -> Path:
        """The repository (course) root, hidden from grading kernels."""
        return self.course_config.resolve().parent.parent

    @property
    def source_dir(self) -> Path:
        """The master notebooks' folder (``source`` beside ``kurs.toml``)."""
        return self.course_config.resolve().parent / "source"

    def path(self, *parts: str) -> Path:
        """A path inside the work directory."""
        return self.root.joinpath(*parts)

    def save(self) -> None:
        """Write the settings file and the nbgrader configuration (atomically)."""
        settings = {"course_config": str(self.course_config), "db_url": self.db_url,
                    "limits": self.limits.to_dict()}
        atomic_write(self.path(SETTINGS_FILE), json.dumps(settings, indent=1))
        write_kernelspec(self.path("jupyter"), limits=self.limits, workdir=str(self.root),
                         course_root=str(self.course_root))
        atomic_write(self.path("nbgrader_config.py"), self._nbgrader_config_text())

    def _nbgrader_config_text(self) -> str:
        course_nbgrader = self.course_config.resolve().parent / "nbgrader_config.py"
        load = (f"c.merge(load_config({str(course_nbgrader)!r}, {self.db_url!r}))\n"
                if course_nbgrader.is_file() else "")
        return f'''"""nbgrader settings of this certification work directory (by kokosim-cert).

The course's own settings are loaded first (given this gradebook: kokosim._nbgrader.load_config);
then the work directory takes over: gradebook, submissions and results live here, masters are
read from the course, grading kernels run in the sandbox kernelspec "{KERNEL_NAME}", deleted
test cells are restored, and feedback contains neither hidden tests nor tracebacks quoting them.

Autograding only through `kokosim-cert grade`: it makes the sandbox kernel visible to its own
processes. Started elsewhere (formgrader's "Autograde" button), nbgrader stops with
"No such kernel named {KERNEL_NAME}" instead of running submissions unprotected.
"""
from kokosim._nbgrader import load_config
from kokosim.certification.feedback import FEEDBACK_PREPROCESSORS

c = get_config()  # noqa: F821
{load}
c.CourseDirectory.root = {str(self.root)!r}
c.CourseDirectory.source_directory = {str(self.source_dir)!r}
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.db_url = {self.db_url!r}
c.OverwriteCells.add_missing_cells = True
c.Execute.kernel_name = {KERNEL_NAME!r}
c.Execute.timeout = {self.limits.cell_timeout}
c.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
'''

    def nbgrader_config(self) -> Config:
        """Load ``nbgrader_config.py`` of the work directory as a traitlets ``Config``."""
        loader = PyFileConfigLoader("nbgrader_config.py", path=str(self.root))
        return loader.load_config()

    def api(self, extra: Config | None = None) -> NbGraderAPI:
        """nbgrader's API object for this work directory (``extra`` overrides settings)."""
        ensure_tool_path()
        config = self.nbgrader_config()
        if extra is not None:
            config.merge(extra)
        return quiet_api(config)

    @contextmanager
    def gradebook(self) -> Iterator[Gradebook]:
        """Open the gradebook (``with workdir.gradebook() as gb: ...``)."""
        ensure_tool_path()
        config = self.nbgrader_config()
        course_id = config.CourseDirectory.get("course_id", "")
        with Gradebook(self.db_url, course_id) as gb:
            yield gb

    def ensure_module(self, module: str) -> None:
        """Register ``module`` in the gradebook (nbgrader's generate_assignment) if needed.

        Raises
        ------
        ValueError
            If the module is not in the course configuration or nbgrader fails.
        """
        known = [m.id for m in self.course.modules]
        if module not in known:
            raise ValueError(f"Modul {module!r} steht nicht in {self.course_config} "
                             f"(vorhanden: {', '.join(known)})")
        with self.gradebook() as gb:
            try:
                gb.find_assignment(module)
                return
            except MissingEntry:
                pass
        result = self.api().generate_assignment(module, force=True, create=True)
        if not result["success"]:
            raise ValueError(f"Modul {module}: nbgrader konnte die Aufgabe nicht anlegen:\n"
                             f"{result.get('error') or result.get('log')}")


def _inside(path: Path, parent: Path) -> bool:
    path, parent = path.resolve(), parent.resolve()
    return path == parent or parent in path.parents


def init_workdir(root: str | os.PathLike[str],
                 students_csv: str | os.PathLike[str] | None = None, *,
                 course_config: str | os.PathLike[str] = ".",
                 db_url: str | None = None, limits: SandboxLimits | None = None,
                 db_passfile: str | os.PathLike[str] | None = None) -> Workdir:
    """Create a work directory and import the trainees into the gradebook.

    Nothing is left behind when it fails: the database is tried before anything is written,
    and a work directory that cannot be completed is removed again.

    Parameters
    ----------
    root : path
        New or empty directory outside the course repository.
    students_csv : path, optional
        Trainee list (``id, first_name, last_name, email``); without it the gradebook starts
        with no trainees.
    course_config : path, default "."
        The course: its root folder (holding ``course/kurs.toml``; default: the current folder)
        or its ``kurs.toml`` (see :func:`kokosim.courseconfig.load_course`).
    db_url : str, optional
        Gradebook URL, e.g. ``postgresql://user@host/kokosim``; default SQLite in ``root``.
        Checked and completed by :func:`kokosim.certification.database.prepare_db_url`.
    limits : SandboxLimits, optional
    db_passfile : path, optional
        libpq password file for a PostgreSQL gradebook (else ``PGPASSFILE`` or ``~/.pgpass``).

    Raises
    ------
    ValueError
        If ``root`` lies inside the course repository, is not empty, or the inputs are bad.
    """
    root = Path(root).absolute()
    course = load_course(course_config)
    repo = course.release_dir
    if _inside(root, repo):
        raise ValueError(f"Arbeitsverzeichnis {root} liegt im Kurs-Repository {repo}; "
                         "bitte ein Verzeichnis außerhalb wählen (z. B. ~/zertifizierung/2026-1)")
    if root.exists() and any(root.iterdir()):
        raise ValueError(f"Arbeitsverzeichnis {root} ist nicht leer")
    students = read_students(students_csv) if students_csv is not None else []
    db_url = prepare_db_url(db_url, db_passfile)
    if db_url is not None:
        check_database(db_url)
    created = not root.exists()
    # Private: gradebook, submissions and feedback of every trainee (other users on a hub).
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        workdir = Workdir(root=root, course_config=course.path.absolute(),
                          db_url=db_url or f"sqlite:///{root / 'gradebook.db'}",
                          limits=limits or SandboxLimits())
        workdir.save()
        with workdir.gradebook() as gb:
            for record in students:
                gb.update_or_create_student(record["id"], first_name=record["first_name"],
                                            last_name=record["last_name"], email=record["email"])
    except BaseException:
        # Leave the folder as it was: removed if init made it, else empty again.
        if created:
            shutil.rmtree(root, ignore_errors=True)
        else:
            for child in root.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise
    return workdir


def open_workdir(root: str | os.PathLike[str]) -> Workdir:
    """Open a work directory created by :func:`init_workdir`.

    Raises
    ------
    ValueError
        If ``root`` has no settings file.

    Examples
    --------
    >>> import tempfile
    >>> open_workdir(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ... ist kein kokosim-cert-Arbeitsverzeichnis (kokosim-cert.json fehlt); zuerst 'kokosim-cert init' ausführen
    """
    root = Path(root).absolute()
    settings_path = root / SETTINGS_FILE
    if not settings_path.is_file():
        raise ValueError(f"{root} ist kein kokosim-cert-Arbeitsverzeichnis ({SETTINGS_FILE} "
                         "fehlt); zuerst 'kokosim-cert init' ausführen")
    settings = json.loads(settings_path.read_text(encoding="utf-8"))
    return Workdir(root=root, course_config=Path(settings["course_config"]),
                   db_url=settings["db_url"], limits=SandboxLimits.from_dict(settings["limits"]))
