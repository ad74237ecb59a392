"""Plots of a :func:`~kokosim.neighbourhood.compare` table: mean and confidence band per scenario.

Labels are German (:data:`~kokosim.neighbourhood.OBSERVABLES`, scenario titles); colours are the
Okabe-Ito palette of :mod:`kokosim.style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kokosim.neighbourhood.model import OBSERVABLES
from kokosim.neighbourhood.scenarios import scenario_title
from kokosim.style import OKABE_ITO

if TYPE_CHECKING:  # matplotlib is imported only when plotting: spawned workers start faster
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_observable", "plot_overview", "OVERVIEW"]

#: Observables of :func:`plot_overview`, the early-warning indicators of module 2.
OVERVIEW: tuple[str, ...] = ("mean_stage", "incidents", "detected_share", "mean_threat",
                             "trust", "polarisation")


def plot_observable(frame: pd.DataFrame, observable: str, ax: Axes | None = None,
                    z: float = 1.96) -> Axes:
    """Mean and confidence band (mean ± ``z`` standard errors) of one observable per scenario.

    Parameters
    ----------
    frame : pandas.DataFrame
        Result of :func:`~kokosim.neighbourhood.compare`.
    observable : str
        A column of :data:`kokosim.neighbourhood.OBSERVABLES`.
    ax : matplotlib.axes.Axes, optional
    z : float, default 1.96
        Width of the band in standard errors of the mean (1.96: 95 % band).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from kokosim.neighbourhood import compare
    >>> frame = compare(["neue_unterkunft"], seeds=2, steps=3, processes=1, progress=False,
    ...                 width=10, height=10)
    >>> import matplotlib.pyplot as plt
    >>> plot_observable(frame, "trust").get_ylabel()
    'Vertrauen in die Stadt (0–1)'
    >>> plt.close("all")
    """
    if observable not in OBSERVABLES:
        raise ValueError(f"observable={observable!r} is unknown; choose one of: "
                         f"{', '.join(OBSERVABLES)}")
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(7, 4)).add_subplot()
    for index, (scenario, part) in enumerate(frame.groupby("scenario", sort=False)):
        stats = part.groupby("step")[observable].agg(["mean", "sem"])
        spread = z * stats["sem"].fillna(0)
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        ax.plot(stats.index, stats["mean"], color=colour, label=scenario_title(scenario))
        ax.fill_between(stats.index, stats["mean"] - spread, stats["mean"] + spread,
                        color=colour, alpha=0.25, linewidth=0)
    ax.set_xlabel("Woche")
    ax.set_ylabel(OBSERVABLES[observable])
    ax.set_title(f"{OBSERVABLES[observable]}: Mittelwert und 95-%-Band")
    ax.legend(title="Szenario", fontsize="small")
    return ax


def plot_overview(frame: pd.DataFrame, observables: Sequence[str] = OVERVIEW) -> Figure:
    """A grid of :func:`plot_observable` panels (two columns) for several observables.

    Any tidy frame with the columns ``scenario``, ``seed``, ``step`` and the observables works.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"scenario": "neue_unterkunft", "seed": [0, 0, 1, 1],
    ...                       "step": [0, 1, 0, 1], "trust": [0.6, 0.5, 0.6, 0.4],
    ...                       "incidents": [0, 1, 0, 3]})
    >>> len(plot_overview(frame, ["trust", "incidents"]).axes)
    2
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    rows = (len(observables) + 1) // 2
    figure, axes = plt.subplots(rows, 2, figsize=(12, 3.6 * rows), squeeze=False)
    for ax, observable in zip(axes.flat, observables):
        plot_observable(frame, observable, ax=ax)
        ax.set_title(OBSERVABLES[observable])
    for ax in axes.flat[1:len(observables)]:
        ax.get_legend().remove()  # one legend (in the first panel) serves all panels
    for ax in axes.flat[len(observables):]:
        figure.delaxes(ax)
    figure.suptitle("Szenarienvergleich: Mittelwert und 95-%-Band über die Läufe")
    figure.tight_layout()
    return figure
