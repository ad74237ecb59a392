"""Real servers for the hub tests and benchmarks: PostgreSQL, system users, JupyterHub.

Everything listens on 127.0.0.1 only, on ports picked free at start, keeps its files in a
temporary folder and is stopped (and removed) by the context managers, also on errors. Waits are
bounded.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PG_USER = "nobody"  # initdb refuses root; PostgreSQL runs as this user
DB_USER, DB_NAME = "bewertung", "kokosim"


def is_root() -> bool:
    return os.geteuid() == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    """Folder of Debian's PostgreSQL server binaries (newest version), if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def chp_command() -> str | None:
    local = VENV_BIN.parent / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    return str(local) if local.exists() else shutil.which("configurable-http-proxy")


def as_user(user: str | None, command: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user and is_root() else command


def wait_for(check, what: str, timeout: float = 60.0, interval: float = 0.2):  # noqa: ANN001
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001
            last = error
        time.sleep(interval)
    raise TimeoutError(f"{what}: nicht bereit nach {timeout:.0f} s ({last!r})")


@dataclass
class PgServer:
    """A running PostgreSQL on 127.0.0.1 with database ``kokosim`` owned by ``bewertung``."""

    folder: Path
    port: int
    password: str
    passfile: Path

    @property
    def url(self) -> str:
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        command = as_user(PG_USER, [str(pg_bin() / "psql"), "-h", str(self.folder / "sock"),
                                    "-p", str(self.port), "-U", "postgres", "-d", database,
                                    "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
        return subprocess.run(command, check=True, capture_output=True, text=True,
                              timeout=60).stdout


@contextlib.contextmanager
def postgres_server() -> Iterator[PgServer]:
    """Start a throw-away PostgreSQL (password authentication over TCP, trust on its socket)."""
    binaries = pg_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL fehlt: apt-get install postgresql (oder make test als root)")
    folder = Path(tempfile.mkdtemp(prefix="kokosim-pg-"))
    owner = pwd.getpwnam(PG_USER) if is_root() else None
    data, sock = folder / "data", folder / "sock"
    sock.mkdir()
    if owner:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        os.chown(sock, owner.pw_uid, owner.pw_gid)
    port = free_port()
    password = os.urandom(12).hex()
    passfile = Path(tempfile.mkdtemp(prefix="kokosim-pgpass-")) / "pgpass"
    passfile.write_text(f"127.0.0.1:{port}:{DB_NAME}:{DB_USER}:{password}\n")
    passfile.chmod(0o600)
    log = folder / "server.log"
    started = False
    try:
        subprocess.run(as_user(PG_USER, [str(binaries / "initdb"), "-D", str(data), "-U",
                                         "postgres", "--auth-local=trust",
                                         "--auth-host=scram-sha-256", "-E", "UTF8",
                                         "--no-instructions"]),
                       check=True, capture_output=True, timeout=120)
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c max_connections=100 "
                   "-c fsync=off -c shared_buffers=64MB")
        subprocess.run(as_user(PG_USER, [str(binaries / "pg_ctl"), "-D", str(data), "-l",
                                         str(log), "-o", options, "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, timeout=90)
        started = True
        server = PgServer(folder, port, password, passfile)
        server.psql(f"CREATE ROLE {DB_USER} LOGIN PASSWORD '{password}'")
        server.psql(f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}")
        yield server
    finally:
        if started:
            subprocess.run(as_user(PG_USER, [str(binaries / "pg_ctl"), "-D", str(data), "-m",
                                             "immediate", "-w", "-t", "30", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(passfile.parent, ignore_errors=True)


# --- system users -----------------------------------------------------------------------------

@contextlib.contextmanager
def system_users(base: Path, trainees: list[str], staff: list[str], *, staff_group: str,
                 trainee_group: str, password: str) -> Iterator[dict[str, pwd.struct_passwd]]:
    """Create system groups and users (homes below ``base``); remove them afterwards."""
    made_users: list[str] = []
    made_groups: list[str] = []
    try:
        for group in (staff_group, trainee_group):
            subprocess.run(["groupdel", group], capture_output=True)
            subprocess.run(["groupadd", group], check=True, capture_output=True)
            made_groups.append(group)
        for name in trainees + staff:
            subprocess.run(["userdel", "-r", name], capture_output=True)
            group = staff_group if name in staff else trainee_group
            subprocess.run(["useradd", "-m", "-d", str(base / name), "-s", "/bin/bash",
                            "-G", group, name], check=True, capture_output=True)
            made_users.append(name)
            subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True,
                           check=True, capture_output=True)
        yield {name: pwd.getpwnam(name) for name in made_users}
    finally:
        for name in made_users:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            subprocess.run(["userdel", "-r", name], capture_output=True)
        for group in made_groups:
            subprocess.run(["groupdel", group], capture_output=True)


def user_python(folder: Path, probe_user: str = "nobody") -> Path:
    """An interpreter every user can run, with this venv's packages.

    Here the venv's base Python may live below ``/root`` (mode 700, e.g. pyenv), which other
    users cannot reach. Then a venv of Debian's ``/usr/bin/python3.11`` (same version, same ABI)
    in ``folder`` adds this venv's site-packages (and kokosim's editable install) to its path.
    """
    probe = subprocess.run(as_user(probe_user, [sys.executable, "-c", "import jupyterhub"]),
                           capture_output=True, cwd="/")
    if probe.returncode == 0:
        return Path(sys.executable)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = Path("/usr/bin") / version
    if not system.exists():
        raise RuntimeError(f"{sys.executable} ist für andere Benutzer nicht ausführbar und "
                           f"{system} fehlt")
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(folder)], check=True,
                   capture_output=True, timeout=120)
    site_packages = Path(sys.prefix) / "lib" / version / "site-packages"
    (folder / "lib" / version / "site-packages" / "kokosim-venv.pth").write_text(
        f"import site; site.addsitedir({str(site_packages)!r})\n")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o055 if path.is_dir() else path.stat().st_mode | 0o044)
    return folder / "bin" / "python"


def listening_addresses(root_pid: int) -> set[str]:
    """Local addresses of every listening TCP socket of ``root_pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    pids, todo = set(), [root_pid]
    while todo:
        pid = todo.pop()
        pids.add(pid)
        todo += children.get(pid, [])
    inodes = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and parts[9] in inodes:  # LISTEN
                    address, port = parts[1].split(":")
                    if len(address) == 8:
                        ip = ".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0))
                    else:
                        ip = "::1" if address == "0" * 24 + "01000000" else address
                    found.add(f"{ip}:{int(port, 16)}")
    return found


# --- JupyterHub -------------------------------------------------------------------------------

@dataclass
class Hub:
    """A running hub: ``url`` is the public proxy's address."""

    url: str
    state: Path
    process: subprocess.Popen
    log: Path

    def session(self, user: str, password: str) -> HubSession:
        session = HubSession(self.url, user)
        session.login(password)
        return session


class HubSession:
    """A browser-like client (cookies, XSRF) of one hub user, only for 127.0.0.1."""

    def __init__(self, url: str, user: str) -> None:
        assert urllib.parse.urlparse(url).hostname == "127.0.0.1", url
        import http.cookiejar

        self.url, self.user = url.rstrip("/"), user
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _xsrf(self, path: str = "/hub/") -> str:
        """The ``_xsrf`` cookie of the hub or of the user's server, whichever owns ``path``."""
        best, length = "", -1
        for cookie in self.jar:
            if cookie.name == "_xsrf" and path.startswith(cookie.path) and len(cookie.path) > length:
                best, length = cookie.value, len(cookie.path)
        return best

    def request(self, method: str, path: str, data: dict | None = None, *,
                form: bool = False, timeout: float = 60) -> tuple[int, bytes]:
        url = self.url + path
        headers = {"X-XSRFToken": self._xsrf(path.split("?")[0]), "Referer": url}
        body = None
        if data is not None and form:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self, password: str) -> None:
        self.request("GET", "/hub/login")
        status, body = self.request("POST", "/hub/login?next=", {"username": self.user,
                                                                  "password": password,
                                                                  "_xsrf": self._xsrf()},
                                    form=True)
        if not any(c.name.startswith("jupyterhub-session") for c in self.jar):
            raise RuntimeError(f"Anmeldung {self.user} fehlgeschlagen ({status}): {body[:300]!r}")

    def start_server(self, timeout: float = 120) -> None:
        status, body = self.request("POST", f"/hub/api/users/{self.user}/server")
        if status not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"Server von {self.user} nicht gestartet ({status}): {body[:300]!r}")

        def ready() -> bool:
            status, body = self.request("GET", f"/hub/api/users/{self.user}")
            if status != 200:
                raise RuntimeError(f"{status}: {body[:200]!r}")
            server = (json.loads(body).get("servers") or {}).get("", {})
            return bool(server.get("ready"))

        wait_for(ready, f"Server von {self.user}", timeout=timeout, interval=0.5)
        # The server's own cookies (and _xsrf) come with the first page through the proxy.
        self.request("GET", f"/user/{self.user}/lab")

    def stop_server(self) -> None:
        self.request("DELETE", f"/hub/api/users/{self.user}/server")


@contextlib.contextmanager
def jupyterhub(state: Path, environment: dict[str, str], timeout: float = 90) -> Iterator[Hub]:
    """Run ``jupyterhub -f hub/jupyterhub_config.py`` on 127.0.0.1 until the block ends."""
    port = free_port()
    env = {**os.environ, **environment, "KOKOSIM_HUB_IP": "127.0.0.1",
           "KOKOSIM_HUB_PORT": str(port), "KOKOSIM_HUB_API_PORT": str(free_port()),
           "KOKOSIM_PROXY_API": str(free_port()), "KOKOSIM_HUB_STATE": str(state),
           "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    log = state.parent / "jupyterhub.log"
    handle = open(log, "wb")  # noqa: SIM115
    process = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f",
                                str(ROOT / "hub" / "jupyterhub_config.py")],
                               env=env, cwd=state.parent, stdout=handle,
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterHub beendet:\n{log.read_text()[-3000:]}")
            with urllib.request.urlopen(url + "/hub/health", timeout=5) as response:
                return response.status == 200

        wait_for(up, "JupyterHub", timeout=timeout, interval=0.5)
        yield Hub(url, state, process, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the hub stops the servers and the proxy
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        handle.close()
