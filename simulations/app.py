"""Stadtteil-Konfliktmodell as a browser page (SolaraViz): ``solara run simulations/app.py``.

The page lives in :mod:`kokosim.neighbourhood.app`; ``solara run`` needs a file with a
module-level ``page``, and this is it. Choose the scenario the sliders start with by the
environment variable ``KOKOSIM_SZENARIO``, e.g.
``KOKOSIM_SZENARIO=geruechtewelle solara run simulations/app.py``.
"""

from kokosim.neighbourhood.app import SCENARIO, AppModel, model, model_params, page

__all__ = ["SCENARIO", "AppModel", "model_params", "model", "page"]
