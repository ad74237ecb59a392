"""nbgrader configuration of the kokosim course (nbgrader 0.9.6).

The course root is the repository root: master notebooks live in ``course/source/moduleN/`` and
student copies are released straight into ``moduleN/``.

Regenerate the student copies with ``make students`` (``python -m kokosim.coursebuild``), not
with ``nbgrader generate_assignment`` directly: nbgrader replaces a whole ``moduleN/`` folder when
the master is newer (which would delete ``moduleN/README.md``) and writes to the gradebook;
``kokosim.coursebuild`` generates into a temporary folder with a temporary gradebook and copies
only the notebooks.

Run nbgrader from the repository root with the venv's ``bin/`` first on ``PATH`` (nbgrader calls
the ``alembic`` executable) and name this file (without ``.py``; nbgrader has no ``--config``):
``nbgrader autograde module1 --NbGrader.config_file=course/nbgrader_config``.

Gradebook: set ``KOKOSIM_GRADEBOOK`` to an SQLAlchemy URL (``sqlite:////pfad/gradebook.db`` or a
PostgreSQL URL) or pass ``--db-url``. Without either, the gradebook lives outside the repository in
``$XDG_DATA_HOME/kokosim/gradebook.db`` (default ``~/.local/share/kokosim/gradebook.db``), so no
run of nbgrader leaves a database in the checkout.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "kokosim"
c.CourseDirectory.source_directory = "course/source"
c.CourseDirectory.release_directory = "."


def _default_gradebook_url() -> str:
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    folder = data_home / "kokosim"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'gradebook.db'}"


c.CourseDirectory.db_url = os.environ.get("KOKOSIM_GRADEBOOK") or _default_gradebook_url()

# German stubs in the student copies. Graded answers are values: the answer cell keeps its
# placeholder line (`stufe = None`) above the solution, the trainee overwrites the placeholder.
# No `raise NotImplementedError()`: a trainee who does not program must not have to delete code.
c.ClearSolutions.code_stub = {
    "python": "# ↑ IHRE LÖSUNG HIER: die Antwort oben eintragen, dann die Zelle ausführen "
              "(Umschalt + Eingabe)."
}
c.ClearSolutions.text_stub = "IHRE ANTWORT HIER"

# Student copies carry no outputs; hidden tests are removed.
c.ClearOutput.enabled = True
c.ClearHiddenTests.enabled = True
