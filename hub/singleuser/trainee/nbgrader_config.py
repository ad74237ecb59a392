"""nbgrader settings of every trainee's server on the course hub (read from JUPYTER_CONFIG_PATH).

The hub (hub/jupyterhub_config.py) sets KOKOSIM_EXCHANGE and KOKOSIM_COURSE_ID.
"""

import os

c = get_config()  # noqa: F821
c.Exchange.root = os.environ.get("KOKOSIM_EXCHANGE", "/srv/nbgrader/exchange")
c.CourseDirectory.course_id = os.environ.get("KOKOSIM_COURSE_ID", "kokosim")
# Fetched modules go to ~/MODULE, not ~/kokosim/MODULE.
c.Exchange.path_includes_course = False
