"""Command line of the neighbourhood model: ``kokosim run`` and ``kokosim compare``.

Help texts and messages are German (trainers read them); errors end with exit code 2. Scenario
names and parameters are checked where every other user checks them
(:func:`kokosim.neighbourhood.scenario_values`); this module checks only its own options.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kokosim._atomic import atomic_open
from kokosim._cli import use_german_argparse
from kokosim.neighbourhood.scenarios import SCENARIOS, scenario_title

__all__ = ["main", "build_parser"]


def _scenario_list() -> str:
    return "; ".join(f"{name} ({scenario.title})" for name, scenario in SCENARIOS.items())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with the sub-commands ``run`` and ``compare``.

    Examples
    --------
    >>> build_parser().parse_args(["run", "neue_unterkunft", "--steps", "5"]).steps
    5
    """
    use_german_argparse()
    parser = argparse.ArgumentParser(
        prog="kokosim",
        description="Stadtteilmodell für kommunales Konfliktmanagement: Szenarien simulieren "
                    "und vergleichen.",
        epilog=f"Szenarien: {_scenario_list()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL")
    run = commands.add_parser("run", help="Ein Szenario mit einem Seed simulieren (CSV).",
                              description="Simuliert ein Szenario und schreibt die Kennzahlen "
                                          "jeder Woche als CSV-Datei.")
    run.add_argument("scenario", metavar="SZENARIO", help="Name des Szenarios.")
    run.add_argument("--seed", type=int, default=0, help="Zufallsstartwert (Standard: 0).")
    run.add_argument("--steps", type=int, default=100, help="Anzahl Wochen (Standard: 100).")
    run.add_argument("--out", type=Path, default=Path("lauf.csv"),
                     help="Ziel-CSV-Datei (Standard: lauf.csv).")
    comp = commands.add_parser("compare", help="Szenarien über mehrere Seeds vergleichen "
                                               "(CSV und PNG).",
                               description="Simuliert jedes Szenario mit den Seeds 0 … N-1 "
                                           "parallel und schreibt vergleich.csv und "
                                           "vergleich.png in den Zielordner.")
    comp.add_argument("scenarios", metavar="SZENARIO", nargs="+", help="Namen der Szenarien.")
    comp.add_argument("--seeds", type=int, default=10, help="Anzahl Seeds (Standard: 10).")
    comp.add_argument("--steps", type=int, default=100, help="Anzahl Wochen (Standard: 100).")
    comp.add_argument("--processes", type=int, default=None,
                      help="Anzahl paralleler Prozesse (Standard: alle Kerne).")
    comp.add_argument("--out", type=Path, default=Path("vergleich"),
                      help="Zielordner (Standard: vergleich).")
    return parser


def _run(args: argparse.Namespace) -> str:
    from kokosim.neighbourhood.runs import run_scenario

    frame = run_scenario(args.scenario, seed=args.seed, steps=args.steps)
    with atomic_open(args.out, "w", newline="") as handle:
        frame.to_csv(handle, index=False)
    last = frame.iloc[-1]
    return (f"{args.steps} Wochen '{scenario_title(args.scenario)}' (Seed {args.seed}) → "
            f"{args.out}: {int(frame['incidents'].sum())} Vorfälle, "
            f"{int(last['n_disputes'])} offene Konflikte am Ende.")


def _compare(args: argparse.Namespace) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kokosim.neighbourhood.plots import plot_overview
    from kokosim.neighbourhood.runs import compare

    frame = compare(args.scenarios, seeds=args.seeds, steps=args.steps,
                    processes=args.processes)
    args.out.mkdir(parents=True, exist_ok=True)
    table, picture = args.out / "vergleich.csv", args.out / "vergleich.png"
    with atomic_open(table, "w", newline="") as handle:
        frame.to_csv(handle, index=False)
    figure = plot_overview(frame)
    with atomic_open(picture, "wb") as handle:
        figure.savefig(handle, dpi=120, format="png")
    plt.close(figure)
    totals = frame.groupby("scenario", sort=False)["incidents"].sum() / args.seeds
    lines = [f"{table} und {picture} geschrieben. Vorfälle je Lauf im Mittel:"]
    lines += [f"  {scenario_title(name)}: {value:.1f}" for name, value in totals.items()]
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> None:
    """Check the options argparse cannot; raise ``ValueError`` with a German message."""
    if args.steps < 0:
        raise ValueError(f"--steps muss mindestens 0 sein, nicht {args.steps}.")
    if args.command == "compare" and args.seeds < 1:
        raise ValueError(f"--seeds muss mindestens 1 sein, nicht {args.seeds}.")
    if args.command == "compare" and args.processes is not None and args.processes < 1:
        raise ValueError(f"--processes muss mindestens 1 sein, nicht {args.processes}.")
    target = args.out.parent if args.command == "run" else args.out
    if args.command == "run" and not target.is_dir():
        raise ValueError(f"Der Ordner '{target}' für --out existiert nicht.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 bad input).

    Examples
    --------
    >>> main(["run", "gibtsnicht"])  # prints "Fehler: Unbekanntes Szenario ..." to stderr
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse already printed its German/English usage message
        return int(stop.code or 0)
    try:
        _check(args)
        message = _run(args) if args.command == "run" else _compare(args)
    except (ValueError, OSError) as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 2
    print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())

