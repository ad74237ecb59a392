"""Four classic agent-based models of collective behaviour, as Mesa models.

- :class:`Granovetter` — threshold model of collective behaviour (Granovetter 1978)
- :class:`Schelling` — segregation from mild preferences (Schelling 1971)
- :class:`Deffuant` — bounded-confidence opinion dynamics (Deffuant et al. 2000)
- :class:`CivilViolence` — rebellion against a central authority (Epstein 2002)

Each has keyword parameters named as in its paper, a ``seed``, a ``datacollector``, ``step()``
and ``run_model(max_steps=None)`` that stops once the model is settled. Their update rules live in
:mod:`kokosim.classics.mechanisms` as pure functions.
"""

from kokosim.classics.civil_violence import CivilViolence
from kokosim.classics.deffuant import Deffuant, OpinionCluster
from kokosim.classics.granovetter import Granovetter, normal_thresholds
from kokosim.classics.schelling import Schelling

__all__ = ["CivilViolence", "Deffuant", "Granovetter", "OpinionCluster", "Schelling",
           "normal_thresholds"]
