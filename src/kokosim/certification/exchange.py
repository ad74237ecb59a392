"""Modules through nbgrader's exchange folder on a JupyterHub (``release``, ``collect``).

On the course's JupyterHub (``hub/``) every trainee is a system user; nbgrader's default
exchange is a shared folder (``/srv/nbgrader/exchange``, mode ``1777``)::

    EXCHANGE/COURSE/outbound/MODULE/                 student copies (release; read-only for all)
    EXCHANGE/COURSE/inbound/ID+MODULE+TIME+RANDOM/   submissions, written by the trainee's user;
                                                     inbound is 2733: nobody can list it
    EXCHANGE/COURSE/feedback/HASH.html               feedback (release --rueckmeldungen)

``release`` publishes the student copies that ``init``/``intake`` generate in the work directory
(``release/MODULE``; the same notebooks as the course's ``moduleN/``) through nbgrader.

``collect`` takes each trainee's newest submission from ``inbound`` into the same place as
``intake`` and through the very same checks (:func:`kokosim.certification.intake.intake`): it
packs the submission folder into ``ID.zip`` in a private temporary inbox and hands that inbox to
``intake``. Before that it refuses what only the exchange can get wrong:

* a folder owned by another system user than the trainee named in it (someone submitting in
  another trainee's name), or holding links, devices or files of another owner;
* a submission larger than the intake limit (checked before anything is read).

The submission time is the trainee's ``timestamp.txt`` (so that nbgrader's feedback finds the
submission again) unless it differs by more than :data:`CLOCK_TOLERANCE` from the time the files
arrived (their ``ctime``, which no user can set back); then the arrival time counts and the report
says so. Nothing in the exchange is changed or removed.
"""

from __future__ import annotations

import os
import pwd
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from traitlets.config import Config

from kokosim._atomic import atomic_write
from kokosim.certification.intake import MAX_UNPACKED_MB, IntakeLine, intake
from kokosim.certification.workdir import STUDENT_ID, Workdir

__all__ = ["CLOCK_TOLERANCE", "DEFAULT_EXCHANGE", "InboundSubmission", "collect", "course_id",
           "inbound_submissions", "release", "release_feedback"]

#: nbgrader's default exchange folder (also in hub/jupyterhub_config.py).
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"
#: Largest accepted difference between a trainee's timestamp and the files' arrival.
CLOCK_TOLERANCE = timedelta(minutes=5)
#: nbgrader's per-submission secret; feedback files in the exchange are named by its hash.
SECRET_FILE = "submission_secret.txt"
_SECRET = re.compile(rb"[0-9a-f]{16,256}")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's Exchange.timestamp_format


def course_id(workdir: Workdir) -> str:
    """The nbgrader course id (``CourseDirectory.course_id`` of the course's settings)."""
    value = workdir.nbgrader_config().CourseDirectory.get("course_id", "")
    if not value:
        raise ValueError(f"Der Kurs hat keine nbgrader-Kurskennung (c.CourseDirectory.course_id "
                         f"in {workdir.course_config.parent / 'nbgrader_config.py'})")
    return value


def _exchange_root(exchange: str | os.PathLike[str]) -> Path:
    root = Path(exchange).absolute()
    if not root.is_dir():
        raise ValueError(f"Austauschordner {root} fehlt (auf dem Hub anlegen: "
                         f"'install -d -m 1777 {root}', siehe hub/README.md)")
    return root


def _exchange_api(workdir: Workdir, exchange: Path, **extra: object):  # noqa: ANN202
    config = Config()
    config.Exchange.root = str(exchange)
    config.CourseDirectory.course_id = course_id(workdir)
    for key, value in extra.items():
        section, name = key.split("__")
        config[section][name] = value
    return workdir.api(config)


def release(workdir: Workdir, module: str, exchange: str | os.PathLike[str] = DEFAULT_EXCHANGE
            ) -> Path:
    """Publish ``module``'s student copies to the exchange; returns the outbound folder.

    A module released before is replaced (trainees who fetched it keep their copy).

    Raises
    ------
    ValueError
        Unknown module, missing exchange folder, or nbgrader's refusal (German).
    """
    workdir.ensure_module(module)
    root = _exchange_root(exchange)
    api = _exchange_api(workdir, root, ExchangeReleaseAssignment__force=True)
    result = api.release_assignment(module)
    outbound = root / course_id(workdir) / "outbound" / module
    if not result["success"] or not outbound.is_dir():
        raise ValueError(f"Modul {module} konnte nicht im Austauschordner {root} "
                         f"veröffentlicht werden:\n{_last_lines(result)}")
    return outbound


def release_feedback(workdir: Workdir, module: str,
                     exchange: str | os.PathLike[str] = DEFAULT_EXCHANGE) -> int:
    """Publish the feedback of ``module`` (from ``kokosim-cert feedback``) to the exchange.

    Returns the number of trainees whose feedback was published: those who submitted through
    the hub (their submission's nbgrader secret names the files; zip submissions are skipped).
    Trainees
    see their own feedback in the Assignments tab ("Fetch Feedback"); nbgrader names each file
    after a hash of the trainee's submission, so nobody can find another trainee's file.
    """
    workdir.ensure_module(module)
    root = _exchange_root(exchange)
    if not any(workdir.path("feedback").glob(f"*/{module}/*.html")):
        raise ValueError(f"Für {module} gibt es noch keine Rückmeldungen; zuerst "
                         f"'kokosim-cert feedback {workdir.root} {module}'")
    api = _exchange_api(workdir, root)
    released = 0
    for folder in sorted(workdir.path("feedback").glob(f"*/{module}")):
        student = folder.parent.name
        secret = workdir.path("submitted", student, module, SECRET_FILE)
        if not secret.is_file():
            continue  # submitted as a zip (intake): feedback goes out as a file, not via the hub
        atomic_write(folder / SECRET_FILE, secret.read_bytes())
        result = api.release_feedback(module, student)
        if not result["success"]:
            raise ValueError(f"Rückmeldung zu {module} für {student} konnte nicht "
                             f"veröffentlicht werden:\n{_last_lines(result)}")
        released += 1
    return released


def _last_lines(result: dict) -> str:
    text = (result.get("error") or result.get("log") or "").strip()
    return "\n".join(text.splitlines()[-5:])


@dataclass(frozen=True)
class InboundSubmission:
    """One submission folder in the exchange's inbound folder.

    Attributes
    ----------
    folder : Path
    student : str
        The trainee id in the folder's name.
    received : datetime
        When its files arrived (newest ``ctime``, UTC).
    claimed : datetime or None
        The trainee's ``timestamp.txt`` (UTC), if readable.
    """

    folder: Path
    student: str
    received: datetime
    claimed: datetime | None

    @property
    def submitted_at(self) -> datetime:
        """The submission time used for lateness (see the module docstring)."""
        if self.claimed is not None and abs(self.claimed - self.received) <= CLOCK_TOLERANCE:
            return self.claimed
        return self.received

    @property
    def clock_note(self) -> str:
        """German note when the trainee's timestamp was not used."""
        if self.claimed is None:
            return "; ohne lesbaren Zeitstempel: Eingangszeit verwendet"
        if self.submitted_at is self.received:
            return (f"; Zeitstempel der Abgabe ({self.claimed:%d.%m.%Y %H:%M} UTC) passt nicht "
                    "zum Eingang: Eingangszeit verwendet")
        return ""


def _read_claimed(folder: Path) -> datetime | None:
    from nbgrader.utils import parse_utc

    try:
        with open(folder / "timestamp.txt", "rb") as handle:
            text = handle.read(200).decode("utf-8").strip()
        return parse_utc(text).replace(tzinfo=timezone.utc)
    except (OSError, ValueError, OverflowError):
        return None


def inbound_submissions(inbound: Path, module: str) -> list[InboundSubmission]:
    """Every submission folder of ``module`` in ``inbound`` (unchecked), oldest first."""
    pattern = re.compile(rf"([^+]+)\+{re.escape(module)}\+([^+]+)(\+[^+]*)?")
    found = []
    for entry in os.scandir(inbound):
        match = pattern.fullmatch(entry.name)
        if not match:
            continue
        folder = Path(entry.path)
        ctimes = [entry.stat(follow_symlinks=False).st_ctime]
        if entry.is_dir(follow_symlinks=False):
            ctimes += [os.lstat(os.path.join(dirpath, name)).st_ctime
                       for dirpath, dirs, files in os.walk(folder) for name in dirs + files]
        received = datetime.fromtimestamp(max(ctimes), timezone.utc)
        found.append(InboundSubmission(folder, match.group(1), received, _read_claimed(folder)))
    return sorted(found, key=lambda s: (s.received, s.folder.name))


def _owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _check_folder(submission: InboundSubmission, max_bytes: int,
                  check_owner: bool) -> dict[str, Path]:
    """Refuse what only the exchange can get wrong; return ``{relative name: file}``."""
    folder = submission.folder
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise ValueError("ist kein Ordner (Link oder Datei)")
    owner = info.st_uid
    if check_owner and _owner_name(owner) != submission.student:
        raise ValueError(f"gehört {_owner_name(owner)}, nicht {submission.student} "
                         "(Abgabe im Namen einer anderen Person?)")
    notebooks: dict[str, Path] = {}
    total = 0
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(dirpath, name)
            entry = os.lstat(path)
            relative = path.relative_to(folder).as_posix()
            if stat.S_ISLNK(entry.st_mode):
                raise ValueError(f"{relative} ist ein symbolischer Link")
            if not (stat.S_ISREG(entry.st_mode) or stat.S_ISDIR(entry.st_mode)):
                raise ValueError(f"{relative} ist keine gewöhnliche Datei")
            if check_owner and entry.st_uid != owner:
                raise ValueError(f"{relative} gehört {_owner_name(entry.st_uid)}, nicht "
                                 f"{submission.student}")
            if stat.S_ISREG(entry.st_mode):
                total += entry.st_size
                if name.endswith(".ipynb"):
                    notebooks[relative] = path
    if total > max_bytes:
        raise ValueError(f"zu groß ({total / 2**20:.1f} MiB, erlaubt {max_bytes // 2**20} MiB)")
    return notebooks


def _keep_secret(folder: Path, submitted: Path) -> None:
    """Keep nbgrader's submission secret beside the stored submission (for feedback)."""
    try:
        with open(folder / SECRET_FILE, "rb") as handle:
            secret = handle.read(300).strip()
    except OSError:
        return
    if _SECRET.fullmatch(secret):
        atomic_write(submitted / SECRET_FILE, secret)


def _stored_time(workdir: Workdir, student: str, module: str) -> str | None:
    try:
        return workdir.path("submitted", student, module, "timestamp.txt").read_text(
            encoding="utf-8").strip()
    except OSError:
        return None


def collect(workdir: Workdir, module: str, exchange: str | os.PathLike[str] = DEFAULT_EXCHANGE,
            *, max_mb: int = MAX_UNPACKED_MB, check_owner: bool = True) -> list[IntakeLine]:
    """Take the newest submission of every trainee from the exchange (see the module docstring).

    Returns
    -------
    list of IntakeLine
        One line per trainee with a submission (``file`` is the exchange folder's name); the
        report is also written to ``reports/abholung-MODULE-TIME.txt`` (and ``intake``'s own
        report beside it).
    """
    workdir.ensure_module(module)
    root = _exchange_root(exchange)
    inbound = root / course_id(workdir) / "inbound"
    if not inbound.is_dir():
        raise ValueError(f"Im Austauschordner fehlt {inbound}; zuerst "
                         f"'kokosim-cert release {workdir.root} {module}'")
    with workdir.gradebook() as gb:
        known = {s.id for s in gb.students}
    lines: list[IntakeLine] = []
    # Refused folders are reported and never hide a trainee's own, older submission.
    newest: dict[str, tuple[InboundSubmission, dict[str, Path]]] = {}
    for submission in inbound_submissions(inbound, module):  # oldest first: the last one wins
        name, student = submission.folder.name, submission.student
        if not STUDENT_ID.fullmatch(student) or student not in known:
            lines.append(IntakeLine(name, "", False, f"unbekannte Kennung {student!r} "
                                    "(nicht in der Teilnehmerliste)"))
            continue
        try:
            newest[student] = (submission,
                               _check_folder(submission, max_mb * 2**20, check_owner))
        except (ValueError, OSError) as error:
            lines.append(IntakeLine(name, student, False, str(error)))
    passed: dict[str, tuple[InboundSubmission, dict[str, Path]]] = {}
    for student, (submission, notebooks) in sorted(newest.items()):
        name = submission.folder.name
        if _stored_time(workdir, student, module) == \
                submission.submitted_at.strftime(_TIME_FORMAT):
            lines.append(IntakeLine(name, student, True, "bereits abgeholt (unverändert)"))
            continue
        passed[student] = (submission, notebooks)
    if passed:
        with tempfile.TemporaryDirectory(prefix="abholung-", dir=workdir.path("runtime")
                                         if workdir.path("runtime").is_dir() else None) as tmp:
            for student, (submission, notebooks) in passed.items():
                target = Path(tmp, f"{student}.zip")
                with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                    for relative, path in sorted(notebooks.items()):
                        archive.writestr(relative, path.read_bytes())
                when = submission.submitted_at
                ns = int(when.timestamp()) * 10**9 + when.microsecond * 1000
                os.utime(target, ns=(ns, ns))
            for line in intake(workdir, module, tmp, max_mb=max_mb):
                submission = passed[line.student][0] if line.student in passed else None
                if submission is None:
                    lines.append(line)
                    continue
                note = submission.clock_note if line.accepted else ""
                if line.accepted:
                    _keep_secret(submission.folder, workdir.path("submitted", line.student,
                                                                 module))
                lines.append(replace(line, file=submission.folder.name,
                                     message=line.message + note))
    lines.sort(key=lambda line: (line.student, line.file))
    report = workdir.path("reports", f"abholung-{module}-"
                          f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}.txt")
    report.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(report, "\n".join(map(str, lines)) + "\n")
    return lines
