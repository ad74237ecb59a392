"""Actor maps (Akteurslandkarten) for conflict analysis: build, analyse, draw, exchange, edit.

One call per step for trainers::

    from kokosim.stakeholders import *
    karte = StakeholderMap()          # or load_case_map() or StakeholderMap.from_csv(...)
    karte.add_actor("Bürgerverein", sector="Zivilgesellschaft", influence=4, stance="contra")
    print(summary(karte))             # analyse
    fig = draw(karte)                 # draw
    save_figure(fig, "karte.png")     # save the picture ...
    karte.to_csv("akteure.csv", "beziehungen.csv")  # ... and the map
    StakeholderEditor(karte)          # or all of it in the live workshop editor

Submodules, each importing only those listed before it (no import cycle)::

    vocabulary   sectors, roles, stances, relation kinds (imports nothing from the package)
    style        sector colours (from kokosim.style), German legend labels, Mendelow quadrants
    model        FieldError, field validators, MapCore: the validated map without files
    exchange     CSV, JSON, GraphML, GEXF, and StakeholderMap = MapCore + file methods
    analysis     Net-Map analyses of any MapCore
    drawing      the map and the Mendelow grid as figures
    cases        the shipped maps (load_case_map, example_map)
    form         the map as a form of plain values with German keys (notebooks), and back
    editor       the live workshop editor

The readers in :mod:`.exchange` build a :class:`StakeholderMap` and its file methods call them in
the same module, while the core below knows no files. Vocabulary, model and exchange are imported
at once; the rest loads on first use, so ``import kokosim.stakeholders`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from kokosim.stakeholders import vocabulary
from kokosim.stakeholders.exchange import StakeholderMap
from kokosim.stakeholders.model import FieldError
from kokosim.stakeholders.vocabulary import *  # noqa: F403  (the word lists: vocabulary.__all__)

# Public names loaded on first use: name -> submodule.
_LAZY = {
    **dict.fromkeys(("MapFileError", "read_csv", "write_csv", "read_json", "write_json",
                     "read_graphml", "write_graphml", "write_gexf"), "exchange"),
    **dict.fromkeys(("working_ties", "signed_ties", "actors_overview", "centralities", "brokers",
                     "silos", "isolated_actors", "articulation_points", "parts_without",
                     "cut_off_by", "network_roles", "ego_map", "no_path_to_self",
                     "camps_without_cooperation", "mendelow", "influence_by_camp", "conflicts",
                     "conflict_hotspots", "unbalanced_triads", "structural_balance", "summary"),
                    "analysis"),
    **dict.fromkeys(("MAX_DRAWN_ACTORS", "layout", "draw", "draw_mendelow", "save_figure"),
                    "drawing"),
    **dict.fromkeys(("FormError", "map_from_form", "form_text"), "form"),
    "StakeholderEditor": "editor",
    **dict.fromkeys(("CASE_MAP_TITLE", "load_case_map", "example_map"), "cases"),
}

__all__ = ["StakeholderMap", "FieldError", *vocabulary.__all__, *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"kokosim.stakeholders.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'kokosim.stakeholders' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
