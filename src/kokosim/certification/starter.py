"""Warm grading kernels: one sandbox per grading process forks a fresh kernel per notebook.

Step of the grading chain (cli → grading → worker → launcher → starter → sandbox): the grading
worker (:mod:`kokosim.certification.worker`) starts and stops a :class:`Zygote`; the kernelspec's
launcher (:mod:`kokosim.certification.launcher`) asks it for a kernel with :func:`launch`; the
sandbox command line comes from :mod:`kokosim.certification.sandbox`.

Starting a Python kernel and importing the course's libraries (numpy, pandas, matplotlib,
networkx, Mesa, kokosim) costs about 2.5 s of CPU per notebook -- more than most course
notebooks compute. A grading process therefore starts one *starter* (a "zygote") inside the
same bubblewrap sandbox and rlimits as a single kernel
(:func:`kokosim.certification.sandbox.sandbox_prefix`). The starter imports :data:`PRELOAD`
once and then, for every notebook, forks a child that becomes a new ipykernel. Each notebook
still runs in a process of its own that starts from the same clean state, with its own CPU
budget (RLIMIT_CPU counts per process) and memory limit.

Between two kernels the starter

* kills every other process of the sandbox (its own PID namespace: nothing a submission left
  running survives into the next trainee's kernel),
* empties ``/tmp`` (the kernel's home, IPython and matplotlib folders) and the kernel folder,
* gives the next kernel a new working folder holding only that submission's extra files.

The kernels reach the starter only through the kernelspec's launcher (:func:`launch`), over a
Unix socket that exists *outside* the sandbox; the listening socket is handed to the starter
as an open file descriptor and closed in every kernel, so code in a submission cannot ask for
kernels or see the socket. The starter is not dumpable (submissions cannot ptrace it or read
its memory). If the starter is missing or dies, :func:`launch` returns ``None`` and the
launcher starts the kernel from scratch in a sandbox of its own: slower, same result.
"""

from __future__ import annotations

import base64
import ctypes
import importlib
import json
import os
import random
import resource
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from kokosim.certification.sandbox import (
    KERNEL_ENV,
    LIMIT_NOTES_ENV,
    SandboxLimits,
    bwrap_available,
    hand_over,
    sandbox_prefix,
    sandbox_uid,
    socket_folder,
    write_limit_note,
)

__all__ = ["PRELOAD", "SOCKET_ENV", "WORKSPACE", "Zygote", "launch", "serve",
           "starter_environment"]

#: Modules the starter imports once (the course notebooks' heavy imports). Not
#: ``matplotlib_inline``: importing it registers IPython hooks, which must happen in the kernel.
PRELOAD = ("numpy", "pandas", "scipy.sparse", "scipy.spatial", "networkx", "matplotlib.pyplot",
           "mesa", "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger",
           "kokosim.neighbourhood", "kokosim.neighbourhood.runs", "kokosim.neighbourhood.scenarios",
           "kokosim.escalation", "kokosim.classics", "kokosim.stakeholders", "kokosim.praevention",
           "kokosim.certification.cellcpu", "kokosim.certification.kernelwarnings")
#: Environment variable through which the grading process tells launchers the starter's socket.
SOCKET_ENV = "KOKOSIM_ZYGOTE"
#: Working folder of a kernel inside the sandbox (emptied before each kernel).
WORKSPACE = "/tmp/arbeit"
#: Largest request (environment plus the submission's extra files), in bytes.
MAX_REQUEST = 64 * 1024 * 1024
_PR_SET_DUMPABLE = 4


def _set_dumpable(flag: bool) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, int(flag), 0, 0, 0)


def _send(conn: socket.socket, message: Mapping[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _receive(conn: socket.socket, limit: int = MAX_REQUEST) -> dict[str, Any] | None:
    """One JSON line from ``conn``; ``None`` at end of stream."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            return None
        data += chunk
        if len(data) > limit:
            raise ValueError(f"Anfrage größer als {limit} Bytes")
    return json.loads(data)


# --- inside the sandbox -------------------------------------------------------------------

def _other_processes() -> list[int]:
    """Live processes of this PID namespace except PID 1 (bubblewrap) and this one."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in (1, os.getpid()):
            with suppress(OSError):
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry))
    return found


def _kill_leftovers() -> bool:
    """Kill whatever a kernel left running (only ever called inside the PID namespace).

    Returns ``False`` if some process still lives after 5 s.
    """
    deadline = time.monotonic() + 5
    while _other_processes():
        if time.monotonic() > deadline:
            return False
        with suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        time.sleep(0.01)
    return True


def _empty(folder: str, keep: str | None = None) -> None:
    """Delete everything in ``folder`` except ``keep``, never crossing into a mount point.

    ``/tmp`` holds the mount points of the kernel folder and the run cache when the work
    directory lies below ``/tmp``; they and their contents are left alone.
    """
    device = os.lstat(folder).st_dev
    for entry in os.scandir(folder):
        if entry.path == keep:
            continue
        with suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                if entry.stat(follow_symlinks=False).st_dev == device:
                    _empty(entry.path)
                    os.rmdir(entry.path)  # fails (and stays) if a mount point lies below
            else:
                os.unlink(entry.path)


def _workspace(files: Mapping[str, str]) -> None:
    """Create :data:`WORKSPACE` with the submission's extra files (relative paths only)."""
    os.makedirs(WORKSPACE)
    for name, content in files.items():
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts:
            raise ValueError(f"unzulässiger Dateiname {name!r}")
        target = Path(WORKSPACE, *parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(content))


def _become_kernel(connection_file: str, environment: Mapping[str, str],
                   options: Sequence[str], *inherited: socket.socket) -> None:
    """In the forked child: drop the starter's sockets and run an ipykernel (never returns)."""
    code = 1
    try:
        for sock in inherited:
            sock.close()
        os.setsid()  # ipykernel interrupts its own process group: not the starter
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _set_dumpable(True)
        # The sandbox's own settings (and its read-only run cache) win over the request's.
        from kokosim.neighbourhood.runcache import CACHE_ENV, READONLY_ENV  # preloaded

        own = {name: os.environ[name] for name in (*KERNEL_ENV, CACHE_ENV, READONLY_ENV)
               if name in os.environ}
        os.environ.clear()
        os.environ.update(environment)
        os.environ.update(own)
        os.environ.pop("JPY_PARENT_PID", None)
        os.environ.pop(SOCKET_ENV, None)
        random.seed()  # a fresh kernel would not share the starter's random state
        import numpy

        numpy.random.seed()
        os.chdir(WORKSPACE)
        sys.path[0] = WORKSPACE  # as for ``python -m ipykernel_launcher`` in that folder
        sys.argv = ["ipykernel_launcher", "-f", connection_file, *options]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=["-f", connection_file, *options])
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        os._exit(code)


def _tasks() -> int:
    """Processes and threads of this sandbox's uid (what ``RLIMIT_NPROC`` counts)."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit() and entry != "1":
            with suppress(OSError):
                count += len(os.listdir(f"/proc/{entry}/task"))
    return count


def _wait(pid: int, conn: socket.socket) -> int:
    """Wait for kernel ``pid``; kill it if the launcher goes away. Return its exit code.

    Twice a second the sandbox's tasks are counted; when they reach the process limit (a fork
    bomb stays there) the launcher is told at once, while it still waits for the kernel.
    """
    pidfd = os.pidfd_open(pid)
    limit, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    told = False
    try:
        while True:
            ready, _, _ = select.select([pidfd, conn], [], [], 0.5)
            if not told and 0 < limit <= _tasks() + 2:
                told = True
                with suppress(OSError):
                    _send(conn, {"limit": "prozesse", "processes": limit})
            if pidfd in ready:
                break
            if conn in ready and not conn.recv(1 << 16):  # launcher gone: the kernel goes too
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                break
    finally:
        os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _serve_one(conn: socket.socket, listener: socket.socket, kernels: str) -> None:
    request = _receive(conn)
    if request is None:
        return
    connection_file = os.path.realpath(str(request.get("connection_file", "")))
    if os.path.dirname(connection_file) != kernels:
        _send(conn, {"error": f"Verbindungsdatei {connection_file!r} liegt nicht in {kernels}"})
        return
    options = [str(option) for option in request.get("options", [])]
    if not all(option.startswith("--") for option in options):
        _send(conn, {"error": f"unzulässige Kerneloptionen {options!r}"})
        return
    _empty("/tmp")
    _empty(kernels, keep=connection_file)
    try:
        _workspace(request.get("files", {}))
    except (ValueError, OSError) as error:
        _send(conn, {"error": str(error)})
        return
    pid = os.fork()
    if pid == 0:
        _become_kernel(connection_file, request.get("env", {}), options, listener, conn)
    _send(conn, {"started": pid})
    code = _wait(pid, conn)
    clean = _kill_leftovers()
    _empty("/tmp")
    with suppress(OSError):
        _send(conn, {"exit": code})
    if not clean:  # never hand a sandbox with a survivor to the next trainee
        raise SystemExit("Kernelstarter: Prozesse des letzten Kernels ließen sich nicht beenden")


def serve(listen_fd: int, kernels: str) -> None:
    """Run the starter inside the sandbox: import :data:`PRELOAD`, then serve launchers.

    Parameters
    ----------
    listen_fd : int
        Listening Unix socket inherited from the grading process.
    kernels : str
        The kernel folder (connection files and ``ipc`` sockets), bound read-write.

    Raises
    ------
    SystemExit
        Outside a bubblewrap PID namespace: killing leftovers there would hit the user's
        other processes.
    """
    if Path("/proc/1/comm").read_text().strip() != "bwrap":
        raise SystemExit("Der Kernelstarter läuft nur in der bubblewrap-Sandbox.")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # debugpy (imported by ipykernel.debugger: 0.08 s per kernel otherwise) warns on import.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in PRELOAD:
        importlib.import_module(name)
    _set_dumpable(False)
    listener = socket.socket(fileno=listen_fd)
    print("bereit", flush=True)
    while True:
        conn, _ = listener.accept()
        with conn:
            try:
                _serve_one(conn, listener, os.path.realpath(kernels))
            except (OSError, ValueError) as error:
                print(f"Anfrage abgewiesen: {error}", file=sys.stderr, flush=True)


# --- outside the sandbox ------------------------------------------------------------------

def _extra_files(folder: str, limit: int = MAX_REQUEST // 2) -> dict[str, str]:
    """The submission's files besides notebooks (nbgrader copies them beside the notebook)."""
    files: dict[str, str] = {}
    total = 0
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
        for name in names:
            path = os.path.join(root, name)
            if name.endswith(".ipynb") or os.path.islink(path) or not os.path.isfile(path):
                continue
            total += os.path.getsize(path)
            if total > limit:
                raise ValueError(f"Zusatzdateien in {folder} größer als {limit} Bytes")
            with open(path, "rb") as handle:
                files[os.path.relpath(path, folder)] = base64.b64encode(handle.read()).decode()
    return files


def launch(socket_path: str, connection_file: str, cwd: str,
           options: Sequence[str] = (), *, watch: Callable[[], bool] | None = None,
           notes: str | None = None) -> int | None:
    """Start a kernel through the starter and wait for it (the kernelspec launcher's job).

    ``options`` are passed to ipykernel
    (:func:`~kokosim.certification.sandbox.kernel_arguments`). ``watch`` is asked twice a
    second; when it returns ``True`` the kernel is stopped. A kernel whose sandbox reached the
    process limit is noted in ``notes`` (:func:`~kokosim.certification.sandbox.write_limit_note`).

    Returns the kernel's exit code, or ``None`` if no starter answers (the caller then starts
    the kernel on its own).
    """
    folder = os.stat(os.path.dirname(connection_file))
    if os.geteuid() == 0 and folder.st_uid != 0:  # the starter's kernels run as that uid
        hand_over([connection_file], folder.st_uid)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(socket_path)
        env = {k: v for k, v in os.environ.items() if k not in (SOCKET_ENV, LIMIT_NOTES_ENV)}
        _send(conn, {"connection_file": connection_file, "env": env,
                     "options": list(options), "files": _extra_files(cwd)})
        answer = _receive(conn)
    except (OSError, ValueError):
        conn.close()
        return None
    if answer is None or "started" not in answer:
        print(f"Kernelstarter: {answer}", file=sys.stderr, flush=True)
        conn.close()
        return None
    with conn:
        with suppress(OSError, ValueError):
            while True:
                ready, _, _ = select.select([conn], [], [], 0.5)
                if not ready:
                    if watch is not None and watch():
                        return 1  # closing the connection makes the starter kill the kernel
                    continue
                result = _receive(conn)
                if result is None:
                    break
                if result.get("limit") == "prozesse":
                    write_limit_note(notes, "prozesse", f"Prozessgrenze ({result['processes']} "
                                     "Prozesse und Threads je Kernel) erreicht; übrige Prozesse "
                                     "nach dem Kernel beendet")
                    continue
                if "exit" in result:
                    return int(result["exit"])
                break
    return 1  # the starter died while the kernel ran


def starter_environment() -> dict[str, str]:
    """The kernel starter's own environment: a search path and a UTF-8 locale, nothing else.

    Examples
    --------
    >>> sorted(starter_environment())
    ['LANG', 'LC_ALL', 'PATH']
    """
    return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8"}


class Zygote:
    """The warm kernel starter of one grading process (started and stopped from outside).

    Parameters
    ----------
    folder : pathlib.Path
        Preferred private folder of this grading process (see
        :func:`~kokosim.certification.sandbox.socket_folder`): ``kernels/`` (bound into the
        sandbox) and the starter's socket (outside the sandbox).
    limits : SandboxLimits
    workdir, course_root : str
        Hidden from the sandbox, as for single kernels.
    font_cache : str
        matplotlib's prebuilt font list.

    The starter's messages go to this process's standard error (the grading log).
    """

    def __init__(self, folder: Path, *, limits: SandboxLimits, workdir: str, course_root: str,
                 font_cache: str) -> None:
        self.limits = limits
        self.workdir, self.course_root, self.font_cache = workdir, course_root, font_cache
        self.folder = socket_folder(folder)
        self.kernels = self.folder / "kernels"
        self.socket_path = self.folder / "starter.sock"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> bool:
        """Start the starter; ``False`` (and nothing running) if that fails or bwrap is absent."""
        bwrap = bwrap_available()
        if bwrap is None or not self.limits.filesystem or not self.limits.warm_kernels:
            return False
        self.stop()
        self.kernels.mkdir(parents=True, exist_ok=True)
        uid = sandbox_uid(os.getpid())
        hand_over([self.kernels], uid)
        with suppress(FileNotFoundError):
            self.socket_path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.socket_path))
        listener.listen(4)
        kernels = os.path.realpath(self.kernels)
        command = sandbox_prefix(
            self.limits, bwrap=bwrap, workdir=self.workdir, course_root=self.course_root,
            mounts=["--bind", kernels, kernels], chdir="/tmp", font_cache=self.font_cache,
            uid=uid)
        command += [sys.executable, "-m", "kokosim.certification.starter",
                    str(listener.fileno()), kernels]
        # Nothing of the grading process's environment: each kernel gets the allow-listed
        # environment its launcher sends.
        self.process = subprocess.Popen(command, pass_fds=[listener.fileno()],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        start_new_session=True, env=starter_environment())
        listener.close()
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready or self.process.stdout.readline().strip() != b"bereit":
            self.stop()
            return False
        return True

    def alive(self) -> bool:
        """Whether the starter is running."""
        return self.process is not None and self.process.poll() is None

    def environment(self) -> dict[str, str]:
        """Environment entries that route the grading process's kernel launches here."""
        return {SOCKET_ENV: str(self.socket_path)} if self.alive() else {}

    def stop(self) -> None:
        """Stop the starter and everything in its sandbox."""
        if self.process is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
        self.process = None
        with suppress(FileNotFoundError):
            self.socket_path.unlink()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point inside the sandbox: ``python -m kokosim.certification.starter FD KERNELS``."""
    args = list(sys.argv[1:] if argv is None else argv)
    serve(int(args[0]), args[1])


if __name__ == "__main__":  # pragma: no cover - runs inside the sandbox
    main()
