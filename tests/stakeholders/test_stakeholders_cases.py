"""The shipped fictional case map "Musterstadt-Nord: neue Unterkunft"."""

from __future__ import annotations

from collections import Counter
from importlib import resources

from kokosim.stakeholders import (
    CASE_MAP_TITLE,
    SECTORS,
    articulation_points,
    brokers,
    example_map,
    isolated_actors,
    load_case_map,
    no_path_to_self,
)
from kokosim.stakeholders.exchange import ACTOR_HEADERS, RELATION_HEADERS


def test_case_map_has_what_the_exercises_need() -> None:
    karte = load_case_map()
    nodes = {name: karte.actor(name) for name in karte.actors}
    actors = [n for n, d in nodes.items() if not d["is_issue"]]
    assert CASE_MAP_TITLE == "Musterstadt-Nord: neue Unterkunft"
    assert 15 <= len(actors) <= 30
    assert karte.self_actor == "KMS-Koordination (ich)"
    assert sum(d["is_shadow"] for d in nodes.values()) >= 1
    assert sum(d["is_issue"] for d in nodes.values()) == 1
    kinds = Counter(kind for _, _, kind, _ in karte.relations())
    assert kinds["allianz"] >= 2 and kinds["unterbrochen"] >= 1 and kinds["einfluss"] >= 2
    stages = [d["stage"] for *_, kind, d in karte.relations() if kind == "konflikt"]
    assert len(stages) >= 3 and all(stage is not None for stage in stages)
    assert isolated_actors(karte, max_ties=1)
    assert not brokers(karte).iloc[0]["Betweenness"] == 0
    assert articulation_points(karte)
    assert not no_path_to_self(karte).empty
    assert {d["sector"] for d in nodes.values()} >= set(SECTORS) - {"Sonstige"}
    assert all(d["role"] for d in nodes.values() if not d["is_issue"])


def test_case_map_is_fictional() -> None:
    karte = load_case_map()
    # Organisations that could be mistaken for real ones carry "(fiktiv)"; generic offices of
    # any German town (Sozialdezernat, Ordnungsamt, ...) are named only by their function.
    generic = {"KMS-Koordination (ich)", "Unterkunft Lindenweg", "Bürgermeisteramt",
               "Sozialdezernat", "Bauordnungsamt", "Integrationsbüro Musterstadt",
               "Bezirksvertretung Nord", "Integrationsrat Musterstadt", "Bürgerverein Nord",
               "Polizeiwache Nord", "Ordnungsamt"}
    assert all(name in generic or name.endswith("(fiktiv)") for name in karte.actors)


def test_case_files_use_german_headers() -> None:
    folder = resources.files("kokosim") / "data"
    actors = (folder / "musterstadt_nord_akteure.csv").read_text(encoding="utf-8")
    relations = (folder / "musterstadt_nord_beziehungen.csv").read_text(encoding="utf-8")
    assert actors.splitlines()[0].split(";") == [h[0] for h in ACTOR_HEADERS.values()]
    assert relations.splitlines()[0].split(";") == [h[0] for h in RELATION_HEADERS.values()]


def test_loader_returns_fresh_copies() -> None:
    first = load_case_map()
    first.remove_actor("Sozialdezernat")
    assert "Sozialdezernat" in load_case_map()
    assert example_map() == example_map()
