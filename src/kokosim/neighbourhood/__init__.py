"""The neighbourhood conflict model (Stadtteilmodell), the one door for notebooks and tools.

Everything is importable from here, for example
``from kokosim.neighbourhood import Neighbourhood, SCENARIOS, compare, plot_overview``.
Where each concept lives (the layout of Mesa's examples: model, agents and app side by side):

======================  ==========================================================================
``model.py``            :class:`Neighbourhood`: residents as NumPy arrays, one step is one week
``agents.py``           :class:`Dispute` and :class:`ConflictManager` (Mesa agents)
``kms.py``              :class:`KMS` (``model.kms``): waiting list, mediators, intervention rule
``parameters.py``       :data:`PARAMETERS`: German label, range and default of every parameter
``scenarios.py``        :data:`SCENARIOS`; :func:`scenario_values`: defaults, scenario, overrides
``runs.py``             :func:`run_scenario` (one run) and :func:`compare` (many, in parallel)
``plots.py``            :func:`plot_observable`, :func:`plot_overview` (mean and 95 % band)
``runcache.py``         memoised runs (in memory and in the ``KOKOSIM_RUN_CACHE`` folder)
``cli.py``, ``app.py``  the ``kokosim`` command and the SolaraViz page
======================  ==========================================================================

The rules are described in ``simulations/ODD_Stadtteilmodell.md``. Names are imported on first use,
so ``import kokosim.neighbourhood.runcache`` loads neither Mesa nor pandas.

Examples
--------
>>> from kokosim.neighbourhood import Neighbourhood, compare, scenario_values
>>> scenario_values("extremereignis")["shock_step"]
30
>>> model = Neighbourhood("extremereignis", seed=1, width=20, height=20)
>>> model.step()
>>> model.kms.waiting, model.steps
([], 1)
>>> compare(["ruhiges_quartier"], seeds=1, steps=2, processes=1, progress=False,
...         width=10, height=10).shape
(3, 40)
"""

from __future__ import annotations

import importlib
from typing import Any

# Public names, imported on first use: name -> module that defines it.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("Neighbourhood", "OBSERVABLES", "SUMMARY_LABELS", "LAYERS"), "model"),
    **dict.fromkeys(("Dispute", "ConflictManager"), "agents"),
    **dict.fromkeys(("KMS", "NEEDS_MEDIATOR"), "kms"),
    **dict.fromkeys(("PARAMETERS", "Parameter", "validate_all"), "parameters"),
    **dict.fromkeys(("Scenario", "SCENARIOS", "get_scenario", "scenario_values",
                     "scenario_title"), "scenarios"),
    **dict.fromkeys(("run_scenario", "compare"), "runs"),
    **dict.fromkeys(("plot_observable", "plot_overview", "OVERVIEW"), "plots"),
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
