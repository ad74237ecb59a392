"""What the four classic models share: a settled-or-limit ``run_model``."""

from __future__ import annotations

from typing import ClassVar

import mesa

from kokosim._validate import check_integer

__all__ = ["ClassicModel"]


class ClassicModel(mesa.Model):
    """Base class: subclasses set ``self.running = False`` once the model is settled.

    Mesa's own ``run_model`` loops while ``running``; models that may never settle (civil
    violence has no fixed point) need a step limit, so every classic model has one.
    """

    #: Step limit used by :meth:`run_model` when none is given.
    default_max_steps: ClassVar[int] = 1000

    def run_model(self, max_steps: int | None = None) -> None:
        """Step until the model is settled or ``max_steps`` steps have run in total.

        Parameters
        ----------
        max_steps : int, optional
            Upper bound on ``self.steps``; defaults to :attr:`default_max_steps`.
        """
        limit = self.default_max_steps if max_steps is None else check_integer(
            "max_steps", max_steps, 0)
        while self.running and self.steps < limit:
            self.step()
