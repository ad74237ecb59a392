"""Overview of a work directory: collected, graded, flagged, awaiting manual grading."""

from __future__ import annotations

from collections import Counter

from kokosim.certification.export import STATES, collect_results
from kokosim.certification.flags import load_records
from kokosim.certification.grading import sandbox_mode
from kokosim.certification.workdir import Workdir

__all__ = ["status_text"]


def status_text(workdir: Workdir) -> str:
    """German multi-line status report of the work directory."""
    rows = collect_results(workdir)
    records = load_records(workdir)
    lines = [f"Arbeitsverzeichnis: {workdir.root}",
             f"Kurs: {workdir.course.title} ({workdir.course_config})",
             f"Notenbuch: {workdir.db_url}",
             f"Sandbox: {sandbox_mode(workdir.limits)}; Zeitlimit {workdir.limits.cell_timeout} s "
             f"je Zelle, CPU {workdir.limits.cpu_seconds} s je Notebook-Kernel, Speicher "
             f"{workdir.limits.memory_mb} MiB; Kernelstarter "
             f"{'vorgewärmt' if workdir.limits.warm_kernels else 'aus'}; Abbildungen beim "
             f"Bewerten {'an' if workdir.limits.figures else 'aus'}", ""]
    for module in workdir.course.modules:
        mine = [r for r in rows if r.module == module.id]
        states = Counter(r.status for r in mine)
        passed = Counter(r.passed for r in mine)
        lines.append(f"{module.id} – {module.title}")
        lines.append(f"  abgegeben: {len(mine) - states[STATES[0]]} von {len(mine)}; "
                     f"bewertet: {states[STATES[3]]}; noch zu bewerten: "
                     f"{states[STATES[1]] + states[STATES[2]]}")
        lines.append(f"  bestanden: {passed['ja']}; nicht bestanden: {passed['nein']}; "
                     f"offen: {passed['offen']}")
        manual = sorted(r.student_id for r in mine if r.manual_open == "ja")
        if manual:
            lines.append(f"  Handbewertung ausstehend (formgrader): {', '.join(manual)}")
        for student, record in sorted(records.get(module.id, {}).items()):
            for flag in record.get("flags", []):
                kind = "MARKIERT" if flag["blocking"] else "Hinweis"
                lines.append(f"  {kind} {student}: {flag['text']}")
        stale = sorted(r.student_id for r in mine if r.status in STATES[1:3])
        if stale:
            lines.append(f"  noch nicht (neu) bewertet: {', '.join(stale)}")
    return "\n".join(lines)
