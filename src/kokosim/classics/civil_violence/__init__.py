"""Epstein's (2002) model of civil violence (model I: rebellion against a central authority)."""

from kokosim.classics.civil_violence.agents import Citizen, Cop
from kokosim.classics.civil_violence.model import CivilViolence

__all__ = ["CivilViolence", "Citizen", "Cop"]
