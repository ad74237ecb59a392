"""Live workshop dashboard of the neighbourhood model (ipywidgets + matplotlib).

One call in a trainer notebook::

    from kokosim.dashboard import Dashboard
    Dashboard("neue_unterkunft", seed=1)

Submodules: :mod:`.live` (the :class:`Dashboard`), :mod:`.figure` (the blitted map and time
series), :mod:`.controls` (widgets from the parameter registry, German readout).
"""

from kokosim.dashboard.controls import parameter_panel, parameter_widget, readout_html
from kokosim.dashboard.figure import LiveFigure
from kokosim.dashboard.live import Dashboard

__all__ = ["Dashboard", "LiveFigure", "parameter_widget", "parameter_panel", 
           "readout_html"]
