"""Drawing in Fisher notation, Mendelow grid, saving, large maps."""

from __future__ import annotations

import random
from collections import Counter
import warnings
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from kokosim.stakeholders import (
    StakeholderMap,
    draw,
    draw_mendelow,
    example_map,
    layout,
    load_case_map,
    save_figure,
)
from kokosim.stakeholders import drawing


def _legend_texts(figure: Figure) -> list[str]:
    return [text.get_text() for legend in figure.legends for text in legend.get_texts()]


def _artists(figure: Figure, gid: str) -> list:
    ax = figure.axes[0]
    return [a for a in (*ax.lines, *ax.patches, *ax.texts) if a.get_gid() == gid]


@pytest.fixture(scope="module")
def case_figure() -> Figure:
    return draw(load_case_map(), title="Musterstadt-Nord")


def test_german_legend(case_figure: Figure) -> None:
    texts = _legend_texts(case_figure)
    for entry in ("Kooperation, enge Beziehung (Linie)", "Allianz (Doppellinie)",
                  "informell/unregelmäßig (gepunktet)", "Einfluss (Pfeil)",
                  "Konflikt mit Glasl-Stufe (Zickzack)",
                  "unterbrochene Beziehung (durchgestrichen)", "Verwaltung",
                  "Migrantenselbstorganisation", "ich (doppelter Ring)",
                  "Schattenpartei (gestrichelt, rechts)", "Thema (Raute)",
                  "Kreisgröße = Einfluss"):
        assert entry in texts
    titles = {legend.get_title().get_text() for legend in case_figure.legends}
    assert titles == {"Beziehungen", "Akteure (Farbe = Sektor)"}
    assert case_figure.axes[0].get_title() == "Musterstadt-Nord"


def test_fisher_notation_artists(case_figure: Figure) -> None:
    karte = load_case_map()
    count = Counter(kind for _, _, kind, _ in karte.relations())
    arrows = _artists(case_figure, "relation:einfluss")
    assert len(arrows) == count["einfluss"] == 11
    assert all(isinstance(a, FancyArrowPatch) for a in arrows)
    assert len(_artists(case_figure, "relation:allianz")) == 2 * count["allianz"]  # double
    assert len(_artists(case_figure, "relation:kooperation")) == count["kooperation"]
    dotted = _artists(case_figure, "relation:informell")
    assert len(dotted) == count["informell"]
    assert all(line.get_linestyle() != "-" for line in dotted)
    zigzags = _artists(case_figure, "relation:konflikt")
    assert len(zigzags) == count["konflikt"]
    assert all(len(line.get_xdata()) > 8 for line in zigzags)  # a zigzag, not a straight line
    assert sorted(t.get_text() for t in _artists(case_figure, "stage")) == \
        ["2", "3", "3", "4", "4", "4", "5", "6"]
    # crossed line: the line itself and two strokes per broken relation
    assert len(_artists(case_figure, "relation:unterbrochen")) == 3 * count["unterbrochen"]
    assert len(_artists(case_figure, "self")) == 1
    assert len(_artists(case_figure, "issue")) == 1


def test_circle_size_grows_with_influence(case_figure: Figure) -> None:
    circles = {a.get_gid(): a for a in case_figure.axes[0].patches if isinstance(a, Circle)}
    big = circles["actor:Bürgermeisteramt"].get_radius()  # influence 8
    small = circles["actor:Werbegemeinschaft Nordmarkt (fiktiv)"].get_radius()  # influence 2
    assert big > small
    assert circles["actor:Online-Gruppe „Wir in Nord“ (fiktiv)"].get_linestyle() == "--"
    assert circles["actor:Sozialdezernat"].get_facecolor()[:3] == pytest.approx(
        (0 / 255, 114 / 255, 178 / 255))


def test_layout_is_deterministic_and_shadows_are_apart() -> None:
    karte = load_case_map()
    first, second = layout(karte, seed=7), layout(karte, seed=7)
    assert first == second
    assert layout(karte, seed=8) != first
    shadows = [n for n in karte.actors if karte.actor(n)["is_shadow"]]
    others = [n for n in karte.actors if not karte.actor(n)["is_shadow"]]
    assert min(first[n][0] for n in shadows) > max(first[n][0] for n in others)


def test_fixed_positions() -> None:
    karte = example_map()
    fixed = {"KMS": (0.25, -0.5), "Investor": (3.0, 3.0)}
    placed = layout(karte, seed=1, positions=fixed)
    assert placed["KMS"] == (0.25, -0.5) and placed["Investor"] == (3.0, 3.0)
    everything = layout(karte, seed=1)
    assert layout(karte, seed=99, positions=everything) == everything
    circles = {a.get_gid(): a for a in draw(karte, positions=fixed).axes[0].patches}
    assert circles["actor:KMS"].center == pytest.approx((0.25, -0.5))
    with pytest.raises(ValueError, match="Rathaus"):
        layout(karte, positions={"Rathaus": (0, 0)})


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_saved_files_exist_and_are_not_empty(tmp_path: Path, suffix: str) -> None:
    figure = draw(example_map())
    target = save_figure(figure, tmp_path / f"karte{suffix}")
    assert target.exists() and target.stat().st_size > 1000
    magic = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix]
    assert target.read_bytes().startswith(magic)


def test_save_rejects_other_formats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="karte.jpg"):
        save_figure(draw(example_map()), tmp_path / "karte.jpg")
    assert not list(tmp_path.iterdir())


def test_mendelow_grid(tmp_path: Path) -> None:
    karte = example_map()
    karte.update_actor("Presse", power=None)
    figure = draw_mendelow(karte)
    ax = figure.axes[0]
    texts = [t.get_text() for t in ax.texts]
    for quadrant in ("Eng einbinden", "Zufriedenstellen", "Informiert halten", "Beobachten"):
        assert quadrant in texts
    labels = [t.get_text() for t in ax.texts if t.get_text() in karte.actors]
    assert "Amt" in labels and "Presse" not in labels
    assert any("Nicht eingeschätzt: Presse" in t.get_text() for t in figure.texts)
    assert ax.collections[0].get_offsets().shape == (6, 2)
    assert save_figure(figure, tmp_path / "m.pdf").stat().st_size > 0


def test_empty_map_draws() -> None:
    assert isinstance(draw(StakeholderMap()), Figure)


def _random_map(actors: int, seed: int = 1) -> StakeholderMap:
    rng = random.Random(seed)
    karte = StakeholderMap()
    for i in range(actors):
        karte.add_actor(f"A{i}", influence=rng.randint(0, 9), is_self=i == 0,
                        is_shadow=rng.random() < 0.05)
    for i in range(1, actors):
        karte.add_relation(f"A{i}", f"A{rng.randrange(i)}", rng.choice(["kooperation",
                                                                         "einfluss"]))
    return karte


def test_large_map_warns_in_german_and_is_simplified(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drawing, "MAX_DRAWN_ACTORS", 30)
    karte = _random_map(80)
    with pytest.warns(UserWarning, match="Die Karte hat 80 Akteure – zu viele"):
        figure = draw(karte)
    circles = [a for a in figure.axes[0].patches if str(a.get_gid()).startswith("actor:")]
    assert len(circles) == 30
    assert "actor:A0" in {c.get_gid() for c in circles}  # the self is always kept
    assert "vereinfacht: 30 von 80 Akteuren" in figure.axes[0].get_title()


def test_small_map_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw(_random_map(20))
    assert drawing.MAX_DRAWN_ACTORS == 150


def test_figures_show_themselves_in_jupyter() -> None:
    """Without pyplot the inline backend registers no formatter; the figure brings its own."""
    for figure in (draw(example_map()), draw_mendelow(example_map())):
        assert figure._repr_png_().startswith(b"\x89PNG")


def test_the_case_map_fits_the_grading_sandboxs_output_limit_per_cell():
    """The full case map as notebook PNG stays well below 256 KiB (base64, as in the .ipynb)."""
    import base64

    from kokosim.certification.sandbox import SandboxLimits
    from kokosim.stakeholders import load_case_map

    picture = draw(load_case_map())._repr_png_()
    assert picture.startswith(b"\x89PNG")
    assert len(base64.b64encode(picture)) < SandboxLimits().cell_output_kb * 1024 / 4
