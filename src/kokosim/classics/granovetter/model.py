"""Granovetter, M. (1978). Threshold models of collective behavior. American Journal of
Sociology 83(6), 1420-1443."""

from __future__ import annotations

from collections.abc import Iterable

import mesa
import numpy as np

from kokosim._validate import check_integer, check_number
from kokosim.classics._base import ClassicModel
from kokosim.classics.granovetter.agents import ThresholdAgent

__all__ = ["Granovetter", "normal_thresholds"]


def normal_thresholds(n: int, mean: float, sd: float, seed: int | None = None) -> list[float]:
    """Thresholds drawn from a normal distribution, cut at 0 (Granovetter's second example).

    Parameters
    ----------
    n : int
        Number of actors.
    mean, sd : float
        Mean and standard deviation of the thresholds (number of others).
    seed : int, optional
        Seed of the random draw.

    Examples
    --------
    >>> t = normal_thresholds(100, mean=25, sd=10, seed=1)
    >>> len(t), min(t) >= 0
    (100, True)
    """
    check_integer("n", n, 1)
    check_number("sd", sd, 0)
    draws = np.random.default_rng(seed).normal(mean, sd, size=n)
    return np.clip(draws, 0, None).tolist()


class Granovetter(ClassicModel):
    """Threshold model of collective behaviour (Granovetter 1978).

    Each actor joins once at least ``threshold`` others have joined; joining is permanent.
    Updates are synchronous: in each step every actor sees how many were active after the previous
    step, so the number of actives follows Granovetter's iteration ``r(t+1) = F(r(t))``. The model
    is settled when a step activates nobody.

    Parameters
    ----------
    thresholds : iterable of float, default ``range(100)``
        One threshold per actor, as a number of other actors (>= 0). The default is the paper's
        uniform example 0, 1, ..., 99, in which everyone ends up rioting.
    seed : int, optional
        Seed of Mesa's random number generators (activation order).

    Attributes
    ----------
    n_active : int
        Actors active now.

    Examples
    --------
    >>> riot = Granovetter()
    >>> riot.run_model()
    >>> riot.n_active
    100
    >>> changed = list(range(100)); changed[1] = 2   # one actor's threshold moves from 1 to 2
    >>> quiet = Granovetter(thresholds=changed)
    >>> quiet.run_model()
    >>> quiet.n_active
    1
    """

    default_max_steps = 10_000

    def __init__(self, thresholds: Iterable[float] = range(100), seed: int | None = None) -> None:
        super().__init__(rng=seed)  # Mesa 3.5 deprecates seed=; an int gives the same streams
        values = list(thresholds)
        if not values:
            raise ValueError("thresholds=[] is empty: expected at least one threshold >= 0")
        for index, value in enumerate(values):
            check_number(f"thresholds[{index}]", value, 0)
        for value in values:
            ThresholdAgent(self, value)
        self.active_before = 0
        self.datacollector = mesa.DataCollector(model_reporters={"n_active": "n_active"})
        self.datacollector.collect(self)

    @property
    def n_active(self) -> int:
        """Number of active actors."""
        return sum(1 for agent in self.agents if agent.active)

    def step(self) -> None:
        """Let every inactive actor compare its threshold with the current number of actives."""
        self.active_before = self.n_active
        self.agents.shuffle_do("step")
        self.running = self.n_active != self.active_before
        self.datacollector.collect(self)
