"""Masters and student copies: no outputs, hidden tests hidden, blank copies fail every test.

The masters themselves run under nbval (``course`` is a pytest testpath with ``--nbval-lax``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbgrader.validator import Validator

from kokosim.coursebuild import master_notebooks, notebook_outputs
from kokosim.courseconfig import load_course

#: The checkout this test file belongs to (the course root of the repository).
REPO_ROOT = Path(__file__).resolve().parents[2]
MASTERS = master_notebooks(REPO_ROOT)
IDS = [f"{path.parent.name}/{path.name}" for path in MASTERS]
#: The transfer project is graded by hand only: its masters have no autograded tests.
PROJECT = load_course(REPO_ROOT, check_notebooks=False).project
AUTOGRADED = [path for path in MASTERS if PROJECT is None or path.parent.name != PROJECT.id]
AUTOGRADED_IDS = [f"{path.parent.name}/{path.name}" for path in AUTOGRADED]


def _student_copy(master: Path) -> Path:
    return REPO_ROOT / master.parent.name / master.name


def _nbgrader_cells(path: Path) -> dict[str, nbformat.NotebookNode]:
    notebook = nbformat.read(path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells
            if "nbgrader" in cell.metadata}


def _autograded_tests(path: Path) -> dict[str, nbformat.NotebookNode]:
    return {grade_id: cell for grade_id, cell in _nbgrader_cells(path).items()
            if cell.metadata["nbgrader"].get("grade") and not cell.metadata["nbgrader"].get("solution")}


@pytest.mark.parametrize("master", MASTERS, ids=IDS)
def test_master_has_no_outputs(master):
    assert notebook_outputs(master) == []


@pytest.mark.parametrize("master", AUTOGRADED, ids=AUTOGRADED_IDS)
def test_every_test_cell_has_hidden_tests_that_the_student_copy_lacks(master):
    tests = _autograded_tests(master)
    assert tests, f"{master.name} has no autograded test cell"
    copies = _nbgrader_cells(_student_copy(master))
    for grade_id, cell in tests.items():
        source = cell.source
        assert "### BEGIN HIDDEN TESTS" in source and "### END HIDDEN TESTS" in source, grade_id
        visible, rest = source.split("### BEGIN HIDDEN TESTS")
        hidden = rest.split("### END HIDDEN TESTS")[0]
        hidden_lines = [line for line in hidden.splitlines() if line.strip()]
        assert hidden_lines, f"{grade_id}: empty hidden test region"
        assert visible.strip(), f"{grade_id}: no visible test for the trainee's feedback"
        student = copies[grade_id].source
        assert "HIDDEN TESTS" not in student
        assert student.strip() == visible.strip(), grade_id
        assert not any(line in student for line in hidden_lines if line not in visible), grade_id


@pytest.mark.parametrize("master", MASTERS, ids=IDS)
def test_student_copy_has_no_solutions_or_rubrics(master):
    master_cells = _nbgrader_cells(master)
    text = _student_copy(master).read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "Bewertungsraster", "HIDDEN TESTS"):
        assert marker not in text, marker
    answers = [cell for cell in master_cells.values() if cell.metadata["nbgrader"].get("solution")]
    assert answers
    copies = _nbgrader_cells(_student_copy(master))
    for cell in answers:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        stub = "IHRE LÖSUNG HIER" if cell.cell_type == "code" else "IHRE ANTWORT HIER"
        assert stub in copies[grade_id].source, grade_id


@pytest.mark.parametrize("master", MASTERS, ids=IDS)
def test_master_opens_with_goals_and_ends_with_summary_and_graded_reflection(master):
    """Course convention: first Markdown cell has '## Lernziele'; a cell with '## Zusammenfassung';
    the last cell is a manually graded Markdown answer after a cell headed '## Reflexion'."""
    notebook = nbformat.read(master, as_version=4)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert "## Lernziele" in markdown[0], "the first Markdown cell must state '## Lernziele'"
    assert any("## Zusammenfassung" in source for source in markdown), \
        "a Markdown cell must contain the heading '## Zusammenfassung'"
    last = notebook.cells[-1]
    meta = last.metadata.get("nbgrader", {})
    assert last.cell_type == "markdown" and meta.get("grade") and meta.get("solution") \
        and meta.get("points", 0) > 0, "the last cell must be a manually graded reflection answer"
    assert "## Reflexion" in notebook.cells[-2].source, \
        "the cell before the reflection answer must contain '## Reflexion'"


@pytest.mark.parametrize("master", MASTERS, ids=IDS)
def test_student_copy_keeps_the_masters_cell_ids(master):
    ids = [cell.id for cell in nbformat.read(master, as_version=4).cells]
    assert len(set(ids)) == len(ids)
    assert [cell.id for cell in nbformat.read(_student_copy(master), as_version=4).cells] == ids


# ignore_checksums: a blank copy's answer cells are unchanged on purpose; without it the Validator
# reports them as "changed" and skips the inverted check.
@pytest.mark.parametrize("master", MASTERS, ids=IDS)
def test_blank_student_copy_fails_every_autograded_test(master):
    copy = _student_copy(master)
    validator = Validator(invert=True, ignore_checksums=True)
    results = validator.validate(str(copy))
    assert "passed" not in results, [cell["source"] for cell in results["passed"]]
    assert results == {}, results
    assert len(_autograded_tests(copy)) == len(_autograded_tests(master))


def test_validator_control_master_passes_every_test():
    """Control for the test above: on a master (with solutions) every test cell passes."""
    master = MASTERS[0]
    results = Validator(invert=True, ignore_checksums=True).validate(str(master))
    assert len(results["passed"]) == len(_autograded_tests(master))
