"""The title of a trainee's transfer project (Praxisprojekt), read from the submission.

The project's first notebook has one answer cell with the nbgrader id :data:`TITLE_CELL`, where
the trainee overwrites the placeholder ``projekt_titel = ""`` with the title that their
certificate names. The title is read from the submitted notebook's *source* with :mod:`ast`
(never executed): the last assignment of a text to ``projekt_titel`` counts, as it would when the
cell runs. A missing, empty, too long or multi-line title is a German problem text, and the
certificate waits until the trainee submits the project again with a title.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Types only: the project notebooks import this module, which loads neither nbgrader nor
    # nbformat (nbformat is imported where a submission is read).
    from nbformat import NotebookNode

    from kokosim.certification.workdir import Workdir

__all__ = ["TITLE_CELL", "TITLE_LENGTH", "ProjectTitleError", "check_title", "read_title",
           "project_title", "project_titles"]

#: nbgrader ``grade_id`` of the answer cell that holds the title (also the variable's name).
TITLE_CELL = "projekt_titel"
#: Shortest and longest title in characters (the certificate prints it on one or two lines).
TITLE_LENGTH = (5, 120)


class ProjectTitleError(ValueError):
    """The project title is missing or unusable; the message (German) says where and why."""


def check_title(value: Any, where: str = "Projekttitel") -> str:
    """``value`` as the certificate prints it (spaces collapsed), if it is a usable title.

    The one rule for titles: used for the submission (:func:`read_title`), by the project
    notebook's check cell and by the trainee's submission button (:mod:`kokosim.praxisprojekt`).

    Raises
    ------
    ProjectTitleError
        If ``value`` is no text, empty, on several lines or not :data:`TITLE_LENGTH` long
        (German, starting with ``where``).

    Examples
    --------
    >>> check_title("  Quartier   Am Bahnhof ")
    'Quartier Am Bahnhof'
    >>> check_title("Nord")
    Traceback (most recent call last):
    ...
    kokosim.certification.projecttitle.ProjectTitleError: Projekttitel: der Titel hat 4 Zeichen, erlaubt sind 5 bis 120
    """
    if not isinstance(value, str):
        raise ProjectTitleError(f"{where}: der Titel muss ein Text in Anführungszeichen sein")
    text = " ".join(value.split())
    if not text:
        raise ProjectTitleError(f"{where}: kein Projekttitel eingetragen")
    if "\n" in value.strip():
        raise ProjectTitleError(f"{where}: der Titel muss in einer Zeile stehen")
    shortest, longest = TITLE_LENGTH
    if not shortest <= len(text) <= longest:
        raise ProjectTitleError(f"{where}: der Titel hat {len(text)} Zeichen, erlaubt sind "
                                f"{shortest} bis {longest}")
    return text


def _title_cell(notebook: NotebookNode) -> NotebookNode | None:
    return next((cell for cell in notebook.cells if cell.cell_type == "code"
                 and cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == TITLE_CELL),
                None)


def read_title(notebook: NotebookNode, where: str = "Notebook") -> str | None:
    """The project title in ``notebook``; None if the notebook has no title cell.

    Raises
    ------
    ProjectTitleError
        If the cell exists but holds no usable title (``where`` names the file in the message).

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell('projekt_titel = ""\\nprojekt_titel = "Quartier Am Bahnhof"')
    >>> cell.metadata["nbgrader"] = {"grade_id": TITLE_CELL, "solution": True, "grade": False}
    >>> read_title(nbformat.v4.new_notebook(cells=[cell]))
    'Quartier Am Bahnhof'
    >>> cell.source = 'projekt_titel = ""'
    >>> read_title(nbformat.v4.new_notebook(cells=[cell]), "01.ipynb")
    Traceback (most recent call last):
    ...
    kokosim.certification.projecttitle.ProjectTitleError: 01.ipynb, Zelle „projekt_titel“: kein Projekttitel eingetragen
    >>> read_title(nbformat.v4.new_notebook()) is None
    True
    """
    cell = _title_cell(notebook)
    if cell is None:
        return None
    place = f"{where}, Zelle „{TITLE_CELL}“"
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as error:
        raise ProjectTitleError(f"{place}: Zeile {error.lineno} ist kein gültiger Python-Text "
                                "(Anführungszeichen vergessen?)") from None
    title = None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == TITLE_CELL):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                raise ProjectTitleError(f"{place}, Zeile {node.lineno}: der Titel muss ein Text "
                                        "in Anführungszeichen sein") from None
            if not isinstance(value, str):
                raise ProjectTitleError(f"{place}, Zeile {node.lineno}: der Titel muss ein Text "
                                        "in Anführungszeichen sein")
            title = value
    return check_title(title or "", place)


def project_title(workdir: Workdir, student: str) -> str:
    """The title of ``student``'s submitted project in ``workdir``.

    Reads the notebooks in ``submitted/ID/praxisprojekt/`` (nbgrader's layout, as graded).

    Raises
    ------
    ProjectTitleError
        If the course has no project, nothing was submitted, or the title is missing or
        unusable (German message naming the file and cell).
    """
    import nbformat

    project = workdir.course.project
    if project is None:
        raise ProjectTitleError("Der Kurs hat kein Praxisprojekt (course/kurs.toml)")
    folder = Path(workdir.path("submitted", student, project.id))
    for name in project.notebooks:
        path = folder / name
        if not path.is_file():
            continue
        where = path.relative_to(workdir.root).as_posix()  # as the staff guide names it
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as error:  # noqa: BLE001 — any unreadable file is the same problem
            raise ProjectTitleError(f"{where}: nicht lesbar ({type(error).__name__})") from None
        title = read_title(notebook, where)
        if title is not None:
            return title
    raise ProjectTitleError(f"{folder.relative_to(workdir.root).as_posix()}: keine Abgabe mit der Zelle „{TITLE_CELL}“ (Projekttitel) "
                            "gefunden")


def project_titles(workdir: Workdir,
                   students: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Titles of the submitted projects of ``students``, and German problems of the others.

    Returns ``(titles, problems)``, both keyed by trainee id; both are empty if the course has
    no project.
    """
    titles: dict[str, str] = {}
    problems: dict[str, str] = {}
    if workdir.course.project is None:
        return titles, problems
    for student in students:
        try:
            titles[student] = project_title(workdir, student)
        except ProjectTitleError as error:
            problems[student] = str(error)
    return titles, problems
