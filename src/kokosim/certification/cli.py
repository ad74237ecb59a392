"""Command line ``kokosim-cert``: from the inbox to the certificates (German messages).

The top of the grading chain (cli → grading → worker → launcher → starter → sandbox); each
command calls one module (see :mod:`kokosim.certification`).

Examples
--------
>>> main(["--help"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
SystemExit: 0
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kokosim.certification.sandbox import SandboxLimits, sandbox_mode

if TYPE_CHECKING:
    from kokosim.certification.records import GradeRecord

__all__ = ["build_parser", "main"]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} ist kein Datum (JJJJ-MM-TT)") from None


def _deadline(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} ist kein Zeitpunkt (JJJJ-MM-TTTHH:MM, z. B. 2026-12-01T23:59)") from None
    return moment if moment.tzinfo else moment.astimezone()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with German help texts."""
    parser = argparse.ArgumentParser(
        prog="kokosim-cert",
        description="Zertifizierung: Abgaben annehmen, in einer Sandbox automatisch bewerten, "
                    "Rückmeldungen ohne verborgene Tests, Notenexport und Zertifikate.",
        epilog="Leitfaden: course/Leitfaden_Zertifizierung.md")
    commands = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL")

    init = commands.add_parser("init", help="Arbeitsverzeichnis anlegen, Teilnehmende importieren")
    init.add_argument("workdir", metavar="ARBEITSVERZEICHNIS",
                      help="neues, leeres Verzeichnis außerhalb des Kurs-Repositorys")
    init.add_argument("--students", required=True, metavar="CSV",
                      help="Teilnehmerliste mit den Spalten id,first_name,last_name,email")
    init.add_argument("--kurs", default=".", metavar="PFAD",
                      help="der Kurs: sein Ordner (mit course/kurs.toml) oder seine kurs.toml "
                           "(Standard: der aktuelle Ordner)")
    init.add_argument("--db-url", metavar="URL",
                      help="Notenbuch in PostgreSQL, z. B. postgresql://bewertung@dbhost/kokosim "
                           "(Standard: SQLite-Datei im Arbeitsverzeichnis)")
    init.add_argument("--zeitlimit", type=int, default=30, metavar="S",
                      help="Sekunden je Zelle (Standard 30)")
    init.add_argument("--cpu", type=int, default=300, metavar="S",
                      help="CPU-Sekunden je Notebook-Kernel (Standard 300)")
    init.add_argument("--speicher", type=int, default=2048, metavar="MIB",
                      help="Speichergrenze je Kernel in MiB (Standard 2048)")
    init.add_argument("--ohne-sandbox", action="store_true",
                      help="Dateisystem-Sandbox (bubblewrap) abschalten; nur Ressourcengrenzen")
    init.add_argument("--mit-abbildungen", action="store_true",
                      help="Abbildungen beim Bewerten zeichnen (in den Rückmeldungen sichtbar; "
                           "deutlich längere Bewertungszeit)")
    init.add_argument("--ohne-vorstart", action="store_true",
                      help="jeden Kernel neu starten statt aus dem vorgewärmten Kernelstarter "
                           "(langsamer; zur Fehlersuche)")

    intake = commands.add_parser("intake", help="Abgaben aus einem Eingangsordner übernehmen")
    intake.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    intake.add_argument("module", metavar="MODUL", help="z. B. module1")
    intake.add_argument("inbox", metavar="EINGANG",
                        help="Ordner mit je einer Datei KENNUNG.zip oder KENNUNG.ipynb")
    intake.add_argument("--frist", type=_deadline, metavar="ZEITPUNKT",
                        help="Abgabefrist des Moduls (z. B. 2026-12-01T23:59); später "
                             "eingegangene Abgaben werden als verspätet vermerkt")
    intake.add_argument("--max-mb", type=int, default=50, metavar="MIB",
                        help="größte erlaubte entpackte Größe je Abgabe (Standard 50)")

    grade = commands.add_parser("grade", help="Abgaben eines Moduls automatisch bewerten")
    grade.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    grade.add_argument("module", metavar="MODUL")
    grade.add_argument("--student", action="append", metavar="KENNUNG",
                       help="nur diese Person (mehrfach möglich)")
    grade.add_argument("--jobs", type=int, metavar="N",
                       help="gleichzeitige Bewertungen (Standard: Anzahl der Prozessorkerne)")

    feedback = commands.add_parser("feedback", help="HTML-Rückmeldungen erzeugen")
    feedback.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    feedback.add_argument("module", metavar="MODUL")

    export = commands.add_parser("export", help="Noten als CSV exportieren")
    export.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    export.add_argument("--out", required=True, metavar="CSV", help="Zieldatei, z. B. noten.csv")

    certs = commands.add_parser("certificates", help="Zertifikate (PDF) und Kohortenübersicht")
    certs.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    certs.add_argument("--out", required=True, metavar="ORDNER", help="Zielordner")
    certs.add_argument("--datum", type=_date, metavar="JJJJ-MM-TT",
                       help="Ausstellungsdatum (Standard: heute)")

    status = commands.add_parser("status", help="Stand: eingegangen, bewertet, markiert, offen")
    status.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    return parser


def _run(args: argparse.Namespace) -> int:
    from kokosim.certification import workdir as wd

    if args.command == "init":
        limits = SandboxLimits(cell_timeout=args.zeitlimit, cpu_seconds=args.cpu,
                               memory_mb=args.speicher, filesystem=not args.ohne_sandbox,
                               warm_kernels=not args.ohne_vorstart,
                               figures=args.mit_abbildungen)
        work = wd.init_workdir(args.workdir, args.students, course_config=args.kurs,
                               db_url=args.db_url, limits=limits)
        with work.gradebook() as gb:
            count = len(gb.students)
        print(f"Arbeitsverzeichnis {work.root} angelegt; {count} Teilnehmende im Notenbuch "
              f"({work.db_url}). Sandbox: {sandbox_mode(work.limits)}.")
        return 0
    work = wd.open_workdir(args.workdir)
    # Caches (matplotlib's font list) stay in the work directory, not in the home directory.
    os.environ.setdefault("MPLCONFIGDIR", str(work.path("cache", "matplotlib")))
    if args.command == "intake":
        from kokosim.certification.intake import intake, set_deadline

        if args.frist is not None:
            set_deadline(work, args.module, args.frist)
        lines = intake(work, args.module, args.inbox, max_mb=args.max_mb)
        for line in lines:
            print(line)
        accepted = sum(line.accepted for line in lines)
        print(f"{accepted} angenommen, {len(lines) - accepted} abgelehnt "
              f"(Bericht in {work.path('reports')}).")
        return 0
    if args.command == "grade":
        from kokosim.certification.grading import grade_module

        print(f"Bewerte {args.module} – Sandbox: {sandbox_mode(work.limits)}", flush=True)

        def show(record: GradeRecord) -> None:
            flags = "; ".join(flag.text for flag in record.flags) or "ok"
            print(f"  {record.student}: {record.seconds:.1f} s – {flags}", flush=True)

        results = grade_module(work, args.module, args.student, jobs=args.jobs, progress=show)
        flagged = sum(record.flagged for record in results)
        print(f"{len(results)} bewertet, {flagged} markiert (siehe 'kokosim-cert status').")
        return 0
    if args.command == "feedback":
        from kokosim.certification.feedback import generate_feedback

        lines = generate_feedback(work, args.module)
        for line in lines:
            print(f"  {line}")
        print(f"Rückmeldungen in {work.path('feedback')}.")
        return 0 if all(line.created for line in lines) else 1
    if args.command == "export":
        from kokosim.certification.export import export

        rows = export(work, args.out)
        print(f"{len(rows)} Zeilen nach {Path(args.out).absolute()} geschrieben.")
        return 0
    if args.command == "certificates":
        from kokosim.certification.certificates import write_certificates

        certificates = write_certificates(work, args.out, args.datum)
        print(f"{len(certificates)} Zertifikat(e) und Kohortenübersicht in "
              f"{Path(args.out).absolute()}.")
        return 0
    from kokosim.certification.status import status_text

    print(status_text(work))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kokosim-cert``; returns the exit code (1 on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, FileNotFoundError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"Fehler: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
