"""The ipywidgets workshop editor, driven at the Python level through its buttons."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
import pytest

from kokosim.stakeholders import StakeholderEditor, StakeholderMap, example_map
from kokosim.stakeholders import drawing


def _add_actor(editor: StakeholderEditor, name: str, **fields: object) -> None:
    editor.clear_actor_form()
    editor.actor_form["name"].value = name
    for field, value in fields.items():
        editor.actor_form[field].value = value
    editor.buttons["save_actor"].click()


def _relation(editor: StakeholderEditor, source: str, target: str, kind: str,
              **fields: object) -> None:
    form = editor.relation_form
    form["source"].value, form["target"].value, form["kind"].value = source, target, kind
    for field, value in fields.items():
        form[field].value = value
    editor.buttons["save_relation"].click()


def _ok(editor: StakeholderEditor) -> bool:
    return "#006400" in editor.message.value


@pytest.fixture()
def editor(tmp_path: Path) -> StakeholderEditor:
    return StakeholderEditor(folder=tmp_path, title="Workshop")


def test_widget_tree_and_german_labels(editor: StakeholderEditor) -> None:
    assert isinstance(editor.widget, w.VBox)
    assert "application/vnd.jupyter.widget-view+json" in editor._repr_mimebundle_()
    labels = {button.description for button in editor.buttons.values()}
    assert {"Akteur speichern", "Beziehung speichern", "Rückgängig", "CSV speichern",
            "JSON laden"} <= labels
    assert editor.actor_form["influence"].description == "Einfluss"
    assert editor.image.value  # an empty map is drawn too


def test_add_actors_and_relations_updates_map_and_drawing(editor: StakeholderEditor) -> None:
    empty_png = editor.image.value
    _add_actor(editor, "KMS", sector="Verwaltung", influence=3, is_self=True, power="4",
               interest="9,5", stance=("neutral",))
    assert _ok(editor) and "Akteur 'KMS' hinzugefügt." in editor.message.value
    first_png = editor.image.value
    assert first_png != empty_png
    _add_actor(editor, "Bürgerverein", sector="Zivilgesellschaft", influence=4,
               stance=("contra",), needs="Gehört werden")
    _relation(editor, "KMS", "Bürgerverein", "konflikt", stage=4, strength="2", note="Streit")
    assert _ok(editor), editor.message.value
    karte = editor.karte
    assert karte.actor("KMS")["interest"] == 9.5 and karte.actor("KMS")["is_self"]
    assert karte.actor("Bürgerverein")["needs"] == "Gehört werden"
    assert karte.relation("KMS", "Bürgerverein", "konflikt") == {
        "kind": "konflikt", "strength": 2.0, "stage": 4, "note": "Streit"}
    assert editor.image.value != first_png
    assert editor.relation_form["source"].options == ("KMS", "Bürgerverein")


def test_existing_actor_fills_the_form_and_is_updated(editor: StakeholderEditor) -> None:
    _add_actor(editor, "Presse", sector="Medien", influence=5, power="7")
    editor.clear_actor_form()
    editor.actor_form["name"].value = "Presse"
    assert editor.actor_form["sector"].value == "Medien"
    assert editor.actor_form["influence"].value == 5
    assert editor.actor_form["power"].value == "7"
    editor.actor_form["influence"].value = 2
    editor.buttons["save_actor"].click()
    assert "Akteur 'Presse' geändert." in editor.message.value
    assert editor.karte.actor("Presse")["influence"] == 2 and len(editor.karte) == 1


def test_existing_relation_fills_the_form_and_is_updated(editor: StakeholderEditor) -> None:
    editor.karte = example_map()
    editor.relayout()
    form = editor.relation_form
    form["source"].value, form["target"].value, form["kind"].value = "Amt", "Verein", "konflikt"
    assert form["stage"].value == 4
    form["stage"].value = 6
    editor.buttons["save_relation"].click()
    assert "geändert" in editor.message.value
    assert editor.karte.relation("Verein", "Amt", "konflikt")["stage"] == 6


def test_errors_are_german_and_change_nothing(editor: StakeholderEditor) -> None:
    _add_actor(editor, "A")
    before = editor.karte.copy()
    _add_actor(editor, "B", power="sehr viel")
    assert not _ok(editor)
    assert "Feld 'Macht': 'sehr viel' ist keine Zahl von 0 bis 10" \
        in editor.message.value
    _add_actor(editor, "   ")
    assert "ist leer" in editor.message.value
    _relation(editor, "A", "A", "kooperation")
    assert "Feld 'Zu'" in editor.message.value
    assert editor.karte == before
    editor.buttons["undo"].click()  # the failed attempts left nothing to undo but "A"
    assert len(editor.karte) == 0


def test_stage_is_ignored_for_other_kinds(editor: StakeholderEditor) -> None:
    _add_actor(editor, "A")
    _add_actor(editor, "B")
    _relation(editor, "A", "B", "allianz", stage=5)
    assert _ok(editor)
    assert editor.karte.relation("A", "B", "allianz")["stage"] is None


def test_remove_and_undo(editor: StakeholderEditor) -> None:
    editor.karte = example_map()
    editor.relayout()
    full = editor.karte.copy()
    picture = editor.image.value
    editor.actor_form["name"].value = "Amt"
    editor.buttons["remove_actor"].click()
    assert "Amt" not in editor.karte and editor.image.value != picture
    editor.relation_form["source"].value = "Presse"
    editor.relation_form["target"].value = "Initiative"
    editor.relation_form["kind"].value = "einfluss"
    editor.buttons["remove_relation"].click()
    assert editor.karte.find_relation("Presse", "Initiative", "einfluss") is None
    editor.buttons["undo"].click()
    assert editor.karte.find_relation("Presse", "Initiative", "einfluss") is not None
    assert "Amt" not in editor.karte
    editor.buttons["undo"].click()
    assert editor.karte == full
    assert editor.image.value == picture  # same positions, same picture
    editor.buttons["undo"].click()
    assert "nichts rückgängig" in editor.message.value


def test_drawn_actors_keep_their_place(editor: StakeholderEditor) -> None:
    for name in ("A", "B", "C"):
        _add_actor(editor, name)
    _relation(editor, "A", "B", "kooperation")
    before = dict(editor._positions)
    _add_actor(editor, "D")
    assert all(editor._positions[n] == before[n] for n in before)


def test_csv_and_json_save_and_load(editor: StakeholderEditor, tmp_path: Path) -> None:
    editor.karte = example_map()
    editor.buttons["save_csv"].click()
    assert _ok(editor)
    assert (tmp_path / "akteure.csv").exists() and (tmp_path / "beziehungen.csv").exists()
    editor.buttons["save_json"].click()
    editor.file_form["image"].value = "bild.svg"
    editor.buttons["save_image"].click()
    assert (tmp_path / "bild.svg").stat().st_size > 0
    editor.karte = StakeholderMap()
    editor.buttons["load_csv"].click()
    assert editor.karte == example_map() and "Geladen: 8 Akteure." in editor.message.value
    editor.karte = StakeholderMap()
    editor.buttons["load_json"].click()
    assert editor.karte == example_map()
    editor.buttons["undo"].click()  # undo the load
    assert len(editor.karte) == 0


def test_file_errors_are_reported(editor: StakeholderEditor, tmp_path: Path) -> None:
    (tmp_path / "akteure.csv").write_text("Name;Einfluss\nA;viel\n", encoding="utf-8")
    (tmp_path / "beziehungen.csv").write_text("Von;Zu;Art\n", encoding="utf-8")
    editor.buttons["load_csv"].click()
    assert "akteure.csv, Zeile 2, Feld 'Einfluss'" in editor.message.value
    assert len(editor.karte) == 0
    editor.file_form["json"].value = "fehlt.json"
    editor.buttons["load_json"].click()
    assert "fehlt.json: kann nicht gelesen werden" in editor.message.value
    editor.file_form["image"].value = "bild.gif"
    editor.buttons["save_image"].click()
    assert "Feld 'Bild'" in editor.message.value
    editor.file_form["json"].value = "kein/ordner/karte.json"
    editor.buttons["save_json"].click()
    assert "Datei-Fehler" in editor.message.value


def test_large_map_warning_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drawing, "MAX_DRAWN_ACTORS", 5)
    editor = StakeholderEditor(example_map())
    assert "zu viele für eine lesbare Zeichnung" in editor.message.value


def test_relayout_arranges_anew(editor: StakeholderEditor) -> None:
    editor.karte = example_map()
    editor.relayout()
    before, seed = dict(editor._positions), editor.seed
    editor.buttons["relayout"].click()
    assert editor.seed == seed + 1
    assert editor._positions != before and set(editor._positions) == set(before)
    assert "neu angeordnet" in editor.message.value


def test_form_text_button_shows_the_map_in_the_form_syntax(editor: StakeholderEditor) -> None:
    import ast

    from kokosim.praxisprojekt import map_from_form

    _add_actor(editor, "KMS (ich)", sector="Verwaltung", influence=3, is_self=True,
               stance=("neutral",), role="Schlüsselakteur")
    _add_actor(editor, "Bürgerverein", sector="Zivilgesellschaft", influence=2,
               stance=("contra", "neutral"), power="4")
    _relation(editor, "KMS (ich)", "Bürgerverein", "konflikt", stage=3, note="Streit")
    assert editor.form_text.value == ""
    editor.buttons["form_text"].click()
    assert _ok(editor) and "Formular-Text erzeugt (2 Einträge)" in editor.message.value
    text = editor.form_text.value
    assert text.startswith("akteure = [") and "beziehungen = [" in text
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(text).body}
    assert map_from_form(values["akteure"], values["beziehungen"]) == editor.karte
    assert "Formular" in {editor.widget.children[1].children[0].get_title(i) for i in range(4)}


def test_form_text_names_what_the_form_leaves_out(editor: StakeholderEditor) -> None:
    _add_actor(editor, "Presse", sector="Medien", influence=7, needs="Nachrichten")
    editor.buttons["form_text"].click()
    text = editor.form_text.value
    assert "# Nicht übernommen (das Formular bleibt bewusst knapp): Bedürfnisse" in text
    assert "# Achtung: Einfluss über 5 bei Presse" in text
    editor.buttons["undo"].click()  # the text follows the map once it has been shown
    assert editor.form_text.value == "akteure = [\n]\nbeziehungen = [\n]"
