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

from kokosim._cli import use_german_argparse
from kokosim.certification.database import shown_url
from kokosim.certification.sandbox import SandboxLimits, sandbox_mode

if TYPE_CHECKING:
    from kokosim.certification import workdir as wd
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


def _export_format(text: str) -> str:
    formats = ("csv", "moodle", "moodle-bewertung", "ilias")
    if text not in formats:
        raise argparse.ArgumentTypeError(f"{text!r} ist kein Exportformat (erlaubt: "
                                         f"{', '.join(formats)})")
    return text


def _module_command(commands: argparse._SubParsersAction, name: str,
                    help_text: str) -> argparse.ArgumentParser:
    """A subcommand that takes the work directory and a module."""
    command = commands.add_parser(name, help=help_text)
    command.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    command.add_argument("module", metavar="MODUL", help="z. B. module1")
    return command


def _add_exchange(command: argparse.ArgumentParser) -> None:
    command.add_argument("--austausch", default=None, metavar="ORDNER",
                         help="nbgrader-Austauschordner (Standard /srv/nbgrader/exchange)")


def _add_intake_checks(command: argparse.ArgumentParser) -> None:
    """Deadline and size limit, the same for zip inboxes and the hub's exchange."""
    command.add_argument("--frist", type=_deadline, metavar="ZEITPUNKT",
                         help="Abgabefrist des Moduls (z. B. 2026-12-01T23:59); später "
                              "eingegangene Abgaben werden als verspätet vermerkt")
    command.add_argument("--max-mb", type=int, default=50, metavar="MIB",
                         help="größte erlaubte entpackte Größe je Abgabe (Standard 50)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with German help texts."""
    use_german_argparse()
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
                           "(Standard: SQLite-Datei im Arbeitsverzeichnis); ohne Passwort in "
                           "der URL")
    init.add_argument("--db-passwortdatei", metavar="DATEI",
                      help="libpq-Passwortdatei (Zeile host:port:datenbank:benutzer:passwort, "
                           "Rechte 600); Standard: PGPASSFILE oder ~/.pgpass")
    init.add_argument("--zeitlimit", type=int, default=30, metavar="S",
                      help="Sekunden je Zelle (Standard 30)")
    init.add_argument("--cpu", type=int, default=300, metavar="S",
                      help="CPU-Sekunden je Notebook-Kernel (Standard 300)")
    init.add_argument("--speicher", type=int, default=2048, metavar="MIB",
                      help="Speichergrenze je Kernel in MiB (Standard 2048)")
    init.add_argument("--ohne-sandbox-UNSICHER", dest="ohne_sandbox", action="store_true",
                      help="UNSICHER: ohne Dateisystem-Sandbox (bubblewrap), nur "
                           "Ressourcengrenzen; nur für Probeläufe ohne echte Abgaben (jede "
                           "Bewertung braucht dann zusätzlich 'grade --ohne-sandbox-UNSICHER')")
    init.add_argument("--mit-abbildungen", action="store_true",
                      help="Abbildungen beim Bewerten zeichnen (in den Rückmeldungen sichtbar; "
                           "deutlich längere Bewertungszeit)")
    init.add_argument("--ohne-vorstart", action="store_true",
                      help="jeden Kernel neu starten statt aus dem vorgewärmten Kernelstarter "
                           "(langsamer; zur Fehlersuche)")

    intake = _module_command(commands, "intake",
                             "Abgaben aus einem Eingangsordner übernehmen")
    intake.add_argument("inbox", metavar="EINGANG",
                        help="Ordner mit je einer Datei KENNUNG.zip oder KENNUNG.ipynb")
    _add_intake_checks(intake)

    release = _module_command(commands, "release",
                              "Modul über den Austauschordner des JupyterHub veröffentlichen")
    _add_exchange(release)
    release.add_argument("--rueckmeldungen", action="store_true",
                         help="statt der Aufgaben die Rückmeldungen (aus 'feedback') "
                              "veröffentlichen")

    collect = _module_command(
        commands, "collect",
        "Abgaben eines Moduls aus dem Austauschordner des JupyterHub übernehmen")
    _add_exchange(collect)
    _add_intake_checks(collect)
    collect.add_argument("--ohne-eigentuemerpruefung", action="store_true",
                         help="nicht prüfen, dass der Abgabeordner dem Systembenutzer der "
                              "Kennung gehört (nur wenn alle Hub-Benutzer dieselbe "
                              "Benutzerkennung haben)")

    grade = _module_command(commands, "grade", "Abgaben eines Moduls automatisch bewerten")
    grade.add_argument("--student", action="append", metavar="KENNUNG",
                       help="nur diese Person (mehrfach möglich)")
    grade.add_argument("--jobs", type=int, metavar="N",
                       help="gleichzeitige Bewertungen (Standard: Anzahl der Prozessorkerne)")
    grade.add_argument("--alle", action="store_true",
                       help="alle Abgaben neu bewerten (Standard: nur noch nicht bewertete "
                            "Abgaben; ein abgebrochener Lauf setzt dort fort)")
    grade.add_argument("--ohne-sandbox-UNSICHER", dest="unsafe", action="store_true",
                       help="UNSICHER: ohne Dateisystem-Sandbox bewerten (eine Abgabe kann dann "
                            "Musterlösungen und Notenbuch lesen); nur für Probeläufe, jede Note "
                            "wird als unsicher vermerkt")

    _module_command(commands, "feedback", "HTML-Rückmeldungen erzeugen")

    export = commands.add_parser(
        "export", help="Noten exportieren: CSV, Moodle (Notenimport, Bewertungstabelle), ILIAS",
        description="Exportiert die Noten. Auf Lernplattformen gelangen nur entschiedene Module "
                    "(bewertet, ohne Markierung, Handbewertung abgeschlossen).")
    export.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    export.add_argument("--out", required=True, metavar="ZIEL",
                        help="Zieldatei (csv, moodle, moodle-bewertung) bzw. Zielordner (ilias)")
    export.add_argument("--format", type=_export_format, default="csv", metavar="FORMAT",
                        help="csv (Standard: alle Zeilen, alle Angaben), moodle (Notenimport "
                             "der Kursbewertungen, eine Spalte je Modul), moodle-bewertung "
                             "(Bewertungstabelle einer Moodle-Aufgabe ausfüllen), ilias "
                             "(Status-Datei und Multi-Feedback-ZIP einer Übungseinheit)")
    export.add_argument("--modul", metavar="MODUL",
                        help="das Modul der Aufgabe/Übungseinheit (moodle-bewertung, ilias)")
    export.add_argument("--vorlage", metavar="DATEI",
                        help="von der Plattform heruntergeladene Datei: Bewertungstabelle (CSV) "
                             "der Moodle-Aufgabe bzw. status.xlsx/status.csv der ILIAS-Übung")
    export.add_argument("--moodle-schluessel", default="email", metavar="SCHLÜSSEL",
                        help="moodle: Zeilen ohne E-Mail-Adresse (email, Standard) bzw. ohne "
                             "Kennung (kennung) auslassen")

    verify = commands.add_parser(
        "verify", help="Echtheit eines Zertifikats prüfen (Prüfcode oder PDF-Datei)")
    verify.add_argument("workdir", metavar="ARBEITSVERZEICHNIS")
    verify.add_argument("subject", metavar="CODE|PDF",
                        help="aufgedruckter Prüfcode (z. B. ABCD-EFGH-2345-WXYZ) oder die "
                             "PDF-Datei des Zertifikats")

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
                               db_url=args.db_url, limits=limits,
                               db_passfile=args.db_passwortdatei)
        with work.gradebook() as gb:
            count = len(gb.students)
        print(f"Arbeitsverzeichnis {work.root} angelegt; {count} Teilnehmende im Notenbuch "
              f"({shown_url(work.db_url)}). Sandbox: {sandbox_mode(work.limits)}.")
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
    if args.command in ("release", "collect"):
        return _exchange_command(work, args)
    if args.command == "grade":
        from kokosim.certification.grading import grade_module

        from kokosim.certification.sandbox import SAFE_MODE, UNSAFE_MODE

        if args.unsafe:
            print("WARNUNG: Bewertung OHNE Dateisystem-Sandbox (--ohne-sandbox-UNSICHER). Abgaben "
                  "können Musterlösungen, Notenbuch und fremde Abgaben lesen; jede Note wird als "
                  "unsicher vermerkt.", file=sys.stderr, flush=True)
        print(f"Bewerte {args.module} – Sandbox: {UNSAFE_MODE if args.unsafe else SAFE_MODE}",
              flush=True)

        def show(record: GradeRecord) -> None:
            flags = "; ".join(flag.text for flag in record.flags) or "ok"
            print(f"  {record.student}: {record.seconds:.1f} s – {flags}", flush=True)

        results = grade_module(work, args.module, args.student, jobs=args.jobs, progress=show,
                               regrade=args.alle, unsafe=args.unsafe)
        flagged = sum(record.flagged for record in results)
        print(f"{len(results)} bewertet, {flagged} markiert (siehe 'kokosim-cert status'); "
              "schon bewertete Abgaben übersprungen (neu bewerten: --alle).")
        return 0
    if args.command == "feedback":
        from kokosim.certification.feedback import generate_feedback

        lines = generate_feedback(work, args.module)
        for line in lines:
            print(f"  {line}")
        print(f"Rückmeldungen in {work.path('feedback')}.")
        return 0 if all(line.created for line in lines) else 1
    if args.command == "export" and args.format != "csv":
        from kokosim.certification.lms import export_lms

        notes = export_lms(work, args.format, args.out, module=args.modul,
                           template=args.vorlage, key=args.moodle_schluessel)
        for note in notes:
            print(f"  {note}")
        print(f"Export {args.format} nach {Path(args.out).absolute()} geschrieben.")
        return 0
    if args.command == "export":
        from kokosim.certification.export import export

        if args.modul or args.vorlage:
            raise ValueError("--modul und --vorlage gelten nur für moodle-bewertung und ilias")
        rows = export(work, args.out)
        print(f"{len(rows)} Zeilen nach {Path(args.out).absolute()} geschrieben.")
        return 0
    if args.command == "verify":
        from kokosim.certification.verification import verify

        verdict = verify(work, args.subject)
        print(verdict.text)
        return 0 if verdict.genuine else 2
    if args.command == "certificates":
        from kokosim.certification.certificates import write_certificates

        issued = write_certificates(work, args.out, args.datum)
        print(f"{len(issued.certificates)} Zertifikat(e) und Kohortenübersicht in "
              f"{Path(args.out).absolute()}.")
        for student, problem in sorted(issued.withheld.items()):
            print(f"Zertifikat für {student} zurückgestellt (alles bestanden, aber der "
                  f"Projekttitel fehlt): {problem}")
        return 0
    from kokosim.certification.status import status_text

    print(status_text(work))
    return 0


def _exchange_command(work: wd.Workdir, args: argparse.Namespace) -> int:
    """``release`` and ``collect``: the JupyterHub's exchange folder (:mod:`.exchange`)."""
    from kokosim.certification import exchange

    folder = args.austausch or exchange.DEFAULT_EXCHANGE
    if args.command == "release" and args.rueckmeldungen:
        count = exchange.release_feedback(work, args.module, folder)
        print(f"Rückmeldungen zu {args.module} für {count} Teilnehmende veröffentlicht; sie "
              "holen sie im Reiter 'Assignments' ab (per ZIP Eingereichte erhalten sie als "
              "Datei).")
        return 0
    if args.command == "release":
        outbound = exchange.release(work, args.module, folder)
        names = sorted(p.name for p in outbound.glob("*.ipynb"))
        print(f"{args.module} veröffentlicht in {outbound} ({len(names)} Notebook(s)); "
              "Teilnehmende holen es im Reiter 'Assignments' ab.")
        return 0
    from kokosim.certification.intake import set_deadline

    if args.frist is not None:
        set_deadline(work, args.module, args.frist)
    lines = exchange.collect(work, args.module, folder, max_mb=args.max_mb,
                             check_owner=not args.ohne_eigentuemerpruefung)
    for line in lines:
        print(line)
    accepted = sum(line.accepted for line in lines)
    print(f"{accepted} angenommen, {len(lines) - accepted} abgelehnt "
          f"(Bericht in {work.path('reports')}).")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kokosim-cert``; returns the exit code (1 on bad input; ``verify``: 2
    when the certificate is not genuine)."""
    args = build_parser().parse_args(argv)
    if os.environ.get("PGPASSWORD"):
        # Environments are copied into child processes (and readable in /proc); files are not.
        print("Fehler: PGPASSWORD ist gesetzt; kokosim-cert liest das Datenbank-Passwort nur aus "
              "einer Passwortdatei (--db-passwortdatei, PGPASSFILE oder ~/.pgpass). Bitte "
              "'unset PGPASSWORD'.", file=sys.stderr)
        return 1
    try:
        return _run(args)
    except (ValueError, FileNotFoundError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"Fehler: {message}", file=sys.stderr)
        return 1
    except OSError as error:  # permissions, full disk: nothing half-written (atomic writes)
        import errno

        reason = {errno.EACCES: "keine Berechtigung", errno.EPERM: "keine Berechtigung",
                  errno.ENOSPC: "kein Platz mehr auf dem Datenträger",
                  errno.EISDIR: "ist ein Ordner", errno.ENOTDIR: "ist kein Ordner",
                  errno.EROFS: "schreibgeschützt"}.get(error.errno, "Dateifehler")
        print(f"Fehler: {error.filename or ''}: {reason}".replace("Fehler: : ", "Fehler: "),
              file=sys.stderr)
        return 1
    except Exception as error:
        # The gradebook's server went away after init (PostgreSQL stopped, network down).
        from sqlalchemy.exc import OperationalError

        if not isinstance(error, OperationalError):
            raise
        detail = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        print(f"Fehler: Notenbuch nicht erreichbar ({detail}); Datenbankserver prüfen, dann "
              "den Befehl wiederholen", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
