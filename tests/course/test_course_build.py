"""Student copies are generated from the masters without drift; ``--check`` catches drift."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_output

from kokosim import coursebuild
from kokosim.coursebuild import SOURCE_DIR
from kokosim.courseconfig import CourseConfigError, load_course

#: The checkout this test file belongs to (the course root of the repository).
REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES = coursebuild.master_modules(REPO_ROOT)


def test_every_master_module_is_generated_and_committed():
    assert MODULES, "no module has master notebooks"
    for module in MODULES:
        masters = sorted(path.name for path in (REPO_ROOT / SOURCE_DIR / module).glob("*.ipynb"))
        copies = sorted(path.name for path in (REPO_ROOT / module).glob("*.ipynb"))
        assert copies == masters, f"{module}/ does not hold one copy per master"


def test_repository_has_no_drift_and_check_exits_zero(capsys, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)  # the default course root is the current folder (make students)
    assert coursebuild.main(["--check"]) == 0, capsys.readouterr().err


def test_course_root_defaults_to_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=re.escape(f"{tmp_path / SOURCE_DIR}: folder")):
        coursebuild.master_modules()
    missing = re.escape(f"{tmp_path / 'course' / 'kurs.toml'}: course configuration not found")
    with pytest.raises(CourseConfigError, match=missing):
        load_course()
    with pytest.raises(SystemExit) as stop:
        coursebuild.main(["--check"])
    assert stop.value.code == 2
    assert f"--root {tmp_path}: kein Kursordner" in capsys.readouterr().err
    assert coursebuild.master_modules(REPO_ROOT) == MODULES
    assert load_course(REPO_ROOT).path == REPO_ROOT / "course" / "kurs.toml"
    monkeypatch.chdir(REPO_ROOT / "course")  # notebooks in course/ run there
    assert load_course().path == REPO_ROOT / "course" / "kurs.toml"


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A throw-away course root: course/ and the generated module folders."""
    shutil.copytree(REPO_ROOT / "course", tmp_path / "course",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for module in MODULES:
        shutil.copytree(REPO_ROOT / module, tmp_path / module)
    return tmp_path


def _add_output(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    cell = next(cell for cell in notebook.cells if cell.cell_type == "code")
    cell.outputs = [new_output("stream", name="stdout", text="Ausgabe\n")]
    cell.execution_count = 3
    nbformat.write(notebook, path)


def test_check_names_drift_stray_copies_and_master_outputs_then_build_repairs(course_copy, capsys):
    module = MODULES[0]
    copies = sorted((course_copy / module).glob("*.ipynb"))
    edited, deleted = copies[0], copies[1]
    edited.write_text(edited.read_text(encoding="utf-8").replace("IHRE LÖSUNG HIER", "gelöst"),
                      encoding="utf-8")
    deleted.unlink()
    stray = course_copy / module / "von_hand.ipynb"
    shutil.copy(copies[2], stray)
    master = sorted((course_copy / SOURCE_DIR / module).glob("*.ipynb"))[0]
    _add_output(master)

    assert coursebuild.main(["--check", "--root", str(course_copy), "--module", module]) == 1
    report = capsys.readouterr().err
    for path in (edited, deleted, stray, master):
        assert str(path.relative_to(course_copy)) in report, report
    assert len(report.strip().splitlines()) == 4, report

    readme = (course_copy / module / "README.md").read_bytes()
    changed = coursebuild.build(course_copy, [module])
    assert sorted(changed) == sorted(path.relative_to(course_copy)
                                     for path in (edited, deleted, stray))
    assert not stray.exists()
    assert (course_copy / module / "README.md").read_bytes() == readme
    for copy in copies:
        assert copy.read_bytes() == (REPO_ROOT / module / copy.name).read_bytes(), copy.name
    # generation strips outputs: the master with outputs still yields the committed copy
    assert not list(course_copy.glob("gradebook.db")) and not list(course_copy.rglob("*.db"))


def test_strip_removes_outputs_and_counts_only_when_present(tmp_path):
    master = tmp_path / "master.ipynb"
    shutil.copy(coursebuild.master_notebooks(REPO_ROOT)[0], master)
    _add_output(master)
    assert coursebuild.notebook_outputs(master)
    assert coursebuild.strip_outputs(master) is True
    assert coursebuild.notebook_outputs(master) == []
    stripped = master.read_bytes()
    assert coursebuild.strip_outputs(master) is False
    assert master.read_bytes() == stripped
    assert stripped == coursebuild.master_notebooks(REPO_ROOT)[0].read_bytes()


def test_generate_rejects_unknown_module(tmp_path):
    with pytest.raises(ValueError, match="module='module99' has no folder"):
        coursebuild.generate(["module99"], tmp_path, REPO_ROOT)


def test_cli_rejects_unknown_module(capsys):
    with pytest.raises(SystemExit) as stop:
        coursebuild.main(["--check", "--root", str(REPO_ROOT), "--module", "module99"])
    assert stop.value.code == 2
    assert "--module module99: kein Ordner" in capsys.readouterr().err


def _home_cell(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    return next(cell for cell in notebook.cells if cell.id == coursebuild.HOME_CELL_ID)


def test_course_home_lists_the_configured_notebooks_and_is_rewritten_when_stale(course_copy):
    home = course_copy / coursebuild.HOME
    notebook = nbformat.read(home, as_version=4)
    for cell in notebook.cells:
        if cell.id == coursebuild.HOME_CELL_ID:
            cell.source = "veraltet"
    nbformat.write(notebook, home)
    assert not coursebuild.home_is_current(course_copy)
    assert coursebuild.update_home(course_copy) is True
    assert coursebuild.home_is_current(course_copy)
    assert coursebuild.update_home(course_copy) is False
    listing = _home_cell(home).source
    course = load_course(course_copy / "course" / "kurs.toml", check_notebooks=False)
    for module in course.modules:
        for name in module.notebooks:
            assert f"](../{module.id}/{name})" in listing
    assert listing.count("](../") == sum(len(m.notebooks) for m in course.modules)


def test_course_home_without_the_generated_cell_is_an_error(course_copy):
    home = course_copy / coursebuild.HOME
    notebook = nbformat.read(home, as_version=4)
    notebook.cells = [cell for cell in notebook.cells if cell.id != coursebuild.HOME_CELL_ID]
    nbformat.write(notebook, home)
    with pytest.raises(ValueError, match="index.ipynb: expected exactly one cell with id "
                                         "'kurs-notebooks'"):
        coursebuild.update_home(course_copy)
