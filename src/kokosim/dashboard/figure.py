"""The live picture of the dashboard: a map of the Stadtteil and time series, drawn by blitting.

The figure is built once. Each frame updates the data of the existing artists (``set_data`` on
the map image and the lines), restores the saved background (axes, ticks, labels) and draws only
the changing artists on top; the frame is returned as PNG bytes for an ``ipywidgets.Image``. A
full redraw happens only when the background must change: another map layer, a longer time axis,
a higher y-range, a new extreme-event marker or presenter mode. Re-creating a figure every frame
costs 120–430 ms (measured, SolaraViz' matplotlib renderer); a blitted frame costs a fraction.

No pyplot and no global backend: the figure has its own Agg canvas, so the notebook's inline
backend stays untouched.
"""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

from kokosim.neighbourhood.model import LAYERS, Neighbourhood
from kokosim.style import OKABE_ITO, YELLOW

__all__ = ["LiveFigure", "SERIES", "LAYER_RANGES", "FIRST_WEEKS", "checked_layer"]

#: Time-series panels: German title, fixed y-range (``None``: grows by doubling) and the
#: plotted observables with short German legend labels.
SERIES: tuple[tuple[str, tuple[float, float] | None, tuple[tuple[str, str], ...]], ...] = (
    ("Glasl-Stufe", (0.0, 9.5),
     (("mean_stage", "mittlere Stufe"), ("max_stage", "höchste Stufe"))),
    ("Anzahl", None,
     (("n_disputes", "offene Konflikte"), ("incidents", "Vorfälle je Woche"))),
    ("Stimmung", (0.0, 1.0),
     (("mean_threat", "Bedrohung"), ("trust", "Vertrauen"),
      ("polarisation", "Polarisierung"))),
)

#: Colour range of each map layer; ``None`` as upper end: grows by doubling with the data.
LAYER_RANGES: dict[str, tuple[float, float | None]] = {
    "spannung": (0.0, 1.0), "bedrohung": (0.0, 1.0), "haltung": (0.0, 1.0),
    "vertrauen": (0.0, 1.0), "stufe": (0.0, 9.0), "gruppe": (0.0, 1.0),
    "geruecht": (0.0, 2.0), "kontakt": (0.0, None),
}

#: Weeks shown on the time axis at first (one year); the axis doubles when a run gets longer.
FIRST_WEEKS = 52
#: Start of a growing y-range or colour range.
_FIRST_TOP = 4.0
#: Colour of empty cells (no resident).
_EMPTY = "#e8e8e8"
#: Style of the extreme-event markers.
_SHOCK_STYLE = dict(color="#555555", linestyle="--", linewidth=1.2)
#: Line colours: Okabe-Ito without its yellow, which is hard to see on white.
_LINE_COLOURS = tuple(colour for colour in OKABE_ITO if colour != YELLOW)

#: Figure settings of the normal and the presenter mode.
_MODES: dict[bool, dict[str, Any]] = {
    False: {"size": (12.0, 5.0), "dpi": 72, "font": 10.0},
    True: {"size": (12.0, 5.4), "dpi": 100, "font": 14.0},
}


def checked_layer(layer: str) -> str:
    """Return ``layer`` if it is a map layer, else raise ``ValueError`` naming the layers.

    Examples
    --------
    >>> checked_layer("haltung")
    'haltung'
    >>> checked_layer("karte")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: layer='karte' is unknown; choose one of: spannung, bedrohung, ...
    """
    if layer not in LAYERS:
        raise ValueError(f"layer={layer!r} is unknown; choose one of: {', '.join(LAYERS)}")
    return layer


def _doubled(top: float, needed: float) -> float:
    """``top`` doubled until it is at least ``needed``.

    Examples
    --------
    >>> _doubled(4.0, 3.0), _doubled(4.0, 9.0)
    (4.0, 16.0)
    """
    while top < needed:
        top *= 2
    return top


class LiveFigure:
    """Map of one model layer plus time series, rendered frame by frame as PNG bytes.

    Parameters
    ----------
    model : Neighbourhood
        The model to show (replace it with :meth:`attach`).
    layer : str, default "spannung"
        Map layer, one of :data:`kokosim.neighbourhood.LAYERS`.
    presenter : bool, default False
        Larger fonts and a sharper picture for a projector.

    Attributes
    ----------
    image : matplotlib.image.AxesImage
        The map; drawn once with ``imshow``, then updated with ``set_data``.
    lines : dict of str to matplotlib.lines.Line2D
        One line per plotted observable, updated with ``set_data``.
    full_redraws : int
        Number of full redraws so far (the other frames were blitted).

    Examples
    --------
    >>> model = Neighbourhood("neue_unterkunft", seed=1, width=20, height=20)
    >>> picture = LiveFigure(model)
    >>> first = picture.render()
    >>> first[:4] == b"\\x89PNG", picture.full_redraws
    (True, 1)
    >>> model.step()
    >>> picture.render() != first, picture.full_redraws
    (True, 1)
    """

    def __init__(self, model: Neighbourhood, layer: str = "spannung",
                 presenter: bool = False) -> None:
        self.model = model
        self._layer = checked_layer(layer)
        self._presenter = bool(presenter)
        self.full_redraws = 0
        self._build()

    # --- public controls ------------------------------------------------------------------------
    @property
    def layer(self) -> str:
        """The map layer shown; setting it redraws the background once."""
        return self._layer

    @layer.setter
    def layer(self, layer: str) -> None:
        self._layer = checked_layer(layer)
        self._style_map()

    @property
    def presenter(self) -> bool:
        """Presenter mode (larger fonts); setting it rebuilds the figure."""
        return self._presenter

    @presenter.setter
    def presenter(self, on: bool) -> None:
        if bool(on) != self._presenter:
            self._presenter = bool(on)
            self._build()

    def attach(self, model: Neighbourhood) -> None:
        """Show another model (after a reset): time axis, ranges and markers start again."""
        self.model = model
        self._build()

    def render(self) -> bytes:
        """The current state of the model as a PNG image.

        Only the changing artists are drawn; the background is redrawn when it has to change.
        """
        self._update_artists()
        if self._background is None:
            with mpl.rc_context(self._rc):
                self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self.full_redraws += 1
        else:
            self.canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)
        pixels = np.asarray(self.canvas.buffer_rgba())[..., :3]
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    # --- construction ---------------------------------------------------------------------------
    def _build(self) -> None:
        """Create figure, map and time series for the current model and mode."""
        mode = _MODES[self._presenter]
        font = mode["font"]
        self._rc = {"font.size": font, "axes.titlesize": font * 1.1,
                    "axes.labelsize": font, "legend.fontsize": font * 0.85,
                    "xtick.labelsize": font * 0.9, "ytick.labelsize": font * 0.9}
        with mpl.rc_context(self._rc):
            self.figure = Figure(figsize=mode["size"], dpi=mode["dpi"], layout="constrained")
            self.canvas = FigureCanvasAgg(self.figure)
            grid = self.figure.add_gridspec(len(SERIES), 2, width_ratios=(1.0, 1.25))
            self.map_axes = self.figure.add_subplot(grid[:, 0])
            cmap = mpl.colormaps["cividis"].with_extremes(bad=_EMPTY)
            self.image = self.map_axes.imshow(self.model.state_map(self._layer), cmap=cmap,
                                              interpolation="nearest", animated=True)
            self.map_axes.set_xticks([])
            self.map_axes.set_yticks([])
            self.colorbar = self.figure.colorbar(self.image, ax=self.map_axes, shrink=0.85)
            self.week_text = self.map_axes.text(
                0.0, -0.02, "", transform=self.map_axes.transAxes, ha="left", va="top",
                fontsize=font * 1.2, fontweight="bold", animated=True)
            self.series_axes = []
            self.lines = {}
            colours = iter(_LINE_COLOURS)
            for row, (title, limits, observables) in enumerate(SERIES):
                ax = self.figure.add_subplot(grid[row, 1],
                                             sharex=self.series_axes[0] if row else None)
                ax.set_title(title, loc="left")
                ax.set_ylim(*(limits or (0.0, _FIRST_TOP)))
                for key, label in observables:
                    (self.lines[key],) = ax.plot([], [], color=next(colours), linewidth=2,
                                                 label=label, animated=True)
                ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(observables),
                          frameon=False, borderaxespad=0.0, handlelength=1.2,
                          columnspacing=1.0)
                ax.grid(alpha=0.3)
                self.series_axes.append(ax)
            for ax in self.series_axes[:-1]:
                ax.tick_params(labelbottom=False)
            self.series_axes[-1].set_xlabel("Woche (gestrichelt: Extremereignis)")
            self.series_axes[0].set_xlim(0, FIRST_WEEKS)
        self._animated: list[Artist] = [self.image, self.week_text, *self.lines.values()]
        self._shock_lines = 0
        self._style_map()

    def _style_map(self) -> None:
        """Colour range and title of the current layer (needs a full redraw)."""
        low, high = LAYER_RANGES[self._layer]
        self.image.set_norm(Normalize(low, high if high is not None else _FIRST_TOP))
        self.map_axes.set_title(LAYERS[self._layer], fontsize=self._rc["axes.titlesize"])
        self._background = None

    # --- frames ---------------------------------------------------------------------------------
    def _update_artists(self) -> None:
        """Give the artists the model's current data; note when the background must change."""
        model = self.model
        grid = model.state_map(self._layer)
        self.image.set_data(grid)
        if LAYER_RANGES[self._layer][1] is None:
            top = self.image.norm.vmax
            needed = float(np.nanmax(grid)) if np.isfinite(grid).any() else 0.0
            if needed > top:
                self.image.set_norm(Normalize(0.0, _doubled(top, needed)))
                self._background = None
        self.week_text.set_text(f"Woche {model.steps}")
        columns = model.datacollector.model_vars
        weeks = np.arange(len(columns["mean_stage"]))
        for key, line in self.lines.items():
            line.set_data(weeks, np.asarray(columns[key], dtype=float))
        left, right = self.series_axes[0].get_xlim()
        if weeks[-1] > right:
            self.series_axes[0].set_xlim(left, _doubled(right, weeks[-1]))
            self._background = None
        for ax, (_, limits, observables) in zip(self.series_axes, SERIES):
            if limits is None:
                values = [np.nanmax(columns[key]) for key, _ in observables]
                needed = max(float(value) for value in values)
                bottom, top = ax.get_ylim()
                if math.isfinite(needed) and needed > top:
                    ax.set_ylim(bottom, _doubled(top, needed))
                    self._background = None
        for week in model.shocks[self._shock_lines:]:
            for ax in self.series_axes:
                ax.axvline(week, **_SHOCK_STYLE)
            self._shock_lines += 1
            self._background = None
