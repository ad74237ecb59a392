"""JupyterLab settings of every role (trainees, authors, certification staff).

Loaded by each role's ``jupyter/<role>/jupyter_server_config.py``. JupyterLab 4 reads default
overrides (``overrides.json``) from one folder only, its app settings dir, not from every folder
on JUPYTER_CONFIG_PATH: point it at ``jupyter/lab-settings`` (German interface, no news or update
questions, notebooks start their kernel without asking).
"""

from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets)
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab-settings")
# No requests to jupyterlab.github.io / PyPI for news or updates (training rooms may be offline).
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
