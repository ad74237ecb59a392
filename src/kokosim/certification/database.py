"""The gradebook's database: SQLite file or PostgreSQL server (``init --db-url``).

nbgrader opens its gradebook with an SQLAlchemy URL. For PostgreSQL this module

* picks the driver kokosim installs (``psycopg`` 3: ``postgresql+psycopg://``);
* refuses a password inside the URL: the password lives in a libpq password file (given to
  ``init --db-passwortdatei``, else ``PGPASSFILE`` or ``~/.pgpass``), so it never appears in a
  command line, a process list, a log or the settings file; the file must be readable by its
  owner only and must not lie where grading kernels can see it (the sandbox shows ``/usr``,
  ``/etc``, ... read-only);
* sets a connection timeout, so that an unreachable server gives an error, not a hang;
* tries a connection before ``init`` writes anything (:func:`check_database`).

Every error is a ``ValueError`` with a German message naming what is wrong.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["CONNECT_TIMEOUT", "check_database", "prepare_db_url", "shown_url"]

#: Seconds libpq waits for a server before giving up.
CONNECT_TIMEOUT = 10
_DRIVER = "postgresql+psycopg"
#: Folders every grading kernel sees read-only (see kokosim.certification.sandbox.SYSTEM_DIRS).
_VISIBLE_TO_KERNELS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")


def _parse(url: str):  # noqa: ANN202  (sqlalchemy's URL)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        raise ValueError(f"--db-url {url!r} ist keine Datenbank-URL (erwartet z. B. "
                         "postgresql://bewertung@dbhost:5432/kokosim)") from None


def _check_passfile(passfile: str | os.PathLike[str]) -> Path:
    path = Path(passfile).expanduser().absolute()
    if not path.is_file():
        raise ValueError(f"Passwortdatei {path} fehlt")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(f"Passwortdatei {path} ist für andere lesbar (Rechte "
                         f"{stat.filemode(mode)}); bitte 'chmod 600 {path}'")
    real = os.path.realpath(path)
    if any(real == top or real.startswith(top + os.sep) for top in _VISIBLE_TO_KERNELS):
        raise ValueError(f"Passwortdatei {path} liegt in einem Ordner, den Bewertungskernel "
                         "lesen können; bitte z. B. ins Home-Verzeichnis legen")
    return path


def prepare_db_url(url: str | None, passfile: str | os.PathLike[str] | None = None) -> str | None:
    """Check a gradebook URL and return the URL kokosim stores (``None`` stays ``None``).

    Examples
    --------
    >>> prepare_db_url("postgresql://bewertung@127.0.0.1:5432/kokosim")
    'postgresql+psycopg://bewertung@127.0.0.1:5432/kokosim?connect_timeout=10'
    >>> prepare_db_url("sqlite:////srv/noten.db")
    'sqlite:////srv/noten.db'
    >>> prepare_db_url("postgresql://bewertung:geheim@dbhost/kokosim")
    Traceback (most recent call last):
    ...
    ValueError: --db-url enthält ein Passwort; es gehört in eine Passwortdatei (--db-passwortdatei DATEI oder PGPASSFILE, Format host:port:datenbank:benutzer:passwort), nicht in die Befehlszeile
    >>> prepare_db_url("mysql://x@h/db")
    Traceback (most recent call last):
    ...
    ValueError: --db-url 'mysql://x@h/db': nur PostgreSQL (postgresql://...) oder SQLite (sqlite:///...) werden unterstützt
    """
    if url is None:
        if passfile is not None:
            raise ValueError("--db-passwortdatei gilt nur zusammen mit --db-url postgresql://...")
        return None
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if passfile is not None:
            raise ValueError("--db-passwortdatei gilt nur für PostgreSQL, nicht für SQLite")
        return url
    if backend not in ("postgresql", "postgres"):
        raise ValueError(f"--db-url {url!r}: nur PostgreSQL (postgresql://...) oder SQLite "
                         "(sqlite:///...) werden unterstützt")
    if parsed.password is not None:
        raise ValueError("--db-url enthält ein Passwort; es gehört in eine Passwortdatei "
                         "(--db-passwortdatei DATEI oder PGPASSFILE, Format "
                         "host:port:datenbank:benutzer:passwort), nicht in die Befehlszeile")
    if not parsed.database:
        raise ValueError(f"--db-url {url!r} nennt keine Datenbank (…/DATENBANK am Ende)")
    query = dict(parsed.query)
    if "password" in query:
        raise ValueError("--db-url enthält ein Passwort (password=...); bitte eine "
                         "Passwortdatei verwenden")
    if passfile is not None:
        query["passfile"] = str(_check_passfile(passfile))
    elif "passfile" in query:
        query["passfile"] = str(_check_passfile(str(query["passfile"])))
    query.setdefault("connect_timeout", str(CONNECT_TIMEOUT))
    parsed = parsed.set(drivername=_DRIVER, query=query)
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """The URL as shown in messages (never a password).

    >>> shown_url("postgresql+psycopg://u@h/db?connect_timeout=10")
    'postgresql+psycopg://u@h/db?connect_timeout=10'
    """
    return _parse(url).render_as_string(hide_password=True)


def check_database(url: str) -> None:
    """Connect once; raise ``ValueError`` (German) when the gradebook's server cannot be used.

    SQLite needs no check (nbgrader creates the file).
    """
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise ValueError("PostgreSQL-Treiber fehlt: bitte kokosim neu installieren "
                         "(pip install -e . installiert psycopg)") from None
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.pool import NullPool

    where = f"{parsed.host or 'lokaler Socket'}:{parsed.port or 5432}, Datenbank " \
            f"{parsed.database!r}, Benutzer {parsed.username!r}"
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if "password" in detail or "authentication" in detail or "Passwort" in detail:
            hint = ("Anmeldung abgelehnt – Benutzer, Passwortdatei (--db-passwortdatei, "
                    "PGPASSFILE, ~/.pgpass) und pg_hba.conf prüfen")
        elif "does not exist" in detail or "existiert nicht" in detail:
            hint = "Datenbank oder Benutzer gibt es auf dem Server nicht"
        else:
            hint = "Server nicht erreichbar – Adresse, Port und Firewall prüfen"
        raise ValueError(f"PostgreSQL-Notenbuch ({where}): {hint} ({detail})") from None
    except DBAPIError as error:
        raise ValueError(f"PostgreSQL-Notenbuch ({where}): {error.orig}") from None
    finally:
        engine.dispose()
