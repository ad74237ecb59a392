"""CSV, JSON, GraphML and GEXF exchange of actor maps."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from kokosim.stakeholders import (
    MapFileError,
    StakeholderMap,
    load_case_map,
    read_csv,
    read_graphml,
    read_json,
    write_csv,
    write_gexf,
)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture()
def case() -> StakeholderMap:
    return load_case_map()


def test_english_headers_commas_and_bom(tmp_path: Path) -> None:
    actors = _write(tmp_path / "actors.csv",
                    "\ufeffname,sector,influence,stance,power,shadow,self\n"
                    "City,Verwaltung,5,pro/neutral,\"7,5\",no,yes\n"
                    "Club,zivilgesellschaft,2,contra,,x,\n", encoding="utf-8")
    relations = _write(tmp_path / "relations.csv",
                       "source,target,kind,stage,note\nCity,Club,konflikt,4,\"a, b\"\n")
    karte = read_csv(actors, relations)
    assert karte.actor("City")["stance"] == ("pro", "neutral")
    assert karte.actor("City")["power"] == 7.5
    assert karte.self_actor == "City"
    assert karte.actor("Club")["is_shadow"] is True
    assert karte.actor("Club")["sector"] == "Zivilgesellschaft"
    assert karte.relation("Club", "City", "konflikt") == {
        "kind": "konflikt", "strength": None, "stage": 4, "note": "a, b"}


def test_german_headers_semicolons_any_case(tmp_path: Path) -> None:
    actors = _write(tmp_path / "akteure.csv",
                    "NAME;Sektor;einfluss;Haltung;Bedürfnisse;Schattenpartei;Thema;Ich\n"
                    "Stadt;Verwaltung;5;pro;Ruhe;nein;nein;ja\n\n"
                    "Standort;Sonstige;0;;;nein;ja;nein\n")
    relations = _write(tmp_path / "beziehungen.csv",
                       "Von;Zu;Art;Stärke;Stufe;Notiz\nStadt;Standort;einfluss;2,5;;\n")
    karte = read_csv(actors, relations)
    assert karte.actors == ["Stadt", "Standort"]
    assert karte.actor("Standort")["is_issue"] is True
    assert karte.relation("Stadt", "Standort", "einfluss")["strength"] == 2.5


def test_errors_name_file_line_and_field_and_nothing_is_loaded(tmp_path: Path) -> None:
    actors = _write(tmp_path / "akteure.csv",
                    "name;sektor;einfluss;macht\n"
                    "Stadt;Verwaltung;5;3\n"
                    "Verein;Zivilgesellschaft;2;\n"
                    "Presse;Medien;1;\n"
                    "Kirche;Religionsgemeinschaft;1;\n"
                    "Moschee;Religionsgemeinschaft;1;\n"
                    "Schule;Bildung;viel;12\n"
                    "Stadt;Verwaltung;1;\n")
    relations = _write(tmp_path / "beziehungen.csv",
                       "von;zu;art;stufe\n"
                       "Stadt;Verein;kooperation;\n"
                       "Stadt;Rathaus;einfluss;\n"
                       "Verein;Presse;freundschaft;\n"
                       "Verein;Presse;konflikt;10\n"
                       "Verein;Kirche;allianz;3\n")
    with pytest.raises(MapFileError) as caught:
        read_csv(actors, relations)
    problems = caught.value.problems
    assert problems == [
        "akteure.csv, Zeile 7, Feld 'sektor': 'Bildung' ist kein bekannter Sektor (erlaubt: "
        "Verwaltung, Politik, Zivilgesellschaft, Migrantenselbstorganisation, Polizei/Ordnung, "
        "Medien, Wirtschaft, Religionsgemeinschaft, Bewohnerschaft, Sonstige)",
        "akteure.csv, Zeile 7, Feld 'einfluss': 'viel' ist keine ganze Zahl ≥ 0",
        "akteure.csv, Zeile 7, Feld 'macht': '12' ist keine Zahl von 0 bis 10",
        "akteure.csv, Zeile 8, Feld 'name': 'Stadt' gibt es schon auf der Karte",
        "beziehungen.csv, Zeile 3, Feld 'zu': 'Rathaus' ist kein Akteur der Karte",
        "beziehungen.csv, Zeile 4, Feld 'art': 'freundschaft' ist keine bekannte Beziehungsart "
        "(erlaubt: kooperation, allianz, informell, einfluss, konflikt, unterbrochen)",
        "beziehungen.csv, Zeile 5, Feld 'stufe': '10' ist keine Glasl-Stufe (ganze Zahl von 1 "
        "bis 9)",
        "beziehungen.csv, Zeile 6, Feld 'stufe': '3' ist nur bei der Art 'konflikt' erlaubt",
    ]
    assert str(caught.value).startswith("Die Karte wurde nicht geladen (8 Fehler):\n")
    assert isinstance(caught.value, ValueError)


def test_line_numbers_count_quoted_line_breaks(tmp_path: Path) -> None:
    actors = _write(tmp_path / "a.csv",
                    'name;position;influence\nA;"zwei\nZeilen";1\nB;;-3\n')
    relations = _write(tmp_path / "b.csv", "source;target;kind\n")
    with pytest.raises(MapFileError, match=r"a\.csv, Zeile 4, Feld 'influence': '-3'"):
        read_csv(actors, relations)


@pytest.mark.parametrize(("actors_text", "message"), [
    ("", "a.csv: die Datei ist leer"),
    ("sektor;einfluss\nVerwaltung;1\n", "a.csv, Zeile 1: Pflichtspalte fehlt: Name"),
    ("name;farbe\nA;rot\n", "a.csv, Zeile 1, Feld 'farbe': unbekannte Spalte"),
    ("name;Name\nA;B\n", "a.csv, Zeile 1, Feld 'Name': Spalte doppelt vorhanden"),
    ("name;einfluss\nA;1;2\n", "a.csv, Zeile 2: 3 Spalten, die Kopfzeile hat nur 2"),
    ("name;ich\nA;vielleicht\n", "a.csv, Zeile 2, Feld 'ich': 'vielleicht' ist weder ja noch"),
])
def test_table_problems(tmp_path: Path, actors_text: str, message: str) -> None:
    actors = _write(tmp_path / "a.csv", actors_text)
    relations = _write(tmp_path / "b.csv", "von;zu;art\n")
    with pytest.raises(MapFileError) as caught:
        read_csv(actors, relations)
    assert any(problem.startswith(message) for problem in caught.value.problems), \
        caught.value.problems


def test_unreadable_files(tmp_path: Path) -> None:
    actors = tmp_path / "a.csv"
    actors.write_bytes("name\nMüller\n".encode("latin-1"))
    with pytest.raises(MapFileError) as caught:
        read_csv(actors, tmp_path / "fehlt.csv")
    assert caught.value.problems[0].startswith("a.csv: ist keine UTF-8-Datei")
    assert caught.value.problems[1].startswith("fehlt.csv: kann nicht gelesen werden")


def test_many_problems_are_shortened_in_the_message(tmp_path: Path) -> None:
    rows = "".join(f"A{i};viel\n" for i in range(30))
    actors = _write(tmp_path / "a.csv", "name;einfluss\n" + rows)
    with pytest.raises(MapFileError) as caught:
        read_csv(actors, _write(tmp_path / "b.csv", "von;zu;art\n"))
    assert len(caught.value.problems) == 30
    assert str(caught.value).endswith("… und 5 weitere Fehler")


@pytest.mark.parametrize(("delimiter", "english"), [(";", False), (",", True)])
def test_csv_round_trip_of_the_case_map(tmp_path: Path, case: StakeholderMap, delimiter: str,
                                        english: bool) -> None:
    write_csv(case, tmp_path / "a.csv", tmp_path / "b.csv", delimiter=delimiter, english=english)
    header = (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("name,sector" if english else "Name;Sektor")
    assert read_csv(tmp_path / "a.csv", tmp_path / "b.csv") == case


def test_write_csv_rejects_other_delimiters(tmp_path: Path, case: StakeholderMap) -> None:
    with pytest.raises(ValueError, match="delimiter='\\\\t'"):
        write_csv(case, tmp_path / "a.csv", tmp_path / "b.csv", delimiter="\t")


def test_json_and_graphml_round_trips(tmp_path: Path, case: StakeholderMap) -> None:
    text = case.to_json(tmp_path / "karte.json")
    assert (tmp_path / "karte.json").read_text(encoding="utf-8") == text
    assert StakeholderMap.from_json(tmp_path / "karte.json") == case
    case.to_graphml(tmp_path / "karte.graphml")
    assert StakeholderMap.from_graphml(tmp_path / "karte.graphml") == case


@pytest.mark.parametrize(("text", "message"), [
    ('{"format": "kokosim-akteurslandkarte",\n "version": 1,\n "actors": [}',
     "k.json, Zeile 3: kein gültiges JSON"),
    ('{"format": "anders"}', "k.json: keine Akteurslandkarte von kokosim"),
    ('{"format": "kokosim-akteurslandkarte", "version": 7}', "k.json: Version 7"),
    ('{"format": "kokosim-akteurslandkarte", "version": 1, "actors": {}}',
     "k.json: 'actors' ist keine Liste"),
    ('{"format": "kokosim-akteurslandkarte", "version": 1, "actors": [3]}',
     "k.json, Akteur Nr. 1: ist kein Objekt"),
    ('{"format": "kokosim-akteurslandkarte", "version": 1, "actors": [{"name": "A"}, '
     '{"name": "B", "influence": "viel"}]}',
     "k.json, Akteur Nr. 2, Feld 'influence': 'viel' ist keine ganze Zahl ≥ 0"),
    ('{"format": "kokosim-akteurslandkarte", "version": 1, "actors": [{"name": "A"}], '
     '"relations": [{"source": "A", "target": "X", "kind": "allianz"}]}',
     "k.json, Beziehung Nr. 1, Feld 'target': 'X' ist kein Akteur der Karte"),
])
def test_json_problems(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MapFileError) as caught:
        read_json(_write(tmp_path / "k.json", text))
    assert caught.value.problems[0].startswith(message), caught.value.problems


def test_graphml_problems(tmp_path: Path) -> None:
    with pytest.raises(MapFileError, match="k.graphml: kein lesbares GraphML"):
        read_graphml(_write(tmp_path / "k.graphml", "<graphml>"))
    graph = nx.MultiDiGraph()
    graph.add_node("A", influence=-2)
    nx.write_graphml(graph, tmp_path / "bad.graphml")
    with pytest.raises(MapFileError, match="bad.graphml, Knoten 'A', Feld 'influence': '-2'"):
        read_graphml(tmp_path / "bad.graphml")


def test_gexf_export_for_gephi(tmp_path: Path, case: StakeholderMap) -> None:
    write_gexf(case, tmp_path / "karte.gexf")
    root = ET.parse(tmp_path / "karte.gexf").getroot()
    namespace = {"g": root.tag.split("}")[0].strip("{")}
    edges = root.findall(".//g:edge", namespace)
    assert len(edges) == case.graph.number_of_edges()
    types = {edge.get("label"): edge.get("type") for edge in edges}
    assert types["einfluss"] == "directed" and types["allianz"] == "undirected"
    nodes = {node.get("label"): node for node in root.findall(".//g:node", namespace)}
    assert set(nodes) == set(case.actors)
    colour = next(child for child in nodes["Sozialdezernat"] if child.tag.endswith("color"))
    assert (colour.get("r"), colour.get("g"), colour.get("b")) == ("0", "114", "178")
