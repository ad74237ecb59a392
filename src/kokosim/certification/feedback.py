"""Leak-free HTML feedback per trainee (``feedback``).

nbgrader's ``generate_feedback`` runs with :data:`FEEDBACK_PREPROCESSORS` (set in the work
directory's ``nbgrader_config.py`` by :mod:`kokosim.certification.workdir`).

nbgrader's default feedback shows the hidden tests, and even with ``ClearHiddenTests`` the
tracebacks still quote hidden lines (measured). :class:`HideHiddenTests` removes the hidden
regions and rewrites outputs: in a test cell with hidden tests only the error *name* and a German
note remain; in other test cells a traceback becomes ``Fehlername: Meldung``; any other output
that quotes a hidden line is reduced the same way. After nbgrader has written the HTML,
:func:`generate_feedback` checks every file against the hidden lines of the master notebooks and
deletes (and reports) a file that still contains one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

from kokosim.certification.workdir import Workdir

__all__ = ["HideHiddenTests", "FEEDBACK_PREPROCESSORS", "FeedbackLine", "hidden_lines",
           "find_leaks", "generate_feedback"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_HIDDEN_NOTE = "Ein verborgener Test dieser Zelle ist nicht bestanden ({ename})."
_MIN_LINE = 6  # shorter hidden lines ("pass", ")") are too common to count as a leak


def hidden_lines(sources: Iterable[str], begin: str = "BEGIN HIDDEN TESTS",
                 end: str = "END HIDDEN TESTS") -> set[str]:
    """Return the stripped lines inside hidden-test regions of the given cell sources.

    Examples
    --------
    >>> sorted(hidden_lines(["a = 1\\n### BEGIN HIDDEN TESTS\\nassert a == 1\\n"
    ...                      "### END HIDDEN TESTS"]))
    ['assert a == 1']
    """
    found: set[str] = set()
    for source in sources:
        inside = False
        for line in source.splitlines():
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and len(line.strip()) >= _MIN_LINE:
                found.add(line.strip())
    return found


def _output_text(output: NotebookNode) -> str:
    parts = [output.get("text", ""), output.get("ename", ""), output.get("evalue", ""),
             *output.get("traceback", [])]
    for value in output.get("data", {}).values():
        parts.append(value if isinstance(value, str) else "".join(map(str, value)))
    return _ANSI.sub("", "\n".join(map(str, parts)))


def _error(ename: str, text: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue="", traceback=[text])


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden tests from sources and every output that could reveal them."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Collect the notebook's hidden lines, then clean every cell."""
        self._hidden = hidden_lines((c.source for c in nb.cells if utils.is_grade(c)),
                                    self.begin_test_delimeter, self.end_test_delimeter)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict,
                        cell_index: int) -> tuple[NotebookNode, dict]:
        """Strip the hidden region and rewrite the outputs of one cell."""
        grade = utils.is_grade(cell)
        had_hidden = grade and self.begin_test_delimeter in cell.source
        if grade:  # only test cells hold hidden tests; trainees' cells are left as written
            cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type != "code":
            return cell, resources
        outputs = []
        for output in cell.get("outputs", []):
            if had_hidden:
                if output.output_type == "error":
                    outputs.append(_error(output.ename, _HIDDEN_NOTE.format(ename=output.ename)))
                continue  # prints and results of hidden tests are dropped
            leaks = any(line in _output_text(output) for line in self._hidden)
            if output.output_type == "error" and (grade or leaks):
                evalue = "" if leaks else output.evalue
                outputs.append(_error(output.ename, f"{output.ename}: {evalue}".rstrip(": ")))
            elif not leaks:
                outputs.append(output)
        cell.outputs = outputs
        return cell, resources


#: nbgrader's ``GenerateFeedback.preprocessors`` for kokosim (set in the work directory).
FEEDBACK_PREPROCESSORS = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]


def find_leaks(text: str, lines: Iterable[str]) -> list[str]:
    """Return the hidden ``lines`` that occur in ``text`` (raw or HTML-escaped).

    Examples
    --------
    >>> find_leaks("<pre>assert x &gt; 1</pre>", {"assert x > 1", "assert y == 2"})
    ['assert x > 1']
    """
    plain = html.unescape(_ANSI.sub("", text))
    return sorted(line for line in lines if line in plain or html.escape(line) in text)


@dataclass(frozen=True)
class FeedbackLine:
    """Outcome of one trainee's feedback.

    Examples
    --------
    >>> str(FeedbackLine("tn1", True, "erstellt"))
    'tn1: erstellt'
    """

    student: str
    created: bool
    message: str  # German

    def __str__(self) -> str:
        return f"{self.student}: {self.message}"


def generate_feedback(workdir: Workdir, module: str,
                      students: Iterable[str] | None = None) -> list[FeedbackLine]:
    """Write HTML feedback for the autograded trainees of ``module``.

    Returns
    -------
    list of FeedbackLine
        One per trainee; a file that would leak a hidden test is deleted and not ``created``.
    """
    api = workdir.api()
    wanted = sorted(students) if students is not None else sorted(
        api.get_autograded_students(module))
    masters = sorted((workdir.source_dir / module).glob("*.ipynb"))
    secret = hidden_lines(c.source for path in masters
                          for c in nbformat.read(path, as_version=4).cells)
    results: list[FeedbackLine] = []
    for student in wanted:
        result = api.generate_feedback(module, student, force=True)
        if not result["success"]:
            lines = (result.get("error") or "nbgrader meldet einen Fehler").strip().splitlines()
            results.append(FeedbackLine(student, False, f"Fehler: {lines[-1]}"))
            continue
        leaked: list[str] = []
        for page in Path(workdir.path("feedback", student, module)).glob("*.html"):
            found = find_leaks(page.read_text(encoding="utf-8"), secret)
            if found:
                page.unlink()
                leaked += found
        results.append(FeedbackLine(student, False, "zurückgehalten: verborgene Tests im HTML "
                                    f"({len(leaked)} Zeilen)") if leaked
                       else FeedbackLine(student, True, "erstellt"))
    return results
