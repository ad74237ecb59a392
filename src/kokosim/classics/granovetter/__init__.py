"""Granovetter's (1978) threshold model of collective behaviour."""

from kokosim.classics.granovetter.agents import ThresholdAgent
from kokosim.classics.granovetter.model import Granovetter, normal_thresholds

__all__ = ["Granovetter", "ThresholdAgent", "normal_thresholds"]
