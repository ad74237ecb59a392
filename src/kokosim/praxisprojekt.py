"""The graded transfer project (Praxisprojekt): forms, machine checks and the submission.

Across the modules each trainee builds the artefacts of the project for their own Kommune in
four notebooks (masters in ``course/source/praxisprojekt/``, copies in ``praxisprojekt/``):

1. a **Bestandsaufnahme** over the eight KMS building blocks of module 3.1
   (:data:`BUILDING_BLOCKS`, :func:`show_inventory`),
2. an **actor map** of their own conflict field, kept as a form in the notebook
   (:func:`map_from_form`, :func:`show_map`; the workshop editor turns a map back into the
   form's text with :func:`form_text`),
3. a **KMS draft**: building blocks, roles, procedure standards (:data:`PROCEDURES`, module 4)
   and the yearly cost after the course's cost model (:func:`cost_table`, module 3.4),
4. a **Präventionsplan** draft checked with :func:`kokosim.praevention.check_plan`
   (:func:`show_plan`), and the submission.

Every artefact is a *form*: a code cell of Python literals that the trainee fills in and the
course team grades by hand. The ``show_*`` functions show a form as German tables and list gaps
and form errors as friendly German hints; they never raise on what a trainee typed, because a
traceback would stop "Alle Zellen ausführen". A blank form gives "Noch leer: …".

**Submission.** :func:`pack_submission` reads the four *saved* notebooks, collects the names of
the actor form of notebook 2 (the cell's literals are read with :func:`ast.literal_eval`, never
executed) and the optional list ``weitere_namen`` of notebook 4, replaces every name in every
cell's source and outputs of all four notebooks by a pseudonym such as
``"Akteur A (Verwaltung)"`` (:func:`pseudonymise`), writes the ZIP to hand in atomically and the
key table :data:`KEY_FILE` beside it; the key is never part of the ZIP.

Musterstadt stays the worked example: the ``EXAMPLE_*`` constants are the masters' solutions
(fictional, like every name in the case).

Examples
--------
>>> show_inventory({key: {"status": "", "notiz": ""} for key in BUILDING_BLOCKS})
Noch leer: die Bestandsaufnahme. Tragen Sie je Baustein einen Status ("vorhanden", "teilweise" \
oder "fehlt") und eine kurze Notiz ein.
>>> text, key = pseudonymise("Das Jugendamt lädt ein; des Jugendamts Antwort an Frau Beispiel.",
...                          {"Jugendamt": "Verwaltung", "Frau Beispiel": None})
>>> text
'Das Akteur A (Verwaltung) lädt ein; des Akteur A (Verwaltung) Antwort an Name 1.'
>>> key
{'Jugendamt': 'Akteur A (Verwaltung)', 'Frau Beispiel': 'Name 1'}
"""

from __future__ import annotations

import ast
import copy
import csv
import html
import io
import json
import keyword
import math
import re
import tokenize
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import pandas as pd

from kokosim._atomic import atomic_open, atomic_write
from kokosim.certification.projecttitle import TITLE_CELL, ProjectTitleError, read_title
from kokosim.escalation import LADDER
from kokosim.praevention import PHASES, PreventionPlan, check_plan
from kokosim.praevention import ROLES as PLAN_ROLES
from kokosim.stakeholders.exchange import StakeholderMap
from kokosim.stakeholders.form import (
    ACTOR_KEYS,
    MAX_INFLUENCE,
    RELATION_KEYS,
    FormError,
    actor_label,
    form_text,
    map_from_form,
    relation_record,
)
from kokosim.stakeholders.model import FieldError, validate_actor_field
from kokosim.stakeholders.vocabulary import RELATION_KINDS, ROLES, SECTORS, STANCES
from kokosim.style import german_number, quoted

__all__ = [
    "NOTEBOOKS",
    "ZIP_FILE",
    "KEY_FILE",
    "ACTOR_FORM_ID",
    "EXTRA_NAMES_ID",
    "BUILDING_BLOCKS",
    "STATUS",
    "MAX_INFLUENCE",
    "ACTOR_KEYS",
    "RELATION_KEYS",
    "PROCEDURES",
    "LEVER_BLOCKS",
    "EXAMPLE_INVENTORY",
    "EXAMPLE_ACTORS",
    "EXAMPLE_RELATIONS",
    "EXAMPLE_BLOCKS",
    "EXAMPLE_ROLES",
    "EXAMPLE_STANDARDS",
    "EXAMPLE_LEVERS",
    "EXAMPLE_RATES",
    "EXAMPLE_EXTRA_COSTS",
    "EXAMPLE_PLAN",
    "FormError",
    "is_blank",
    "inventory_hints",
    "inventory_table",
    "inventory_gaps",
    "show_inventory",
    "map_from_form",
    "form_text",
    "map_hints",
    "show_map",
    "editor_from_form",
    "blocks_hints",
    "roles_hints",
    "standards_table",
    "standards_hints",
    "show_kms",
    "cost_table",
    "show_costs",
    "plan_from_form",
    "show_plan",
    "SubmissionError",
    "SubmissionReport",
    "read_form",
    "collect_names",
    "pseudonym_key",
    "pseudonymise",
    "pack_submission",
    "submission_button",
]

#: The project's notebooks, in working order (file names in ``praxisprojekt/``).
NOTEBOOKS: tuple[str, ...] = (
    "01_projektauftrag_und_bestandsaufnahme.ipynb",
    "02_eigene_akteurslandkarte.ipynb",
    "03_kms_entwurf.ipynb",
    "04_praeventionsplan_entwurf.ipynb",
)
#: File name of the submission written by the button of notebook 4.
ZIP_FILE = "praxisprojekt_abgabe.zip"
#: File name of the key table (real name -> pseudonym), written beside the ZIP, never into it.
KEY_FILE = "pseudonymschluessel_NICHT_ABGEBEN.csv"
#: nbgrader ``grade_id`` of the actor form (notebook 2): ``akteure`` and ``beziehungen``.
ACTOR_FORM_ID = "akteurslandkarte"
#: nbgrader ``grade_id`` of the list ``weitere_namen`` (notebook 4).
EXTRA_NAMES_ID = "weitere_namen"
_STUBS = ("IHRE ANTWORT HIER",)  # the text stub of nbgrader's student copies (nbgrader_config)

#: The eight building blocks of a KMS as in module 3.1: key -> (German name, task).
BUILDING_BLOCKS: dict[str, tuple[str, str]] = {
    "anlaufstellen": ("Anlaufstellen",
                      "Orte und Personen, bei denen Konflikte gemeldet werden und ankommen."),
    "verfahrensstandards": ("Verfahrensstandards",
                            "Festgelegte Abläufe: wer was wann tut, Fristen, Zuständigkeiten."),
    "verfahrenswahl": ("Systematische Verfahrenswahl",
                       "Regeln, nach denen zu einem Konflikt das passende Verfahren gewählt wird."),
    "konfliktbearbeiter": ("Interne und externe Konfliktbearbeiter:innen",
                           "Menschen, die Verfahren durchführen, z. B. ein Mediator:innen-Pool."),
    "koordination": ("Koordinationsstelle",
                     "Hält das System zusammen, nimmt Fälle an, verteilt sie und hält den "
                     "Überblick."),
    "information": ("Information und Kommunikation",
                    "Informiert über das System und kommuniziert verlässlich mit der "
                    "Öffentlichkeit."),
    "dokumentation": ("Dokumentation, Evaluation und Qualitätssicherung",
                      "Fälle festhalten, Wirkung auswerten, das System verbessern."),
    "qualifizierung": ("Qualifizierung", "Schulung aller Beteiligten in Konfliktbearbeitung."),
}
#: Status values of the Bestandsaufnahme.
STATUS: tuple[str, ...] = ("vorhanden", "teilweise", "fehlt")
#: Procedures of a procedure standard (module 4): the ladder's keys and three more.
PROCEDURES: dict[str, str] = {
    **{rung.key: rung.name for rung in LADDER},
    "dialog": "Dialog- und Begegnungsformat",
    "konfliktberatung": "Kommunale Konfliktberatung",
    "polizei": "kein Verfahren der Leiter: Strafanzeige, Schutz der Betroffenen, Solidarität",
}
_OFF_LADDER = {
    "dialog": "nicht auf der Leiter: vorbeugend und in der Nachsorge",
    "konfliktberatung": "nicht auf der Leiter: berät die Kommune als Ganzes",
    "polizei": "kein Fall für die Leiter (Gewalt, andere Straftaten)",
}
#: Key of the cost model's levers (module 3.4) -> building block it belongs to.
LEVER_BLOCKS: dict[str, str] = {
    "stellen": "Koordinationsstelle", "pool": "Konfliktbearbeiter:innen",
    "netz": "Anlaufstellen", "meldeverzug": "Anlaufstellen", "schwelle": "Anlaufstellen",
    "verfahrenswahl": "Systematische Verfahrenswahl",
    "begegnung": "Information und Kommunikation", "praeventionsplan": "Krisenvorsorge",
}

# ---------------------------------------------------------------------------------------------
# The worked example Musterstadt (fictional): the solutions of the masters.

#: Bestandsaufnahme of Musterstadt (module 3.1's structures S1–S10, judged per building block).
EXAMPLE_INVENTORY: dict[str, dict[str, str]] = {
    "anlaufstellen": {"status": "vorhanden",
                      "notiz": "Bürgertelefon des Ordnungsamts (Lärm, Müll, Parken); offene "
                               "Sprechstunde im Quartiersbüro Nord zweimal pro Woche"},
    "verfahrensstandards": {"status": "teilweise",
                            "notiz": "Dienstanweisung: Antwort auf schriftliche Beschwerden "
                                     "binnen 14 Tagen; für Konflikte zwischen Gruppen im "
                                     "Stadtteil gibt es keinen Ablauf"},
    "verfahrenswahl": {"status": "fehlt",
                       "notiz": "Keine Regel, welches Verfahren zu welchem Konflikt passt; jede "
                                "Stelle entscheidet für sich"},
    "konfliktbearbeiter": {"status": "teilweise",
                           "notiz": "Zwei Mitarbeitende des Integrationsbüros mit "
                                    "Mediationsausbildung; Liste freiberuflicher "
                                    "Mediator:innen ohne Rahmenverträge; Schiedsamt (Schlichtung)"},
    "koordination": {"status": "teilweise",
                     "notiz": "KMS-Koordination seit wenigen Wochen besetzt, mit Auftrag der "
                              "Verwaltungsspitze; Abläufe, Vertretung und Rückhalt im Aufbau"},
    "information": {"status": "vorhanden",
                    "notiz": "Newsletter des Integrationsbüros; Informationsseite zur neuen "
                             "Unterkunft"},
    "dokumentation": {"status": "vorhanden",
                      "notiz": "Jahresbericht des Integrationsbüros mit Fallzahlen und einer "
                               "Befragung der Beteiligten"},
    "qualifizierung": {"status": "teilweise",
                       "notiz": "Deeskalationsschulung nur für die Hausmeister:innen der "
                                "Wohnungsbaugesellschaft Nord"},
}

#: Actor form of Musterstadt-Nord (a part of the case map, influence on the 0–5 scale).
EXAMPLE_ACTORS: list[dict[str, Any]] = [
    {"name": "KMS-Koordination (ich)", "sektor": "Verwaltung", "einfluss": 3,
     "haltung": "neutral", "rolle": "Schlüsselakteur", "ich": True},
    {"name": "Unterkunft Lindenweg", "sektor": "Sonstige", "einfluss": 0, "haltung": "",
     "thema": True},
    {"name": "Bürgermeisteramt", "sektor": "Politik", "einfluss": 5, "haltung": "pro",
     "rolle": "Veto-Player"},
    {"name": "Sozialdezernat", "sektor": "Verwaltung", "einfluss": 4, "haltung": "pro",
     "rolle": "Schlüsselakteur"},
    {"name": "Integrationsbüro Musterstadt", "sektor": "Verwaltung", "einfluss": 3,
     "haltung": "pro", "rolle": "Primärakteur"},
    {"name": "Wählergemeinschaft Nord (fiktiv)", "sektor": "Politik", "einfluss": 3,
     "haltung": "contra", "rolle": "Veto-Player"},
    {"name": "Bezirksvertretung Nord", "sektor": "Politik", "einfluss": 2, "haltung": "neutral",
     "rolle": "Primärakteur"},
    {"name": "Bürgerverein Nord", "sektor": "Zivilgesellschaft", "einfluss": 3,
     "haltung": "contra", "rolle": "Primärakteur"},
    {"name": "Anwohnerinitiative Lindenweg (fiktiv)", "sektor": "Bewohnerschaft", "einfluss": 2,
     "haltung": "contra", "rolle": "Primärakteur"},
    {"name": "Flüchtlingshilfe Nord e. V. (fiktiv)", "sektor": "Zivilgesellschaft",
     "einfluss": 2, "haltung": "pro", "rolle": "Primärakteur"},
    {"name": "Sozialwerk Nord gGmbH (fiktiv)", "sektor": "Zivilgesellschaft", "einfluss": 2,
     "haltung": "pro", "rolle": "Primärakteur"},
    {"name": "Moscheegemeinde Nord (fiktiv)", "sektor": "Religionsgemeinschaft", "einfluss": 2,
     "haltung": "pro", "rolle": "Sekundärakteur"},
    {"name": "Kulturverein Brücke e. V. (fiktiv)", "sektor": "Migrantenselbstorganisation",
     "einfluss": 2, "haltung": "pro", "rolle": "Sekundärakteur"},
    {"name": "SV Nord 1921 (fiktiv)", "sektor": "Zivilgesellschaft", "einfluss": 3,
     "haltung": "contra", "rolle": "Primärakteur"},
    {"name": "Polizeiwache Nord", "sektor": "Polizei/Ordnung", "einfluss": 3,
     "haltung": "neutral", "rolle": "Primärakteur"},
    {"name": "Nordstadt-Anzeiger (fiktiv)", "sektor": "Medien", "einfluss": 3,
     "haltung": "neutral", "rolle": "Sekundärakteur"},
    {"name": "Online-Gruppe „Wir in Nord“ (fiktiv)", "sektor": "Medien", "einfluss": 2,
     "haltung": "contra", "rolle": "Sekundärakteur", "schattenpartei": True},
]
#: Relations of the example (Fisher notation, conflicts with their Glasl stage).
EXAMPLE_RELATIONS: list[dict[str, Any]] = [
    {"von": "KMS-Koordination (ich)", "zu": "Sozialdezernat", "art": "kooperation"},
    {"von": "KMS-Koordination (ich)", "zu": "Integrationsbüro Musterstadt", "art": "kooperation"},
    {"von": "KMS-Koordination (ich)", "zu": "Polizeiwache Nord", "art": "kooperation"},
    {"von": "KMS-Koordination (ich)", "zu": "Bezirksvertretung Nord", "art": "informell"},
    {"von": "Bürgermeisteramt", "zu": "KMS-Koordination (ich)", "art": "einfluss"},
    {"von": "Bürgermeisteramt", "zu": "Sozialdezernat", "art": "einfluss"},
    {"von": "Sozialdezernat", "zu": "Unterkunft Lindenweg", "art": "einfluss"},
    {"von": "Sozialdezernat", "zu": "Sozialwerk Nord gGmbH (fiktiv)", "art": "kooperation"},
    {"von": "Integrationsbüro Musterstadt", "zu": "Flüchtlingshilfe Nord e. V. (fiktiv)",
     "art": "kooperation"},
    {"von": "Integrationsbüro Musterstadt", "zu": "Kulturverein Brücke e. V. (fiktiv)",
     "art": "kooperation"},
    {"von": "Wählergemeinschaft Nord (fiktiv)", "zu": "Bürgerverein Nord", "art": "allianz"},
    {"von": "Wählergemeinschaft Nord (fiktiv)", "zu": "Bürgermeisteramt", "art": "konflikt",
     "stufe": 4},
    {"von": "Bezirksvertretung Nord", "zu": "Bürgerverein Nord", "art": "informell"},
    {"von": "Bürgerverein Nord", "zu": "Anwohnerinitiative Lindenweg (fiktiv)", "art": "allianz"},
    {"von": "Bürgerverein Nord", "zu": "Integrationsbüro Musterstadt", "art": "unterbrochen",
     "notiz": "Runder Tisch im Streit abgebrochen"},
    {"von": "Bürgerverein Nord", "zu": "Sozialdezernat", "art": "konflikt", "stufe": 3},
    {"von": "Anwohnerinitiative Lindenweg (fiktiv)", "zu": "Flüchtlingshilfe Nord e. V. (fiktiv)",
     "art": "konflikt", "stufe": 4},
    {"von": "Anwohnerinitiative Lindenweg (fiktiv)", "zu": "Sozialwerk Nord gGmbH (fiktiv)",
     "art": "konflikt", "stufe": 2},
    {"von": "Flüchtlingshilfe Nord e. V. (fiktiv)", "zu": "Moscheegemeinde Nord (fiktiv)",
     "art": "allianz"},
    {"von": "Kulturverein Brücke e. V. (fiktiv)", "zu": "Moscheegemeinde Nord (fiktiv)",
     "art": "informell"},
    {"von": "SV Nord 1921 (fiktiv)", "zu": "Sozialdezernat", "art": "konflikt", "stufe": 3},
    {"von": "SV Nord 1921 (fiktiv)", "zu": "Bürgerverein Nord", "art": "informell"},
    {"von": "Nordstadt-Anzeiger (fiktiv)", "zu": "Bürgerverein Nord", "art": "informell"},
    {"von": "Online-Gruppe „Wir in Nord“ (fiktiv)", "zu": "Anwohnerinitiative Lindenweg (fiktiv)",
     "art": "einfluss"},
    {"von": "Online-Gruppe „Wir in Nord“ (fiktiv)", "zu": "Moscheegemeinde Nord (fiktiv)",
     "art": "konflikt", "stufe": 6},
]

#: What Musterstadt's KMS does in each building block (builds on the Bestandsaufnahme).
EXAMPLE_BLOCKS: dict[str, str] = {
    "anlaufstellen": "Bürgertelefon und Quartiersbüro Nord melden Konflikte an die "
                     "KMS-Koordination; Meldebogen und fester Rückruf binnen zwei Werktagen",
    "verfahrensstandards": "Dienstanweisung um einen Ablauf für Konflikte zwischen Gruppen "
                           "ergänzen: Eingang, Einschätzung der Stufe, Verfahren, Rückmeldung",
    "verfahrenswahl": "Stufengerechte Verfahrenswahl nach den Verfahrensstandards unten; die "
                      "Koordination schätzt die Stufe gemeinsam mit einer zweiten Fachkraft ein",
    "konfliktbearbeiter": "Die zwei ausgebildeten Mitarbeitenden des Integrationsbüros und ein "
                          "Pool von zwei freiberuflichen Mediator:innen mit Rahmenvertrag; "
                          "Schiedsamt für Nachbarschaftsstreit",
    "koordination": "KMS-Koordination mit einer Stelle, Vertretung durch die Leitung des "
                    "Integrationsbüros; verwaltungsinterne Steuerungsgruppe",
    "information": "Seite „Konflikte im Stadtteil – wer hilft?“ auf der Internetseite der Stadt; "
                   "Newsletter des Integrationsbüros",
    "dokumentation": "Einheitliche Falldokumentation ohne Namen; Auswertung im Jahresbericht "
                     "an den Ausschuss für Integration und Soziales",
    "qualifizierung": "Halbtägige Schulung für die Anlaufstellen (Stufen erkennen, weiterleiten); "
                      "Deeskalationsschulung wie bisher",
}
#: Roles of Musterstadt's KMS.
EXAMPLE_ROLES: list[dict[str, str]] = [
    {"rolle": "KMS-Koordination", "stelle": "Integrationsbüro, eine Vollzeitstelle",
     "aufgaben": "Fälle annehmen, Stufe einschätzen, Verfahren vorschlagen, Überblick halten, "
                 "Jahresbericht"},
    {"rolle": "Steuerungsgruppe", "stelle": "Sozialdezernat (Vorsitz), Ordnungsamt, "
                                            "Integrationsbüro, Polizeiwache Nord, Bürgermeisteramt",
     "aufgaben": "Prioritäten setzen, Ämter verbinden, Verwaltungsspitze informieren; "
                 "tagt vierteljährlich"},
    {"rolle": "Anlaufstellen", "stelle": "Bürgertelefon des Ordnungsamts, Quartiersbüro Nord",
     "aufgaben": "Anliegen aufnehmen, Meldebogen ausfüllen, an die Koordination weitergeben"},
    {"rolle": "Mediator:innen-Pool", "stelle": "zwei Mitarbeitende des Integrationsbüros, "
                                               "zwei freiberufliche Mediator:innen",
     "aufgaben": "Moderationen und Mediationen durchführen, Ergebnis an die Koordination melden"},
    {"rolle": "Verwaltungsspitze", "stelle": "Bürgermeisterin, vertreten durch die "
                                             "Sozialdezernentin",
     "aufgaben": "Mandat geben, bei Machteingriffen entscheiden, öffentlich Stellung nehmen"},
]
#: Procedure standards of Musterstadt's KMS (module 4's vocabulary).
EXAMPLE_STANDARDS: list[dict[str, Any]] = [
    {"konflikt": "Streit unter Nachbar:innen oder Nutzer:innen eines Ortes, man redet noch "
                 "miteinander", "stufen": [1, 3], "verfahren": "moderation",
     "zustaendig": "Mediator:innen-Pool", "frist": "Erstgespräch binnen zwei Wochen"},
    {"konflikt": "Lagerbildung im Stadtteil, Gerüchte, Feindbilder", "stufen": [3, 5],
     "verfahren": "prozessbegleitung", "zustaendig": "KMS-Koordination mit dem Pool",
     "frist": "Auftaktgespräch binnen zehn Werktagen"},
    {"konflikt": "Verhärteter Streit zwischen zwei Parteien, Drohungen", "stufen": [5, 7],
     "verfahren": "mediation", "zustaendig": "freiberufliche Mediator:innen (Rahmenvertrag)",
     "frist": "Angebot binnen einer Woche"},
    {"konflikt": "Streit, der über Wochen nicht beigelegt wird und Dritte gefährdet",
     "stufen": [7, 9], "verfahren": "machteingriff",
     "zustaendig": "Verwaltungsspitze nach Vorlage der Koordination", "frist": "sofort"},
    {"konflikt": "Gewalt, Sachbeschädigung, Bedrohung, Hetze", "stufen": [7, 9],
     "verfahren": "polizei", "zustaendig": "Polizei; Koordination informiert die Betroffenen "
                                           "über Unterstützung", "frist": "sofort"},
    {"konflikt": "Wenig Kontakt zwischen Alteingesessenen und neu Zugezogenen",
     "stufen": [1, 2], "verfahren": "dialog", "zustaendig": "Quartiersbüro Nord",
     "frist": "laufend"},
]
#: Levers of Musterstadt's draft in the cost model (module 3.4's recommendation for 150 T€).
EXAMPLE_LEVERS: dict[str, Any] = {"stellen": 1, "pool": 2, "netz": 0.1, "meldeverzug": 4,
                                  "schwelle": 2, "verfahrenswahl": "stufengerecht",
                                  "begegnung": 0.0, "praeventionsplan": "ja"}
#: Musterstadt's own rates (the Personalrat's estimate of module 3.4).
EXAMPLE_RATES: dict[str, float] = {"stelle": 100}
#: Costs outside the cost model (thousand euros per year).
EXAMPLE_EXTRA_COSTS: dict[str, float] = {"Sprachmittlung für Gespräche": 6,
                                         "Faltblatt und Internetseite": 3}


def _example_plan() -> dict[str, Any]:
    from kokosim.praevention import example_plan

    return example_plan().to_dict()


#: Präventionsplan of Musterstadt (the plan shipped with :mod:`kokosim.praevention`).
EXAMPLE_PLAN: dict[str, Any] = _example_plan()


# ---------------------------------------------------------------------------------------------
# Helpers shared by the forms.

def is_blank(value: Any) -> bool:
    """Whether a form value is still a placeholder (``None``, ``""``, empty or all blank).

    Examples
    --------
    >>> is_blank({"a": {"status": "", "notiz": ""}}), is_blank([]), is_blank({"x": 0})
    (True, True, False)
    """
    if value is None or value is Ellipsis:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(is_blank(item) for item in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(is_blank(item) for item in value)
    return False


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _and(items: Sequence[str]) -> str:
    """German enumeration: 'a', 'a und b', 'a, b und c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def _display(obj: Any) -> None:
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency of the course
        print(obj)
        return
    display(obj)


def _print_hints(hints: Sequence[str], title: str = "Hinweise") -> None:
    if hints:
        print(f"{title}:")
        for hint in hints:
            print(f"- {hint}")


# ---------------------------------------------------------------------------------------------
# Notebook 1: the Bestandsaufnahme.

def _inventory_entry(value: Any) -> tuple[str, str, list[str]]:
    """(status, note, problems) of one entry; status normalised or '' if unknown."""
    problems: list[str] = []
    if isinstance(value, Mapping):
        unknown = [key for key in value if key not in ("status", "notiz")]
        if unknown:
            problems.append(f"unbekannte Angabe {quoted(unknown[0])} (erlaubt: „status“ und "
                            "„notiz“)")
        status, note = value.get("status"), value.get("notiz")
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        status, note = value
    elif isinstance(value, str):
        status, note = value, ""
    else:
        return "", "", ["bitte in der Form {\"status\": \"teilweise\", \"notiz\": \"…\"} eintragen"]
    text = _text(status).casefold()
    if status is not None and not isinstance(status, str):
        problems.append(f"Status {quoted(status)} ist kein Text; bitte „vorhanden“, "
                        "„teilweise“ oder „fehlt“ in Anführungszeichen eintragen")
        text = ""
    elif text and text not in STATUS:
        problems.append(f"Status {quoted(status)} ist unbekannt; bitte „vorhanden“, "
                        "„teilweise“ oder „fehlt“ eintragen")
        text = ""
    if note is not None and not isinstance(note, str):
        problems.append("die Notiz bitte als Text in Anführungszeichen eintragen")
    return (text if text in STATUS else ""), _text(note), problems


def inventory_hints(form: Any) -> list[str]:
    """German hints on a Bestandsaufnahme form (empty when it is complete and well formed).

    Parameters
    ----------
    form : object
        The trainee's ``bestandsaufnahme``: building block key -> ``{"status": ..., "notiz":
        ...}``; anything else gives a hint, never an error.

    Returns
    -------
    list of str

    Examples
    --------
    >>> inventory_hints(EXAMPLE_INVENTORY)
    []
    >>> form = dict(EXAMPLE_INVENTORY, anlaufstellen={"status": "ja", "notiz": ""})
    >>> for hint in inventory_hints(form | {"beratung": {"status": "fehlt"}}):
    ...     print(hint)
    Anlaufstellen: Status „ja“ ist unbekannt; bitte „vorhanden“, „teilweise“ oder „fehlt“ eintragen.
    Anlaufstellen: Bitte eine kurze Notiz ergänzen (was gibt es schon, wer ist zuständig?).
    Unbekannter Baustein „beratung“ (erlaubt sind die acht Schlüssel der Tabelle oben).
    >>> inventory_hints(["anlaufstellen"])
    ['Die Bestandsaufnahme muss ein Wörterbuch in geschweiften Klammern sein:
      {"anlaufstellen": {"status": "…", "notiz": "…"}, …}.']
    """
    if not isinstance(form, Mapping):
        return ['Die Bestandsaufnahme muss ein Wörterbuch in geschweiften Klammern sein: '
                '{"anlaufstellen": {"status": "…", "notiz": "…"}, …}.']
    hints = []
    for key, (name, _) in BUILDING_BLOCKS.items():
        if key not in form:
            hints.append(f"{name}: Der Baustein fehlt in der Bestandsaufnahme (Schlüssel „{key}“).")
            continue
        status, note, problems = _inventory_entry(form[key])
        hints += [f"{name}: {problem[0].upper()}{problem[1:]}." for problem in problems]
        if not status and not problems:
            hints.append(f"{name}: Noch kein Status („vorhanden“, „teilweise“ oder „fehlt“).")
        if not note and not any("Notiz" in problem for problem in problems):
            hints.append(f"{name}: Bitte eine kurze Notiz ergänzen (was gibt es schon, wer ist "
                         "zuständig?).")
    hints += [f"Unbekannter Baustein {quoted(key)} (erlaubt sind die acht Schlüssel der Tabelle "
              "oben)." for key in form if key not in BUILDING_BLOCKS]
    return hints


def inventory_table(form: Any) -> pd.DataFrame:
    """The Bestandsaufnahme as a German table, one row per building block (in module 3 order).

    Unknown or missing entries show an empty status.

    Examples
    --------
    >>> inventory_table(EXAMPLE_INVENTORY)["Status"].tolist()
    ['vorhanden', 'teilweise', 'fehlt', 'teilweise', 'teilweise', 'vorhanden', 'vorhanden', \
'teilweise']
    """
    form = form if isinstance(form, Mapping) else {}
    rows = []
    for key, (name, _) in BUILDING_BLOCKS.items():
        status, note, _problems = _inventory_entry(form.get(key, {}))
        rows.append({"Schlüssel": key, "Baustein": name, "Status": status, "Notiz": note})
    return pd.DataFrame(rows).set_index("Schlüssel")


def inventory_gaps(form: Any) -> dict[str, list[str]]:
    """The building blocks marked "fehlt" and "teilweise" (German names).

    Examples
    --------
    >>> inventory_gaps(EXAMPLE_INVENTORY)["fehlt"]
    ['Systematische Verfahrenswahl']
    """
    table = inventory_table(form)
    return {status: table.loc[table["Status"] == status, "Baustein"].tolist()
            for status in ("fehlt", "teilweise")}


def show_inventory(form: Any) -> None:
    """Show a Bestandsaufnahme: table, gaps and hints (German); never raises.

    Examples
    --------
    >>> show_inventory({})
    Noch leer: die Bestandsaufnahme. Tragen Sie je Baustein einen Status ("vorhanden", \
"teilweise" oder "fehlt") und eine kurze Notiz ein.
    """
    if is_blank(form):
        print('Noch leer: die Bestandsaufnahme. Tragen Sie je Baustein einen Status '
              '("vorhanden", "teilweise" oder "fehlt") und eine kurze Notiz ein.')
        return
    hints = inventory_hints(form)
    with pd.option_context("display.max_colwidth", 90):
        _display(inventory_table(form))
    gaps = inventory_gaps(form)
    if gaps["fehlt"] or gaps["teilweise"]:
        print("Lücken der Bestandsaufnahme:")
        print("- fehlt: " + (", ".join(gaps["fehlt"]) or "keiner"))
        print("- teilweise vorhanden: " + (", ".join(gaps["teilweise"]) or "keiner"))
    else:
        print("Nach Ihrer Bestandsaufnahme sind alle acht Bausteine vorhanden.")
    _print_hints(hints, "Noch zu ergänzen oder zu korrigieren")
    if not hints:
        print("Die Form stimmt: alle acht Bausteine mit Status und Notiz.")


# ---------------------------------------------------------------------------------------------
# Notebook 2: the actor map as a form.

_SALUTATION = re.compile(r"^(?:herr|frau|dr\.|prof\.)\s", re.IGNORECASE)


def map_hints(akteure: Any, beziehungen: Any = ()) -> list[str]:
    """Hints on a readable actor form: privacy (names of persons) and completeness.

    Examples
    --------
    >>> map_hints(EXAMPLE_ACTORS, EXAMPLE_RELATIONS)
    []
    >>> for hint in map_hints([{"name": "Frau Beispiel", "sektor": "Politik", "einfluss": 2}]):
    ...     print(hint)
    Akteur Nr. 1 („Frau Beispiel“): Das sieht nach dem Namen einer Person aus. Tragen Sie bitte
    die Funktion oder die Organisation ein (z. B. „Vorsitz Bürgerverein“).
    Akteur Nr. 1 („Frau Beispiel“): Noch keine Haltung („pro“, „contra“ oder „neutral“).
    Tipp: Setzen Sie sich selbst auf die Karte (Eintrag mit "ich": True).
    Noch keine Beziehungen: Wer arbeitet mit wem, wer streitet mit wem?
    """
    hints = []
    records = [record for record in akteure if isinstance(record, Mapping)] \
        if isinstance(akteure, (list, tuple)) else []
    for index, record in enumerate(records, start=1):
        label = actor_label(index, record)
        name = _text(record.get("name"))
        if _SALUTATION.match(name):
            hints.append(f"{label}: Das sieht nach dem Namen einer Person aus. Tragen Sie bitte "
                         "die Funktion oder die Organisation ein (z. B. „Vorsitz Bürgerverein“).")
        if record.get("thema"):
            continue
        if "sektor" not in record:
            hints.append(f"{label}: Noch kein Sektor (sonst gilt „Sonstige“).")
        if "einfluss" not in record:
            hints.append(f"{label}: Noch kein Einfluss (ganze Zahl 0 bis {MAX_INFLUENCE}).")
        if is_blank(record.get("haltung")):
            hints.append(f"{label}: Noch keine Haltung („pro“, „contra“ oder „neutral“).")
    if records and not any(record.get("ich") for record in records):
        hints.append('Tipp: Setzen Sie sich selbst auf die Karte (Eintrag mit "ich": True).')
    if records and isinstance(beziehungen, (list, tuple)) and not beziehungen:
        hints.append("Noch keine Beziehungen: Wer arbeitet mit wem, wer streitet mit wem?")
    return hints


def show_map(akteure: Any, beziehungen: Any = (), title: str = "Meine Akteurslandkarte"
             ) -> StakeholderMap | None:
    """Build, draw and analyse the map of the form; German hints instead of errors.

    Shows the drawing, the actors table, the network roles (who connects, who holds the network
    together), the influence per camp and the conflicts with their stage, as in module 2.

    Returns
    -------
    StakeholderMap or None
        The map, or ``None`` while the form is blank or has an error (then a hint is printed).

    Examples
    --------
    >>> show_map([], [])
    Noch leer: Ihre Akteurslandkarte. Tragen Sie in der Formularzelle oben Akteure und \
Beziehungen ein (oder übernehmen Sie den Text aus dem Editor).
    >>> show_map([{"name": "A", "einfluss": 9}])
    Die Karte lässt sich noch nicht zeichnen:
    Akteur Nr. 1 („A“), Feld „einfluss“: 9 ist zu groß (bitte eine ganze Zahl von 0 bis 5)
    """
    if is_blank(akteure) and is_blank(beziehungen):
        print("Noch leer: Ihre Akteurslandkarte. Tragen Sie in der Formularzelle oben Akteure "
              "und Beziehungen ein (oder übernehmen Sie den Text aus dem Editor).")
        return None
    try:
        karte = map_from_form(akteure, beziehungen)
    except FormError as error:
        print(f"Die Karte lässt sich noch nicht zeichnen:\n{error}")
        return None
    from kokosim.stakeholders import analysis
    from kokosim.stakeholders.drawing import draw

    _print_hints(map_hints(akteure, beziehungen))
    print(f"Ihre Karte: {len(karte)} Einträge, {karte.graph.number_of_edges()} Beziehungen.")
    steps = [
        ("Die Karte", lambda: draw(karte, title=title)),
        ("Akteure", lambda: analysis.actors_overview(
            karte, ["sector", "role", "influence", "stance", "is_shadow", "is_self"])),
        ("Wer verbindet, wer hält das Netz zusammen?",
         lambda: analysis.network_roles(karte).round(2)),
        ("Einfluss je Lager", lambda: analysis.influence_by_camp(karte)),
        ("Konflikte und die Verfahren, die nach Glasls Leiter zur Stufe passen",
         lambda: analysis.conflicts(karte)),
    ]
    for heading, step in steps:
        try:
            result = step()
        except Exception as error:  # noqa: BLE001 - a hint instead of a traceback
            print(f"{heading}: für diese Karte nicht auswertbar ({error}).")
            continue
        if isinstance(result, pd.DataFrame) and result.empty:
            print(f"{heading}: keine Einträge.")
            continue
        print(f"\n{heading}:")
        _display(result)
        if heading == "Die Karte":
            import matplotlib.pyplot as plt

            plt.close(result)
    return karte


def editor_from_form(akteure: Any, beziehungen: Any = (), **options: Any) -> Any:
    """The workshop editor opened on the form's map (an empty map while the form is blank).

    Parameters
    ----------
    akteure, beziehungen
        The form, as for :func:`map_from_form`.
    **options
        Passed to :class:`kokosim.stakeholders.StakeholderEditor` (``title``, ``folder``).

    Returns
    -------
    StakeholderEditor
        Its tab "Formular" shows the edited map as the form's text (:func:`form_text`).
    """
    from kokosim.stakeholders.editor import StakeholderEditor

    karte = None
    if not (is_blank(akteure) and is_blank(beziehungen)):
        try:
            karte = map_from_form(akteure, beziehungen)
        except FormError as error:
            print(f"Das Formular hat noch einen Fehler; der Editor beginnt mit einer leeren "
                  f"Karte:\n{error}")
    options.setdefault("title", "Meine Akteurslandkarte")
    return StakeholderEditor(karte, **options)


# ---------------------------------------------------------------------------------------------
# Notebook 3: the KMS draft.

def blocks_hints(form: Any) -> list[str]:
    """Hints on the building blocks of a KMS draft (key -> planned measure, text).

    Examples
    --------
    >>> blocks_hints(EXAMPLE_BLOCKS)
    []
    >>> blocks_hints({"anlaufstellen": "Bürgertelefon"})[:2]
    ['Verfahrensstandards: Noch offen. Was plant Ihr KMS hier (oder warum nichts)?', \
'Systematische Verfahrenswahl: Noch offen. Was plant Ihr KMS hier (oder warum nichts)?']
    """
    if not isinstance(form, Mapping):
        return ['Die Bausteine bitte als Wörterbuch in geschweiften Klammern eintragen: '
                '{"anlaufstellen": "…", …}.']
    hints = []
    for key, (name, _) in BUILDING_BLOCKS.items():
        value = form.get(key)
        if value is not None and not isinstance(value, str):
            hints.append(f"{name}: Bitte als Text in Anführungszeichen eintragen.")
        elif not _text(value):
            hints.append(f"{name}: Noch offen. Was plant Ihr KMS hier (oder warum nichts)?")
    hints += [f"Unbekannter Baustein {quoted(key)} (erlaubt sind die acht Schlüssel der "
              "Bestandsaufnahme)." for key in form if key not in BUILDING_BLOCKS]
    return hints


def roles_hints(form: Any) -> list[str]:
    """Hints on the roles of a KMS draft (list of ``{"rolle", "stelle", "aufgaben"}``).

    Examples
    --------
    >>> roles_hints(EXAMPLE_ROLES)
    []
    >>> roles_hints([{"rolle": "KMS-Koordination", "stelle": "Integrationsbüro"}])
    ['Rolle Nr. 1 („KMS-Koordination“): Feld „aufgaben“ fehlt oder ist leer.']
    """
    if not isinstance(form, (list, tuple)):
        return ['Die Rollen bitte als Liste in eckigen Klammern eintragen: '
                '[{"rolle": "…", "stelle": "…", "aufgaben": "…"}, …].']
    hints = []
    for index, record in enumerate(form, start=1):
        if not isinstance(record, Mapping):
            hints.append(f"Rolle Nr. {index}: Bitte als Eintrag in geschweiften Klammern "
                         'schreiben: {"rolle": "…", "stelle": "…", "aufgaben": "…"}.')
            continue
        label = f"Rolle Nr. {index}" + (f" ({quoted(record['rolle'])})"
                                        if _text(record.get("rolle")) else "")
        hints += [f"{label}: Feld „{key}“ fehlt oder ist leer."
                  for key in ("rolle", "stelle", "aufgaben") if not _text(record.get(key))]
        hints += [f"{label}: unbekanntes Feld {quoted(key)} (erlaubt: rolle, stelle, aufgaben)."
                  for key in record if key not in ("rolle", "stelle", "aufgaben")]
    if form and not any("koordination" in _text(r.get("rolle")).casefold()
                        for r in form if isinstance(r, Mapping)):
        hints.append("Tipp: Wer koordiniert das KMS? Eine Rolle mit „Koordination“ im Namen "
                     "fehlt noch.")
    return hints


def _stage_range(value: Any) -> tuple[int, int] | None:
    """``3``, ``[3, 5]``, ``(3, 5)`` or ``"3-5"`` as (first, last); ``None`` if not readable."""
    if isinstance(value, str):
        parts = [part.strip() for part in re.split(r"\s*(?:-|–|bis)\s*", value.strip())]
        try:
            numbers = [int(part) for part in parts if part]
        except ValueError:
            return None
    elif isinstance(value, (list, tuple)):
        numbers = list(value)
    else:
        numbers = [value]
    if not 1 <= len(numbers) <= 2 or not all(isinstance(n, Integral) and not isinstance(n, bool)
                                               for n in numbers):
        return None
    first, last = int(numbers[0]), int(numbers[-1])
    if not 1 <= first <= last <= 9:
        return None
    return first, last


def _fit_text(key: str, stages: tuple[int, int]) -> str:
    if key in _OFF_LADDER:
        return _OFF_LADDER[key]
    rung = next(rung for rung in LADDER if rung.key == key)
    outside = [n for n in range(stages[0], stages[1] + 1) if n not in rung.stages]
    if not outside:
        return f"passt (Glasl: Stufe {rung.first_stage}–{rung.last_stage})"
    text = (f"Stufe {_and([str(n) for n in outside])} außerhalb von Glasls Bereich "
            f"({rung.first_stage}–{rung.last_stage})")
    if key == "mediation" and all(n >= 3 for n in outside):
        text += "; in der deutschen Mediationspraxis schon ab etwa Stufe 3 üblich"
    return text


def _standard(record: Any) -> tuple[dict[str, Any], list[str]]:
    """The readable parts of one procedure standard and its problems."""
    if not isinstance(record, Mapping):
        return {}, ['bitte als Eintrag in geschweiften Klammern schreiben: {"konflikt": "…", '
                    '"stufen": [1, 3], "verfahren": "moderation", "zustaendig": "…", '
                    '"frist": "…"}']
    problems = [f"Feld „{key}“ fehlt oder ist leer" for key in ("konflikt", "zustaendig")
                if not _text(record.get(key))]
    problems += [f"unbekanntes Feld {quoted(key)} (erlaubt: konflikt, stufen, verfahren, "
                 "zustaendig, frist)" for key in record
                 if key not in ("konflikt", "stufen", "verfahren", "zustaendig", "frist")]
    stages = _stage_range(record.get("stufen"))
    if stages is None:
        problems.append(f"Stufen {quoted(record.get('stufen'))} unlesbar; bitte eine Stufe "
                        "oder [von, bis] mit ganzen Zahlen von 1 bis 9, z. B. [3, 5]")
    procedure = _text(record.get("verfahren")).casefold()
    if procedure not in PROCEDURES:
        problems.append(f"Verfahren {quoted(record.get('verfahren'))} unbekannt; erlaubt: "
                        + ", ".join(PROCEDURES))
        procedure = ""
    return {"stages": stages, "procedure": procedure}, problems


def standards_table(form: Any) -> pd.DataFrame:
    """The procedure standards as a German table with the fit to Glasl's ladder.

    Examples
    --------
    >>> standards_table(EXAMPLE_STANDARDS)[["Stufen", "Verfahren", "Passung"]].head(3)
      Stufen          Verfahren                           Passung
    1    1–3         Moderation    passt (Glasl: Stufe 1–3)
    2    3–5  Prozessbegleitung    passt (Glasl: Stufe 3–5)
    3    5–7  Vermittlung/Mediation    passt (Glasl: Stufe 5–7)
    """
    rows = []
    records = form if isinstance(form, (list, tuple)) else []
    for index, record in enumerate(records, start=1):
        parts, _problems = _standard(record)
        if not isinstance(record, Mapping):
            continue
        stages, procedure = parts["stages"], parts["procedure"]
        rows.append({
            "Nr.": index,
            "Konflikt": _text(record.get("konflikt")),
            "Stufen": f"{stages[0]}–{stages[1]}" if stages else "?",
            "Verfahren": PROCEDURES.get(procedure, "?"),
            "Passung": _fit_text(procedure, stages) if stages and procedure else "–",
            "Zuständig": _text(record.get("zustaendig")),
            "Frist": _text(record.get("frist")),
        })
    columns = ["Nr.", "Konflikt", "Stufen", "Verfahren", "Passung", "Zuständig", "Frist"]
    return pd.DataFrame(rows, columns=columns).set_index("Nr.").rename_axis(None)


def standards_hints(form: Any) -> list[str]:
    """Hints on the procedure standards: form, and which stages no standard covers.

    Examples
    --------
    >>> standards_hints(EXAMPLE_STANDARDS)
    []
    >>> for hint in standards_hints([{"konflikt": "Lärm", "stufen": "1-3",
    ...                               "verfahren": "moderation", "zustaendig": "Pool"}]):
    ...     print(hint)
    Für Stufe 4, 5, 6, 7, 8 und 9 legt noch kein Standard ein Verfahren der Leiter fest.
    Tipp: Legen Sie auch fest, was bei Gewalt und anderen Straftaten geschieht
    (Verfahren „polizei“).
    """
    if not isinstance(form, (list, tuple)):
        return ['Die Verfahrensstandards bitte als Liste in eckigen Klammern eintragen: '
                '[{"konflikt": "…", "stufen": [1, 3], "verfahren": "moderation", '
                '"zustaendig": "…", "frist": "…"}, …].']
    hints, covered, police = [], set(), False
    for index, record in enumerate(form, start=1):
        parts, problems = _standard(record)
        hints += [f"Standard Nr. {index}: {problem[0].upper()}{problem[1:]}."
                  for problem in problems]
        if parts.get("stages") and parts.get("procedure"):
            if parts["procedure"] in PROCEDURES and parts["procedure"] not in _OFF_LADDER:
                covered |= set(range(parts["stages"][0], parts["stages"][1] + 1))
            police = police or parts["procedure"] == "polizei"
    if form:
        open_stages = [str(n) for n in range(1, 10) if n not in covered]
        if open_stages:
            hints.append(f"Für Stufe {_and(open_stages)} legt noch kein Standard ein Verfahren "
                         "der Leiter fest.")
        if not police:
            hints.append("Tipp: Legen Sie auch fest, was bei Gewalt und anderen Straftaten "
                         "geschieht (Verfahren „polizei“).")
    return hints


_SKIP = object()


def show_kms(bausteine: Any = _SKIP, rollen: Any = _SKIP, standards: Any = _SKIP) -> None:
    """Show the parts of a KMS draft that are given, with hints; never raises.

    Parameters
    ----------
    bausteine : dict, optional
        Building block key -> what the KMS does there (text).
    rollen : list of dict, optional
        ``{"rolle": ..., "stelle": ..., "aufgaben": ...}`` per role.
    standards : list of dict, optional
        Procedure standards: ``{"konflikt": ..., "stufen": [von, bis], "verfahren": key of
        :data:`PROCEDURES`, "zustaendig": ..., "frist": ...}``.

    Examples
    --------
    >>> show_kms({key: "" for key in BUILDING_BLOCKS}, [], [])
    Noch leer: die Bausteine Ihres KMS.
    Noch leer: die Rollen Ihres KMS.
    Noch leer: die Verfahrensstandards Ihres KMS.
    >>> show_kms(rollen=[{"rolle": "Steuerungsgruppe", "stelle": "Dezernat",
    ...                   "aufgaben": "Prioritäten setzen"}])  # doctest: +ELLIPSIS
    Rollen:
    ...
    Rollen, noch zu ergänzen:
    - Tipp: Wer koordiniert das KMS? Eine Rolle mit „Koordination“ im Namen fehlt noch.
    """
    with pd.option_context("display.max_colwidth", 80):
        if bausteine is _SKIP:
            pass
        elif is_blank(bausteine):
            print("Noch leer: die Bausteine Ihres KMS.")
        else:
            form = bausteine if isinstance(bausteine, Mapping) else {}
            print("Bausteine Ihres KMS:")
            _display(pd.DataFrame(
                [{"Baustein": name, "Was Ihr KMS hier tut": _text(form.get(key))}
                 for key, (name, _) in BUILDING_BLOCKS.items()]).set_index("Baustein"))
            _print_hints(blocks_hints(bausteine), "Bausteine, noch zu ergänzen")
        if rollen is _SKIP:
            pass
        elif is_blank(rollen):
            print("Noch leer: die Rollen Ihres KMS.")
        else:
            records = [r for r in rollen if isinstance(r, Mapping)] \
                if isinstance(rollen, (list, tuple)) else []
            print("Rollen:")
            if records:
                _display(pd.DataFrame([{"Rolle": _text(r.get("rolle")),
                                        "Stelle": _text(r.get("stelle")),
                                        "Aufgaben": _text(r.get("aufgaben"))}
                                       for r in records]))
            _print_hints(roles_hints(rollen), "Rollen, noch zu ergänzen")
        if standards is _SKIP:
            pass
        elif is_blank(standards):
            print("Noch leer: die Verfahrensstandards Ihres KMS.")
        else:
            print("Verfahrensstandards (Passung nach Glasls Interventionsleiter):")
            table = standards_table(standards)
            if not table.empty:
                _display(table)
            _print_hints(standards_hints(standards), "Verfahrensstandards, noch zu prüfen")


def _rates(own: Any) -> tuple[dict[str, float], list[str]]:
    from kokosim.kmsdesign import COST_RATES

    rates, hints = dict(COST_RATES), []
    if is_blank(own):
        return rates, hints
    if not isinstance(own, Mapping):
        return rates, ['Eigene Kostensätze bitte als Wörterbuch eintragen, z. B. {"stelle": 95}.']
    for key, value in own.items():
        if key not in COST_RATES:
            hints.append(f"Unbekannter Kostensatz {quoted(key)} (erlaubt: "
                         f"{', '.join(COST_RATES)}); er bleibt unberücksichtigt.")
        elif isinstance(value, bool) or not isinstance(value, Real) or value < 0 \
                or math.isnan(value):
            hints.append(f"Kostensatz „{key}“: {quoted(value)} ist keine Zahl ≥ 0; es gilt der "
                         f"Satz des Kurses ({COST_RATES[key]:g}).")
        else:
            rates[key] = float(value)
    return rates, hints


def _rate_text(key: str, rates: Mapping[str, float]) -> str:
    rate, unit = {
        "stellen": ("stelle", "je Stelle"),
        "pool": ("mediator", "je Person"),
        "netz": ("frueherkennung_je_0_1", "je 0,1"),
        "meldeverzug": ("meldeweg_je_woche", "je Woche unter 4"),
        "schwelle": ("erkennung_je_stufe", "je Stufe unter 4"),
        "verfahrenswahl": ("verfahrenswahl", "bei „stufengerecht“"),
        "begegnung": ("dialog_je_0_01", "je 0,01"),
        "praeventionsplan": ("praeventionsplan", "bei „ja“"),
    }[key]
    return f"{german_number(rates[rate], digits=None)} T€ {unit}"


def cost_table(levers: Mapping[str, Any], rates: Mapping[str, float] | None = None
               ) -> pd.DataFrame:
    """Yearly cost of a KMS draft per lever after the course's cost model (module 3.4).

    Parameters
    ----------
    levers : mapping
        Every key of :data:`kokosim.kmsdesign.CONTROLS` with a value, as in the simulator of
        module 3.4 (``{"stellen": 1, "pool": 2, ...}``).
    rates : mapping, optional
        Cost rates; default :data:`kokosim.kmsdesign.COST_RATES`.

    Returns
    -------
    DataFrame
        Columns ``Baustein``, ``Wert``, ``Kostensatz``, ``T€ pro Jahr``, indexed by the lever;
        the rows add up to :func:`kokosim.kmsdesign.cost` of the draft.

    Raises
    ------
    AssertionError
        With a German hint when a lever is missing or out of range
        (:func:`kokosim.kmsdesign.model_values`).

    Examples
    --------
    >>> table = cost_table(EXAMPLE_LEVERS)
    >>> table["T€ pro Jahr"].tolist(), float(table["T€ pro Jahr"].sum())
    ([80.0, 10.0, 10.0, 0.0, 20.0, 10.0, 0.0, 20.0], 150.0)
    """
    from kokosim.kmsdesign import CONTROLS, COST_RATES, NO_KMS, cost, model_values

    values = model_values(levers, task="Stellschrauben")
    used = {**COST_RATES, **(rates or {})}
    rows = []
    for key in CONTROLS:
        parameter = CONTROLS[key][0]
        value = values[parameter]
        shown = {"ladder": "stufengerecht", "uniform": "einheitlich", True: "ja",
                 False: "nein"}.get(value, value) if isinstance(value, (str, bool)) else value
        rows.append({"Stellschraube": key, "Baustein": LEVER_BLOCKS[key], "Wert": shown,
                     "Kostensatz": _rate_text(key, used),
                     "T€ pro Jahr": cost({**NO_KMS, parameter: value}, used)})
    return pd.DataFrame(rows).set_index("Stellschraube")


def show_costs(levers: Any, eigene_saetze: Any = None, weitere_kosten: Any = None) -> None:
    """Show the yearly cost of a KMS draft: course rates, own rates, costs outside the model.

    Never raises; a blank or ill-formed form gives a German hint.

    Examples
    --------
    >>> show_costs(dict.fromkeys(["stellen", "pool"]), {}, {})
    Noch leer: die Stellschrauben Ihres KMS im Kostenmodell.
    >>> show_costs(dict(EXAMPLE_LEVERS, verfahrenswahl="gemischt"), {}, {})
    Die Kosten lassen sich noch nicht berechnen: Stellschrauben: Bei "verfahrenswahl" bitte \
"stufengerecht" oder "einheitlich" eintragen, nicht 'gemischt'.
    """
    from kokosim.kmsdesign import COST_RATES

    if is_blank(levers):
        print("Noch leer: die Stellschrauben Ihres KMS im Kostenmodell.")
        return
    if not isinstance(levers, Mapping):
        print('Die Stellschrauben bitte als Wörterbuch eintragen: {"stellen": 1, "pool": 2, …}.')
        return
    try:
        course = cost_table(levers)
        rates, hints = _rates(eigene_saetze)
        own = cost_table(levers, rates)
    except AssertionError as error:
        print(f"Die Kosten lassen sich noch nicht berechnen: {error}")
        return
    extra, extra_hints = {}, []
    if not is_blank(weitere_kosten):
        if isinstance(weitere_kosten, Mapping):
            for name, amount in weitere_kosten.items():
                if isinstance(amount, bool) or not isinstance(amount, Real) or amount < 0 \
                        or math.isnan(amount):
                    extra_hints.append(f"Weitere Kosten {quoted(name)}: {quoted(amount)} ist "
                                       "keine Zahl ≥ 0 (T€ pro Jahr); sie bleiben "
                                       "unberücksichtigt.")
                else:
                    extra[str(name)] = float(amount)
        else:
            extra_hints.append('Weitere Kosten bitte als Wörterbuch eintragen, z. B. '
                               '{"Sprachmittlung": 5}.')
    table = course.rename(columns={"T€ pro Jahr": "T€ pro Jahr (Sätze des Kurses)"})
    if rates != COST_RATES:
        table["T€ pro Jahr (Ihre Sätze)"] = own["T€ pro Jahr"]
        table["Ihr Kostensatz"] = own["Kostensatz"]
    _display(table)
    total_course = float(course["T€ pro Jahr"].sum())
    total_own = float(own["T€ pro Jahr"].sum())
    extra_total = sum(extra.values())
    def euro(amount: float) -> str:
        return f"{german_number(round(amount, 1), digits=None)} T€ pro Jahr"

    print(f"Kosten nach dem Kostenmodell des Kurses: {euro(total_course)}")
    if rates != COST_RATES:
        print(f"Mit Ihren Kostensätzen: {euro(total_own)}")
    for name, amount in extra.items():
        print(f"Weitere Kosten, {name}: {euro(amount)}")
    if extra or rates != COST_RATES:
        print(f"Summe Ihres Entwurfs: {euro(total_own + extra_total)}")
    print("Die Sätze des Kurses sind didaktische Annahmen (Modul 3.4), keine Richtwerte.")
    _print_hints(hints + extra_hints)


# ---------------------------------------------------------------------------------------------
# Notebook 4: the Präventionsplan.

_PLAN_PARTS = {"rollen": "Rollen", "netzwerk": "Krisennetzwerk", "kette": "Meldekette",
               "ausloeser": "Auslöser"}
_PLAN_COLUMNS = {"rolle": "Rolle", "funktion": "Funktion", "vertretung": "Vertretung",
                 "erreichbarkeit": "Erreichbarkeit", "name": "Partner", "sektor": "Sektor",
                 "kontakt": "Kontakt", "von": "von", "an": "an", "kanal": "Kanal",
                 "frist_stunden": "Frist (Stunden)", "phase": "Phase", "indikator": "Auslöser",
                 "massnahme": "Maßnahme"}


def plan_from_form(form: Any) -> PreventionPlan:
    """The Präventionsplan of the project's form (the structure of :mod:`kokosim.praevention`).

    Raises
    ------
    FormError
        German, naming the part and the entry, when the form's structure cannot be read (gaps
        in the content are :func:`kokosim.praevention.check_plan`'s findings, not errors).

    Examples
    --------
    >>> plan_from_form(EXAMPLE_PLAN).kommune
    'Musterstadt'
    >>> plan_from_form({"kommune": "X", "kette": [{"von": "koordination", "an": ["Polizei"]}]})
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.form.FormError: Meldekette, Eintrag Nr. 1, Feld „an“: bitte einen Text oder \
eine Zahl eintragen, keine Liste.
    """
    if not isinstance(form, Mapping):
        raise FormError("Der Plan muss ein Wörterbuch in geschweiften Klammern sein: "
                        '{"kommune": "…", "stand": "…", "rollen": [...], "netzwerk": [...], '
                        '"kette": [...], "ausloeser": [...]}')
    for part, title in _PLAN_PARTS.items():
        records = form.get(part, [])
        if not isinstance(records, (list, tuple)):
            raise FormError(f"{title} („{part}“): bitte eine Liste in eckigen Klammern, "
                            "[{…}, {…}]")
        for index, record in enumerate(records, start=1):
            if not isinstance(record, Mapping):
                raise FormError(f"{title}, Eintrag Nr. {index}: bitte in geschweiften Klammern "
                                "schreiben, {\"…\": \"…\"}")
            for key, value in record.items():
                if value is not None and (isinstance(value, bool)
                                          or not isinstance(value, (str, int, float))):
                    kind = {list: "keine Liste", tuple: "keine Liste", dict: "kein Wörterbuch",
                            bool: "kein True/False"}.get(type(value), "nichts anderes")
                    raise FormError(f"{title}, Eintrag Nr. {index}, Feld „{key}“: bitte einen "
                                    f"Text oder eine Zahl eintragen, {kind}.")
    data = {key: (list(value) if isinstance(value, tuple) else value)
            for key, value in form.items()}
    try:
        return PreventionPlan.from_dict(data, source="Ihr Plan")
    except ValueError as error:
        raise FormError(str(error)) from None


def show_plan(form: Any) -> None:
    """Show a Präventionsplan draft as tables and its check (:func:`check_plan`); never raises.

    Examples
    --------
    >>> show_plan({"kommune": "", "stand": "", "rollen": [], "netzwerk": [], "kette": [],
    ...            "ausloeser": []})
    Noch leer: Ihr Präventionsplan. Tragen Sie Rollen, Krisennetzwerk, Meldekette und Auslöser \
ein (das Beispiel Musterstadt steht oben).
    """
    if is_blank(form):
        print("Noch leer: Ihr Präventionsplan. Tragen Sie Rollen, Krisennetzwerk, Meldekette und "
              "Auslöser ein (das Beispiel Musterstadt steht oben).")
        return
    try:
        plan = plan_from_form(form)
    except FormError as error:
        print(f"Der Plan lässt sich noch nicht lesen:\n{error}")
        return
    with pd.option_context("display.max_colwidth", 70):
        for part, title in _PLAN_PARTS.items():
            records = getattr(plan, part)
            print(f"\n{title}:" if records else f"\n{title}: noch keine Einträge.")
            if records:
                _display(pd.DataFrame(records).rename(columns=_PLAN_COLUMNS))
    try:
        result = check_plan(plan)
    except Exception as error:  # noqa: BLE001 - a hint instead of a traceback
        print(f"\nDie Prüfung ist an einem Eintrag gescheitert ({error}). Bitte prüfen Sie die "
              "Form der Einträge.")
        return
    print("\nPrüfbericht (Checkliste des Kurses, Modul 5.3):")
    print(result)


# ---------------------------------------------------------------------------------------------
# The submission: read the saved notebooks, pseudonymise, pack.

class SubmissionError(ValueError):
    """The submission cannot be built; the message is German and names the file."""


@dataclass(frozen=True)
class SubmissionReport:
    """What :func:`pack_submission` did; ``str(report)`` is the German summary.

    Attributes
    ----------
    zip_path, key_path : Path
        The written ZIP and the key table beside it.
    key : dict
        Real name -> pseudonym.
    replacements : dict
        Notebook file name -> number of replaced places.
    removed : dict
        Notebook file name -> number of pictures, widgets and attachments left out.
    saved : dict
        Notebook file name -> time of its last save.
    warnings : tuple of str
        Answers still blank, missing title, and the like.
    """

    zip_path: Path
    key_path: Path
    key: dict[str, str]
    replacements: dict[str, int]
    removed: dict[str, int]
    saved: dict[str, datetime]
    warnings: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        actors = sum(1 for pseudonym in self.key.values() if pseudonym.startswith("Akteur "))
        size = self.zip_path.stat().st_size / 1024 if self.zip_path.exists() else 0
        lines = [f"Abgabedatei erstellt: {self.zip_path.name} ({len(self.replacements)} "
                 f"Notebooks, {size:.0f} KB)."]
        if self.key:
            lines.append(f"Ersetzt wurden {len(self.key)} Namen ({actors} aus der Akteursliste, "
                         f"{len(self.key) - actors} weitere) durch Pseudonyme, und zwar:")
        else:
            lines.append("Es wurden keine Namen gefunden: Die Akteursliste in Notebook 2 und die "
                         "Liste „weitere_namen“ sind leer. Nichts wurde ersetzt.")
        for name, count in self.replacements.items():
            when = self.saved[name].strftime("%d.%m.%Y, %H:%M Uhr")
            lines.append(f"- {name}: {count} Stelle(n) ersetzt (zuletzt gespeichert {when})")
        removed = sum(self.removed.values())
        if removed:
            lines.append(f"Ausgelassen wurden {removed} Bilder und Bedienelemente, weil sich "
                         "Namen in Bildern nicht ersetzen lassen; die Kursleitung kann die Karte "
                         "aus Ihrem Formular neu zeichnen.")
        lines.append(f"Schlüssel der Pseudonyme: {self.key_path.name} — NICHT abgeben. Bewahren "
                     "Sie ihn sicher auf und löschen Sie ihn, wenn Sie ihn nicht mehr brauchen.")
        if self.warnings:
            lines.append("Bitte prüfen Sie vor dem Hochladen:")
            lines += [f"- {warning}" for warning in self.warnings]
        lines.append(f"Laden Sie {self.zip_path.name} hoch wie die Abgaben der Module.")
        return "\n".join(lines)


def _read_notebook(path: Path) -> Any:
    import nbformat

    if not path.is_file():
        raise SubmissionError(f"{path.name}: Die Datei fehlt im Ordner {path.parent}. Bitte "
                              "öffnen Sie das Notebook einmal, speichern Sie es (Strg + S) und "
                              "klicken Sie erneut.")
    if path.stat().st_size == 0:
        raise SubmissionError(f"{path.name}: Die Datei ist leer (noch nie gespeichert?). Bitte "
                              "öffnen und speichern Sie das Notebook und klicken Sie erneut.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbformat.read(path, as_version=4)
            nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 - every reading problem becomes one German message
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SubmissionError(f"{path.name}: Die Datei ist keine lesbare Notebook-Datei "
                              f"({first}). Öffnen Sie sie in Jupyter und speichern Sie sie neu; "
                              "hilft das nicht, fragen Sie die Kursleitung.") from None
    return notebook


def _grade_id(cell: Any) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _form_values(source: str, where: str) -> dict[str, Any]:
    """Literal assignments of a form cell (the last one of each name wins); never executed."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise SubmissionError(f"{where} lässt sich nicht lesen (Zeile {error.lineno}: "
                              f"{error.msg}). Bitte korrigieren Sie die Zelle, speichern Sie "
                              "und klicken Sie erneut.") from None
    values: dict[str, Any] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            raise SubmissionError(f"{where}: Zeile {statement.lineno} ist kein einfacher Eintrag "
                                  "der Form name = [...]. Bitte nur das Formular ausfüllen, "
                                  "speichern und erneut klicken.")
        try:
            values[statement.targets[0].id] = ast.literal_eval(statement.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise SubmissionError(f"{where}: Der Eintrag „{statement.targets[0].id}“ in Zeile "
                                  f"{statement.lineno} enthält mehr als Texte, Zahlen, Listen "
                                  "und Wörterbücher. Bitte korrigieren, speichern und erneut "
                                  "klicken.") from None
    return values


def read_form(notebook: str | Path | Any, grade_id: str, *, name: str | None = None
              ) -> dict[str, Any]:
    """The values of a form cell of a saved notebook, read without executing anything.

    Parameters
    ----------
    notebook : path or notebook node
        A saved ``.ipynb`` file or a notebook read with :mod:`nbformat`.
    grade_id : str
        nbgrader ``grade_id`` of the form cell (e.g. :data:`ACTOR_FORM_ID`).
    name : str, optional
        File name for the messages (default: the path's name).

    Returns
    -------
    dict
        Variable name -> value of its last literal assignment in the cell.

    Raises
    ------
    SubmissionError
        German, naming the file: no such cell, a syntax error, or more than literals.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell('akteure = []\\nakteure = [{"name": "Jugendamt"}]',
    ...                                  metadata={"nbgrader": {"grade_id": "akteurslandkarte"}})
    >>> read_form(nbformat.v4.new_notebook(cells=[cell]), ACTOR_FORM_ID)
    {'akteure': [{'name': 'Jugendamt'}]}
    """
    if isinstance(notebook, (str, Path)):
        path = Path(notebook)
        name = name or path.name
        notebook = _read_notebook(path)
    name = name or "Das Notebook"
    cell = next((cell for cell in notebook.cells
                 if cell.cell_type == "code" and _grade_id(cell) == grade_id), None)
    if cell is None:
        raise SubmissionError(f"{name}: Die Formularzelle „{grade_id}“ fehlt (gelöscht?). "
                              "Holen Sie sich eine neue Kopie des Notebooks bei der Kursleitung "
                              "und übertragen Sie Ihre Einträge.")
    return _form_values(cell.source, f"{name}, Formularzelle „{grade_id}“")


def _names_of_form(values: Mapping[str, Any]) -> dict[str, str | None]:
    """Names of an actor form -> sector: actors get their sector (``""`` if unknown), relation
    ends that are not on the list of actors get ``None``."""
    names: dict[str, str | None] = {}
    for record in values.get("akteure") or []:
        if isinstance(record, Mapping) and isinstance(record.get("name"), str):
            try:
                sector = validate_actor_field("sector", record.get("sektor"))
            except FieldError:
                sector = ""
            names.setdefault(record["name"].strip(), sector)
    for record in values.get("beziehungen") or []:
        record = relation_record(record)
        for key in ("von", "zu"):
            if record is not None and isinstance(record.get(key), str):
                names.setdefault(record[key].strip(), None)
    return {name: sector for name, sector in names.items() if name}


def _extra_names(value: Any, where: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise SubmissionError(f"{where}: „weitere_namen“ muss eine Liste von Texten sein, z. B. "
                              '["Frau Beispiel", "Lindenweg"]. Bitte korrigieren, speichern und '
                              "erneut klicken.")
    return [v.strip() for v in value if v.strip()]


def collect_names(folder: str | Path) -> dict[str, str | None]:
    """The names to pseudonymise: the actor form of notebook 2, then ``weitere_namen``.

    Parameters
    ----------
    folder : path
        Folder with the saved notebooks :data:`NOTEBOOKS`.

    Returns
    -------
    dict
        Name -> sector in the order of the forms, as :func:`pseudonym_key` takes it: actors
        have their sector (``""`` if it is not a known one), relation ends missing on the list
        and the further names have ``None``.

    Raises
    ------
    SubmissionError
        German, naming the file, as :func:`read_form`.
    """
    folder = Path(folder)
    names = _names_of_form(read_form(folder / NOTEBOOKS[1], ACTOR_FORM_ID))
    extra = read_form(folder / NOTEBOOKS[3], EXTRA_NAMES_ID).get("weitere_namen")
    for name in _extra_names(extra, NOTEBOOKS[3]):
        names.setdefault(name, None)
    return names


def _letters(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (like the columns of a spreadsheet)."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def pseudonym_key(names: Mapping[str, str | None] | Iterable[str]) -> dict[str, str]:
    """The pseudonym of every name: ``"Akteur A (Sektor)"`` for actors, ``"Name 1"`` otherwise.

    Parameters
    ----------
    names : mapping or iterable
        Name -> sector, or just names. An actor has its sector (``"Akteur A (Verwaltung)"``)
        or ``""`` when none is known (``"Akteur B"``); actors get letters in the given order.
        ``None`` (and every name of a plain iterable) marks a name that is no actor of the
        map: it gets a number (``"Name 1"``). Blank and repeated names are skipped.

    Returns
    -------
    dict
        Name (stripped) -> pseudonym.

    Examples
    --------
    >>> pseudonym_key({"Jugendamt": "Verwaltung", "Moscheeverein": "", "Herr X": None})
    {'Jugendamt': 'Akteur A (Verwaltung)', 'Moscheeverein': 'Akteur B', 'Herr X': 'Name 1'}
    >>> pseudonym_key(["Lindenweg", " Lindenweg ", ""])
    {'Lindenweg': 'Name 1'}
    """
    if not isinstance(names, Mapping):
        names = dict.fromkeys(names)
    key: dict[str, str] = {}
    letters = numbers = 0
    for name, sector in names.items():
        name = name.strip()
        if not name or name in key:
            continue
        if sector is None:
            numbers += 1
            key[name] = f"Name {numbers}"
        else:
            key[name] = f"Akteur {_letters(letters)}" + (f" ({sector})" if sector else "")
            letters += 1
    return key


def _protected_terms() -> frozenset[str]:
    """Words the forms and the course's code need; a name inside one cannot be replaced."""
    from kokosim.kmsdesign import CONTROLS, COST_RATES

    return frozenset({
        *SECTORS, *ROLES, *STANCES, *RELATION_KINDS, *STATUS, *BUILDING_BLOCKS, *PROCEDURES,
        *PLAN_ROLES, *PHASES, *CONTROLS, *COST_RATES, *ACTOR_KEYS, *RELATION_KEYS,
        "status", "notiz", "rolle", "stelle", "aufgaben", "konflikt", "stufen", "verfahren",
        "zustaendig", "frist", "kommune", "stand", "stufengerecht", "einheitlich", "ja", "nein",
        *_PLAN_PARTS, *_PLAN_COLUMNS, TITLE_CELL,
        ACTOR_FORM_ID, EXTRA_NAMES_ID, "akteure", "beziehungen", "Akteur", "Name",
        *(Path(notebook).stem for notebook in NOTEBOOKS)})


def _variants(name: str) -> set[str]:
    """The spellings of a name in notebook text: plain, HTML, JSON and Python escapes."""
    return {name, html.escape(name, quote=True), html.escape(name, quote=False),
            json.dumps(name, ensure_ascii=False)[1:-1], name.replace("'", "\\'")}


def _pattern(key: Mapping[str, str]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    lookup: dict[str, str] = {}
    for name, pseudonym in key.items():
        for variant in _variants(name):
            lookup.setdefault(variant, pseudonym)
    if not lookup:
        return None, lookup
    alternatives = "|".join(re.escape(v) for v in sorted(lookup, key=lambda v: (-len(v), v)))
    return re.compile(rf"(?<!\w)(?P<core>{alternatives})s?(?!\w)"), lookup


def _check_names(key: Mapping[str, str], identifiers: Iterable[str] = ()) -> None:
    """Refuse names that cannot be replaced without breaking a form, the code or a pseudonym."""
    identifiers = set(identifiers)
    terms = _protected_terms() | set(key.values())
    for name in key:
        if len(name) < 2:
            raise SubmissionError(f"Der Name „{name}“ ist zu kurz, um ihn sicher zu ersetzen. "
                                  "Bitte nennen Sie den Akteur genauer, speichern Sie und "
                                  "klicken Sie erneut.")
        word = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        clash = sorted(term for term in terms if word.search(term))
        if clash or name in identifiers:
            where = f"„{clash[0]}“" if clash else "im Programmcode der Notebooks"
            raise SubmissionError(f"Der Name „{name}“ lässt sich nicht sicher ersetzen: Er steckt "
                                  f"in einem Wort, das die Formulare, das Programm oder die "
                                  f"Pseudonyme brauchen ({where}). Bitte nennen Sie den Akteur "
                                  f"genauer (z. B. mit Ort oder Organisation), ändern Sie das in "
                                  "allen Notebooks, speichern Sie und klicken Sie erneut.")


def _substitute(text: str, pattern: re.Pattern[str] | None, lookup: Mapping[str, str]
                ) -> tuple[str, int]:
    if pattern is None or not text:
        return text, 0
    return pattern.subn(lambda match: lookup[match["core"]], text)


_TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex")


def _walk(value: Any, pattern: re.Pattern[str] | None, lookup: Mapping[str, str]
          ) -> tuple[Any, int]:
    """Substitute in every string of a JSON-like structure."""
    if isinstance(value, str):
        return _substitute(value, pattern, lookup)
    if isinstance(value, list):
        results = [_walk(item, pattern, lookup) for item in value]
        return [r for r, _ in results], sum(n for _, n in results)
    if isinstance(value, Mapping):
        results = {k: _walk(v, pattern, lookup) for k, v in value.items()}
        return type(value)({k: r for k, (r, _) in results.items()}), \
            sum(n for _, n in results.values())
    return value, 0


def _identifiers(notebooks: Iterable[Any]) -> set[str]:
    """Python names used in the code cells (outside strings and comments)."""
    names = set(keyword.kwlist)
    for notebook in notebooks:
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            try:
                tokens = list(tokenize.generate_tokens(io.StringIO(cell.source).readline))
            except (tokenize.TokenError, IndentationError, SyntaxError):
                continue
            names |= {token.string for token in tokens if token.type == tokenize.NAME}
    return names


def _pseudonymise_notebook(notebook: Any, pattern: re.Pattern[str] | None,
                           lookup: Mapping[str, str]) -> tuple[Any, int, int]:
    """A copy with names replaced in sources, text outputs and metadata; pictures left out."""
    result = copy.deepcopy(notebook)
    count = removed = 0
    metadata = dict(result.metadata)
    if metadata.pop("widgets", None) is not None:
        removed += 1
    result.metadata, n = _walk(metadata, pattern, lookup)
    count += n
    for cell in result.cells:
        cell.source, n = _substitute(cell.source, pattern, lookup)
        count += n
        if cell.get("attachments"):
            removed += len(cell.attachments)
            del cell["attachments"]
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type in ("display_data", "execute_result"):
                data = {mime: value for mime, value in output.data.items() if mime in _TEXT_TYPES}
                if len(data) < len(output.data):
                    removed += 1
                if not data:
                    continue
                output.data, n = _walk(data, pattern, lookup)
                output.metadata = {mime: value for mime, value in output.get("metadata", {}).items()
                                   if mime in data}
            else:
                output, n = _walk(output, pattern, lookup)
            count += n
            outputs.append(output)
        cell.outputs = outputs
    return result, count, removed


def _still_named(notebook: Any, pattern: re.Pattern[str] | None) -> str | None:
    """A place where a name is still found after substitution (a safety net), or None."""
    if pattern is None:
        return None
    for index, cell in enumerate(notebook.cells, start=1):
        if any(pattern.search(string) for string in _strings(cell)):
            return f"Zelle {index}"
    for string in _strings(notebook.metadata):
        if pattern.search(string):
            return "Metadaten"
    return None


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def pseudonymise(items: Any, names: Mapping[str, str | None] | Iterable[str]
                 ) -> tuple[Any, dict[str, str]]:
    """Replace every name by its pseudonym: longest first, whole words, genitive "s" too.

    Case-sensitive; one pass, so a pseudonym is never replaced again. Notebooks
    (:mod:`nbformat` nodes) are copied: names are replaced in every cell's source, in text
    outputs (plain, HTML, Markdown, LaTeX), error messages and metadata; pictures, widget
    views, widget state and attachments are left out, since names in pictures cannot be
    replaced. Cell ids and nbgrader metadata stay as they are.

    Parameters
    ----------
    items : str, list of str, notebook or list of notebooks
    names : mapping or iterable
        Name -> sector or just names; see :func:`pseudonym_key`.

    Returns
    -------
    tuple
        The items of the same kind with names replaced, and the key (name -> pseudonym).

    Raises
    ------
    SubmissionError
        (for notebooks) when a name is also a word the forms or the code need (e.g. a sector
        such as "Polizei/Ordnung", or a Python name), so replacing it would break a notebook.

    Examples
    --------
    >>> texts, key = pseudonymise(["Der Bürgerverein Nord und der Bürgerverein.",
    ...                            "Bürgervereinsheim"],
    ...                           {"Bürgerverein Nord": "Zivilgesellschaft",
    ...                            "Bürgerverein": "Zivilgesellschaft"})
    >>> texts
    ['Der Akteur A (Zivilgesellschaft) und der Akteur B (Zivilgesellschaft).', 'Bürgervereinsheim']
    """
    key = pseudonym_key(names)
    pattern, lookup = _pattern(key)
    single = not isinstance(items, (list, tuple))
    batch = [items] if single else list(items)
    notebooks = [item for item in batch if hasattr(item, "cells")]
    if notebooks:
        _check_names(key, _identifiers(notebooks))
    results = []
    for item in batch:
        if hasattr(item, "cells"):
            results.append(_pseudonymise_notebook(item, pattern, lookup)[0])
        elif isinstance(item, str):
            results.append(_substitute(item, pattern, lookup)[0])
        else:
            raise TypeError(f"cannot pseudonymise {type(item).__name__}: expected text or a "
                            "notebook")
    return (results[0] if single else results), key


def _answer_warnings(notebooks: Mapping[str, Any]) -> list[str]:
    """Manually graded answers still blank, and a missing or odd project title."""
    found = []
    for name, notebook in notebooks.items():
        for cell in notebook.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = meta.get("grade_id")
            if grade_id == TITLE_CELL:
                try:  # the certificate's own rule for titles
                    read_title(notebook, name)
                except ProjectTitleError as problem:
                    found.append(f"{problem}; der Titel erscheint auf Ihrem Zertifikat.")
                continue
            if not (meta.get("grade") and meta.get("solution")):
                continue
            if cell.cell_type == "markdown":
                blank = not cell.source.strip() or any(stub in cell.source for stub in _STUBS)
            else:
                try:
                    blank = all(is_blank(v) for v in _form_values(cell.source, name).values())
                except SubmissionError:
                    blank = False
            if blank:
                found.append(f"{name}: Die Antwort „{grade_id}“ ist noch leer.")
    return found


def _title_of(notebook: Any) -> str | None:
    """The project title as the certificate would print it, or None if there is none yet."""
    try:
        return read_title(notebook)
    except ProjectTitleError:
        return None


def _named_form(notebooks: Mapping[str, Any], index: int, grade_id: str) -> dict[str, Any]:
    """:func:`read_form` of an already read notebook, with its file name in the messages."""
    return read_form(notebooks[NOTEBOOKS[index]], grade_id, name=NOTEBOOKS[index])


def pack_submission(folder: str | Path, target_zip: str | Path | None = None, *,
                    expected_extra_names: Any = None) -> SubmissionReport:
    """Build the project's submission: the four saved notebooks, names pseudonymised, as a ZIP.

    Reads :data:`NOTEBOOKS` from ``folder`` as saved on disk (save them first!), collects the
    names as :func:`collect_names` does, replaces them in all four notebooks
    (:func:`pseudonymise`), writes the key table :data:`KEY_FILE` beside the ZIP and then the ZIP
    itself, both atomically (a temporary file moved into place). Nothing else is written; the
    key is never part of the ZIP.

    Parameters
    ----------
    folder : path
        Folder with the saved notebooks.
    target_zip : path, optional
        The ZIP to write; default ``folder / ZIP_FILE``. Its folder must exist.
    expected_extra_names : list of str, optional
        ``weitere_namen`` as the kernel of notebook 4 knows it; if the saved notebook has
        another list, the notebook was not saved after the change (an error).

    Returns
    -------
    SubmissionReport
        ``str(report)`` is the German summary: names replaced per notebook, pictures left out,
        answers still blank.

    Raises
    ------
    SubmissionError
        German, naming the file: a notebook missing, empty or unreadable, a form that cannot be
        read, an unsaved list of further names, a name that cannot be replaced safely.
    """
    folder = Path(folder)
    target = Path(target_zip) if target_zip is not None else folder / ZIP_FILE
    if not target.parent.is_dir():
        raise SubmissionError(f"{target.name}: Der Zielordner {target.parent} existiert nicht.")
    if target.suffix.lower() != ".zip":
        raise SubmissionError(f"{target.name}: Die Abgabedatei muss auf .zip enden.")
    notebooks = {name: _read_notebook(folder / name) for name in NOTEBOOKS}
    names = _names_of_form(_named_form(notebooks, 1, ACTOR_FORM_ID))
    origins = {name: "Akteursliste (Notebook 2)" if sector is not None
               else "Beziehungen (Notebook 2)" for name, sector in names.items()}
    saved_extra = _named_form(notebooks, 3, EXTRA_NAMES_ID).get("weitere_namen")
    extra = _extra_names(saved_extra, NOTEBOOKS[3])
    if expected_extra_names is not None:
        try:
            expected = _extra_names(expected_extra_names, NOTEBOOKS[3])
        except SubmissionError:
            expected = None
        if expected != extra:
            raise SubmissionError(f"{NOTEBOOKS[3]}: Die gespeicherte Liste „weitere_namen“ ist "
                                  "nicht die, die Sie zuletzt ausgeführt haben. Speichern Sie das "
                                  "Notebook (Strg + S), führen Sie die Zelle mit „weitere_namen“ "
                                  "noch einmal aus und klicken Sie erneut.")
    for name in extra:
        names.setdefault(name, None)
        origins.setdefault(name, "weitere Namen (Notebook 4)")
    key = pseudonym_key(names)
    _check_names(key, _identifiers(notebooks.values()))
    pattern, lookup = _pattern(key)
    packed, replacements, removed = {}, {}, {}
    for name, notebook in notebooks.items():
        result, count, left_out = _pseudonymise_notebook(notebook, pattern, lookup)
        place = _still_named(result, pattern)
        if place is not None:
            raise SubmissionError(f"{name}: In {place} steht nach dem Ersetzen noch ein Name. "
                                  "Bitte schreiben Sie ihn dort ohne Sonderzeichen, speichern "
                                  "Sie und klicken Sie erneut.")
        packed[name], replacements[name], removed[name] = result, count, left_out
    notes = _answer_warnings(notebooks)
    before, after = _title_of(notebooks[NOTEBOOKS[0]]), _title_of(packed[NOTEBOOKS[0]])
    if before and after != before:
        notes.append(f"Ihr Projekttitel enthält einen ersetzten Namen und lautet in der Abgabe "
                     f"„{after}“. So erscheint er auf dem Zertifikat; ändern Sie ihn, wenn Sie "
                     "das nicht möchten.")
    import nbformat

    for name, notebook in packed.items():
        try:
            nbformat.validate(notebook)
        except nbformat.ValidationError as error:  # pragma: no cover - a safety net
            raise SubmissionError(f"{name}: Nach dem Ersetzen wäre das Notebook ungültig "
                                  f"({error.message}); bitte melden Sie das der Kursleitung."
                                  ) from None
    key_path = target.parent / KEY_FILE
    table = io.StringIO()
    writer = csv.writer(table, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Name", "Pseudonym", "Herkunft"])
    for real, pseudonym in key.items():
        writer.writerow([real, pseudonym, origins[real]])
    atomic_write(key_path, table.getvalue(), encoding="utf-8-sig")
    with atomic_open(target, "wb") as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, notebook in packed.items():
                archive.writestr(name, nbformat.writes(notebook))
    saved = {name: datetime.fromtimestamp((folder / name).stat().st_mtime) for name in NOTEBOOKS}
    return SubmissionReport(target, key_path, key, replacements, removed, saved, tuple(notes))


_MISSING = object()


def _kernel_value(name: str) -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the course
        return _MISSING
    shell = get_ipython()
    if shell is None:
        return _MISSING
    return shell.user_ns.get(name, _MISSING)


def submission_button(folder: str | Path = ".", target_zip: str | Path | None = None,
                      names_variable: str = "weitere_namen") -> Any:
    """The button "Abgabedatei erstellen (Namen pseudonymisiert)" with its German output.

    A click calls :func:`pack_submission` for ``folder`` and shows the summary, or the German
    error (nothing is written then). The list ``names_variable`` as the kernel knows it at the
    click is compared with the saved notebook, to catch an unsaved change.

    Returns
    -------
    ipywidgets.VBox
        The button and its output area (``children``); the cell displays it.
    """
    import ipywidgets as widgets

    button = widgets.Button(description="Abgabedatei erstellen (Namen pseudonymisiert)",
                            button_style="primary",
                            layout=widgets.Layout(width="420px"))
    output = widgets.Output()

    def click(_: Any = None) -> None:
        expected = _kernel_value(names_variable)
        try:
            report = pack_submission(folder, target_zip, expected_extra_names=(
                None if expected is _MISSING else expected))
            text = str(report)
        except SubmissionError as error:
            text = f"Die Abgabedatei wurde NICHT erstellt.\n{error}"
        except OSError as error:
            text = (f"Die Abgabedatei wurde NICHT erstellt: Datei-Fehler "
                    f"({error.strerror or error}, {error.filename}).")
        output.outputs = ({"output_type": "stream", "name": "stdout", "text": text + "\n"},)

    button.on_click(click)
    return widgets.VBox([button, output])
