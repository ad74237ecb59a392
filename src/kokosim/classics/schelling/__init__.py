"""Schelling's (1971) model of segregation."""

from kokosim.classics.schelling.agents import SchellingAgent
from kokosim.classics.schelling.model import Schelling

__all__ = ["Schelling", "SchellingAgent"]
