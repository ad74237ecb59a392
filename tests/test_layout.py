"""The package's shape: no import cycle, no path into the checkout, one door to the model, and a
normal (non-editable) install that works from any folder without test fixtures."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "kokosim"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_modules(path: Path, modules: set[str], package_dir: Path = PACKAGE) -> set[str]:
    """Package modules that ``path`` imports anywhere (functions included, TYPE_CHECKING not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path, package_dir)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if _type_checking_block(node):
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules else base)
    return {name for name in found if name in modules and name != here}


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    files = sorted(package.rglob("*.py"))
    modules = {module_name(path, package) for path in files}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for path in files:
        graph.add_edges_from((module_name(path, package), target)
                             for target in imported_modules(path, modules, package))
    return graph


def test_import_graph_has_no_cycle():
    graph = import_graph()
    assert graph.number_of_edges() > 50  # the parser found the imports
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], f"import cycles: {cycles[:5]}"


def test_the_graph_sees_function_level_and_relative_imports_but_not_type_checking(tmp_path):
    package = tmp_path / "kokosim"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from kokosim.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from ..a import x\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\n"
                                  "if TYPE_CHECKING:\n    from kokosim.a import x\n"
                                  "import kokosim.sub.b\n")
    graph = import_graph(package)
    assert set(graph.edges) == {("kokosim.a", "kokosim.sub.b"), ("kokosim.sub.b", "kokosim.a"),
                                ("kokosim.c", "kokosim.sub.b")}
    assert list(nx.simple_cycles(graph))


def test_the_package_computes_no_path_into_the_checkout():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"parents\[[2-9]\]", r"\bsrc/kokosim\b", r"Path\(__file__\)"):
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group()}")
    assert offenders == []


def _code_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    return path.read_text(encoding="utf-8")


DOCUMENTS = sorted([*ROOT.glob("course/source/*/*.ipynb"), *ROOT.glob("simulations/*.ipynb"),
                    ROOT / "simulations" / "app.py", ROOT / "README.md",
                    *ROOT.glob("course/*.md"), *ROOT.glob("course/leitfaden/*.md"),
                    ROOT / "simulations" / "ODD_Stadtteilmodell.md"])


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_notebooks_and_docs_import_the_model_from_one_place(path):
    imports = re.findall(r"(?:from|import)\s+(kokosim(?:\.\w+)*)", _code_of(path))
    wrong = [name for name in imports
             if name.startswith("kokosim.neighbourhood.") and not name.endswith(".app")
             or name in ("kokosim.comparison", "kokosim.scenarios", "kokosim.cli")]
    assert wrong == []


def test_no_second_name_for_compare():
    import kokosim

    with pytest.raises(AttributeError):
        kokosim.compare  # noqa: B018 - the model's door is kokosim.neighbourhood


# --------------------------------------------------------------------------------------------
# A normal install, outside the checkout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(out), str(ROOT)], check=True, capture_output=True,
                   cwd=out)
    (found,) = out.glob("kokosim-*.whl")
    return found


def test_the_wheel_holds_no_test_fixture_and_no_checkout_file(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.endswith("kokosim/neighbourhood/model.py") for name in names)
    assert not [name for name in names if re.search(r"(^|/)(tests?|samples)(/|\.py$)", name)]
    assert not [name for name in names if name.endswith(".ipynb")]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    # The wheel's copy comes first on the path, before the editable checkout of the venv.
    env = {**os.environ, "PYTHONPATH": str(target)}
    return target, env


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    target, env = installed
    where = subprocess.run([sys.executable, "-c", "import kokosim; print(kokosim.__file__)"],
                           env=env, cwd=tmp_path, check=True, capture_output=True, text=True)
    assert Path(where.stdout.strip()).is_relative_to(target)


def test_kokosim_runs_from_the_wheel_in_any_folder(installed, tmp_path):
    target, env = installed
    result = subprocess.run([str(target / "bin" / "kokosim"), "run", "ruhiges_quartier",
                             "--seed", "1", "--steps", "3", "--out", "lauf.csv"],
                            env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "lauf.csv").read_text(encoding="utf-8").count("\n") >= 4


def test_kokosim_cert_works_from_the_wheel_with_an_explicit_course(installed, tmp_path):
    target, env = installed
    workdir = tmp_path / "kohorte"
    students = tmp_path / "teilnehmende.csv"
    students.write_text("id,first_name,last_name,email\nt01,Ada,Muster,ada@example.org\n",
                        encoding="utf-8")
    result = subprocess.run([str(target / "bin" / "kokosim-cert"), "init", str(workdir),
                             "--students", str(students), "--kurs", str(ROOT)],
                            env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    status = subprocess.run([str(target / "bin" / "kokosim-cert"), "status", str(workdir)],
                            env=env, cwd=tmp_path, capture_output=True, text=True)
    assert status.returncode == 0, status.stderr
    assert "module1" in status.stdout
