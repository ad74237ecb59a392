"""Verification codes of certificates and their check (``certificates``, ``verify``).

Every certificate carries a code ``XXXX-XXXX-XXXX-XXXX`` (16 base32 characters, 80 bits): the
first bytes of an HMAC-SHA256 over what the certificate states (trainee id, name, course,
issuer, date of issue, each module with points, maximum and hours, the title of the transfer
project if the course has one; canonical JSON, see
:func:`certificate_payload`). The key is 32 random bytes in ``WORKDIR/zertifikate-schluessel``
(created on first use, mode 0600, never printed, never exported).

Why a secret key: the course and this code are public, and everything a certificate states is
printed on it, so a plain hash could be computed by anyone for any invented certificate. With
the key only the issuing office can produce a code that matches a content; a forged entry slipped
into the registry (or a registry rebuilt by hand) fails the check as well. The key belongs to
the work directory: back it up with it (without the key issued codes can no longer be checked).

``WORKDIR/zertifikate.json`` is the registry of issued codes (rewritten atomically): per code
what the certificate states, the SHA-256 of the PDF file, when it was issued and, if a later
certificate of the same trainee replaced it, the newer code. :func:`verify` answers in German for
a code (is it issued, for whom, what) or for a PDF file (its code from the PDF metadata, then
the file's hash: a PDF whose text was changed after issue has another hash and is rejected).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from kokosim._atomic import atomic_write

__all__ = ["KEY_FILE", "REGISTRY_FILE", "PDF_KEYWORD", "certificate_payload", "compute_code",
           "normalize_code", "load_key", "load_registry", "register", "code_in_pdf",
           "Verdict", "verify"]

KEY_FILE = "zertifikate-schluessel"
REGISTRY_FILE = "zertifikate.json"
#: Prefix of the code in the PDF's ``/Keywords`` metadata.
PDF_KEYWORD = "kokosim-pruefcode:"
_CODE = re.compile(r"^[A-Z2-7]{16}$")


class _Workdir(Protocol):
    def path(self, *parts: str) -> Path: ...


def certificate_payload(*, student_id: str, name: str, course: str, issuer: str, issued: str,
                        modules: Iterable[Iterable[Any]],
                        project_title: str | None = None) -> dict[str, Any]:
    """What a certificate states, as the JSON-able dict the code is computed over.

    ``modules`` are ``(id, title, points, max points, hours)``; numbers are rounded to 2 places.
    ``project_title`` is the transfer project's title (only in the payload if given, so codes
    of courses without a project stay as they were).
    """
    payload = {"v": 1, "student_id": student_id, "name": name, "course": course,
               "issuer": issuer, "issued": issued,
               "modules": [[str(m), str(t), round(float(p), 2), round(float(x), 2),
                            round(float(h), 2)] for m, t, p, x, h in modules]}
    if project_title is not None:
        payload["project_title"] = project_title
    return payload


def _canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def compute_code(key: bytes, payload: Mapping[str, Any]) -> str:
    """The verification code of ``payload`` under ``key``.

    Examples
    --------
    >>> payload = certificate_payload(student_id="tn1", name="A B", course="K", issuer="I",
    ...                               issued="2026-11-21", modules=[("m1", "M", 6, 7, 4.5)])
    >>> code = compute_code(b"k" * 32, payload)
    >>> len(code), code.count("-"), code == compute_code(b"k" * 32, payload)
    (19, 3, True)
    >>> code == compute_code(b"x" * 32, payload)
    False
    """
    digest = hmac.new(key, _canonical(payload), hashlib.sha256).digest()[:10]
    text = base64.b32encode(digest).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def normalize_code(text: str) -> str:
    """A typed code in its printed form; raises ``ValueError`` (German) if it is none.

    Spaces, dashes and case do not matter; the digits 0, 1 and 8 (not used in codes) are read
    as O, I and B.

    Examples
    --------
    >>> normalize_code(" abcd efgh-2345 wxy0 ")
    'ABCD-EFGH-2345-WXYO'
    >>> normalize_code("123")
    Traceback (most recent call last):
    ...
    ValueError: '123' ist kein Prüfcode (erwartet: 16 Zeichen wie ABCD-EFGH-2345-WXYZ)
    """
    plain = re.sub(r"[\s\-]", "", text).upper().translate(str.maketrans("018", "OIB"))
    if not _CODE.fullmatch(plain):
        raise ValueError(f"{text.strip()!r} ist kein Prüfcode (erwartet: 16 Zeichen wie "
                         "ABCD-EFGH-2345-WXYZ)")
    return "-".join(plain[i:i + 4] for i in range(0, 16, 4))


def load_key(workdir: _Workdir, *, create: bool = False) -> bytes:
    """The work directory's secret key (created with mode 0600 if ``create`` and missing).

    Raises
    ------
    ValueError
        If the key is missing (and not to be created) or damaged.
    """
    path = Path(workdir.path(KEY_FILE))
    if not path.exists() and create:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)  # never replaces a key another process just created
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    if not path.is_file():
        raise ValueError(f"Schlüsseldatei {path} fehlt: ohne sie lassen sich Prüfcodes weder "
                         "ausstellen noch prüfen (aus der Sicherung des Arbeitsverzeichnisses "
                         "zurückholen)")
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        key = b""
    if len(key) != 32:
        raise ValueError(f"Schlüsseldatei {path} ist beschädigt (erwartet: 64 Hexziffern)")
    return key


def load_registry(workdir: _Workdir) -> dict[str, dict[str, Any]]:
    """The registry: code → entry (empty if no certificate was issued yet).

    Raises
    ------
    ValueError
        If the file is not valid JSON (naming file and line).
    """
    path = Path(workdir.path(REGISTRY_FILE))
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}, Zeile {error.lineno}: kein gültiges JSON "
                         "(Register der Prüfcodes beschädigt)") from None
    codes = data.get("codes") if isinstance(data, dict) else None
    if not isinstance(codes, dict):
        raise ValueError(f"{path}: kein Register der Prüfcodes (Schlüssel 'codes' fehlt)")
    return codes


def register(workdir: _Workdir, issued: Iterable[tuple[str, Mapping[str, Any], bytes]]) -> None:
    """Record issued certificates ``(code, payload, pdf bytes)`` in the registry, atomically.

    An entry of the same code is replaced (re-issuing is idempotent); an older code of the same
    trainee gets ``superseded_by`` the new one.
    """
    codes = load_registry(workdir)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for code, payload, pdf in issued:
        for old_code, entry in codes.items():
            if (old_code != code and entry["payload"]["student_id"] == payload["student_id"]
                    and not entry.get("superseded_by")):
                entry["superseded_by"] = code
        previous = codes.get(code, {})
        codes[code] = {"payload": dict(payload), "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                       "registered": previous.get("registered", now), "superseded_by": None}
    atomic_write(workdir.path(REGISTRY_FILE),
                 json.dumps({"codes": codes}, indent=1, ensure_ascii=False, sort_keys=True))


def code_in_pdf(data: bytes) -> str | None:
    """The verification code in a PDF's ``/Keywords`` (``None`` if there is none).

    Examples
    --------
    >>> code_in_pdf(b"%PDF-1.3 ... /Keywords (kokosim-pruefcode:ABCD-EFGH-2345-WXYZ) ...")
    'ABCD-EFGH-2345-WXYZ'
    >>> code_in_pdf(b"%PDF-1.3") is None
    True
    """
    match = re.search(re.escape(PDF_KEYWORD).encode() + rb"([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})",
                      data)
    return match.group(1).decode("ascii") if match else None


@dataclass(frozen=True)
class Verdict:
    """Answer of :func:`verify`.

    Attributes
    ----------
    genuine : bool
    code : str or None
    text : str
        German answer for the person asking (several lines).
    """

    genuine: bool
    code: str | None
    text: str


def _describe(payload: Mapping[str, Any]) -> str:
    from kokosim.style import german_number

    issued = datetime.fromisoformat(payload["issued"]).strftime("%d.%m.%Y")
    lines = [f"  für: {payload['name']} (Kennung {payload['student_id']})",
             f"  Kurs: {payload['course']}",
             f"  ausgestellt am {issued} von {payload['issuer']}"]
    for module, title, points, maximum, hours in payload["modules"]:
        lines.append(f"  {module} – {title}: {german_number(points, None)} von "
                     f"{german_number(maximum, None)} Punkten, {german_number(hours, None)} "
                     "Stunden")
    if payload.get("project_title"):
        lines.append(f"  Praxisprojekt: „{payload['project_title']}“")
    return "\n".join(lines)


def verify(workdir: _Workdir, subject: str) -> Verdict:
    """Check a code or a certificate PDF against the registry of ``workdir``.

    Parameters
    ----------
    subject : str
        A code as printed, or the path of a PDF file.

    Raises
    ------
    ValueError
        If ``subject`` is neither a readable PDF nor a well-formed code, or the key or registry
        is missing or damaged (German message naming the file).
    """
    path = Path(subject)
    pdf: bytes | None = None
    if subject.lower().endswith(".pdf") or path.is_file():
        if not path.is_file():
            raise ValueError(f"Datei {subject} gibt es nicht")
        pdf = path.read_bytes()
        if not pdf.startswith(b"%PDF-"):
            raise ValueError(f"{subject} ist keine PDF-Datei")
        code = code_in_pdf(pdf)
        if code is None:
            return Verdict(False, None, f"NICHT BESTÄTIGT: {path.name} enthält keinen Prüfcode "
                           "in den PDF-Metadaten (kein Zertifikat dieses Arbeitsverzeichnisses "
                           "oder die Metadaten wurden entfernt). Prüfen Sie den aufgedruckten "
                           "Code mit 'kokosim-cert verify ARBEITSVERZEICHNIS CODE'.")
    else:
        code = normalize_code(subject)
    key = load_key(workdir)
    entry = load_registry(workdir).get(code)
    if entry is None:
        return Verdict(False, code, f"NICHT ECHT: Der Prüfcode {code} wurde hier nie "
                       "ausgestellt.")
    payload = entry.get("payload", {})
    try:
        expected = compute_code(key, payload)
    except (KeyError, TypeError, ValueError):
        expected = ""
    if not hmac.compare_digest(expected, code):
        return Verdict(False, code, f"NICHT ECHT: Der Registereintrag zu {code} passt nicht zum "
                       "Schlüssel (Register verändert).")
    about = _describe(payload)
    if pdf is not None and hashlib.sha256(pdf).hexdigest() != entry.get("pdf_sha256"):
        return Verdict(False, code, f"NICHT ECHT: Die Datei {path.name} wurde nach der "
                       f"Ausstellung verändert (Prüfsumme weicht ab). Ausgestellt wurde unter "
                       f"dem Code {code}:\n{about}")
    note = ""
    if entry.get("superseded_by"):
        note = (f"\n  Hinweis: ersetzt durch ein neueres Zertifikat (Prüfcode "
                f"{entry['superseded_by']}).")
    what = f"Die Datei {path.name} ist das ausgestellte Zertifikat" if pdf is not None \
        else f"Der Prüfcode {code} wurde ausgestellt"
    return Verdict(True, code, f"ECHT: {what}:\n{about}{note}")
