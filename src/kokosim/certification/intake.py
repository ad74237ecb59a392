"""Take submissions from an inbox into the work directory, safely (``intake``).

The inbox holds one file per trainee, named after the trainee id: ``ID.zip`` (the module's
notebooks at any folder depth) or ``ID.ipynb`` (a single notebook); a browser's copy suffix
(``ID (1).zip``, ``ID - Kopie.ipynb``) is ignored, two files for one id are both rejected.

Notebooks are matched to the module's notebooks by the nbgrader cell ids inside
(``nbgrader.grade_id``, compared with the released student copies), not by file name: a
re-downloaded ``aufgaben (1).ipynb``, a renamed file, a notebook saved with a UTF-8 byte order
mark or Windows line ends, or one in a folder of the zip is graded like the original. Each file
gets a German note saying what it was matched to; a file that is broken, matches nothing, or
competes with another file for the same notebook gets a note and is left out without blocking
the others. A submission is rejected only when no notebook can be used at all, or when the zip
itself is unsafe (entries with ``..``, absolute paths or links, too large unpacked).

Before a notebook is stored, its nbgrader metadata is restored from the released copy
(:func:`restore_metadata`): points, grade/solution/locked flags, ``schema_version`` and the
kernelspec are the course's, whatever the trainee's file says; cells with unknown ids lose
their nbgrader metadata. nbgrader's own ``OverwriteCells`` restores points, ``locked`` and the
source of locked cells, but not the grade/solution flags, and a changed ``schema_version``
stops ``autograde`` with an error; restoring at intake closes both gaps (tested end to end).

Nothing is written for a rejected file. Accepted submissions go to ``submitted/ID/MODULE/``
(nbgrader's layout) with a ``timestamp.txt`` (the inbox file's modification time); a late
submission is accepted and its delay recorded. An earlier submission of the same trainee is
first moved to ``archive/ID/MODULE/<time>/`` and only then replaced.
"""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import nbformat
from nbformat import NotebookNode

from kokosim._atomic import atomic_write
from kokosim.certification.workdir import STUDENT_ID, Workdir

__all__ = ["IntakeLine", "MAX_UNPACKED_MB", "grade_ids", "inbox_student", "restore_metadata",
           "match_submission", "read_submission", "intake", "set_deadline"]

#: Default limit for the unpacked size of one submission.
MAX_UNPACKED_MB = 50
_SKIP = re.compile(r"(^|/)(__MACOSX|\.ipynb_checkpoints)(/|$)|(^|/)\._")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"
#: Copy suffixes browsers and file managers add: "a (1)", "a - Kopie", "a (Kopie)", "Kopie von a".
_COPY = re.compile(r"^(?:kopie von |copy of )?(?P<stem>.+?)"
                   r"(?:\s*\(\d+\)|\s*[-_ ]\s*(?:kopie|copy)(?:\s*\(?\d+\)?)?|\s*\((?:kopie|copy)\))*$",
                   re.IGNORECASE)


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


def _plain_stem(name: str) -> str:
    """The file stem without copy suffixes, lower case.

    Examples
    --------
    >>> [_plain_stem(n) for n in ("Aufgaben (1).ipynb", "aufgaben - Kopie (2).ipynb",
    ...                           "Kopie von aufgaben.ipynb", "tn-1 (3).zip")]
    ['aufgaben', 'aufgaben', 'aufgaben', 'tn-1']
    """
    stem = PurePosixPath(name).name
    for suffix in (".ipynb", ".zip"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    match = _COPY.match(stem.strip())
    return (match.group("stem") if match else stem).strip().lower()


def inbox_student(name: str) -> str:
    """The trainee id an inbox file name stands for (copy suffixes removed).

    Examples
    --------
    >>> inbox_student("tn-001 (1).zip"), inbox_student("tn-001.ipynb")
    ('tn-001', 'tn-001')
    """
    stem = PurePosixPath(name).name
    for suffix in (".ipynb", ".zip"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    match = _COPY.match(stem.strip())
    return (match.group("stem") if match else stem).strip()


def _parse_notebook(name: str, data: bytes, max_bytes: int) -> tuple[NotebookNode, list[str]]:
    """Parse and validate one notebook; return it with German notes on what was repaired."""
    if len(data) > max_bytes:
        raise ValueError(f"{name}: größer als {max_bytes // 2**20} MiB")
    notes = []
    if data.startswith(b"\xef\xbb\xbf"):
        notes.append("UTF-8-BOM entfernt")
    try:
        text = data.decode("utf-8-sig")
        if "\r\n" in text:
            notes.append("Windows-Zeilenenden")
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
    return nb, notes


def _zip_members(path: Path, max_bytes: int) -> list[tuple[str, bytes]]:
    """Read the notebooks of a zip into memory, refusing anything unsafe."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError("kein gültiges ZIP-Archiv") from None
    found: list[tuple[str, bytes]] = []
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
            if info.is_dir() or _SKIP.search(name) or not name.lower().endswith(".ipynb"):
                continue
            with archive.open(info) as member:  # real size, not the declared one
                data = member.read(max_bytes - total + 1)
            total += len(data)
            if total > max_bytes:
                raise ValueError(f"entpackt zu groß (mehr als {max_bytes // 2**20} MiB)")
            found.append((name, data))
    return found


def grade_ids(data: bytes | str | NotebookNode) -> frozenset[str]:
    """The nbgrader cell ids (``grade_id``) of a notebook given as JSON (or parsed).

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    >>> nb.cells[0].metadata["nbgrader"] = {"grade_id": "aufgabe1"}
    >>> sorted(grade_ids(nbformat.writes(nb)))
    ['aufgabe1']
    """
    if isinstance(data, (bytes, str)):
        data = nbformat.reads(data.decode("utf-8-sig") if isinstance(data, bytes) else data,
                              as_version=4)
    return frozenset(c.metadata["nbgrader"]["grade_id"] for c in data.cells
                     if isinstance(c.metadata.get("nbgrader"), dict)
                     and c.metadata["nbgrader"].get("grade_id"))


def restore_metadata(nb: NotebookNode, template: NotebookNode) -> list[str]:
    """Give ``nb`` the nbgrader metadata and kernelspec of ``template`` (the released copy).

    Cells are matched by ``grade_id``; a cell whose id the template does not know loses its
    nbgrader metadata. Sources and outputs stay as the trainee wrote them (nbgrader restores
    the sources of locked cells and flags edited test cells). Returns German notes, one per
    kind of change (empty for an untampered notebook).

    Examples
    --------
    >>> template = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("assert 1")])
    >>> template.cells[0].metadata["nbgrader"] = {"grade_id": "t", "grade": True, "points": 2}
    >>> nb = copy.deepcopy(template)
    >>> nb.cells[0].metadata["nbgrader"]["points"] = 100
    >>> restore_metadata(nb, template), nb.cells[0].metadata["nbgrader"]["points"]
    (['Punkte (Zelle t)'], 2)
    """
    known = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]
             for c in template.cells
             if isinstance(c.metadata.get("nbgrader"), dict)
             and c.metadata["nbgrader"].get("grade_id")}
    words = {"points": "Punkte", "grade": "Bewertungsmarke", "solution": "Lösungsmarke",
             "locked": "Sperre", "schema_version": "schema_version", "task": "Aufgabenmarke",
             "grade_id": "Zellkennung"}
    changes: dict[str, list[str]] = defaultdict(list)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id not in known:
            del cell.metadata["nbgrader"]
            changes["nbgrader-Angaben ohne bekannte Zellkennung entfernt"].append(str(grade_id))
            continue
        wanted = copy.deepcopy(known[grade_id])
        for key in sorted(set(meta) | set(wanted)):
            if meta.get(key) != wanted.get(key) and key not in ("checksum", "cell_type"):
                changes[words.get(key, key)].append(grade_id)
        cell.metadata["nbgrader"] = wanted
    wanted_kernel = template.metadata.get("kernelspec")
    if nb.metadata.get("kernelspec") != wanted_kernel:
        changes["Kernel-Angabe"] = []
        if wanted_kernel is None:
            nb.metadata.pop("kernelspec", None)
        else:
            nb.metadata["kernelspec"] = copy.deepcopy(wanted_kernel)
    return [f"{what} (Zelle {', '.join(sorted(set(ids)))})" if ids else what
            for what, ids in changes.items()]


@dataclass
class _Candidate:
    name: str  # path inside the upload
    nb: NotebookNode | None
    notes: list[str]
    overlap: dict[str, int]
    target: str | None = None
    problem: str = ""


def match_submission(path: str | os.PathLike[str], notebooks: Mapping[str, frozenset[str]], *,
                     templates: Mapping[str, NotebookNode] | None = None,
                     max_mb: int = MAX_UNPACKED_MB) -> tuple[dict[str, bytes], list[str]]:
    """Read one inbox file and match its notebooks to the module's notebooks.

    Parameters
    ----------
    path : path
        ``ID.zip`` or ``ID.ipynb``.
    notebooks : mapping of str to frozenset of str
        The module's notebook file names and their cells' ``grade_id`` (see :func:`grade_ids`).
    templates : mapping of str to NotebookNode, optional
        The released copies by name; if given, every matched notebook gets their nbgrader
        metadata back (:func:`restore_metadata`).
    max_mb : int
        Limit for the unpacked size.

    Returns
    -------
    files : dict of str to bytes
        Notebook name of the module → notebook to store (UTF-8, no BOM, LF).
    notes : list of str
        One German note per file of the upload: what it was matched to, or why it is unused.

    Raises
    ------
    ValueError
        With a German reason if nothing in the file can be used or the file is unsafe.
    """
    path = Path(path)
    max_bytes = max_mb * 2**20
    if path.is_symlink():
        raise ValueError("die Datei ist ein symbolischer Link")
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        if path.stat().st_size > max_bytes:
            raise ValueError(f"größer als {max_mb} MiB")
        members = [(path.name, path.read_bytes())]
    elif suffix == ".zip":
        members = _zip_members(path, max_bytes)
    else:
        raise ValueError("nur .zip oder .ipynb werden angenommen")
    if not members:
        raise ValueError(f"keine Notebooks gefunden (erwartet: {', '.join(sorted(notebooks))})")
    by_stem = {_plain_stem(name): name for name in notebooks}
    candidates: list[_Candidate] = []
    for name, data in members:
        try:
            nb, notes = _parse_notebook(name, data, max_bytes)
        except ValueError as error:
            candidates.append(_Candidate(name, None, [], {}, problem=str(error).split(": ", 1)[-1]))
            continue
        ids = grade_ids(nb)
        overlap = {target: len(ids & cells) for target, cells in notebooks.items()}
        best = max(overlap.values(), default=0)
        winners = [target for target, count in overlap.items() if count == best]
        candidate = _Candidate(name, nb, notes, overlap)
        if best > 0 and len(winners) == 1:
            candidate.target = winners[0]
            candidate.notes.insert(0, f"{best} von {len(notebooks[winners[0]])} Aufgabenzellen")
        elif best > 0:
            candidate.problem = (f"mehrdeutig: passt gleich gut zu {' und '.join(sorted(winners))}")
        elif _plain_stem(name) in by_stem:
            candidate.target = by_stem[_plain_stem(name)]
            candidate.notes.insert(0, "keine Aufgabenzellen erkannt, über den Dateinamen "
                                      "zugeordnet")
        else:
            candidate.problem = "passt zu keinem Notebook des Moduls (keine bekannten Aufgabenzellen)"
        candidates.append(candidate)
    # Several files for one notebook: the one with more task cells wins, then the exact name.
    by_target: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.target:
            by_target[candidate.target].append(candidate)
    for target, group in by_target.items():
        if len(group) == 1:
            continue
        def rank(c: _Candidate) -> tuple[int, bool]:
            return c.overlap.get(target, 0), PurePosixPath(c.name).name == target
        group.sort(key=rank, reverse=True)
        if rank(group[0]) == rank(group[1]):
            tied = [c.name for c in group if rank(c) == rank(group[0])]
            for candidate in group:
                candidate.target = None
                candidate.problem = (f"mehrdeutig: {' und '.join(tied)} passen beide zu "
                                     f"{target}; keines bewertet")
        else:
            for candidate in group[1:]:
                candidate.target = None
                candidate.problem = f"nicht verwendet: {group[0].name} passt besser zu {target}"
    files: dict[str, bytes] = {}
    notes: list[str] = []
    for candidate in candidates:
        if candidate.target is None:
            notes.append(f"{candidate.name}: {candidate.problem}")
            continue
        nb = candidate.nb
        assert nb is not None
        if templates is not None and candidate.target in templates:
            restored = restore_metadata(nb, templates[candidate.target])
            if restored:
                candidate.notes.append("nbgrader-Metadaten aus der Vorlage wiederhergestellt: "
                                       + "; ".join(restored))
        files[candidate.target] = nbformat.writes(nb).encode("utf-8") + b"\n"
        arrow = ("" if candidate.name == candidate.target
                 else f" → {candidate.target}")
        notes.append(f"{candidate.name}{arrow} ({', '.join(candidate.notes)})")
    if not files:
        raise ValueError("kein Notebook verwendbar: " + "; ".join(notes))
    return files, notes


def read_submission(path: str | os.PathLike[str], notebooks: Mapping[str, frozenset[str]], *,
                    max_mb: int = MAX_UNPACKED_MB) -> dict[str, bytes]:
    """Read and check one inbox file; return ``{notebook name: bytes}`` (see
    :func:`match_submission`, which also returns the notes).

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
    return match_submission(path, notebooks, max_mb=max_mb)[0]


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
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise ValueError(f"Eingangsordner {inbox} gibt es nicht (oder er ist kein Ordner)")
    templates = {name: nbformat.read(workdir.path("release", module, name), as_version=4)
                 for name in workdir.course.module(module).notebooks}
    notebooks = {name: grade_ids(nb) for name, nb in templates.items()}
    with workdir.gradebook() as gb:
        known = {s.id for s in gb.students}
    deadline = _deadline(workdir, module)
    lines: list[IntakeLine] = []
    files_of: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(inbox.iterdir()):
        if not path.name.startswith("."):
            files_of[inbox_student(path.name)].append(path)
    for student, paths in sorted(files_of.items(), key=lambda item: item[1][0].name):
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            for path in paths:
                lines.append(IntakeLine(path.name, student, False, f"mehrere Dateien für "
                                        f"Kennung {student!r} ({names}); bitte nur eine in den "
                                        "Eingang legen"))
            continue
        path = paths[0]
        if not STUDENT_ID.fullmatch(student) or student not in known:
            lines.append(IntakeLine(path.name, "", False, f"unbekannte Kennung {student!r} "
                                    "(nicht in der Teilnehmerliste)"))
            continue
        try:
            files, notes = match_submission(path, notebooks, templates=templates, max_mb=max_mb)
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
        text += "; zugeordnet: " + " | ".join(notes)
        lines.append(IntakeLine(path.name, student, True, text + note, late))
    report = workdir.path("reports", f"eingang-{module}-"
                          f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}.txt")
    report.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(report, "\n".join(map(str, lines)) + "\n")
    return lines
