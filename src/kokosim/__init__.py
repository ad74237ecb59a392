"""kokosim: training course and simulation kit for municipal conflict management.

Subpackages: :mod:`kokosim.neighbourhood` (the neighbourhood model, its scenarios, runs, plots,
command line and SolaraViz page), :mod:`kokosim.dashboard` (the live workshop dashboard),
:mod:`kokosim.classics` (classic models), :mod:`kokosim.stakeholders` (actor maps),
:mod:`kokosim.escalation` (Glasl's stages and the intervention ladder) and
:mod:`kokosim.certification` (grading). ``import kokosim`` itself imports none of them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
