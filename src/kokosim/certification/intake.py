"""Take submissions from an inbox into the work directory, safely (``intake``).

The inbox holds one file per trainee, named after the trainee id: ``ID.zip`` (the module's
notebooks at any folder depth) or ``ID.ipynb`` (a single notebook). Every file is checked in
memory first; nothing is written for a rejected file. Rejected are: unknown ids, other file
types, archive entries with ``..``, absolute paths or links, archives that unpack too large,
ambiguous or unknown notebook names, and notebooks that are not valid JSON or not valid
nbformat. Accepted submissions go to ``submitted/ID/MODULE/`` (nbgrader's layout) with a
``timestamp.txt`` (the inbox file's modification time); a late submission is accepted and its
delay recorded. An earlier submission of the same trainee is first moved to
``archive/ID/MODULE/<time>/`` and only then replaced.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import nbformat

from kokosim._atomic import atomic_write
from kokosim.certification.workdir import STUDENT_ID, Workdir

__all__ = ["IntakeLine", "MAX_UNPACKED_MB", "grade_ids", "read_submission", "intake",
           "set_deadline"]

#: Default limit for the unpacked size of one submission.
MAX_UNPACKED_MB = 50
_SKIP = re.compile(r"(^|/)(__MACOSX|\.ipynb_checkpoints)(/|$)")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


@dataclass(frozen=True)
class IntakeLine:
    """One line of the intake report.

    Attributes
    ----------
    file : str
        Inbox file name.
    student : str
        Trainee id ('' if the name is no id).
    accepted : bool
    message : str
        German explanation.
    late_seconds : float
        How late the submission is (0 if on time or no deadline).
    """

    file: str
    student: str
    accepted: bool
    message: str
    late_seconds: float = 0.0

    def __str__(self) -> str:
        state = "ANGENOMMEN" if self.accepted else "ABGELEHNT "
        return f"{state} {self.file}: {self.message}"


def _check_notebook(name: str, data: bytes, max_bytes: int) -> bytes:
    if len(data) > max_bytes:
        raise ValueError(f"{name}: größer als {max_bytes // 2**20} MiB")
    try:
        text = data.decode("utf-8")
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except UnicodeDecodeError:
        raise ValueError(f"{name}: keine UTF-8-Textdatei") from None
    except nbformat.reader.NotJSONError:
        raise ValueError(f"{name}: kein gültiges JSON (beschädigtes Notebook)") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{name}: kein gültiges JSON (Zeile {error.lineno})") from None
    except nbformat.ValidationError as error:
        raise ValueError(f"{name}: kein gültiges Notebook ({error.message[:120]})") from None
    except Exception as error:  # nbformat raises assorted errors for odd structures
        raise ValueError(f"{name}: kein gültiges Notebook ({type(error).__name__})") from None
    return data


def _zip_members(path: Path, max_bytes: int) -> dict[str, bytes]:
    """Read the notebooks of a zip into memory, refusing anything unsafe."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError("kein gültiges ZIP-Archiv") from None
    found: dict[str, bytes] = {}
    with archive:
        infos = archive.infolist()
        declared = sum(info.file_size for info in infos)
        if declared > max_bytes:
            raise ValueError(f"entpackt zu groß ({declared / 2**20:.1f} MiB, erlaubt "
                             f"{max_bytes // 2**20} MiB)")
        total = 0
        for info in infos:
            name = info.filename.replace("\\", "/")
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
                raise ValueError(f"Eintrag {info.filename!r} hat einen absoluten Pfad")
            if ".." in PurePosixPath(name).parts:
                raise ValueError(f"Eintrag {info.filename!r} enthält '..' (Pfad-Traversal)")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ValueError(f"Eintrag {info.filename!r} ist ein symbolischer Link")
            if info.is_dir() or _SKIP.search(name) or not name.endswith(".ipynb"):
                continue
            with archive.open(info) as member:  # real size, not the declared one
                data = member.read(max_bytes - total + 1)
            total += len(data)
            if total > max_bytes:
                raise ValueError(f"entpackt zu groß (mehr als {max_bytes // 2**20} MiB)")
            base = PurePosixPath(name).name
            if base in found:
                raise ValueError(f"Notebook {base} kommt mehrfach im Archiv vor")
            found[base] = data
    return found


def grade_ids(data: bytes | str) -> frozenset[str]:
    """The nbgrader cell ids (``grade_id``) of a notebook given as JSON.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    >>> nb.cells[0].metadata["nbgrader"] = {"grade_id": "aufgabe1"}
    >>> sorted(grade_ids(nbformat.writes(nb)))
    ['aufgabe1']
    """
    nb = nbformat.reads(data.decode("utf-8") if isinstance(data, bytes) else data, as_version=4)
    return frozenset(c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id"))


def read_submission(path: str | os.PathLike[str], notebooks: Mapping[str, frozenset[str]], *,
                    max_mb: int = MAX_UNPACKED_MB) -> dict[str, bytes]:
    """Read and check one inbox file; return ``{notebook name: bytes}``.

    Parameters
    ----------
    path : path
        ``ID.zip`` or ``ID.ipynb``.
    notebooks : mapping of str to frozenset of str
        The module's notebook file names and their cells' ``grade_id`` (see :func:`grade_ids`).
        A single ``ID.ipynb`` is assigned to the notebook whose cell ids it shares most.
    max_mb : int
        Limit for the unpacked size.

    Raises
    ------
    ValueError
        With a German reason if the file must be rejected.

    Examples
    --------
    >>> import tempfile, zipfile, pathlib
    >>> inbox = pathlib.Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(inbox / "tn1.zip", "w") as z:
    ...     z.writestr("../../etc/a.ipynb", "{}")
    >>> read_submission(inbox / "tn1.zip", {"a.ipynb": frozenset()})
    Traceback (most recent call last):
    ...
    ValueError: Eintrag '../../etc/a.ipynb' enthält '..' (Pfad-Traversal)
    """
    path = Path(path)
    max_bytes = max_mb * 2**20
    if path.is_symlink():
        raise ValueError("die Datei ist ein symbolischer Link")
    if path.suffix == ".ipynb":
        if path.stat().st_size > max_bytes:
            raise ValueError(f"größer als {max_mb} MiB")
        data = _check_notebook(path.name, path.read_bytes(), max_bytes)
        ids = grade_ids(data)
        overlap = {name: len(ids & cells) for name, cells in notebooks.items()}
        best = max(overlap, key=lambda name: overlap[name]) if overlap else None
        if best is None or (overlap[best] == 0 and len(notebooks) > 1):
            raise ValueError("Notebook passt zu keinem Notebook des Moduls "
                             "(keine bekannten Aufgabenzellen)")
        return {best: data}
    if path.suffix != ".zip":
        raise ValueError("nur .zip oder .ipynb werden angenommen")
    members = _zip_members(path, max_bytes)
    unknown = sorted(set(members) - set(notebooks))
    if unknown:
        raise ValueError(f"unbekannte Notebooks {', '.join(unknown)} (erwartet: "
                         f"{', '.join(sorted(notebooks))})")
    if not members:
        raise ValueError(f"keine Notebooks gefunden (erwartet: {', '.join(sorted(notebooks))})")
    return {name: _check_notebook(name, data, max_bytes) for name, data in members.items()}


def set_deadline(workdir: Workdir, module: str, deadline: datetime) -> None:
    """Store the module's deadline in nbgrader's gradebook (used for ``late``)."""
    workdir.ensure_module(module)
    with workdir.gradebook() as gb:
        gb.update_or_create_assignment(module, duedate=deadline.astimezone(timezone.utc))


def _deadline(workdir: Workdir, module: str) -> datetime | None:
    with workdir.gradebook() as gb:
        due = gb.find_assignment(module).duedate
    return None if due is None else due.replace(tzinfo=timezone.utc)


def _store(workdir: Workdir, module: str, student: str, files: dict[str, bytes],
           submitted_at: datetime) -> str:
    """Write a checked submission; archive an earlier one first. Returns a German note."""
    target = workdir.path("submitted", student, module)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{module}-", dir=target.parent))
    for name, data in files.items():
        atomic_write(staging / name, data)
    atomic_write(staging / "timestamp.txt", submitted_at.strftime(_TIME_FORMAT))
    note = ""
    if target.exists():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        archive = workdir.path("archive", student, module, stamp)
        archive.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, archive)
        note = f"; frühere Abgabe aufbewahrt in {archive.relative_to(workdir.root)}"
    os.replace(staging, target)
    return note


def intake(workdir: Workdir, module: str, inbox: str | os.PathLike[str], *,
           max_mb: int = MAX_UNPACKED_MB) -> list[IntakeLine]:
    """Take every file in ``inbox`` as a submission of ``module``.

    Returns
    -------
    list of IntakeLine
        One line per inbox file; the report is also written to ``reports/``.
    """
    workdir.ensure_module(module)
    notebooks = {name: grade_ids(workdir.path("release", module, name).read_bytes())
                 for name in workdir.course.module(module).notebooks}
    with workdir.gradebook() as gb:
        known = {s.id for s in gb.students}
    deadline = _deadline(workdir, module)
    lines: list[IntakeLine] = []
    for path in sorted(Path(inbox).iterdir()):
        if path.name.startswith("."):
            continue
        student = path.name.split(".", 1)[0]
        if not STUDENT_ID.fullmatch(student) or student not in known:
            lines.append(IntakeLine(path.name, "", False, f"unbekannte Kennung {student!r} "
                                    "(nicht in der Teilnehmerliste)"))
            continue
        try:
            files = read_submission(path, notebooks, max_mb=max_mb)
        except ValueError as error:
            lines.append(IntakeLine(path.name, student, False, str(error)))
            continue
        submitted_at = datetime.fromtimestamp(path.lstat().st_mtime, timezone.utc)
        late = max(0.0, (submitted_at - deadline).total_seconds()) if deadline else 0.0
        note = _store(workdir, module, student, files, submitted_at)
        missing = sorted(set(notebooks) - set(files))
        text = f"{len(files)} Notebook(s), eingegangen {submitted_at:%d.%m.%Y %H:%M} UTC"
        if late:
            text += f", VERSPÄTET um {late / 3600:.1f} h"
        if missing:
            text += f"; fehlt: {', '.join(missing)} (zählt 0 Punkte)"
        lines.append(IntakeLine(path.name, student, True, text + note, late))
    report = workdir.path("reports", f"eingang-{module}-"
                          f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}.txt")
    report.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(report, "\n".join(map(str, lines)) + "\n")
    return lines
