"""Generate the student copies of the course from the master notebooks, and check for drift.

Master notebooks (with solutions and hidden tests) live in ``moduleN/`` of :data:`SOURCE_DIR`;
the student copies in ``moduleN/`` are generated from them by nbgrader's ``generate_assignment``
with the course configuration ``course/nbgrader_config.py``. This module runs nbgrader into a
temporary folder with a throw-away gradebook (so no run leaves a database or half-written folder in
the checkout) and then copies the generated files into ``moduleN/``; other files there
(``README.md``) are left alone. It also keeps the notebook list of the course home
``course/index.ipynb`` in step with ``course/kurs.toml``, so adding a module means adding its
masters and its config entry, then running ``make students``.

Command line (``make students`` runs the first form)::

    python -m kokosim.coursebuild            # regenerate every moduleN/ from its masters
    python -m kokosim.coursebuild --check    # exit 1 and name the files on drift or master outputs
    python -m kokosim.coursebuild --strip    # remove outputs and execution counts from the masters

``--module moduleN`` (repeatable) limits any form to some modules, so an author can rebuild the
module they work on without touching the others (the course home is then left alone).

The course root (the folder holding ``course/`` and receiving ``moduleN/``) is an argument of every
function and ``--root`` of the command line; its default is the current folder, so ``make
students`` works from the checkout and the installed package never guesses where a course lies.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from kokosim._atomic import atomic_write
from kokosim._cli import use_german_argparse
from kokosim._nbgrader import ensure_tool_path, load_config
from kokosim.courseconfig import load_course

if TYPE_CHECKING:
    from traitlets.config import Config

__all__ = [
    "SOURCE_DIR",
    "NBGRADER_CONFIG",
    "master_modules",
    "master_notebooks",
    "HOME",
    "HOME_CELL_ID",
    "home_listing",
    "home_is_current",
    "update_home",
    "generate",
    "build",
    "drift",
    "notebook_outputs",
    "strip_outputs",
    "check",
    "main",
]

#: Master notebooks, one folder per module, relative to the course root.
SOURCE_DIR = Path("course") / "source"
#: nbgrader configuration, relative to the course root.
NBGRADER_CONFIG = Path("course") / "nbgrader_config.py"

#: The course home, relative to the course root.
HOME = Path("course") / "index.ipynb"
#: Id of the course home's Markdown cell that lists the notebooks (generated, never edit by hand).
HOME_CELL_ID = "kurs-notebooks"

#: Folders of master notebooks: the modules and the transfer project (course/kurs.toml).
_MODULE_NAME = re.compile(r"module\d+|praxisprojekt")
#: First heading of a master: "# Modul 1.2 — Title" or "# Praxisprojekt P.1 — Title".
_HEADING = re.compile(r"#\s+(?:Modul|Praxisprojekt)\s+(?P<number>(?:\d+|P)\.\d+)\s+[—–-]\s+"
                      r"(?P<title>.+)")


def _course_root(root: str | Path) -> Path:
    """The course root as an absolute path (relative ones count from the current folder now)."""
    return Path(root).resolve()


def master_modules(root: str | Path = Path(".")) -> list[str]:
    """Module ids (``module1``, ..., then ``praxisprojekt``) that have a folder of masters.

    Examples
    --------
    >>> "module1" in master_modules()
    True
    """
    root = _course_root(root)
    source = root / SOURCE_DIR
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: folder of master notebooks not found")
    return sorted((entry.name for entry in source.iterdir()
                   if entry.is_dir() and _MODULE_NAME.fullmatch(entry.name)),
                  key=lambda name: (name == "praxisprojekt", len(name), name))


def master_notebooks(root: str | Path = Path("."),
                     modules: Sequence[str] | None = None) -> list[Path]:
    """Master notebooks of ``modules`` (default: all), sorted by module and file name.

    Examples
    --------
    >>> all(path.suffix == ".ipynb" for path in master_notebooks())
    True
    >>> {path.parent.name for path in master_notebooks(modules=["module1"])}
    {'module1'}
    """
    root = _course_root(root)
    return [path for module in master_modules(root) if modules is None or module in modules
            for path in sorted((root / SOURCE_DIR / module).glob("*.ipynb"))]


def _nbgrader_config(root: Path, release_dir: Path, db_url: str) -> Config:
    """The course's nbgrader configuration, redirected to ``release_dir`` and ``db_url``."""
    config_file = root / NBGRADER_CONFIG
    if not config_file.is_file():
        raise FileNotFoundError(f"{config_file}: nbgrader configuration not found")
    # The file reads its gradebook from the environment; the helper hands it ``db_url`` (so it
    # creates no default gradebook folder in the user's home).
    config = load_config(config_file, db_url)
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.release_directory = str(release_dir)
    return config


def _heading(path: Path, fallback_number: str) -> tuple[str, str]:
    """Number and title of a master from its first heading ("# Modul 1.2 — Title")."""
    notebook = nbformat.read(path, as_version=4)
    first = next((cell.source.strip().splitlines()[0] for cell in notebook.cells
                  if cell.cell_type == "markdown" and cell.source.strip()), "")
    match = _HEADING.fullmatch(first.strip())
    if match:
        return match["number"], match["title"].strip()
    return fallback_number, first.lstrip("#").strip() or path.stem


def home_listing(root: str | Path = Path(".")) -> str:
    """Markdown of the course home's notebook list, from ``course/kurs.toml`` and the masters.

    Examples
    --------
    >>> print(home_listing().splitlines()[0])
    ## Verfügbare Notebooks
    >>> "(../module1/01_konflikte_in_der_demokratie.ipynb)" in home_listing()
    True
    """
    root = _course_root(root)
    course = load_course(root, check_notebooks=False)
    lines = [
        "## Verfügbare Notebooks",
        "",
        "Diese Module stehen bereit. Öffnen Sie ein Notebook mit einem Klick auf seinen Titel und "
        "arbeiten Sie die Notebooks eines Moduls in dieser Reihenfolge durch.",
        "",
        "| Modul | Nr. | Notebook |",
        "|---|---|---|",
    ]
    for module in course.modules:
        number = "P" if module.is_project else module.id[len("module"):]
        unit = module.title if module.is_project else f"{number} {module.title}"
        for index, path in enumerate(course.master_paths(module.id), start=1):
            label, title = _heading(path, f"{number}.{index}")
            lines.append(f"| {unit} | {label} | [{title}](../{module.id}/{path.name}) |")
    return "\n".join(lines)


def _updated_home(root: Path) -> bytes | None:
    """The course home with a fresh notebook list, or None if it is already up to date."""
    path = root / HOME
    notebook = nbformat.read(path, as_version=4)
    cells = [cell for cell in notebook.cells if cell.get("id") == HOME_CELL_ID]
    if len(cells) != 1:
        raise ValueError(f"{path}: expected exactly one cell with id {HOME_CELL_ID!r} for the "
                         f"notebook list, found {len(cells)}")
    cells[0].source = home_listing(root)
    data = (nbformat.writes(notebook) + "\n").encode("utf-8")
    return None if data == path.read_bytes() else data


def home_is_current(root: str | Path = Path(".")) -> bool:
    """Whether the course home's notebook list matches ``course/kurs.toml``."""
    return _updated_home(_course_root(root)) is None


def update_home(root: str | Path = Path(".")) -> bool:
    """Rewrite the course home's notebook list from ``course/kurs.toml``; True if it changed.

    Raises
    ------
    ValueError
        If the home has no cell with id :data:`HOME_CELL_ID` (or more than one).
    """
    root = _course_root(root)
    data = _updated_home(root)
    if data is not None:
        _write_atomic(root / HOME, data)
    return data is not None


_scratch_dir: tempfile.TemporaryDirectory[str] | None = None


def _scratch_gradebook_url() -> str:
    """URL of a throw-away SQLite gradebook, shared by all generations in this process.

    Creating a gradebook costs seconds (nbgrader runs ``alembic`` for every new database), and the
    student copies do not depend on what the gradebook holds, so one per process is enough. The
    folder is removed when the process exits.
    """
    global _scratch_dir
    if _scratch_dir is None:
        _scratch_dir = tempfile.TemporaryDirectory(prefix="kokosim-gradebook-")
    return f"sqlite:///{Path(_scratch_dir.name) / 'gradebook.db'}"


def generate(modules: Sequence[str], release_dir: Path,
             root: str | Path = Path(".")) -> list[Path]:
    """Run nbgrader's ``generate_assignment`` for ``modules`` into ``release_dir/<module>``.

    nbgrader records the assignments in a throw-away SQLite gradebook outside the course root
    (see :func:`_scratch_gradebook_url`); the checkout never receives a database.

    Parameters
    ----------
    modules : sequence of str
        Module ids, folders of :data:`SOURCE_DIR`.
    release_dir : Path
        Folder that receives one folder per module with the student copies.
    root : str or Path, optional
        Course root (holds ``course/``); default: the current folder.

    Returns
    -------
    list of Path
        The generated files, sorted.

    Raises
    ------
    ValueError
        If a module has no folder of master notebooks.
    RuntimeError
        If nbgrader fails; the message contains nbgrader's log.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    root = _course_root(root)
    known = master_modules(root)
    for module in modules:
        if module not in known:
            raise ValueError(f"module={module!r} has no folder in {root / SOURCE_DIR}")
    ensure_tool_path()
    config = _nbgrader_config(root, release_dir, _scratch_gradebook_url())
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for module in modules:
        result = api.generate_assignment(module, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {module} failed:\n"
                               f"{result.get('log', '')}\n{result.get('error', '')}")
    return sorted(path for module in modules for path in (release_dir / module).rglob("*")
                  if path.is_file())


def _generated(workdir: Path, root: Path,
               modules: Sequence[str] | None) -> dict[str, dict[Path, bytes]]:
    """Generated files per module (default: all), by path relative to the course root."""
    modules = master_modules(root) if modules is None else list(modules)
    files = generate(modules, workdir, root)
    by_module: dict[str, dict[Path, bytes]] = {module: {} for module in modules}
    for path in files:
        relpath = path.relative_to(workdir)
        by_module[relpath.parts[0]][relpath] = path.read_bytes()
    return by_module


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)


def _stale(module: str, expected: dict[Path, bytes], root: Path) -> list[Path]:
    """Student notebooks in ``moduleN/`` that no master produces any more."""
    return sorted(path.relative_to(root) for path in (root / module).glob("*.ipynb")
                  if path.relative_to(root) not in expected)


def build(root: str | Path = Path("."), modules: Sequence[str] | None = None) -> list[Path]:
    """Regenerate the student copies; return the files changed or removed.

    Files whose content is unchanged are not rewritten; notebooks in ``moduleN/`` without a
    master are removed.

    Parameters
    ----------
    root : str or Path, optional
        Course root (holds ``course/``); default: the current folder.
    modules : sequence of str, optional
        Module ids to regenerate; default: every module with masters, and then also the
        notebook list of the course home.
    """
    root = _course_root(root)
    changed: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kokosim-release-") as workdir:
        for module, expected in _generated(Path(workdir), root, modules).items():
            for relpath, data in expected.items():
                target = root / relpath
                if not target.is_file() or target.read_bytes() != data:
                    _write_atomic(target, data)
                    changed.append(relpath)
            for relpath in _stale(module, expected, root):
                (root / relpath).unlink()
                changed.append(relpath)
    if modules is None and update_home(root):
        changed.append(HOME)
    return changed


def drift(root: str | Path = Path("."), modules: Sequence[str] | None = None) -> list[str]:
    """Differences between the student copies and what regenerating would produce.

    Parameters
    ----------
    root : str or Path, optional
        Course root (holds ``course/``); default: the current folder.
    modules : sequence of str, optional
        Module ids to compare; default: every module with masters, and the course home.

    Returns
    -------
    list of str
        One German message per differing, missing or superfluous file (empty: no drift).
    """
    root = _course_root(root)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kokosim-release-") as workdir:
        for module, expected in _generated(Path(workdir), root, modules).items():
            for relpath, data in expected.items():
                target = root / relpath
                if not target.is_file():
                    problems.append(f"{relpath}: fehlt (make students erzeugt die Datei)")
                elif target.read_bytes() != data:
                    problems.append(f"{relpath}: weicht vom Master ab (make students ausführen, "
                                    "Kopien nie von Hand bearbeiten)")
            problems.extend(f"{relpath}: kein Master-Notebook dazu in {SOURCE_DIR / module}"
                            for relpath in _stale(module, expected, root))
    if modules is None and not home_is_current(root):
        problems.append(f"{HOME}: Liste der Notebooks passt nicht zu course/kurs.toml "
                        "(make students ausführen)")
    return problems


def notebook_outputs(path: Path) -> list[int]:
    """Indices of code cells in ``path`` that carry outputs or an execution count.

    Examples
    --------
    >>> notebook_outputs(master_notebooks()[0])
    []
    """
    notebook = nbformat.read(path, as_version=4)
    return [index for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))]


def strip_outputs(path: Path) -> bool:
    """Remove outputs and execution counts from the notebook at ``path``; True if it changed.

    The notebook is rewritten (atomically) only when something was removed.
    """
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            cell.outputs, cell.execution_count = [], None
            changed = True
        if "execution" in cell.metadata:
            del cell.metadata["execution"]
            changed = True
    if changed:
        _write_atomic(path, (nbformat.writes(notebook) + "\n").encode("utf-8"))
    return changed


def check(root: str | Path = Path("."), modules: Sequence[str] | None = None) -> list[str]:
    """Everything ``--check`` reports: masters with outputs, then drift of the student copies."""
    root = _course_root(root)
    problems = [
        f"{path.relative_to(root)}: Master enthält Ausgaben in Zelle(n) "
        f"{', '.join(map(str, cells))} (python -m kokosim.coursebuild --strip)"
        for path in master_notebooks(root, modules) if (cells := notebook_outputs(path))
    ]
    return problems + drift(root, modules)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    use_german_argparse()
    parser = argparse.ArgumentParser(
        prog="python -m kokosim.coursebuild",
        description="Erzeugt die Kopien für Teilnehmende (moduleN/) aus den Master-Notebooks "
                    f"({SOURCE_DIR / 'moduleN'}/) mit nbgrader.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="nichts schreiben; Exit-Status 1, wenn eine Kopie vom Master abweicht "
                           "oder ein Master Ausgaben enthält")
    mode.add_argument("--strip", action="store_true",
                      help="Ausgaben und Ausführungszähler aus den Master-Notebooks entfernen")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="Kurswurzel mit course/ (Standard: der aktuelle Ordner)")
    parser.add_argument("--module", action="append", dest="modules", metavar="moduleN",
                        help="nur dieses Modul (mehrfach möglich; Standard: alle Module)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / SOURCE_DIR).is_dir():
        parser.error(f"--root {root}: kein Kursordner (es fehlt {SOURCE_DIR}/); im Kursordner "
                     "ausführen oder --root angeben")
    known = master_modules(root)
    for module in args.modules or ():
        if module not in known:
            parser.error(f"--module {module}: kein Ordner {root / SOURCE_DIR / module} "
                         f"(vorhanden: {', '.join(known)})")
    if args.check:
        problems = check(root, args.modules)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print("Alle Kopien für Teilnehmende sind aktuell; Master ohne Ausgaben.")
        return 1 if problems else 0
    if args.strip:
        stripped = [path for path in master_notebooks(root, args.modules) if strip_outputs(path)]
        for path in stripped:
            print(f"Ausgaben entfernt: {path.relative_to(root)}")
        return 0
    changed = build(root, args.modules)
    for relpath in changed:
        print(f"aktualisiert: {relpath}")
    if not changed:
        print("Alle Kopien für Teilnehmende waren schon aktuell.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
