"""Drawing actor maps in Fisher notation, the Mendelow grid, and saving figures.

Notation (after Fisher et al., see ``shared/domain.md``): solid line = fairly close relationship
(``kooperation``), double line = alliance, dotted line = informal or intermittent, arrow = main
direction of influence, zigzag = conflict (labelled with its Glasl stage), crossed line = broken
relationship. Circle area grows with influence; fill colour shows the sector (Okabe-Ito palette);
the "self" has a double ring, shadow parties a dashed outline and their own area on the right,
issue nodes are diamonds.

The functions return :class:`matplotlib.figure.Figure` objects built without ``pyplot``, so they
neither open windows nor show up twice in notebooks. The figures carry their own PNG
representation, so Jupyter shows a returned figure whatever the matplotlib backend.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.legend_handler import HandlerBase
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, Patch, Rectangle, RegularPolygon
from matplotlib.transforms import Transform
from PIL import Image

from kokosim._atomic import atomic_open
from kokosim.style import GREY, VERMILLION
from kokosim.stakeholders.analysis import mendelow, working_ties
from kokosim.stakeholders.model import MapCore
from kokosim.stakeholders.style import KIND_LABELS, QUADRANTS, SECTOR_COLOURS
from kokosim.stakeholders.vocabulary import RELATION_KINDS, SECTORS

__all__ = ["MAX_DRAWN_ACTORS", "layout", "draw", "draw_mendelow", "save_figure"]

#: Above this many actors :func:`draw` warns and draws only the most influential ones.
MAX_DRAWN_ACTORS = 150
_MAX_LABELS = 60
_LINE = "#333333"
_CONFLICT = VERMILLION
_BROKEN = "#777777"
_SHADOW_X = 1.55
_CENTRE = object()  # virtual node of the layout, never an actor name
_FORMATS = (".png", ".svg", ".pdf")


class _NotebookFigure(Figure):
    """A Figure that Jupyter displays as PNG even when pyplot's inline backend is not active.

    Its layout is constrained, so the picture needs no second, "tight" layout pass.
    """

    def _repr_png_(self) -> bytes:
        # A full case map has many labels and lines: as true-colour PNG it is about 260 KiB (350 KiB
        # in the notebook file, above the grading sandbox's 256 KiB per cell). With a 256-colour
        # palette it is a third of that and looks the same.
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        picture = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
        small = io.BytesIO()
        picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(small, format="PNG",
                                                                             optimize=True)
        return small.getvalue()


# ---------------------------------------------------------------------------------------------
# Layout

_Point = tuple[float, float]


def layout(karte: MapCore, seed: int = 0,
           positions: Mapping[str, Sequence[float]] | None = None) -> dict[str, _Point]:
    """Positions of all actors, seeded; shadow parties in a column on the right.

    Free actors are placed by Kamada-Kawai from a seeded random start; when some positions are
    fixed, a spring layout places the others around them.

    Parameters
    ----------
    karte : StakeholderMap
    seed : int, default 0
        Same seed, same positions.
    positions : mapping, optional
        Fixed ``(x, y)`` of some or all actors (e.g. from a previous drawing); the others are
        placed around them. The main area spans about -1..1, the shadow column is at x = 1.55.

    Returns
    -------
    dict
        Actor name -> ``(x, y)``.

    Raises
    ------
    ValueError
        If ``positions`` names an actor that is not on the map.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> karte = example_map()
    >>> layout(karte, seed=3) == layout(karte, seed=3)
    True
    >>> layout(karte, positions={"KMS": (0, 0)})["KMS"]
    (0.0, 0.0)
    >>> layout(karte)["Investor"][0]
    1.55
    """
    fixed = {name: (float(x), float(y)) for name, (x, y) in (positions or {}).items()}
    unknown = [name for name in fixed if name not in karte]
    if unknown:
        raise ValueError(f"positions names actors that are not on the map: {unknown!r}")
    nodes = karte.graph.nodes
    shadows = [n for n in karte.actors if nodes[n]["is_shadow"]]
    main = nx.Graph()
    main.add_nodes_from(n for n in karte.actors if not nodes[n]["is_shadow"])
    main.add_edges_from((s, t) for s, t, _, _ in karte.relations() if s in main and t in main)
    result: dict[str, tuple[float, float]] = {}
    if len(main):
        free = [n for n in main if n not in fixed]
        if free:
            pinned = [n for n in main if n in fixed]
            # A weak tie of every actor to a virtual centre keeps isolated actors and separate
            # groups near the rest instead of pushing them to the edge of the picture.
            anchored = nx.Graph(main)
            anchored.add_edges_from((_CENTRE, n) for n in main)
            nx.set_edge_attributes(anchored, 1.0, "weight")
            for n in main:
                anchored.edges[_CENTRE, n]["weight"] = 0.08
            if pinned:
                placed = nx.spring_layout(anchored, seed=seed, fixed=pinned,
                                          pos={n: fixed[n] for n in pinned},
                                          k=2.2 / math.sqrt(len(anchored)), iterations=200)
            else:
                # Kamada-Kawai spaces actors more evenly than a spring layout, so labels in a
                # dense centre overlap less; the seeded start makes the seed choose the picture.
                placed = nx.kamada_kawai_layout(
                    anchored, pos=nx.random_layout(anchored, seed=seed), weight=None)
            result.update({n: (float(x), float(y)) for n, (x, y) in placed.items() if n in main})
        result.update({n: fixed[n] for n in main if n in fixed})
    free_shadows = [n for n in shadows if n not in fixed]
    heights = np.linspace(0.9, -0.9, len(free_shadows)) if len(free_shadows) > 1 else [0.0]
    result.update({n: (_SHADOW_X, float(y)) for n, y in zip(free_shadows, heights)})
    result.update({n: fixed[n] for n in shadows if n in fixed})
    return {n: result[n] for n in karte.actors}


# ---------------------------------------------------------------------------------------------
# Relation symbols (one function serves the map and the legend)

def _unit_normal(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, float]:
    direction = q - p
    length = float(np.hypot(*direction))
    if length == 0:
        return np.array([0.0, 1.0]), 0.0
    return np.array([-direction[1], direction[0]]) / length, length


def _relation_artists(kind: str, p: Sequence[float], q: Sequence[float], unit: float,
                      transform: Transform, stage: int | None = None,
                      linewidth: float = 1.6) -> list[Artist]:
    """Artists drawing one relation of ``kind`` from ``p`` to ``q`` in Fisher notation.

    ``unit`` is the size of the decorations (zigzag amplitude, gap of the double line) in the
    coordinates of ``transform``.
    """
    p, q = np.asarray(p, float), np.asarray(q, float)
    normal, length = _unit_normal(p, q)
    gid = f"relation:{kind}"
    style: dict[str, Any] = {"transform": transform, "gid": gid, "linewidth": linewidth,
                             "solid_capstyle": "butt"}
    if kind == "kooperation":
        return [Line2D(*zip(p, q), color=_LINE, **style)]
    if kind == "allianz":
        gap = 0.45 * unit * normal
        return [Line2D(*zip(p + side * gap, q + side * gap), color=_LINE, **style)
                for side in (1, -1)]
    if kind == "informell":
        return [Line2D(*zip(p, q), color=_LINE, linestyle=(0, (1, 2)), **style)]
    if kind == "einfluss":
        return [FancyArrowPatch(tuple(p), tuple(q), arrowstyle="-|>", mutation_scale=14,
                                color=_LINE, linewidth=linewidth, transform=transform, gid=gid,
                                shrinkA=0, shrinkB=0)]
    if kind == "konflikt":
        teeth = max(4, int(length / (1.2 * unit)))
        steps = np.linspace(0, 1, 2 * teeth + 1)
        amplitude = np.where(np.arange(len(steps)) % 2 == 1, 0.6 * unit, 0.0)
        amplitude[3::4] *= -1
        points = p + np.outer(steps, q - p) + np.outer(amplitude, normal)
        artists: list[Artist] = [Line2D(points[:, 0], points[:, 1], color=_CONFLICT, **style)]
        if stage is not None:
            middle = (p + q) / 2
            artists.append(_stage_label(middle, stage, transform))
        return artists
    if kind == "unterbrochen":
        middle = (p + q) / 2
        along = (q - p) / length if length else np.array([1.0, 0.0])
        strokes = [Line2D(*zip(middle + shift * along - 0.9 * unit * normal,
                               middle + shift * along + 0.9 * unit * normal),
                          color=_BROKEN, **style) for shift in (-0.35 * unit, 0.35 * unit)]
        return [Line2D(*zip(p, q), color=_BROKEN, **style), *strokes]
    raise ValueError(f"kind={kind!r} is not a relation kind; allowed: {', '.join(RELATION_KINDS)}")


def _stage_label(where: np.ndarray, stage: int, transform: Transform) -> Artist:
    from matplotlib.text import Text

    return Text(float(where[0]), float(where[1]), str(stage), transform=transform, fontsize=8,
                color=_CONFLICT, fontweight="bold", ha="center", va="center", gid="stage",
                bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": _CONFLICT})


class _RelationHandler(HandlerBase):
    """Legend handle that draws a relation symbol with :func:`_relation_artists`."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def create_artists(self, legend: Legend, orig_handle: Artist, xdescent: float,
                       ydescent: float, width: float, height: float, fontsize: float,
                       trans: Transform) -> list[Artist]:
        y = height / 2 - ydescent
        return _relation_artists(self.kind, (-xdescent, y), (width - xdescent, y),
                                 unit=height * 0.8, transform=trans,
                                 stage=None, linewidth=1.4)


# ---------------------------------------------------------------------------------------------
# The map

def _radius(influence: int, scale: float) -> float:
    return scale * (0.022 + 0.014 * math.sqrt(influence))


def _simplified(karte: MapCore) -> MapCore:
    ties = working_ties(karte)
    nodes = karte.graph.nodes
    ranked = sorted(karte.actors, key=lambda n: (not nodes[n]["is_self"], -nodes[n]["influence"],
                                                 -(ties.degree(n) if n in ties else 0)))
    keep = set(ranked[:MAX_DRAWN_ACTORS])
    actors, relations = karte.to_records()
    return type(karte).from_records(
        [a for a in actors if a["name"] in keep],
        [r for r in relations if r["source"] in keep and r["target"] in keep])


def _legends(fig: Figure, karte: MapCore) -> None:
    proxies = [Line2D([], [], label=KIND_LABELS[kind]) for kind in RELATION_KINDS]
    fig.legend(handles=proxies, title="Beziehungen", loc="outside right upper", fontsize=8,
               title_fontsize=9, handlelength=3.5, frameon=False,
               handler_map={proxy: _RelationHandler(kind)
                            for proxy, kind in zip(proxies, RELATION_KINDS)})
    present = {karte.graph.nodes[n]["sector"] for n in karte.actors
               if not karte.graph.nodes[n]["is_issue"]}
    handles: list[Artist] = [Patch(facecolor=SECTOR_COLOURS[s], edgecolor="black", label=s)
                             for s in SECTORS if s in present]
    handles += [
        Line2D([], [], marker="o", linestyle="", markersize=11, markerfacecolor="white",
               markeredgecolor="black", markeredgewidth=2.5, label="ich (doppelter Ring)"),
        Patch(facecolor="white", edgecolor="black", linestyle="--",
              label="Schattenpartei (gestrichelt, rechts)"),
        Line2D([], [], marker="D", linestyle="", markersize=9, markerfacecolor="#EEEEEE",
               markeredgecolor="black", label="Thema (Raute)"),
        Line2D([], [], linestyle="", label="Kreisgröße = Einfluss"),
    ]
    fig.legend(handles=handles, title="Akteure (Farbe = Sektor)", loc="outside right lower",
               fontsize=8, title_fontsize=9, frameon=False)


def draw(karte: MapCore, seed: int = 0,
         positions: Mapping[str, Sequence[float]] | None = None,
         title: str = "Akteurslandkarte", labels: bool = True) -> Figure:
    """Draw the map in Fisher notation with a German legend.

    Parameters
    ----------
    karte : StakeholderMap
    seed : int, default 0
        Seed of the layout (same seed, same picture).
    positions : mapping, optional
        Fixed positions of some or all actors, see :func:`layout`.
    title : str, default "Akteurslandkarte"
    labels : bool, default True
        Write actor names (on simplified large maps only the first 60 are named).

    Returns
    -------
    matplotlib.figure.Figure

    Warns
    -----
    UserWarning
        Above :data:`MAX_DRAWN_ACTORS` actors (German message): only the most influential
        actors (the "self" always included) and the relations among them are drawn.

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> fig = draw(example_map(), title="Beispiel")
    >>> fig.axes[0].get_title()
    'Beispiel'
    >>> sum(a.get_gid() == "relation:einfluss" for a in fig.axes[0].patches)
    3
    """
    total = len(karte)
    if total > MAX_DRAWN_ACTORS:
        warnings.warn(
            f"Die Karte hat {total} Akteure – zu viele für eine lesbare Zeichnung. Gezeichnet "
            f"werden nur die {MAX_DRAWN_ACTORS} einflussreichsten Akteure und ihre Beziehungen.",
            UserWarning, stacklevel=2)
        karte = _simplified(karte)
        title = f"{title} (vereinfacht: {len(karte)} von {total} Akteuren)"
        positions = {n: p for n, p in (positions or {}).items() if n in karte}
    where = layout(karte, seed=seed, positions=positions)
    nodes = karte.graph.nodes
    scale = min(1.0, math.sqrt(40 / max(len(karte), 1)))
    radius = {n: _radius(nodes[n]["influence"], scale) for n in karte.actors}
    unit = 0.02 * scale

    fig = _NotebookFigure(figsize=(13, 8.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=13)
    ax.set_aspect("equal")
    ax.axis("off")

    shadows = [n for n in karte.actors if nodes[n]["is_shadow"]]
    if shadows:
        ys = [where[n][1] for n in shadows]
        ax.add_patch(Rectangle((_SHADOW_X - 0.25, min(ys) - 0.2), 0.5, max(ys) - min(ys) + 0.4,
                               facecolor="#F2F2F2", edgecolor=GREY, linestyle="--",
                               zorder=0))
        ax.text(_SHADOW_X, max(ys) + 0.22, "Schattenparteien", ha="center", va="bottom",
                fontsize=9, style="italic", color="#555555")

    pairs: dict[frozenset[str], list[tuple[str, str, str, dict[str, Any]]]] = {}
    for relation in karte.relations():
        pairs.setdefault(frozenset(relation[:2]), []).append(relation)
    for group in pairs.values():
        for index, (source, target, kind, data) in enumerate(group):
            p, q = np.array(where[source]), np.array(where[target])
            normal, length = _unit_normal(p, q)
            if length == 0:
                continue
            shift = (index - (len(group) - 1) / 2) * 3.0 * unit * normal
            along = (q - p) / length
            start = p + along * radius[source] + shift
            end = q - along * (radius[target] + (0.004 if kind == "einfluss" else 0)) + shift
            for artist in _relation_artists(kind, start, end, unit, ax.transData,
                                            stage=data["stage"]):
                if isinstance(artist, FancyArrowPatch):
                    ax.add_patch(artist)
                elif isinstance(artist, Line2D):
                    ax.add_line(artist)
                else:
                    ax.add_artist(artist)

    named = set(karte.actors if total <= MAX_DRAWN_ACTORS
                else sorted(karte.actors, key=lambda n: -nodes[n]["influence"])[:_MAX_LABELS])
    for name in karte.actors:
        data, (x, y), r = nodes[name], where[name], radius[name]
        if data["is_issue"]:
            ax.add_patch(RegularPolygon((x, y), 4, radius=r * 1.4, facecolor="#EEEEEE",
                                        edgecolor="black", linewidth=1.2, zorder=3, gid="issue"))
        else:
            ax.add_patch(Circle((x, y), r, facecolor=SECTOR_COLOURS[data["sector"]],
                                edgecolor="black", linewidth=1.0,
                                linestyle="--" if data["is_shadow"] else "-",
                                alpha=0.75 if data["is_shadow"] else 1.0, zorder=3,
                                gid=f"actor:{name}"))
            if data["is_self"]:
                ax.add_patch(Circle((x, y), r + 0.6 * unit, fill=False,
                                    edgecolor="black", linewidth=1.5, zorder=3, gid="self"))
        if labels and name in named:
            ax.text(x, y - r * (1.4 if data["is_issue"] else 1.0) - 0.02,
                    textwrap.fill(name, 22), ha="center", va="top", fontsize=7.5, zorder=2.5,
                    style="italic" if data["is_issue"] else "normal",
                    bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none",
                          "pad": 0.5})
    xs = [p[0] for p in where.values()] or [0.0]
    ys = [p[1] for p in where.values()] or [0.0]
    ax.set_xlim(min(xs) - 0.3, max(xs) + 0.3)
    ax.set_ylim(min(ys) - 0.3, max(ys) + 0.35)
    _legends(fig, karte)
    return fig


# ---------------------------------------------------------------------------------------------
# Mendelow grid

def draw_mendelow(karte: MapCore, threshold: float = 5.0,
                  title: str = "Macht-Interesse-Matrix (Mendelow)") -> Figure:
    """Plot power against interest with the four Mendelow quadrants (German labels).

    Actors without power or interest are listed below the plot. Circle size grows with
    influence, colour shows the sector.

    Parameters
    ----------
    karte : StakeholderMap
    threshold : float, default 5.0
        Position of the quadrant lines (see :func:`kokosim.stakeholders.analysis.mendelow`).
    title : str

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from kokosim.stakeholders.cases import example_map
    >>> fig = draw_mendelow(example_map())
    >>> ax = fig.axes[0]
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Interesse (0–10)', 'Macht (0–10)')
    """
    table = mendelow(karte, threshold=threshold)
    fig = _NotebookFigure(figsize=(9, 7.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set(xlim=(0, 10.5), ylim=(0, 10.5), xlabel="Interesse (0–10)", ylabel="Macht (0–10)",
           title=title)
    ax.axvline(threshold, color=GREY, linewidth=1)
    ax.axhline(threshold, color=GREY, linewidth=1)
    for (high_power, high_interest), text in QUADRANTS.items():
        ax.text(10.3 if high_interest else 0.2, 10.3 if high_power else 0.2, text.capitalize(),
                ha="right" if high_interest else "left", va="top" if high_power else "bottom",
                fontsize=11, color="#555555", fontweight="bold")
    assessed = table[table["Quadrant"] != "nicht eingeschätzt"]
    nodes = karte.graph.nodes
    sectors = [nodes[n]["sector"] for n in assessed.index]
    ax.scatter(assessed["Interesse"], assessed["Macht"],
               s=[40 + 40 * nodes[n]["influence"] for n in assessed.index],
               c=[SECTOR_COLOURS[s] for s in sectors], edgecolors="black", zorder=3)
    if len(assessed) <= _MAX_LABELS:
        for name, row in assessed.iterrows():
            ax.annotate(textwrap.fill(str(name), 24), (row["Interesse"], row["Macht"]),
                        xytext=(6, 4), textcoords="offset points", fontsize=7.5)
    fig.legend(handles=[Patch(facecolor=SECTOR_COLOURS[s], edgecolor="black", label=s)
                        for s in SECTORS if s in sectors],
               title="Sektor", loc="outside right upper", fontsize=8, frameon=False)
    missing = table.index[table["Quadrant"] == "nicht eingeschätzt"].tolist()
    if missing:
        fig.text(0.01, 0.005, textwrap.fill("Nicht eingeschätzt: " + ", ".join(missing), 140),
                 fontsize=8, va="bottom")
    return fig


# ---------------------------------------------------------------------------------------------
# Saving

def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Save a figure as PNG, SVG or PDF (chosen by the file ending), atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
        Ends in ``.png``, ``.svg`` or ``.pdf``.
    dpi : int, default 150
        Resolution of PNG files.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        For another file ending.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kokosim.stakeholders.cases import example_map
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "karte.svg"
    >>> save_figure(draw(example_map()), target).stat().st_size > 0
    True
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(f"path={str(path)!r} has an unsupported ending: expected one of "
                         f"{', '.join(_FORMATS)}")
    with atomic_open(target, "wb") as handle:
        fig.savefig(handle, format=suffix[1:], dpi=dpi, bbox_inches="tight")
    return target
