"""The course grades judgement, not programming (issue 13), measured from the masters.

* Every graded task is classified from its master: a **value answer** when its solution is only
  ``name = <literal>`` lines under placeholders of the same names (the trainee overwrites a
  placeholder; nothing to program). Per module at least 80 % of the autograded points are value
  answers, a trainee who answers every value task right and earns 75 % of the reflection points
  passes with a margin, and the autograded points alone never pass.
* **No cascades**: each task is blanked in turn (its cell as in the student copy) and the master is
  run; only that task's test may fail, every other test keeps its full points and no provided
  cell fails. One kernel per notebook, reset between runs.
* The working time stated in each notebook adds up to the module's ``hours`` in ``kurs.toml``
  (which the certificate prints).
* No jargon a municipal employee does not know, and never "seed", in prose or widget labels.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient

from kokosim.courseconfig import Module, load_course

#: The checkout this test file belongs to (the course root of the repository).
REPO_ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(REPO_ROOT, check_notebooks=False)
MODULES = {module.id: module for module in COURSE.modules}

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
#: Share of a module's autograded points that must be value answers.
VALUE_SHARE = 0.8
#: Share of the reflection points of the "non-programmer with good reflections" of the issue.
REFLECTION_SHARE = 0.75
#: Points above the pass mark that this trainee keeps as margin.
MARGIN = 3
WORKING_TIME = re.compile(r"\*\*Bearbeitungszeit:\*\* etwa (\d+) Minuten")
#: Words the issue names as jargon for the course's trainees (checked in prose and labels).
JARGON = re.compile(r"\b(seed|seeds|betweenness|constraint|louvain|artikulationspunkt\w*|"
                    r"quantil\w*|standardfehler\w*|roc|differenz-in-differenzen|dijkstra)\b",
                    re.IGNORECASE)


@dataclass(frozen=True)
class Task:
    """One autograded task of a master: its answer cell and its test cell."""

    notebook: Path
    grade_id: str
    points: float
    answer: str  # the source of the solution cell
    value_answer: bool


def _is_literal_assignment(statement: ast.stmt) -> str | None:
    """The name of ``name = <literal>``, else ``None``."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)):
        return None
    try:
        ast.literal_eval(statement.value)
    except ValueError:
        return None
    return statement.targets[0].id


def _literal_names(source: str) -> list[str | None]:
    return [_is_literal_assignment(statement) for statement in ast.parse(source).body]


def is_value_answer(source: str) -> bool:
    """Whether a solution cell is a value answer.

    Lines before ``### BEGIN SOLUTION`` are placeholders ``name = <literal>`` (and comments),
    the solution region assigns literals to exactly those names, nothing follows the region.

    Examples
    --------
    >>> is_value_answer('stufe = None\\n### BEGIN SOLUTION\\nstufe = 4\\n### END SOLUTION')
    True
    >>> is_value_answer('x = None\\n### BEGIN SOLUTION\\nx = f(3)\\n### END SOLUTION')
    False
    >>> is_value_answer('### BEGIN SOLUTION\\nx = 4\\n### END SOLUTION')
    False
    """
    if source.count(BEGIN) != 1 or source.count(END) != 1:
        return False
    placeholder, rest = source.split(BEGIN)
    region, after = rest.split(END)
    try:
        placeholders, answers = _literal_names(placeholder), _literal_names(region)
        trailing = ast.parse(after).body
    except SyntaxError:
        return False
    return (bool(answers) and None not in placeholders and None not in answers and not trailing
            and len(set(answers)) == len(answers) and set(placeholders) == set(answers))


def _grade_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade_id")}


def _is_autograded_test(cell: nbformat.NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def _is_manual(cell: nbformat.NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade") and meta.get("solution"))


def tasks(master: Path) -> list[Task]:
    """The autograded tasks of a master: each test cell ``X-test`` with its answer cell ``X``."""
    cells = _grade_cells(nbformat.read(master, as_version=4))
    found = []
    for grade_id, cell in cells.items():
        if not _is_autograded_test(cell):
            continue
        assert grade_id.endswith("-test"), f"{master.name}: test cell {grade_id!r} without '-test'"
        answer = cells.get(grade_id.removesuffix("-test"))
        assert answer is not None and answer.metadata["nbgrader"].get("solution"), \
            f"{master.name}: no answer cell for {grade_id!r}"
        found.append(Task(master, grade_id.removesuffix("-test"),
                          float(cell.metadata["nbgrader"]["points"]), answer.source,
                          is_value_answer(answer.source)))
    return found


def manual_points(master: Path) -> float:
    """Points of the manually graded answers (reflections) of a master."""
    notebook = nbformat.read(master, as_version=4)
    return sum(float(cell.metadata["nbgrader"]["points"]) for cell in notebook.cells
               if _is_manual(cell))


@dataclass(frozen=True)
class ModuleFigures:
    """One row of the issue's table, recomputed from the masters and kurs.toml."""

    module: Module
    auto: float
    value: float
    manual: float

    @property
    def non_programmer(self) -> float:
        """Points of perfect judgement, no code, reflections at 75 %."""
        return self.value + REFLECTION_SHARE * self.manual


def figures(module: Module) -> ModuleFigures:
    masters = [COURSE.source_dir / module.id / name for name in module.notebooks]
    found = [task for master in masters for task in tasks(master)]
    return ModuleFigures(module, sum(t.points for t in found),
                         sum(t.points for t in found if t.value_answer),
                         sum(manual_points(master) for master in masters))


def table() -> str:
    """The table of the issue as Markdown (printed by ``pytest -s`` for the closing note)."""
    rows = ["| Modul | Wertantworten / automatisch | Nicht-Programmierer:in erreicht | "
            "Bestehensgrenze | nur automatisch bestanden? |", "|---|---|---|---|---|"]
    for module in COURSE.modules:
        row = figures(module)
        rows.append(f"| {module.id} | {row.value:g} / {row.auto:g} | {row.non_programmer:g} | "
                    f"{module.pass_points:g} | {'ja' if module.passed(row.auto, 0) else 'nein'} |")
    return "\n".join(rows)


@pytest.mark.parametrize("module_id", MODULES)
def test_module_grades_judgement_and_needs_reflections(module_id):
    module = MODULES[module_id]
    row = figures(module)
    print(table())
    assert row.auto == module.max_auto_points and row.manual == module.max_manual_points
    assert row.value >= VALUE_SHARE * row.auto, \
        f"{module_id}: only {row.value:g} of {row.auto:g} autograded points are value answers"
    assert row.non_programmer >= module.pass_points + MARGIN
    assert module.passed(row.value, REFLECTION_SHARE * row.manual)
    assert not module.passed(row.auto, 0), "autograded points alone must not pass"
    assert not module.passed(row.auto, module.min_manual_points - 1)


MASTERS = [COURSE.source_dir / module.id / name
           for module in COURSE.modules for name in module.notebooks]
IDS = [f"{path.parent.name}/{path.name}" for path in MASTERS]


@pytest.mark.parametrize("master", MASTERS, ids=IDS)
def test_every_answer_cell_has_placeholders_for_what_it_asks(master):
    """A value answer's cell in the student copy keeps a placeholder for every answer name."""
    for task in tasks(master):
        if task.value_answer:
            student = _grade_cells(nbformat.read(_student_copy(master), as_version=4))
            assert BEGIN not in student[task.grade_id].source
            names = {n for n in _literal_names(task.answer.split(BEGIN)[0])}
            assert names <= {n for n in _literal_names(student[task.grade_id].source)}


def test_value_answer_rule_counts_code_as_code():
    master = MASTERS[0]
    assert tasks(master), "the first master has autograded tasks"
    assert not is_value_answer("x = None\n### BEGIN SOLUTION\nx = sorted([2, 1])\n"
                               "### END SOLUTION")
    assert not is_value_answer("def f():\n    ### BEGIN SOLUTION\n    return 1\n"
                               "    ### END SOLUTION")
    assert not is_value_answer("x = None\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nprint(x)")
    assert not is_value_answer("x = None\n### BEGIN SOLUTION\ny = 1\n### END SOLUTION")


def _stated_minutes(master: Path) -> int:
    """The working time the first Markdown cell of a master states, in minutes."""
    notebook = nbformat.read(master, as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    stated = WORKING_TIME.findall(first.source)
    assert len(stated) == 1, f"{master.name}: '**Bearbeitungszeit:** etwa N Minuten' fehlt"
    return int(stated[0])


@pytest.mark.parametrize("module_id", MODULES)
def test_stated_working_times_add_up_to_the_configured_hours(module_id):
    module = MODULES[module_id]
    minutes = [_stated_minutes(COURSE.source_dir / module_id / name) for name in module.notebooks]
    assert sum(minutes) == module.hours * 60, (module_id, minutes, module.hours)


def _strings(source: str) -> list[str]:
    """String constants of a code cell (labels, printed text); magics are left out."""
    code = "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))
    return [node.value for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("master", MASTERS, ids=IDS)
def test_prose_and_labels_have_no_jargon(master):
    for cell in nbformat.read(master, as_version=4).cells:
        texts = [cell.source] if cell.cell_type == "markdown" else _strings(cell.source)
        for text in texts:
            found = JARGON.findall(text)
            assert not found, f"{master.name}, Zelle {cell.id}: {found}"


def _student_copy(master: Path) -> Path:
    return COURSE.release_dir / master.parent.name / master.name


def _blanked(master: nbformat.NotebookNode, student: dict[str, nbformat.NotebookNode],
             grade_id: str) -> nbformat.NotebookNode:
    """The master with one answer cell as the trainee receives it."""
    copy = nbformat.from_dict(master)
    for cell in copy.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = student[grade_id].source
    return copy


@dataclass(frozen=True)
class Outcome:
    """What running one cell gave."""

    error: str | None
    score: float | None  # the number a partial-credit test cell ends with


def _outcome(cell: nbformat.NotebookNode) -> Outcome:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return Outcome(f"{output.ename}: {output.evalue}", None)
    for output in cell.get("outputs", []):
        if output.output_type == "execute_result":
            try:
                return Outcome(None, float(output.data.get("text/plain", "")))
            except ValueError:
                pass
    return Outcome(None, None)


def _run_all(client: NotebookClient, notebook: nbformat.NotebookNode) -> list[Outcome]:
    client.nb = notebook
    reset = nbformat.v4.new_code_cell("%reset -f\nimport matplotlib.pyplot\n"
                                      "matplotlib.pyplot.close('all')")
    client.execute_cell(reset, 0)
    outcomes = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            client.execute_cell(cell, index)
        outcomes.append(_outcome(cell))
    return outcomes


@pytest.mark.parametrize("master", MASTERS, ids=IDS)
def test_a_blank_task_costs_only_its_own_points(master, tmp_path):
    original = nbformat.read(master, as_version=4)
    student = _grade_cells(nbformat.read(_student_copy(master), as_version=4))
    ids = [task.grade_id for task in tasks(master)]
    # Unix sockets instead of TCP ports: kernels started at the same moment by other test
    # processes cannot pick the same port.
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "kernel"))
    client = NotebookClient(original, km=kernel, timeout=600, allow_errors=True,
                            resources={"metadata": {"path": str(master.parent)}})
    failures = []
    with client.setup_kernel():
        for blank in ids:
            notebook = _blanked(original, student, blank)
            for cell, outcome in zip(notebook.cells, _run_all(client, notebook)):
                if cell.cell_type != "code":
                    continue
                meta = cell.metadata.get("nbgrader", {})
                grade_id = meta.get("grade_id")
                if grade_id == f"{blank}-test":
                    if outcome.error is None and outcome.score != 0:
                        failures.append(f"{blank} leer: sein Test gibt trotzdem Punkte")
                elif outcome.error is not None:
                    failures.append(f"{blank} leer: Zelle {grade_id or cell.id} scheitert "
                                    f"({outcome.error[:120]})")
                elif _is_autograded_test(cell) and outcome.score is not None \
                        and not math.isclose(outcome.score, float(meta["points"])):
                    failures.append(f"{blank} leer: {grade_id} gibt nur {outcome.score:g} "
                                    f"von {meta['points']} Punkten")
    assert not failures, "\n".join(failures)


def _guide(module: Module) -> Path:
    """The trainer guide of a unit: module 1 in the main guide, the others in course/leitfaden/."""
    if module.is_project:
        return COURSE.path.parent / "leitfaden" / f"{module.id}.md"
    if module.id == "module1":
        return COURSE.path.parent / "Leitfaden_Trainerinnen.md"
    return COURSE.path.parent / "leitfaden" / f"modul{module.id.removeprefix('module')}.md"


GUIDES = {module.id: _guide(module) for module in COURSE.modules}
#: A notebook's row: "| 1.2 `stem` | … | ca. 75 Min. | 11 P. | 3 P. |" (the project's "P.1").
GUIDE_ROW = re.compile(r"^\| ([\dP])\.(\d) `(\w+)` \|.*\| ca\. (\d+) Min\. \| (\d+) P\. \| "
                       r"([\d +]+) P\. \|$", re.MULTILINE)
GUIDE_SUM = re.compile(r"Summe: (\d+) automatisch bewertete Punkte und (\d+) [^;]*; bestanden ab "
                       r"(\d+) Punkten")


@pytest.mark.parametrize("module_id", MODULES)
def test_trainer_guide_states_the_notebooks_minutes_and_points(module_id):
    module, guide = MODULES[module_id], GUIDES[module_id]
    text = guide.read_text(encoding="utf-8")
    rows = {stem: (int(minutes), int(auto), sum(int(p) for p in manual.split("+")))
            for _, _, stem, minutes, auto, manual in GUIDE_ROW.findall(text)}
    for name in module.notebooks:
        master = COURSE.source_dir / module_id / name
        expected = (_stated_minutes(master), sum(t.points for t in tasks(master)),
                    manual_points(master))
        assert rows.get(Path(name).stem) == expected, (guide.name, name, rows.get(Path(name).stem))
    total = GUIDE_SUM.search(" ".join(text.split()))
    assert total, f"{guide.name}: Zeile 'Summe: … bestanden ab … Punkten' fehlt"
    assert tuple(map(float, total.groups())) == (module.max_auto_points,
                                                  module.max_manual_points, module.pass_points)


@pytest.mark.parametrize("module_id", MODULES)
def test_trainer_guide_has_no_jargon(module_id):
    found = JARGON.findall(GUIDES[module_id].read_text(encoding="utf-8"))
    assert not found, f"{GUIDES[module_id].name}: {found}"


def test_course_home_links_the_glossary_that_explains_the_kept_terms():
    home = COURSE.path.parent / "index.ipynb"
    text = "\n".join(cell.source for cell in nbformat.read(home, as_version=4).cells)
    assert "](Glossar.md)" in text
    glossary = (COURSE.path.parent / "Glossar.md").read_text(encoding="utf-8")
    terms = re.findall(r"^- \*\*(.+?)\*\* \(Modul [\d, ]+\): \S", glossary, re.MULTILINE)
    assert len(terms) >= 50
    for term in ("Startwert", "Eskalationsstufe", "Allparteilichkeit", "Brückenfigur", "BATNA",
                 "95-%-Band", "Krisenampel", "Vergleichsgruppe"):
        assert any(found.startswith(term) for found in terms), term
    assert not JARGON.findall(glossary)
