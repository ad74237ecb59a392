"""Deffuant et al.'s (2000) bounded-confidence model of opinion dynamics."""

from kokosim.classics.deffuant.agents import OpinionAgent
from kokosim.classics.deffuant.model import Deffuant, OpinionCluster

__all__ = ["Deffuant", "OpinionAgent", "OpinionCluster"]
