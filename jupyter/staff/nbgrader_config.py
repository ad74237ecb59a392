"""nbgrader settings of `make autor`: the course's own configuration (course/nbgrader_config.py).

`make autor` runs JupyterLab from the repository root, where nbgrader finds no nbgrader_config.py
of its own; the Formgrader then works on the course (masters in course/source). On the hub,
hub/singleuser/staff/nbgrader_config.py comes first on JUPYTER_CONFIG_PATH and wins.
"""

from pathlib import Path

_course = Path.cwd() / "course" / "nbgrader_config.py"
if _course.is_file():
    load_subconfig(str(_course))  # noqa: F821  (provided by traitlets)
