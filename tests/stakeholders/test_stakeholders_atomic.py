"""Atomic writes: a failure while writing leaves the previous file as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import networkx as nx
import pytest

import kokosim._atomic as atomic
from kokosim._atomic import atomic_open, atomic_write
from kokosim.stakeholders import StakeholderMap, draw, example_map, save_figure, write_csv
from kokosim.stakeholders import exchange


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_text_and_bytes(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    atomic_write(target, "zeile\r\nzwei")
    assert target.read_bytes() == "zeile\r\nzwei".encode()
    atomic_write(target, b"\xff")
    assert target.read_bytes() == b"\xff"
    assert _leftovers(tmp_path) == []


def test_mode_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode='a'"):
        with atomic_open(tmp_path / "x", "a"):
            pass


def test_permissions_of_an_existing_file_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("alt")
    os.chmod(target, 0o640)
    atomic_write(target, "neu")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_failed_replace_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "karte.json"
    target.write_text("alt", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("Stromausfall")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="Stromausfall"):
        example_map().to_json(target)
    assert target.read_text(encoding="utf-8") == "alt"
    assert _leftovers(tmp_path) == []


def test_serializer_failing_midway_keeps_the_old_graphml(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "karte.graphml"
    example_map().to_graphml(target)
    before = target.read_bytes()

    def half_written(graph: nx.Graph, handle, **kwargs) -> None:
        handle.write(b"<?xml version='1.0'?><graphml><graph>")
        raise RuntimeError("Absturz beim Schreiben")

    monkeypatch.setattr(exchange.nx, "write_graphml", half_written)
    with pytest.raises(RuntimeError, match="Absturz"):
        StakeholderMap().to_graphml(target)
    assert target.read_bytes() == before
    assert StakeholderMap.from_graphml(target) == example_map()
    assert _leftovers(tmp_path) == []


def test_csv_pair_is_unchanged_when_the_second_table_fails(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    actors, relations = tmp_path / "akteure.csv", tmp_path / "beziehungen.csv"
    karte = example_map()
    write_csv(karte, actors, relations)
    before = actors.read_bytes(), relations.read_bytes()
    calls = []
    original = exchange._write_table

    def fail_second(handle, header, rows, delimiter) -> None:
        calls.append(header)
        original(handle, header, rows, delimiter)
        if len(calls) == 2:
            raise OSError("Platte voll")

    monkeypatch.setattr(exchange, "_write_table", fail_second)
    changed = karte.copy()
    changed.remove_actor("Presse")
    with pytest.raises(OSError, match="Platte voll"):
        write_csv(changed, actors, relations)
    assert (actors.read_bytes(), relations.read_bytes()) == before
    assert _leftovers(tmp_path) == []


def test_failed_figure_save_keeps_the_old_image(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "karte.png"
    target.write_bytes(b"altes Bild")
    figure = draw(example_map())

    def broken_savefig(handle, **kwargs) -> None:
        handle.write(b"\x89PNG halb")
        raise RuntimeError("Renderer abgestürzt")

    monkeypatch.setattr(figure, "savefig", broken_savefig)
    with pytest.raises(RuntimeError):
        save_figure(figure, target)
    assert target.read_bytes() == b"altes Bild"
    assert _leftovers(tmp_path) == []
