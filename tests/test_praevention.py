"""The Präventionsplan checker finds each kind of gap and names where it is."""

from __future__ import annotations

import copy
import json
import tomllib
from importlib import resources

import pytest

from kokosim.praevention import (
    MAX_CHAIN_HOURS, REQUIRED_SECTORS, ROLES, PreventionPlan, check_plan, example_plan, load_plan,
)


@pytest.fixture
def plan_data() -> dict:
    text = resources.files("kokosim").joinpath("data/praeventionsplan_musterstadt.toml")
    return tomllib.loads(text.read_text(encoding="utf-8"))


def messages(data: dict) -> list[str]:
    return [str(finding) for finding in check_plan(data).findings]


def test_example_plan_is_complete_and_fictional():
    result = check_plan(example_plan())
    assert result.complete and result.chain_hours == 3.0
    assert {r["rolle"] for r in example_plan().rollen} == set(ROLES)


def test_missing_role_is_named(plan_data):
    plan_data["rollen"] = [r for r in plan_data["rollen"] if r["rolle"] != "kommunikation"]
    assert messages(plan_data) == [
        "rollen: Rolle 'kommunikation' (Krisenkommunikation (Presse und soziale Medien)) ist nicht besetzt."]


def test_deputy_must_differ_and_fields_must_be_filled(plan_data):
    plan_data["rollen"][1]["vertretung"] = plan_data["rollen"][1]["funktion"]
    plan_data["netzwerk"][0]["kontakt"] = "  "
    found = messages(plan_data)
    assert "rollen (rollen[1]): Vertretung und Funktion sind dieselbe Stelle." in found
    assert "netzwerk (netzwerk[0]): Feld 'kontakt' fehlt oder ist leer." in found


@pytest.mark.parametrize("sector", REQUIRED_SECTORS)
def test_each_required_sector_is_checked(plan_data, sector):
    plan_data["netzwerk"] = [m for m in plan_data["netzwerk"] if m["sektor"] != sector]
    plan_data["kette"] = [k for k in plan_data["kette"]
                          if k["an"] in ROLES or k["an"] in {m["name"] for m in plan_data["netzwerk"]}]
    assert messages(plan_data) == [f"netzwerk: Kein Netzwerkpartner aus dem Sektor '{sector}'."]


def test_chain_must_reach_everyone_from_the_coordination(plan_data):
    broken = copy.deepcopy(plan_data)
    broken["kette"] = [k for k in broken["kette"] if k["an"] != "Bürgerverein Nord"]
    assert "kette: Die Meldekette erreicht nicht: Bürgerverein Nord." in messages(broken)
    headless = copy.deepcopy(plan_data)
    headless["kette"] = [k for k in headless["kette"] if k["von"] != "koordination"]
    assert any("beginnt nicht bei der Krisenkoordination" in m for m in messages(headless))


def test_chain_names_only_known_parties_and_valid_hours(plan_data):
    plan_data["kette"].append({"von": "netzwerkpflege", "an": "Sportverein", "kanal": "Telefon",
                               "frist_stunden": "bald"})
    found = messages(plan_data)
    index = len(plan_data["kette"]) - 1
    assert f"kette (kette[{index}]): 'Sportverein' ist weder Rolle noch Netzwerkpartner." in found
    assert f"kette (kette[{index}]): 'frist_stunden' = 'bald' ist keine Zahl ≥ 0." in found


def test_slow_chain_is_a_gap(plan_data):
    for link in plan_data["kette"]:
        link["frist_stunden"] = MAX_CHAIN_HOURS
    result = check_plan(plan_data)
    assert result.chain_hours == 2 * MAX_CHAIN_HOURS
    assert any("mehr als" in str(f) for f in result.findings)


def test_triggers_for_latent_acute_and_after_crisis(plan_data):
    plan_data["ausloeser"] = [t for t in plan_data["ausloeser"] if t["phase"] != "akut"]
    plan_data["ausloeser"].append({"phase": "orange", "indikator": "x", "massnahme": "y"})
    found = messages(plan_data)
    assert "ausloeser: Kein Auslöser für die Phase 'akut' (rot)." in found
    assert any("Unbekannte Phase 'orange'" in m for m in found)


def test_load_plan_reads_toml_and_json_and_names_the_file_on_errors(tmp_path, plan_data):
    as_json = tmp_path / "plan.json"
    as_json.write_text(json.dumps(plan_data), encoding="utf-8")
    assert check_plan(load_plan(as_json)).complete
    broken = tmp_path / "plan.toml"
    broken.write_text('kommune = "Musterstadt"\n[[rollen]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"plan\.toml: keine gültige TOML-Datei: .*line 2"):
        load_plan(broken)
    unknown = tmp_path / "extra.toml"
    unknown.write_text('kommune = "M"\nbudget = 3\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"extra\.toml: unbekannte\(r\) Schlüssel 'budget'"):
        load_plan(unknown)


def test_plan_object_and_dict_give_the_same_result(plan_data):
    assert check_plan(PreventionPlan.from_dict(plan_data)) == check_plan(plan_data)


def test_example_plan_partners_are_actors_of_the_case_map():
    from kokosim.stakeholders import load_case_map

    actors = load_case_map().actors_table()
    for member in example_plan().netzwerk:
        assert actors.loc[member["name"], "sector"] == member["sektor"], member["name"]


def test_save_plan_round_trips_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    from kokosim.praevention import save_plan

    target = save_plan(example_plan(), tmp_path / "plan.json")
    assert load_plan(target).to_dict() == example_plan().to_dict()
    before = target.read_bytes()
    changed = example_plan()
    changed.kommune = "Andere Stadt"

    def full_disk(*args):
        raise OSError("Datenträger voll")

    monkeypatch.setattr("os.replace", full_disk)
    with pytest.raises(OSError):
        save_plan(changed, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
    with pytest.raises(ValueError, match=r"plan\.toml: Pläne werden als \.json gespeichert"):
        save_plan(changed, tmp_path / "plan.toml")


def test_crisis_light_checks_its_rules_from_top_to_bottom():
    from kokosim.praevention import crisis_phase

    assert crisis_phase(0.5, 0.0, 0, 3) == "akut"
    assert crisis_phase(0.49, 0.0, 0, 12) == "nachkrise"
    assert crisis_phase(0.49, 0.0, 0, 13) == "latent"
    assert crisis_phase(0.2, 0.08, 0, None) == "latent"
    assert crisis_phase(0.34, 0.079, 0, 40) == "potenziell"
    assert crisis_phase(0.0, 0.0, 1, None) == "akut"


def test_crisis_phases_count_weeks_since_the_last_acute_week():
    import pandas as pd

    from kokosim.praevention import crisis_phases

    run = pd.DataFrame({"step": range(0, 16), "mean_threat": [0.2] * 16,
                        "rumour_share": [0.0] * 16, "incidents": [0, 1] + [0] * 14})
    phases = crisis_phases(run)
    assert phases.index.tolist() == list(range(1, 16))
    assert phases[1] == "akut" and (phases.loc[2:13] == "nachkrise").all()
    assert phases[14] == "potenziell"
    assert crisis_phases(run, rule=lambda *args: "latent").eq("latent").all()
