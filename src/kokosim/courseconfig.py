"""The course configuration ``course/kurs.toml``: modules, points, pass marks, certificate rule.

One file read by everyone: the course build, the tests and the certification pipeline. The loader
checks the file against the master notebooks: every notebook listed must exist in
``source/<module id>/`` beside the file, every master notebook there must be listed, and the points
in the file must equal the points in the notebooks' nbgrader metadata. Every error names the file,
the key and the problem.

The course root is an argument everywhere (default: the current folder); the library never
looks for the course beside its own installed files.

Examples
--------
>>> course = load_course()  # the course root is the current folder (the checkout)
>>> course.modules[0].id, course.modules[0].title
('module1', 'Grundlagen & Haltung')
>>> course.module("module1").max_points == (course.module("module1").max_auto_points
...                                         + course.module("module1").max_manual_points)
True

A module is passed with enough points in total *and* a minimum of points from the manually
graded answers (the reflections), so autograded points alone never pass:

>>> module1 = course.module("module1")
>>> module1.passed(module1.max_auto_points, 0)
False
>>> module1.passed(module1.max_auto_points, 0.75 * module1.max_manual_points)
True
"""

from __future__ import annotations

import enum
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import nbformat

__all__ = [
    "COURSE_CONFIG",
    "CERTIFICATE_RULES",
    "CourseConfigError",
    "UnitKind",
    "Module",
    "Course",
    "NotebookPoints",
    "notebook_points",
    "config_file",
    "load_course",
]

#: The course configuration, relative to the course root.
COURSE_CONFIG = Path("course") / "kurs.toml"
#: Supported certificate rules and their German wording.
CERTIFICATE_RULES: dict[str, str] = {
    "all_modules_passed": "Alle Module des Kurses bestanden, dazu das Praxisprojekt, wenn der "
                          "Kurs eines hat.",
}

_MODULE_ID = re.compile(r"module\d+")
#: Id of the transfer project (its masters in ``source/praxisprojekt/``, copies in
#: ``praxisprojekt/``).
_PROJECT_ID = "praxisprojekt"
#: Points closer to a mark than this count as reaching it (sums of float scores).
_ROUNDING = 1e-9
_COURSE_KEYS = {"title", "issuer"}
_CERTIFICATE_KEYS = {"rule", "required_modules"}
_MODULE_KEYS = {"id", "title", "notebooks", "hours", "max_auto_points", "max_manual_points",
                "pass_points", "min_manual_points"}
#: Keys a [[modules]] entry may have besides :data:`_MODULE_KEYS`.
_OPTIONAL_MODULE_KEYS = {"kind"}


class CourseConfigError(ValueError):
    """A problem in the course configuration; the message names file, key and problem."""


class UnitKind(enum.Enum):
    """What a graded unit of the course is (``kind`` in ``kurs.toml``, default ``"modul"``).

    A *module* teaches and grades with autograded tasks and reflections; the *project*
    (Praxisprojekt) is the trainee's transfer work for their own Kommune, graded by hand only.
    The pipeline collects, grades and exports both alike; the certificate names the project's
    title.
    """

    MODULE = "modul"
    PROJECT = "projekt"


@dataclass(frozen=True)
class Module:
    """One course module as configured.

    Attributes
    ----------
    id : str
        Folder name (``module1``) of the master notebooks (in ``source/`` beside ``kurs.toml``)
        and of the student copies.
    title : str
        German title.
    notebooks : tuple of str
        Notebook file names, in working order.
    hours : float
        Estimated hours of work.
    max_auto_points, max_manual_points : float
        Maximum points of autograded tests and of manually graded answers.
    pass_points : float
        Total points (autograded + manual) needed to pass.
    min_manual_points : float
        Points of the manually graded answers (reflections) needed to pass as well; see
        :meth:`passed`.
    kind : UnitKind
        A module (default) or the transfer project.
    """

    id: str
    title: str
    notebooks: tuple[str, ...]
    hours: float
    max_auto_points: float
    max_manual_points: float
    pass_points: float
    min_manual_points: float
    kind: UnitKind = UnitKind.MODULE

    @property
    def is_project(self) -> bool:
        """Whether this unit is the transfer project (Praxisprojekt)."""
        return self.kind is UnitKind.PROJECT

    @property
    def max_points(self) -> float:
        """Maximum total points."""
        return self.max_auto_points + self.max_manual_points

    def passed(self, auto: float, manual: float) -> bool:
        """Whether autograded points ``auto`` and manual points ``manual`` pass the module.

        Passed only if the total reaches :attr:`pass_points` **and** the manually graded
        answers reach :attr:`min_manual_points` (both up to float rounding, :data:`_ROUNDING`:
        the gradebook's scores are sums of floats).

        Examples
        --------
        >>> module = Module("module9", "Test", ("a.ipynb",), 1.0, 10, 5, 9, 2)
        >>> module.passed(7, 2), module.passed(6.5, 2), module.passed(10, 1.5)
        (True, False, False)
        >>> 4.6 + 2.3 < 6.9  # sums of float scores
        True
        >>> Module("module9", "Test", ("a.ipynb",), 1.0, 10, 5, 6.9, 2).passed(4.6, 2.3)
        True
        """
        return (auto + manual >= self.pass_points - _ROUNDING
                and self.manual_minimum_met(manual))

    def manual_minimum_met(self, manual: float) -> bool:
        """Whether ``manual`` points of the manually graded answers reach the minimum.

        Examples
        --------
        >>> module = Module("module9", "Test", ("a.ipynb",), 1.0, 10, 5, 9, 2)
        >>> module.manual_minimum_met(2), module.manual_minimum_met(1.5)
        (True, False)
        """
        return manual >= self.min_manual_points - _ROUNDING


@dataclass(frozen=True)
class Course:
    """The course as configured in ``kurs.toml``.

    Attributes
    ----------
    path : Path
        The configuration file.
    title : str
        Course title (for the certificate).
    issuer : str
        Issuing body of the certificate.
    certificate_rule : str
        Key of :data:`CERTIFICATE_RULES`.
    required_modules : int
        Number of modules (kind ``modul``) the complete course has; a certificate needs all of
        them, and the project too if one is configured.
    modules : tuple of Module
        The graded units that exist so far, in course order: the modules and, if configured,
        the project (:attr:`project`).
    """

    path: Path
    title: str
    issuer: str
    certificate_rule: str
    required_modules: int
    modules: tuple[Module, ...]

    @property
    def source_dir(self) -> Path:
        """Folder of the master notebooks (``source/`` beside the configuration)."""
        return self.path.parent / "source"

    @property
    def release_dir(self) -> Path:
        """Folder that holds the student copies ``moduleN/`` (the repository root)."""
        return self.path.parent.parent

    @property
    def complete(self) -> bool:
        """Whether all required modules are configured."""
        return sum(not m.is_project for m in self.modules) == self.required_modules

    @property
    def project(self) -> Module | None:
        """The transfer project (Praxisprojekt), if the course has one."""
        return next((m for m in self.modules if m.is_project), None)

    def module(self, module_id: str) -> Module:
        """The module with id ``module_id``.

        Raises
        ------
        KeyError
            If no such module is configured.
        """
        for module in self.modules:
            if module.id == module_id:
                return module
        known = ", ".join(module.id for module in self.modules)
        raise KeyError(f"module {module_id!r} is not in {self.path}; configured: {known}")

    def master_paths(self, module_id: str) -> list[Path]:
        """Paths of the master notebooks of a module."""
        module = self.module(module_id)
        return [self.source_dir / module.id / name for name in module.notebooks]

    def student_paths(self, module_id: str) -> list[Path]:
        """Paths of the generated student copies of a module."""
        module = self.module(module_id)
        return [self.release_dir / module.id / name for name in module.notebooks]

    def certificate_earned(self, points_by_module: Mapping[str, tuple[float, float]]) -> bool:
        """Whether results earn the certificate under the course's rule.

        Parameters
        ----------
        points_by_module : mapping of str to (float, float)
            Autograded and manual points per module id (e.g. :class:`NotebookPoints`);
            missing modules count as not passed. See :meth:`Module.passed`.

        Examples
        --------
        >>> course = load_course()
        >>> course.certificate_earned({})
        False
        >>> full = {m.id: NotebookPoints(m.max_auto_points, m.max_manual_points)
        ...         for m in course.modules}
        >>> course.certificate_earned(full) == course.complete
        True
        >>> auto_only = {m.id: NotebookPoints(m.max_auto_points, 0) for m in course.modules}
        >>> course.certificate_earned(auto_only)
        False
        """
        if self.certificate_rule != "all_modules_passed":  # guarded by the loader
            raise CourseConfigError(f"{self.path}: certificate.rule {self.certificate_rule!r} "
                                    "is not supported")
        return self.complete and all(
            module.id in points_by_module and module.passed(*points_by_module[module.id])
            for module in self.modules)


class NotebookPoints(NamedTuple):
    """Autograded and manual points (of one notebook from its nbgrader cell metadata, or of a
    trainee's module: :meth:`Course.certificate_earned`)."""

    auto: float
    manual: float


def notebook_points(path: Path) -> NotebookPoints:
    """Sum the points of a (master) notebook's nbgrader cells.

    Autograded points are those of test cells (``grade`` without ``solution``); manual points
    are those of manually graded answers (``grade`` with ``solution``) and of task cells.

    Examples
    --------
    >>> course = load_course()
    >>> sum(notebook_points(p).auto for p in course.master_paths("module1")) \\
    ...     == course.module("module1").max_auto_points
    True
    """
    notebook = nbformat.read(path, as_version=4)
    auto = manual = 0.0
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        points = float(meta.get("points", 0) or 0)
        if meta.get("task") or (meta.get("grade") and meta.get("solution")):
            manual += points
        elif meta.get("grade"):
            auto += points
    return NotebookPoints(auto, manual)


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise CourseConfigError(f"{where}: table [{key}] is missing")
    return value


def _check_keys(table: Mapping[str, Any], required: set[str], where: str,
                optional: set[str] | frozenset[str] = frozenset()) -> None:
    allowed = required | optional
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CourseConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: "
                                f"{', '.join(sorted(allowed))}")
    missing = sorted(required - set(table))
    if missing:
        raise CourseConfigError(f"{where}: missing key(s) {', '.join(missing)}")


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise CourseConfigError(f"{where}, key {key!r}: {value!r} must be a non-empty string")
    return value


def _number(table: Mapping[str, Any], key: str, where: str, *, positive: bool = False) -> float:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value < 0 or (positive and value == 0):
        expected = "> 0" if positive else ">= 0"
        raise CourseConfigError(f"{where}, key {key!r}: {value!r} must be a number {expected}")
    return float(value)


def _parse_module(table: Any, where: str) -> Module:
    if not isinstance(table, Mapping):
        raise CourseConfigError(f"{where}: must be a table ([[modules]])")
    _check_keys(table, _MODULE_KEYS, where, _OPTIONAL_MODULE_KEYS)
    kinds = {kind.value: kind for kind in UnitKind}
    kind = kinds.get(table.get("kind", UnitKind.MODULE.value))
    if kind is None:
        raise CourseConfigError(f"{where}, key 'kind': {table['kind']!r} must be one of "
                                f"{', '.join(kinds)}")
    module_id = _text(table, "id", where)
    if kind is UnitKind.MODULE and not _MODULE_ID.fullmatch(module_id):
        raise CourseConfigError(f"{where}, key 'id': {module_id!r} must look like 'module1'")
    if kind is UnitKind.PROJECT and module_id != _PROJECT_ID:
        raise CourseConfigError(f"{where}, key 'id': the project's id must be {_PROJECT_ID!r}")
    where = f"{where} ({module_id})"
    notebooks = table["notebooks"]
    if (not isinstance(notebooks, list) or not notebooks
            or not all(isinstance(name, str) and name.endswith(".ipynb") for name in notebooks)):
        raise CourseConfigError(f"{where}, key 'notebooks': {notebooks!r} must be a non-empty "
                                "list of .ipynb file names")
    if len(set(notebooks)) != len(notebooks):
        raise CourseConfigError(f"{where}, key 'notebooks': a file name is listed twice")
    module = Module(
        id=module_id,
        title=_text(table, "title", where),
        notebooks=tuple(notebooks),
        hours=_number(table, "hours", where, positive=True),
        max_auto_points=_number(table, "max_auto_points", where),
        max_manual_points=_number(table, "max_manual_points", where),
        pass_points=_number(table, "pass_points", where, positive=True),
        min_manual_points=_number(table, "min_manual_points", where),
        kind=kind,
    )
    if module.pass_points > module.max_points:
        raise CourseConfigError(f"{where}, key 'pass_points': {module.pass_points:g} exceeds the "
                                f"maximum of {module.max_points:g} points")
    if module.min_manual_points > module.max_manual_points:
        raise CourseConfigError(f"{where}, key 'min_manual_points': "
                                f"{module.min_manual_points:g} exceeds max_manual_points "
                                f"({module.max_manual_points:g})")
    return module


def _check_notebooks(module: Module, source: Path, where: str) -> None:
    folder = source / module.id
    for name in module.notebooks:
        if not (folder / name).is_file():
            raise CourseConfigError(f"{where} ({module.id}), key 'notebooks': {folder / name} "
                                    "does not exist")
    unlisted = sorted({path.name for path in folder.glob("*.ipynb")} - set(module.notebooks))
    if unlisted:
        raise CourseConfigError(f"{where} ({module.id}), key 'notebooks': master notebook(s) "
                                f"{', '.join(unlisted)} in {folder} are not listed")
    points = {name: notebook_points(folder / name) for name in module.notebooks}
    for key, kind in (("max_auto_points", "auto"), ("max_manual_points", "manual")):
        found = {name: getattr(p, kind) for name, p in points.items()}
        total = sum(found.values())
        if not math.isclose(total, getattr(module, key)):
            detail = ", ".join(f"{name}: {value:g}" for name, value in found.items())
            raise CourseConfigError(f"{where} ({module.id}), key {key!r}: "
                                    f"{getattr(module, key):g} in the file, but the master "
                                    f"notebooks have {total:g} ({detail})")


def config_file(path: str | Path = ".") -> Path:
    """The ``kurs.toml`` that ``path`` names: a folder means the course root.

    A folder is the course root holding ``course/kurs.toml`` (:data:`COURSE_CONFIG`); a folder
    without it that holds ``kurs.toml`` itself is taken as the ``course/`` folder (notebooks there
    run with it as the current folder). Anything else is the path of a ``kurs.toml``.

    Examples
    --------
    >>> config_file().relative_to(Path.cwd()).as_posix()
    'course/kurs.toml'
    >>> config_file("course") == config_file(".") == config_file("course/kurs.toml")
    True
    """
    path = Path(path).absolute()
    if not path.is_dir():
        return path
    beside = path / COURSE_CONFIG.name
    return beside if not (path / COURSE_CONFIG).is_file() and beside.is_file() \
        else path / COURSE_CONFIG


def load_course(path: str | Path = ".", *, check_notebooks: bool = True) -> Course:
    """Read and validate the course configuration.

    Parameters
    ----------
    path : str or Path, default "."
        The course root (a folder holding ``course/kurs.toml``; default: the current folder) or
        a ``kurs.toml``, see :func:`config_file`. The master notebooks are expected in
        ``source/`` beside the file.
    check_notebooks : bool, default True
        Also check the configured notebooks and points against the master notebooks.

    Returns
    -------
    Course

    Raises
    ------
    CourseConfigError
        Naming the file, the key and the problem (also when the file does not exist).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     load_course(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kokosim.courseconfig.CourseConfigError: .../course/kurs.toml: course configuration not found
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     bad = Path(folder) / "kurs.toml"
    ...     _ = bad.write_text('[course]\\ntitle = "K"\\nissuer = ""\\n', encoding="utf-8")
    ...     load_course(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kokosim.courseconfig.CourseConfigError: .../kurs.toml: [course], key 'issuer': '' must be a non-empty string
    """
    path = config_file(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseConfigError(f"{path}: course configuration not found") from None
    except tomllib.TOMLDecodeError as error:
        raise CourseConfigError(f"{path}: not valid TOML: {error}") from None
    course_table = _table(data, "course", str(path))
    _check_keys(course_table, _COURSE_KEYS, f"{path}: [course]")
    title = _text(course_table, "title", f"{path}: [course]")
    issuer = _text(course_table, "issuer", f"{path}: [course]")
    certificate = _table(data, "certificate", str(path))
    _check_keys(certificate, _CERTIFICATE_KEYS, f"{path}: [certificate]")
    rule = _text(certificate, "rule", f"{path}: [certificate]")
    if rule not in CERTIFICATE_RULES:
        raise CourseConfigError(f"{path}: [certificate], key 'rule': {rule!r} is not supported; "
                                f"choose one of: {', '.join(CERTIFICATE_RULES)}")
    required = certificate["required_modules"]
    if isinstance(required, bool) or not isinstance(required, int) or required < 1:
        raise CourseConfigError(f"{path}: [certificate], key 'required_modules': {required!r} "
                                "must be a whole number >= 1")
    tables = data.get("modules")
    if not isinstance(tables, list) or not tables:
        raise CourseConfigError(f"{path}: no [[modules]] entry")
    modules = tuple(_parse_module(table, f"{path}: [[modules]] #{index}")
                    for index, table in enumerate(tables, start=1))
    ids = [module.id for module in modules]
    if len(set(ids)) != len(ids):
        raise CourseConfigError(f"{path}: [[modules]], key 'id': a module id is used twice "
                                f"({', '.join(ids)})")
    count = sum(not module.is_project for module in modules)
    if count > required:
        raise CourseConfigError(f"{path}: [certificate], key 'required_modules': {required} but "
                                f"{count} modules are configured")
    if sum(module.is_project for module in modules) > 1:
        raise CourseConfigError(f"{path}: [[modules]], key 'kind': only one entry may be "
                                f"{UnitKind.PROJECT.value!r}")
    extra = sorted(set(data) - {"course", "certificate", "modules"})
    if extra:
        raise CourseConfigError(f"{path}: unknown table(s) {', '.join(extra)}")
    course = Course(path=path.resolve(), title=title, issuer=issuer, certificate_rule=rule,
                    required_modules=required, modules=modules)
    if check_notebooks:
        for index, module in enumerate(modules, start=1):
            _check_notebooks(module, course.source_dir, f"{path}: [[modules]] #{index}")
    return course
