"""kokosim: training course and simulation kit for municipal conflict management."""

__version__ = "0.1.0"
