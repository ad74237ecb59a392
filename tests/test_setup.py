"""The project's set-up files agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name_and_spec(requirement: str) -> tuple[str, str]:
    # Extras ("psycopg[binary]") are pip's business; conda's package carries the same code.
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(.*)", requirement)
    assert match, requirement
    return match.group(1).lower(), match.group(2).replace(" ", "")


def test_environment_yml_mirrors_pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(_name_and_spec(r) for r in project["dependencies"])
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    lines = text.split("dependencies:", 1)[1].splitlines()
    listed = dict(_name_and_spec(line.strip()[2:]) for line in lines
                  if line.startswith("  - ") and not line.strip()[2:].startswith(("python", "pip")))
    assert listed == wanted
    assert "  - python=3.11" in lines


def test_python_and_mesa_ranges_are_deliberate():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
    specs = dict(_name_and_spec(r) for r in project["dependencies"])
    assert specs["mesa"] == ">=3.3,<4"
    assert specs["pandas"].endswith("<3") and specs["ipyvuetify"] == "<2" and specs["ipyvue"] == "<2"


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["make test"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make lab" in readme and "make test" in readme


def test_top_level_layout_is_as_fixed():
    for name in ["course", "simulations", "src/kokosim", "tests", "environment.yml", "README.md",
                 "pyproject.toml", "Makefile", ".ci/run", "praxisprojekt",
                 *(f"module{i}" for i in range(1, 6))]:
        assert (ROOT / name).exists(), name


def test_readme_binder_table_lists_every_course_notebook():
    """The README's Binder table names every notebook of course/kurs.toml (modules and project)."""
    from kokosim.courseconfig import load_course

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `((?:module\d|praxisprojekt)/[^`]+\.ipynb)` \|", readme, re.MULTILINE))
    course = load_course(ROOT, check_notebooks=False)
    expected = {f"{module.id}/{name}" for module in course.modules for name in module.notebooks}
    assert listed == expected
