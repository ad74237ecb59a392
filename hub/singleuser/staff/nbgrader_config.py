"""nbgrader settings of a staff member's server on the course hub (formgrader).

The hub sets KOKOSIM_EXCHANGE, KOKOSIM_COURSE_ID and, if configured, KOKOSIM_WORKDIR: the
certification work directory of the current cohort (``kokosim-cert init``). Its own
``nbgrader_config.py`` is loaded last, so formgrader shows that cohort's gradebook.
"""

import os
from pathlib import Path

from traitlets.config import PyFileConfigLoader

c = get_config()  # noqa: F821
c.Exchange.root = os.environ.get("KOKOSIM_EXCHANGE", "/srv/nbgrader/exchange")
c.CourseDirectory.course_id = os.environ.get("KOKOSIM_COURSE_ID", "kokosim")
c.Exchange.path_includes_course = False
_workdir = os.environ.get("KOKOSIM_WORKDIR")
if _workdir and (Path(_workdir) / "nbgrader_config.py").is_file():
    c.merge(PyFileConfigLoader("nbgrader_config.py", path=_workdir).load_config())
