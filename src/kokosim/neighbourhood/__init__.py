"""The neighbourhood conflict model (Stadtteilmodell), the one door for notebooks and tools.

Everything is importable from here, for example
``from kokosim.neighbourhood import Neighbourhood, SCENARIOS, compare, plot_overview``.
Where each concept lives (the layout of Mesa's examples: model, agents and app side by side):

============================  ======================================================================
``model.py``                  :class:`Neighbourhood`: residents as NumPy arrays, a step is a week
``agents.py``                 :class:`Dispute` and :class:`ConflictManager` (Mesa agents)
``procedures.py``             :data:`PROCEDURES`: acceptance, grip, reach, overreach
``kms.py``                    :class:`KMS` (``model.kms``): reports, waiting list, mediators,
                              the intervention rule, costs
``parameters.py``             :data:`PARAMETERS`: German label, range and default of each
``scenarios.py``              :data:`SCENARIOS`; :func:`scenario_values` (defaults, scenario,
                              overrides)
``runs.py``                   :func:`run_scenario` (one run), :func:`compare` (many, on local
                              processes or any executor, e.g. a dask cluster)
``sensitivity_analysis.py``   :func:`sensitivity` (SALib: Morris, Sobol), :func:`plot_sensitivity`
``plots.py``                  :func:`plot_observable`, :func:`plot_overview` (mean, 95 % band)
``runcache.py``               memoised runs (in memory and in ``KOKOSIM_RUN_CACHE``)
``cli.py``, ``app.py``        the ``kokosim`` command and the SolaraViz page
============================  ======================================================================

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
    "KMS": "kms",
    **dict.fromkeys(("Procedure", "PROCEDURES", "NEEDS_MEDIATOR"), "procedures"),
    **dict.fromkeys(("PARAMETERS", "Parameter", "validate_all"), "parameters"),
    **dict.fromkeys(("Scenario", "SCENARIOS", "get_scenario", "scenario_values",
                     "scenario_title"), "scenarios"),
    **dict.fromkeys(("run_scenario", "compare", "parallel_map"), "runs"),
    **dict.fromkeys(("sensitivity", "plot_sensitivity"), "sensitivity_analysis"),
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
