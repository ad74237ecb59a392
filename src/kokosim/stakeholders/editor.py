"""A workshop editor for actor maps (ipywidgets): forms, live drawing, undo, save and load.

Made for a projector: the trainer types what the group says, the drawing updates at once.
Actors that are already drawn keep their place when the map changes ("Neu anordnen" computes a
fresh layout). Every change can be undone step by step. All labels and messages are German.

The tab "Formular" shows the current map as the text of the Praxisprojekt's actor form
(:func:`kokosim.stakeholders.form.form_text`), ready to paste into the form cell: the editor is the
comfortable way in, the notebook's form stays the record that is handed in.

Works wherever ipywidgets 8 runs (JupyterLab, Jupyter Notebook 7, Binder): the drawing is a
PNG in an ``ipywidgets.Image``, so it needs no matplotlib backend of the notebook.
"""

from __future__ import annotations

import html
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from kokosim.escalation import STAGES
from kokosim.stakeholders import drawing
from kokosim.stakeholders.drawing import draw, layout, save_figure
from kokosim.stakeholders.exchange import (
    ACTOR_HEADERS,
    RELATION_HEADERS,
    MapFileError,
    StakeholderMap,
    parse_text,
    read_csv,
    read_json,
    write_csv,
    write_json,
)
from kokosim.stakeholders.model import FieldError
from kokosim.stakeholders.style import KIND_LABELS
from kokosim.stakeholders.vocabulary import RELATION_KINDS, ROLES, SECTORS, STANCES

__all__ = ["StakeholderEditor"]

_LABELS = {field: headers[0] for field, headers in {**ACTOR_HEADERS, **RELATION_HEADERS}.items()}
_LABELS["image"] = "Bild"
_WIDE = w.Layout(width="95%")


def _describe(error: Exception) -> str:
    """German text of an error met while editing, loading or saving."""
    if isinstance(error, FieldError):
        return f"Feld '{_LABELS.get(error.field, error.field)}': {error.german}"
    if isinstance(error, OSError):
        return f"Datei-Fehler: {error.strerror or error} ({error.filename})"
    return str(error)  # MapFileError: already German, one problem a line


def _text_or_empty(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class StakeholderEditor:
    """Interactive editor for a :class:`StakeholderMap` in a notebook.

    Parameters
    ----------
    karte : StakeholderMap, optional
        The map to start from (it is copied); default: an empty map.
    folder : str or path-like, default "."
        Folder for the file names typed in the "Datei" tab.
    seed : int, default 0
        Seed of the layout; "Neu anordnen" moves on to the next seed.
    title : str, default "Akteurslandkarte"
        Title of the drawing.

    Attributes
    ----------
    karte : StakeholderMap
        The current map (read it to analyse the result of the workshop).
    widget : ipywidgets.Widget
        The whole editor; the editor object itself displays as this widget.
    form_text : ipywidgets.Textarea
        The map as the Praxisprojekt's form text, filled by "Als Formular-Text zeigen".

    Examples
    --------
    >>> editor = StakeholderEditor()
    >>> editor.actor_form["name"].value = "Bürgerverein"
    >>> editor.actor_form["influence"].value = 4
    >>> editor.buttons["save_actor"].click()
    >>> editor.karte.actors, editor.message.value.startswith("<span style='color:#006400'>")
    (['Bürgerverein'], True)
    >>> editor.buttons["undo"].click()
    >>> len(editor.karte)
    0
    """

    def __init__(self, karte: StakeholderMap | None = None, folder: str | Path = ".",
                 seed: int = 0, title: str = "Akteurslandkarte") -> None:
        self.karte = karte.copy() if karte is not None else StakeholderMap()
        self.folder = Path(folder)
        self.seed = seed
        self.title = title
        self._history: list[tuple[StakeholderMap, dict[str, tuple[float, float]]]] = []
        self._positions: dict[str, tuple[float, float]] = {}
        self._build_widgets()
        warning = self._refresh()
        if warning:
            self._say(warning, ok=False)

    # ------------------------------------------------------------------ widgets
    def _build_widgets(self) -> None:
        text = dict(layout=_WIDE, style={"description_width": "110px"})
        self.actor_form: dict[str, w.ValueWidget] = {
            "name": w.Combobox(description="Name", placeholder="Name des Akteurs",
                               continuous_update=False, **text),
            "sector": w.Dropdown(description="Sektor", options=SECTORS, value="Sonstige", **text),
            "role": w.Dropdown(description="Rolle",
                               options=[("– keine Angabe –", ""), *((r, r) for r in ROLES)],
                               **text),
            "influence": w.BoundedIntText(description="Einfluss", value=1, min=0, max=999,
                                          **text),
            "stance": w.SelectMultiple(description="Haltung", options=STANCES, rows=3, **text),
            "power": w.Text(description="Macht (0–10)", placeholder="leer = nicht eingeschätzt",
                            **text),
            "interest": w.Text(description="Interesse (0–10)",
                               placeholder="leer = nicht eingeschätzt", **text),
            "position": w.Textarea(description="Position", rows=2, **text),
            "interests": w.Textarea(description="Interessen", rows=2, **text),
            "needs": w.Textarea(description="Bedürfnisse", rows=2, **text),
            "is_shadow": w.Checkbox(description="Schattenpartei", indent=False),
            "is_issue": w.Checkbox(description="Thema (kein Akteur)", indent=False),
            "is_self": w.Checkbox(description="Das bin ich (KMS)", indent=False),
        }
        self.relation_form: dict[str, w.ValueWidget] = {
            "source": w.Dropdown(description="Von", **text),
            "target": w.Dropdown(description="Zu", **text),
            "kind": w.Dropdown(description="Art", options=[(KIND_LABELS[k], k)
                                                             for k in RELATION_KINDS], **text),
            "stage": w.Dropdown(description="Glasl-Stufe", options=[
                ("– keine –", None), *((f"{s.number} – {s.name}", s.number) for s in STAGES)],
                **text),
            "strength": w.Text(description="Stärke", placeholder="leer oder Zahl ≥ 0", **text),
            "note": w.Text(description="Notiz", **text),
        }
        self.file_form: dict[str, w.Text] = {
            "actors_csv": w.Text(description="Akteure (CSV)", value="akteure.csv", **text),
            "relations_csv": w.Text(description="Beziehungen (CSV)", value="beziehungen.csv",
                                    **text),
            "json": w.Text(description="Karte (JSON)", value="karte.json", **text),
            "image": w.Text(description="Bild (PNG/SVG/PDF)", value="karte.png", **text),
        }
        actions: dict[str, tuple[str, str, Callable[[], None]]] = {
            "save_actor": ("Akteur speichern", "success", self.save_actor),
            "remove_actor": ("Akteur entfernen", "danger", self.remove_actor),
            "clear_actor": ("Formular leeren", "", self.clear_actor_form),
            "save_relation": ("Beziehung speichern", "success", self.save_relation),
            "remove_relation": ("Beziehung entfernen", "danger", self.remove_relation),
            "undo": ("Rückgängig", "warning", self.undo),
            "relayout": ("Neu anordnen", "", self.relayout),
            "save_csv": ("CSV speichern", "", self.save_csv),
            "load_csv": ("CSV laden", "", self.load_csv),
            "save_json": ("JSON speichern", "", self.save_json),
            "load_json": ("JSON laden", "", self.load_json),
            "save_image": ("Bild speichern", "", self.save_image),
            "form_text": ("Als Formular-Text zeigen", "info", self.show_form_text),
        }
        self.buttons: dict[str, w.Button] = {}
        for key, (label, style, action) in actions.items():
            button = w.Button(description=label, button_style=style)
            button.on_click(lambda _button, action=action: action())
            self.buttons[key] = button
        self.message = w.HTML()
        self.form_text = w.Textarea(
            placeholder="Hier erscheint die Karte als Text für die Formularzelle.",
            rows=16, layout=w.Layout(width="95%"))
        self.image = w.Image(format="png", layout=w.Layout(width="100%"))
        self.actor_form["name"].observe(self._fill_actor_form, names="value")
        for key in ("source", "target", "kind"):
            self.relation_form[key].observe(self._fill_relation_form, names="value")

        b = self.buttons
        tabs = w.Tab(children=[
            w.VBox([*self.actor_form.values(),
                    w.HBox([b["save_actor"], b["remove_actor"], b["clear_actor"]])]),
            w.VBox([*self.relation_form.values(),
                    w.HBox([b["save_relation"], b["remove_relation"]])]),
            w.VBox([*self.file_form.values(),
                    w.HBox([b["save_csv"], b["load_csv"]]), w.HBox([b["save_json"],
                                                                   b["load_json"]]),
                    b["save_image"]]),
            w.VBox([w.HTML("Die Karte als Text für die Formularzelle des Praxisprojekts: "
                           "Knopf drücken, im Feld alles markieren (Strg + A), kopieren "
                           "(Strg + C) und ganz unten in die Formularzelle einfügen. Der Text "
                           "folgt danach jeder Änderung der Karte."),
                    b["form_text"], self.form_text]),
        ], layout=w.Layout(width="36%"))
        for index, name in enumerate(("Akteur", "Beziehung", "Datei", "Formular")):
            tabs.set_title(index, name)
        self.widget = w.VBox([
            w.HBox([b["undo"], b["relayout"], self.message]),
            w.HBox([tabs, w.Box([self.image], layout=w.Layout(width="64%"))]),
        ])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ feedback
    def _say(self, text: str, ok: bool = True) -> None:
        colour = "#006400" if ok else "#B00000"
        lines = "<br>".join(html.escape(line, quote=False) for line in text.splitlines())
        self.message.value = f"<span style='color:{colour}'>{lines}</span>"

    def _run(self, action: Callable[[], str], change: bool) -> None:
        """Run ``action``; on success keep the previous map for undo and redraw."""
        before = (self.karte.copy(), dict(self._positions))
        try:
            done = action()
        except (FieldError, MapFileError, OSError) as error:
            self.karte, self._positions = before
            self._say(_describe(error), ok=False)
            return
        if change:
            self._history.append(before)
        note = self._refresh()
        self._say(f"{done} {note}".strip(), ok=not note)

    def _refresh(self) -> str:
        """Update the forms and redraw (drawn actors keep their place); return a warning or ''."""
        names = self.karte.actors
        self.actor_form["name"].options = names
        for key in ("source", "target"):
            dropdown = self.relation_form[key]
            current = dropdown.value
            dropdown.options = names
            dropdown.value = current if current in names else (names[0] if names else None)
        kept = {n: p for n, p in self._positions.items() if n in self.karte}
        # A map too large to draw in full is simplified by draw(), which lays out only the part
        # it shows; laying out thousands of actors here would only cost time.
        small = len(self.karte) <= drawing.MAX_DRAWN_ACTORS
        self._positions = layout(self.karte, seed=self.seed, positions=kept) if small else kept
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            figure = draw(self.karte, seed=self.seed, positions=self._positions, title=self.title)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        self.image.value = buffer.getvalue()
        if self.form_text.value:  # shown once: keep it in step with the map
            from kokosim.stakeholders.form import form_text

            self.form_text.value = form_text(self.karte)
        return str(caught[0].message) if caught else ""

    # ------------------------------------------------------------------ form helpers
    def _fill_actor_form(self, change: dict[str, Any]) -> None:
        name = change["new"]
        if name not in self.karte:
            return
        data = self.karte.actor(name)
        for field, widget in self.actor_form.items():
            if field == "name":
                continue
            value = data[field]
            widget.value = _text_or_empty(value) if isinstance(widget, w.Text) else value

    def _fill_relation_form(self, _change: dict[str, Any]) -> None:
        form = self.relation_form
        source, target, kind = form["source"].value, form["target"].value, form["kind"].value
        if source is None or target is None or \
                self.karte.find_relation(source, target, kind) is None:
            return
        data = self.karte.relation(source, target, kind)
        form["stage"].value = data["stage"]
        form["strength"].value = _text_or_empty(data["strength"])
        form["note"].value = data["note"]

    def clear_actor_form(self) -> None:
        """Reset the actor form to its defaults."""
        for field, widget in self.actor_form.items():
            if isinstance(widget, w.Checkbox):
                widget.value = False
            elif isinstance(widget, w.SelectMultiple):
                widget.value = ()
            elif field == "sector":
                widget.value = "Sonstige"
            elif field == "influence":
                widget.value = 1
            else:
                widget.value = ""

    def _actor_values(self) -> dict[str, Any]:
        values = {}
        for field, widget in self.actor_form.items():
            if field == "name":
                continue
            if field in ("power", "interest"):
                values[field] = parse_text(field, widget.value) if widget.value.strip() else None
            else:
                values[field] = widget.value
        return values

    def _relation_values(self) -> dict[str, Any]:
        form = self.relation_form
        strength = form["strength"].value
        return {"stage": form["stage"].value if form["kind"].value == "konflikt" else None,
                "strength": parse_text("strength", strength) if strength.strip() else None,
                "note": form["note"].value}

    def _relation_key(self) -> tuple[str, str, str]:
        form = self.relation_form
        return form["source"].value, form["target"].value, form["kind"].value

    # ------------------------------------------------------------------ actions
    def save_actor(self) -> None:
        """Add the actor of the form, or update it if the name exists ("Akteur speichern")."""
        def action() -> str:
            name = self.actor_form["name"].value.strip()
            values = self._actor_values()
            if name in self.karte:
                self.karte.update_actor(name, **values)
                return f"Akteur '{name}' geändert."
            self.karte.add_actor(name, **values)
            return f"Akteur '{name}' hinzugefügt."
        self._run(action, change=True)

    def remove_actor(self) -> None:
        """Remove the actor named in the form with all its relations ("Akteur entfernen")."""
        def action() -> str:
            name = self.actor_form["name"].value.strip()
            self.karte.remove_actor(name)
            self._positions.pop(name, None)
            return f"Akteur '{name}' und seine Beziehungen entfernt."
        self._run(action, change=True)

    def save_relation(self) -> None:
        """Add the relation of the form, or update it if it exists ("Beziehung speichern")."""
        def action() -> str:
            source, target, kind = self._relation_key()
            values = self._relation_values()
            exists = source in self.karte and target in self.karte and \
                self.karte.find_relation(source, target, kind) is not None
            if exists:
                self.karte.update_relation(source, target, kind, **values)
                return f"Beziehung '{kind}' zwischen '{source}' und '{target}' geändert."
            self.karte.add_relation(source, target, kind, **values)
            return f"Beziehung '{kind}' zwischen '{source}' und '{target}' hinzugefügt."
        self._run(action, change=True)

    def remove_relation(self) -> None:
        """Remove the relation chosen in the form ("Beziehung entfernen")."""
        def action() -> str:
            source, target, kind = self._relation_key()
            self.karte.remove_relation(source, target, kind)
            return f"Beziehung '{kind}' zwischen '{source}' und '{target}' entfernt."
        self._run(action, change=True)

    def undo(self) -> None:
        """Restore the map as it was before the last change ("Rückgängig")."""
        if not self._history:
            self._say("Es gibt nichts rückgängig zu machen.", ok=False)
            return
        self.karte, self._positions = self._history.pop()
        self._say(f"Letzte Änderung rückgängig gemacht. {self._refresh()}".strip())

    def relayout(self) -> None:
        """Arrange all actors anew with the next seed ("Neu anordnen")."""
        self.seed += 1
        self._positions = {}
        self._say(f"Karte neu angeordnet. {self._refresh()}".strip())

    def show_form_text(self) -> None:
        """Show the map as the text of the Praxisprojekt's actor form ("Als Formular-Text zeigen").

        The text (two assignments, ``akteure = [...]`` and ``beziehungen = [...]``) appears in
        :attr:`form_text` and follows every later change of the map; pasted into the form cell
        it gives the same map back (:func:`kokosim.stakeholders.form.map_from_form`).
        """
        from kokosim.stakeholders.form import form_text

        self.form_text.value = form_text(self.karte)
        self._say(f"Formular-Text erzeugt ({len(self.karte)} Einträge): bitte kopieren und in "
                  "die Formularzelle einfügen.")

    def _path(self, key: str) -> Path:
        return self.folder / self.file_form[key].value.strip()

    def save_csv(self) -> None:
        """Write the two CSV tables named in the "Datei" tab."""
        def action() -> str:
            write_csv(self.karte, self._path("actors_csv"), self._path("relations_csv"))
            return (f"Gespeichert: {self.file_form['actors_csv'].value}, "
                    f"{self.file_form['relations_csv'].value}.")
        self._run(action, change=False)

    def load_csv(self) -> None:
        """Replace the map by the CSV tables named in the "Datei" tab (undo brings it back)."""
        def action() -> str:
            self.karte = read_csv(self._path("actors_csv"), self._path("relations_csv"))
            self._positions = {}
            return f"Geladen: {len(self.karte)} Akteure."
        self._run(action, change=True)

    def save_json(self) -> None:
        """Write the map as JSON to the file named in the "Datei" tab."""
        def action() -> str:
            write_json(self.karte, self._path("json"))
            return f"Gespeichert: {self.file_form['json'].value}."
        self._run(action, change=False)

    def load_json(self) -> None:
        """Replace the map by the JSON file named in the "Datei" tab (undo brings it back)."""
        def action() -> str:
            self.karte = read_json(self._path("json"))
            self._positions = {}
            return f"Geladen: {len(self.karte)} Akteure."
        self._run(action, change=True)

    def save_image(self) -> None:
        """Save the drawing as PNG, SVG or PDF (by the ending of the file name)."""
        def action() -> str:
            path = self._path("image")
            if path.suffix.lower() not in (".png", ".svg", ".pdf"):
                raise FieldError("image", path.name, "needs the ending .png, .svg or .pdf",
                                 "braucht die Endung .png, .svg oder .pdf")
            save_figure(draw(self.karte, seed=self.seed, positions=self._positions,
                             title=self.title), path)
            return f"Bild gespeichert: {path.name}."
        self._run(action, change=False)
