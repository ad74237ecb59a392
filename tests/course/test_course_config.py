"""``course/kurs.toml`` matches the master notebooks; loader errors name file, key and problem."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from kokosim.courseconfig import CourseConfigError, Module, load_course, notebook_points
from kokosim.coursebuild import master_modules

#: The checkout this test file belongs to and its course configuration.
REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / "course" / "kurs.toml"


def test_config_lists_every_master_module_and_notebook():
    course = load_course(REPO_ROOT)
    assert [module.id for module in course.modules] == master_modules(REPO_ROOT)
    for module in course.modules:
        masters = sorted(path.name for path in (course.source_dir / module.id).glob("*.ipynb"))
        assert sorted(module.notebooks) == masters
        for path in course.student_paths(module.id):
            assert path.is_file(), f"{path} missing: run make students"


def test_config_points_equal_notebook_points_and_meet_course_rules():
    course = load_course(REPO_ROOT)
    for module in course.modules:
        points = [notebook_points(path) for path in course.master_paths(module.id)]
        assert sum(p.auto for p in points) == module.max_auto_points
        assert sum(p.manual for p in points) == module.max_manual_points
        assert module.max_manual_points > 0, module.id
        if module.is_project:  # graded by hand only
            assert module.max_auto_points == 0 and 3 <= len(module.notebooks) <= 6, module.id
        else:
            assert module.max_auto_points >= 10 and 4 <= len(module.notebooks) <= 6, module.id
        assert 0 < module.pass_points <= module.max_points


def test_judgement_and_reflections_pass_autograded_points_alone_never():
    """Issue 13: full autograded points with reflections at 0 never pass; perfect judgement
    with reflections at 75 % passes every module with margin."""
    course = load_course(REPO_ROOT)
    for module in course.modules:
        assert 0 < module.min_manual_points <= 0.75 * module.max_manual_points, module.id
        assert not module.passed(module.max_auto_points, 0), module.id
        three_quarters = 0.75 * module.max_manual_points
        assert module.passed(module.max_auto_points, three_quarters), module.id
        assert module.max_auto_points + three_quarters >= module.pass_points + 5, module.id
        assert module.min_manual_points == int(module.min_manual_points), module.id  # rubric


def test_certificate_needs_all_required_modules_passed():
    course = load_course(REPO_ROOT)
    assert course.required_modules == 5
    assert course.issuer.strip()
    best = {module.id: (module.max_auto_points, module.max_manual_points)
            for module in course.modules}
    assert course.certificate_earned(best) is course.complete
    if course.modules:
        first = course.modules[0]
        short = first.pass_points - 0.5 - first.max_manual_points
        assert not course.certificate_earned({**best, first.id: (short, first.max_manual_points)})
        no_reflection = (first.max_auto_points, first.min_manual_points - 1)
        assert not course.certificate_earned({**best, first.id: no_reflection})


def test_module_pass_mark_and_manual_minimum_are_inclusive():
    module = Module("module1", "T", ("a.ipynb",), 1.0, 10.0, 2.0, 7.0, 1.0)
    assert module.passed(6.0, 1.0) and not module.passed(5.99, 1.0)
    assert module.passed(9.0, 1.0) and not module.passed(10.0, 0.99)
    assert module.manual_minimum_met(1.0) and not module.manual_minimum_met(0.5)
    assert module.max_points == 12.0


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    shutil.copytree(CONFIG.parent / "source", tmp_path / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    target = tmp_path / "kurs.toml"
    shutil.copy(CONFIG, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_copy_of_config_loads(config_copy):
    assert load_course(config_copy).modules == load_course(REPO_ROOT).modules


@pytest.mark.parametrize(("old", "new", "message"), [
    ("max_auto_points = ", "max_auto_points = 1 + ",
     "not valid TOML"),
    ("max_auto_points = ", "max_auto_points = 1",
     r"\[\[modules\]\] #1 \(module1\), key 'max_auto_points': 1\d+ in the file, but the master "
     r"notebooks have \d+ \(01_"),
    ("max_manual_points = ", "max_manual_points = 9",
     r"key 'max_manual_points': 9\d+ in the file"),
    ('"01_konflikte_in_der_demokratie.ipynb"', '"01_fehlt.ipynb"',
     r"key 'notebooks': .*01_fehlt.ipynb does not exist"),
    ("hours = ", "hour = ", r"\[\[modules\]\] #1: unknown key\(s\) hour"),
    ("hours = ", "hours = -1  # ", r"key 'hours': -1 must be a number > 0"),
    ("pass_points = ", "pass_points = 999", r"key 'pass_points': 999\d* exceeds the maximum"),
    ('rule = "all_modules_passed"', 'rule = "some"', r"\[certificate\], key 'rule': 'some' is not supported"),
    ('id = "module1"', 'id = "modul eins"', r"key 'id': 'modul eins' must look like 'module1'"),
    ("required_modules = 5", "required_modules = 0", r"key 'required_modules': 0 must be a whole number"),
    ("min_manual_points = ", "min_manual_points = 999  # ",
     r"#1 \(module1\), key 'min_manual_points': 999 exceeds max_manual_points \(\d+\)"),
    ("min_manual_points = ", "min_manual_points = -1  # ",
     r"key 'min_manual_points': -1 must be a number >= 0"),
    ("min_manual_points = ", 'min_manual_points = "6"  # ',
     r"key 'min_manual_points': '6' must be a number >= 0"),
    ("min_manual_points = ", "# ", r"\[\[modules\]\] #1: missing key\(s\) min_manual_points"),
    ('id = "module1"', 'kind = "kurs"\nid = "module1"',
     r"#1, key 'kind': 'kurs' must be one of modul, projekt"),
    ('id = "module1"', 'kind = "projekt"\nid = "module1"',
     r"#1, key 'id': the project's id must be 'praxisprojekt'"),
])
def test_loader_errors_name_file_key_and_problem(config_copy, old, new, message):
    _edit(config_copy, old, new)
    with pytest.raises(CourseConfigError, match=message) as error:
        load_course(config_copy)
    assert str(config_copy) in str(error.value)


def test_unlisted_master_notebook_is_an_error(config_copy):
    source = config_copy.parent / "source" / "module1"
    shutil.copy(next(source.glob("*.ipynb")), source / "05_extra.ipynb")
    with pytest.raises(CourseConfigError, match=r"05_extra.ipynb .* are not listed"):
        load_course(config_copy)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(CourseConfigError, match=r"kurs.toml: course configuration not found"):
        load_course(tmp_path / "kurs.toml")


def test_course_home_links_exactly_the_existing_module_notebooks():
    home = CONFIG.parent / "index.ipynb"
    text = "\n".join(cell.source for cell in nbformat.read(home, as_version=4).cells
                     if cell.cell_type == "markdown")
    links = set(re.findall(r"\]\(([^)]+\.ipynb)\)", text))
    for link in links:
        assert (home.parent / link).resolve().is_file(), f"index.ipynb links missing {link}"
    course = load_course(REPO_ROOT)
    expected = {f"../{module.id}/{name}" for module in course.modules for name in module.notebooks}
    assert links == expected
