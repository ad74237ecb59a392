"""Overview of a work directory (``status``): collected, graded, flagged, awaiting manual grading.

Built from :func:`kokosim.certification.export.collect_results` and the records of
``flags.json`` (:mod:`kokosim.certification.records`); the German report text is made here.
"""

from __future__ import annotations

from collections import Counter

from kokosim.certification.export import collect_results, manual_minimum_text
from kokosim.certification.records import Decision, ModuleState, load_records
from kokosim.certification.sandbox import sandbox_mode
from kokosim.certification.workdir import Workdir

__all__ = ["status_text"]

#: How a flag is introduced in the report: blocking or only a note.
_FLAG_WORDS = {True: "MARKIERT", False: "Hinweis"}


def status_text(workdir: Workdir) -> str:
    """German multi-line status report of the work directory."""
    rows = collect_results(workdir)
    records = load_records(workdir)
    lines = [f"Arbeitsverzeichnis: {workdir.root}",
             f"Kurs: {workdir.course.title} ({workdir.course_config})",
             f"Notenbuch: {workdir.db_url}",
             f"Sandbox: {sandbox_mode(workdir.limits)}; Zeitlimit {workdir.limits.cell_timeout} s "
             f"je Zelle, CPU {workdir.limits.cpu_seconds} s je Notebook-Kernel, Speicher "
             f"{workdir.limits.memory_mb} MiB, {workdir.limits.processes} Prozesse, "
             f"{workdir.limits.disk_mb} MiB Speicherplatz, Ausgabe "
             f"{workdir.limits.cell_output_kb} KiB je Zelle; Kernelstarter "
             f"{'vorgewärmt' if workdir.limits.warm_kernels else 'aus'}; Abbildungen beim "
             f"Bewerten {'an' if workdir.limits.figures else 'aus'}"]
    unsafe = sorted(f"{module} {student}" for module, by_student in records.items()
                    for student, record in by_student.items() if not record.sandboxed)
    if unsafe:
        lines.append(f"ACHTUNG: {len(unsafe)} Bewertung(en) UNSICHER ohne Dateisystem-Sandbox "
                     f"(--ohne-sandbox-UNSICHER): {', '.join(unsafe)}")
    lines.append("")
    for module in workdir.course.modules:
        mine = [r for r in rows if r.module == module.id]
        states = Counter(r.state for r in mine)
        decisions = Counter(r.decision for r in mine)
        waiting = sum(states[state] for state in ModuleState if state.awaiting_grading)
        lines.append(f"{module.id} – {module.title}")
        lines.append(f"  abgegeben: {len(mine) - states[ModuleState.NOT_SUBMITTED]} von "
                     f"{len(mine)}; bewertet: {states[ModuleState.GRADED]}; noch zu bewerten: "
                     f"{waiting}")
        lines.append(f"  bestanden: {decisions[Decision.PASSED]}; nicht bestanden: "
                     f"{decisions[Decision.FAILED]}; offen: {decisions[Decision.OPEN]}")
        manual = sorted(r.student_id for r in mine if r.manual_open)
        if manual:
            lines.append(f"  Handbewertung ausstehend (formgrader): {', '.join(manual)}")
        for row in sorted((r for r in mine if r.manual_short), key=lambda r: r.student_id):
            lines.append(f"  nicht bestanden {row.student_id}: {manual_minimum_text(row)}")
        for student, record in sorted(records.get(module.id, {}).items()):
            for flag in record.flags:
                lines.append(f"  {_FLAG_WORDS[flag.blocking]} {student}: {flag.text}")
        stale = sorted(r.student_id for r in mine if r.state.awaiting_grading)
        if stale:
            lines.append(f"  noch nicht (neu) bewertet: {', '.join(stale)}")
    return "\n".join(lines)
