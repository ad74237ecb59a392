"""Test fixture: a tiny nbgrader course and typical submissions (tests, benchmarks, trial runs).

Lives beside the certification tests, not in the package: ``import samples`` from there
(pytest puts this folder on ``sys.path``).

The master notebook has what a real module has: a solution cell, a visible test, a hidden test
and a manually graded answer cell. :func:`submission` derives trainee notebooks from the
released student copy (correct, blank, wrong, endless loop, kernel crash, memory bomb, disk
search, edited or deleted test cell).
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

__all__ = ["DISK_REPORT", "ENVIRON_REPORT", "HIDDEN_MARKER", "KINDS", "NETWORK_REPORT",
           "SEARCH_REPORT", "write_master", "write_course", "submission"]

#: Text that occurs only in the hidden test (feedback must never contain it).
HIDDEN_MARKER = "verborgene_pruefung_73"
#: Prefix of the line the "search" submission prints: ``SUCHE <seen> <json list of finds>``.
SEARCH_REPORT = "SUCHE"

#: Submission kinds :func:`submission` can build.
KINDS = ("correct", "blank", "wrong", "loop", "crash", "memory", "search", "edited_test",
         "deleted_test", "warning", "environ", "network", "forkbomb", "flood", "diskfill")
#: Line the "network" submission prints: ``NETZ verbunden`` or ``NETZ gesperrt <error>``.
NETWORK_REPORT = "NETZ"
#: Line the "environ" submission prints before its environment as JSON.
ENVIRON_REPORT = "UMGEBUNG"
#: Line the "diskfill" submission prints with the MiB it wrote (tmp / kernel folder).
DISK_REPORT = "PLATTE"

_SOLUTION = """def eskalationsstufe(punkte):
    ### BEGIN SOLUTION
    return min(9, max(1, punkte // 10 + 1))
    ### END SOLUTION
"""
_VISIBLE_TEST = "assert eskalationsstufe(0) == 1\nassert eskalationsstufe(15) == 2\n"
_HIDDEN_TEST = f"""assert eskalationsstufe(95) == 9
### BEGIN HIDDEN TESTS
{HIDDEN_MARKER} = eskalationsstufe(500)
assert {HIDDEN_MARKER} == 9, "{HIDDEN_MARKER} erwartet 9"
### END HIDDEN TESTS
"""
_ANSWER = "Begründen Sie kurz, warum Stufe 1 die niedrigste Stufe ist.\n\nYOUR ANSWER HERE"

# Replacement bodies for the first solution cell; each one misbehaves when the cell runs.
_BODIES = {
    "wrong": "def eskalationsstufe(punkte):\n    return 0\n",
    "loop": "while True:\n    pass\n",
    "crash": "import os\nos._exit(1)\n",
    "memory": "ballast = bytearray(8 * 1024 ** 3)\n",
    # Correct, but every call warns (nbgrader alone would score the test cells 0: stderr).
    "warning": """import warnings
def eskalationsstufe(punkte):
    warnings.warn("Punkte werden auf ganze Zehner gerundet", UserWarning)
    return min(9, max(1, punkte // 10 + 1))
""",
    # Correct, and shows the kernel's whole environment (it must hold no secret of the grader).
    "environ": f"""import json, os
def eskalationsstufe(punkte):
    return min(9, max(1, punkte // 10 + 1))
print("{ENVIRON_REPORT}", json.dumps(dict(os.environ)))
for pfad in ("/proc/1/environ", "/proc/self/environ"):
    try:
        print(pfad, open(pfad, "rb").read().replace(bytes(1), b" ").decode(errors="replace"))
    except OSError as fehler:
        print(pfad, fehler)
""",
    # Correct, and tries a TCP server of the grading machine (PORT is set by the test).
    "network": f"""import socket
def eskalationsstufe(punkte):
    return min(9, max(1, punkte // 10 + 1))
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=3).close()
    print("{NETWORK_REPORT} verbunden")
except OSError as fehler:
    print("{NETWORK_REPORT} gesperrt", fehler)
""",
    # Correct, then the classic fork bomb: every process forks for ever.
    "forkbomb": """def eskalationsstufe(punkte):
    return min(9, max(1, punkte // 10 + 1))
import os
while True:
    os.fork()
""",
    # Correct, then about 12 MB of output.
    "flood": """def eskalationsstufe(punkte):
    return min(9, max(1, punkte // 10 + 1))
for block in range(60):
    print("Überflutung", block, "x" * 200_000, flush=True)
""",
    # Correct, then fills the sandbox's /tmp and the kernel's folder on disk (up to 800 MiB).
    "diskfill": f"""import os, sys
def eskalationsstufe(punkte):
    return min(9, max(1, punkte // 10 + 1))
block = b"x" * (4 * 1024 ** 2)
geschrieben = {{"tmp": 0, "kernel": 0}}
ordner = {{"tmp": "/tmp", "kernel": os.path.dirname(sys.argv[sys.argv.index("-f") + 1])}}
for wo, pfad in ordner.items():
    try:
        for nummer in range(100):
            with open(os.path.join(pfad, f"fuell-{{nummer}}.bin"), "wb") as datei:
                datei.write(block)
            geschrieben[wo] += 4
    except OSError as fehler:
        print("{DISK_REPORT}", wo, geschrieben[wo], fehler)
print("{DISK_REPORT}", geschrieben)
""",
    # Looks for master notebooks and gradebooks (they hold the hidden tests) on the whole disk.
    "search": f"""import json, os
gefunden, gesehen = [], 0
for wurzel, ordner, dateien in os.walk("/"):
    ordner[:] = [o for o in ordner
                 if os.path.join(wurzel, o) not in ("/proc", "/sys", "/dev", "/usr")]
    for name in dateien:
        if name.endswith((".ipynb", ".db")):
            gesehen += 1
            try:
                with open(os.path.join(wurzel, name), "rb") as fh:
                    if b"BEGIN HIDDEN TESTS" in fh.read():
                        gefunden.append(os.path.join(wurzel, name))
            except OSError:
                pass
print("{SEARCH_REPORT}", gesehen, json.dumps(gefunden))
""",
}


def _cell(kind: str, source: str, grade_id: str, *, solution: bool = False, grade: bool = False,
          points: int = 0, locked: bool = False) -> NotebookNode:
    maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = maker(source)
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def _write_notebook(path: Path, cells: list[NotebookNode]) -> Path:
    """Write a notebook with the Python 3 kernelspec and ``cells`` to ``path``."""
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def write_master(source_dir: str | Path, module: str = "module1",
                 notebook: str = "aufgaben") -> Path:
    """Write a master notebook ``source_dir/module/notebook.ipynb`` with nbgrader metadata.

    Points: visible test 2, hidden test 3, manual answer 2 (7 in total).

    Examples
    --------
    >>> import tempfile
    >>> path = write_master(tempfile.mkdtemp())
    >>> nb = nbformat.read(path, as_version=4)
    >>> sum(c.metadata["nbgrader"].get("points", 0) for c in nb.cells)
    7
    """
    return _write_notebook(Path(source_dir) / module / f"{notebook}.ipynb", [
        _cell("markdown", "# Aufgabe: Eskalationsstufe", "intro", locked=True),
        _cell("code", _SOLUTION, "loesung", solution=True),
        _cell("code", _VISIBLE_TEST, "test_sichtbar", grade=True, points=2, locked=True),
        _cell("code", _HIDDEN_TEST, "test_verborgen", grade=True, points=3, locked=True),
        _cell("markdown", _ANSWER, "reflexion", solution=True, grade=True, points=2),
    ])


#: Title cell of the sample project's master (the interface of kokosim.certification.projecttitle).
PROJECT_TITLE_SOURCE = ('# Titel Ihres Praxisprojekts\nprojekt_titel = ""\n### BEGIN SOLUTION\n'
                        'projekt_titel = "Konfliktmanagement im Quartier Musterstadt-Nord"\n'
                        '### END SOLUTION')


def write_project_master(source_dir: str | Path) -> Path:
    """Write the sample transfer project ``source_dir/praxisprojekt/projekt.ipynb``.

    A title cell (``projekt_titel``, no points) and one manually graded answer (4 points).

    Examples
    --------
    >>> import tempfile
    >>> nb = nbformat.read(write_project_master(tempfile.mkdtemp()), as_version=4)
    >>> [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    ['intro', 'projekt_titel', 'projektbericht']
    """
    return _write_notebook(Path(source_dir) / "praxisprojekt" / "projekt.ipynb", [
        _cell("markdown", "# Praxisprojekt", "intro", locked=True),
        _cell("code", PROJECT_TITLE_SOURCE, "projekt_titel", solution=True),
        _cell("markdown", "Beschreiben Sie Ihr Projekt.\n\nYOUR ANSWER HERE", "projektbericht",
              solution=True, grade=True, points=4),
    ])


def write_course(repo: str | Path, modules: tuple[str, ...] = ("module1",),
                 required_modules: int | None = None,
                 issuer: str = "Musterakademie für Kommunales Konfliktmanagement",
                 project: bool = False) -> Path:
    """Write a small course (``repo/course/kurs.toml`` and one master per module).

    Every module has 5 autograded and 2 manual points and passes with 4 points, at least 1 of
    them from the manually graded answer (so the autograded points alone never pass). With
    ``project``, the course also has the transfer project of :func:`write_project_master`
    (4 manual points, passed with 3).

    Returns
    -------
    pathlib.Path
        The ``kurs.toml`` written.

    Examples
    --------
    >>> import tempfile
    >>> from kokosim.courseconfig import load_course
    >>> course = load_course(write_course(tempfile.mkdtemp(), ("module1", "module2")))
    >>> [m.max_points for m in course.modules], course.complete
    ([7.0, 7.0], True)
    >>> course.modules[0].passed(5, 0), course.modules[0].passed(3, 1)
    (False, True)
    """
    course_dir = Path(repo) / "course"
    entries = []
    for number, module in enumerate(modules, start=1):
        write_master(course_dir / "source", module)
        entries.append(f"""[[modules]]
id = "{module}"
title = "Übungsmodul {number}"
notebooks = ["aufgaben.ipynb"]
hours = {4 + number / 2}
max_auto_points = 5
max_manual_points = 2
pass_points = 4
min_manual_points = 1
""")
    if project:
        write_project_master(course_dir / "source")
        entries.append("""[[modules]]
id = "praxisprojekt"
kind = "projekt"
title = "Praxisprojekt"
notebooks = ["projekt.ipynb"]
hours = 6
max_auto_points = 0
max_manual_points = 4
pass_points = 3
min_manual_points = 2
""")
    text = f"""[course]
title = "Kommunales Konfliktmanagement (Übungskurs)"
issuer = "{issuer}"

[certificate]
rule = "all_modules_passed"
required_modules = {required_modules or len(modules)}

""" + "\n".join(entries)
    path = course_dir / "kurs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def submission(student_copy: NotebookNode, kind: str,
               master: NotebookNode | None = None, port: int = 9) -> NotebookNode:
    """Return a trainee's notebook of the given ``kind`` built from the released student copy.

    ``correct`` is the master with its solutions but without hidden tests (needs ``master``;
    a trainee never sees hidden tests); the other kinds replace
    the first solution code cell (``wrong``, ``loop``, ``crash``, ``memory``, ``search``, and
    the hostile ones: ``warning``, ``environ``, ``network`` (to ``port`` on 127.0.0.1),
    ``forkbomb``, ``flood``, ``diskfill``),
    blank out the test cells (``edited_test``) or delete the last test cell
    (``deleted_test``). This works for any nbgrader notebook, not only :func:`write_master`'s.

    Examples
    --------
    >>> import tempfile
    >>> master = nbformat.read(write_master(tempfile.mkdtemp()), as_version=4)
    >>> len(submission(master, "deleted_test").cells) == len(master.cells) - 1
    True
    >>> submission(master, "fancy")
    Traceback (most recent call last):
    ...
    ValueError: kind='fancy' is unknown: expected one of correct, blank, wrong, loop, crash, ...
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is unknown: expected one of {', '.join(KINDS)}")
    if kind == "correct":
        if master is None:
            raise ValueError("kind='correct' needs the master notebook: pass master=...")
        nb, _ = ClearHiddenTests(enforce_metadata=False).preprocess(copy.deepcopy(master), {})
        return nb
    nb = copy.deepcopy(student_copy)
    code = [c for c in nb.cells if c.cell_type == "code"]
    solution = next(c for c in code if c.metadata.get("nbgrader", {}).get("solution"))
    tests = [c for c in code if c.metadata.get("nbgrader", {}).get("grade")]
    if kind in _BODIES:
        solution.source = _BODIES[kind].replace("PORT", str(port))
    elif kind == "edited_test":
        for test in tests:
            test.source = "pass  # Test entfernt\n"
    elif kind == "deleted_test":
        nb.cells.remove(tests[-1])
    return nb
