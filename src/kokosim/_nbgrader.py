"""Every workaround kokosim needs around nbgrader 0.9, in one place.

nbgrader is used by the course build (student copies) and by certification (grading). Where it
needs help — a tool it finds only on PATH, process-wide state it changes, settings it only
reads from the environment — the fix lives here so that each caller passes what it needs
explicitly:

* :func:`tool_path`, :func:`ensure_tool_path`: nbgrader calls the ``alembic`` executable.
* :func:`load_config`: the course's ``nbgrader_config.py`` reads its gradebook from
  ``KOKOSIM_GRADEBOOK`` (:data:`GRADEBOOK_ENV`) and otherwise creates a folder in the home
  directory; this loads it with a given gradebook instead.
* :func:`quiet_api`: nbgrader's API logs a "fatal" line when no exchange is configured.
* :func:`serialised_gradebook`: parallel grading processes would open the SQLite gradebook
  at the same time; a file lock serialises every ``Gradebook`` of a process.
* :func:`kernel_config`: nbgrader starts kernels with this process's environment and finds
  kernelspecs only through ``JUPYTER_PATH``; this hands an explicit environment and kernelspec
  folder to the kernels of one ``autograde`` call instead. Its ``Execute`` step also bounds the
  output kept per cell and per notebook (nbgrader keeps everything a kernel prints, in memory
  and in the notebook): beyond the limits outputs are dropped with the note
  :data:`OUTPUT_CUT_NOTE`; errors and a cell's first standard-error output are always kept, so
  nbgrader's score (0 for a test cell with an error or anything on standard error) does not
  change. It also waits for kernel messages in slices of :data:`POLL_SLICE` seconds: measured
  in cohort runs, about one trainee-module in 30 sat idle until the 30-s cell timeout with the
  kernel idle and its reply already queued (pyzmq's asyncio poller missed the wake-up; a fresh
  poll finds the message at once): 30 s of wall time lost, and no flag.
  Its kernels are ready as soon as they have answered: jupyter_client's client connects to a
  kernel's sockets before the kernel has made them and retries only every 0.1 s (ZeroMQ's
  reconnect interval, here :data:`RECONNECT_MS`), its ``wait_for_ready`` ends with a fixed
  0.2-s wait for silence on IOPub (:data:`READY_WAIT`), and it notices a killed kernel's end only
  in 0.1-s steps. Measured with kernels from the warm starter: 0.37 s from start to ready and
  0.11 s per shutdown before, 0.10 s and 0.02 s after.
* :func:`defer_iri_grammar`: every process that imports nbformat (the grading and cache-filling
  processes, ``kokosim-cert``) spent about 0.9 s of CPU building grammars for jsonschema's
  ``iri`` format check, which no notebook schema uses (jsonschema issue #1428).
"""

from __future__ import annotations

import fcntl
import functools
import importlib
import importlib.util
import logging
import os
import sys
import threading
import time
import types
from queue import Empty
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

__all__ = [
    "GRADEBOOK_ENV",
    "defer_iri_grammar",
    "tool_path",
    "ensure_tool_path",
    "load_config",
    "quiet_api",
    "serialised_gradebook",
    "kernel_config",
    "OUTPUT_CUT_NOTE",
    "POLL_SLICE",
    "READY_WAIT",
    "RECONNECT_MS",
    "sliced_get_msg",
]

#: Start of the note that replaces dropped outputs (German; the grading worker flags it).
OUTPUT_CUT_NOTE = "[Ausgabe gekürzt:"
#: Longest single wait (seconds) for a kernel message in grading; see :func:`sliced_get_msg`.
POLL_SLICE = 1.0
#: ZeroMQ reconnect interval (milliseconds) of grading clients (ZeroMQ's default: 100).
RECONNECT_MS = 10
#: Longest wait (seconds) on IOPub for the kernel's "idle" after its ``kernel_info`` reply
#: before asking again (IOPub may connect late; jupyter_client waits as long).
READY_WAIT = 0.2
#: Characters kept of an error's traceback or a standard-error output beyond the limits.
_KEPT_BEYOND_LIMIT = 2000

#: Environment variable the course's ``nbgrader_config.py`` reads its gradebook URL from.
GRADEBOOK_ENV = "KOKOSIM_GRADEBOOK"

_environ_lock = threading.Lock()
#: The IRI syntax package jsonschema imports for its ``iri`` format check.
_IRI_PACKAGE = "rfc3987_syntax"


def defer_iri_grammar() -> None:
    """Let ``rfc3987_syntax`` build its grammars when an IRI is first checked, not on import.

    jsonschema imports ``rfc3987_syntax.is_valid_syntax`` when it is imported (by nbformat), and
    that package builds about 35 parsers on import: 0.9 s of CPU in every process that reads a
    notebook. Call this before nbformat or jsonschema is imported: the package is replaced by
    a stand-in whose functions import the real package on first use, so every check still
    runs as before. Does nothing if the package is missing or already imported.

    Examples
    --------
    >>> import sys
    >>> defer_iri_grammar()
    >>> sys.modules["rfc3987_syntax"].is_valid_syntax("iri", "https://例え.jp/straße")
    True
    """
    if _IRI_PACKAGE in sys.modules or importlib.util.find_spec(_IRI_PACKAGE) is None:
        return
    stand_in = types.ModuleType(_IRI_PACKAGE, "Imports the real package on first use.")

    def real() -> types.ModuleType:
        if sys.modules.get(_IRI_PACKAGE) is stand_in:
            del sys.modules[_IRI_PACKAGE]
        return importlib.import_module(_IRI_PACKAGE)

    def is_valid_syntax(*args: Any, **kwargs: Any) -> bool:
        return real().is_valid_syntax(*args, **kwargs)

    def other(name: str) -> Any:
        if name.startswith("__"):  # the import system asks for ``__path__`` and the like
            raise AttributeError(name)
        return getattr(real(), name)

    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    stand_in.__getattr__ = other  # type: ignore[method-assign]
    sys.modules[_IRI_PACKAGE] = stand_in


def tool_path(path: str | None = None) -> str:
    """``path`` (default: this process's PATH) with this interpreter's ``bin/`` first.

    nbgrader calls the ``alembic`` executable, which lives beside the interpreter in a venv.

    Examples
    --------
    >>> import sys
    >>> from pathlib import Path
    >>> tool_path("/usr/bin").split(":")[0] == str(Path(sys.executable).parent)
    True
    """
    bin_dir = str(Path(sys.executable).parent)
    current = os.environ.get("PATH", "") if path is None else path
    parts = current.split(os.pathsep) if current else []
    if parts and parts[0] == bin_dir:
        return current
    return os.pathsep.join([bin_dir, *parts])


def ensure_tool_path() -> None:
    """Put this interpreter's ``bin/`` first on this process's PATH (see :func:`tool_path`).

    nbgrader runs ``alembic`` with the process's own environment, so this one setting cannot be
    passed explicitly; it is the same for every caller and idempotent.
    """
    os.environ["PATH"] = tool_path()


def load_config(config_file: str | os.PathLike[str], db_url: str) -> Config:
    """Load an ``nbgrader_config.py`` whose gradebook is ``db_url``.

    The course's file reads its gradebook from :data:`GRADEBOOK_ENV` (else it creates a default
    gradebook folder in the home directory). That variable is set only while the file is read,
    under a lock, and restored afterwards; ``CourseDirectory.db_url`` of the result is
    ``db_url``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "nbgrader_config.py").write_text(
    ...     "import os\\nc = get_config()\\nc.Exchange.course_id = os.environ['KOKOSIM_GRADEBOOK']\\n")
    >>> config = load_config(folder / "nbgrader_config.py", "sqlite:///x.db")
    >>> config.Exchange.course_id, config.CourseDirectory.db_url
    ('sqlite:///x.db', 'sqlite:///x.db')
    >>> GRADEBOOK_ENV in os.environ
    False
    """
    from traitlets.config.loader import PyFileConfigLoader

    config_file = Path(config_file)
    with _environ_lock:
        saved = os.environ.get(GRADEBOOK_ENV)
        os.environ[GRADEBOOK_ENV] = db_url
        try:
            config = PyFileConfigLoader(config_file.name,
                                        path=str(config_file.parent)).load_config()
        finally:
            if saved is None:
                del os.environ[GRADEBOOK_ENV]
            else:
                os.environ[GRADEBOOK_ENV] = saved
    config.CourseDirectory.db_url = db_url
    return config


def quiet_api(config: Config) -> NbGraderAPI:
    """nbgrader's API object for ``config``, without its exchange probe's "fatal" log line.

    The probe runs when the API starts; kokosim does not use nbgrader's exchange.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    log = logging.getLogger("kokosim.nbgrader")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config, log=log)
    finally:
        log.setLevel(level)


@contextmanager
def serialised_gradebook(lock_path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive file lock while any nbgrader ``Gradebook`` of this process is open.

    nbgrader opens and closes its gradebook many times inside one ``autograde`` call; the lock
    is taken when the first one opens and released when the last one closes, so grading
    processes that share a SQLite gradebook never write at the same time. ``Gradebook``'s
    ``__init__`` and ``close`` are replaced for the duration of the ``with`` block (process-wide:
    use it in processes that only grade).
    """
    from nbgrader import api as nbgrader_api

    cls = nbgrader_api.Gradebook
    original_init, original_close = cls.__init__, cls.close
    state = {"open": 0}
    handle = open(lock_path, "a+")  # noqa: SIM115 - closed in finally
    guard = threading.Lock()

    def release() -> None:
        with guard:
            state["open"] -= 1
            if state["open"] == 0:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with guard:
            if state["open"] == 0:
                fcntl.flock(handle, fcntl.LOCK_EX)
            state["open"] += 1
        self._kokosim_locked = True
        try:
            original_init(self, *args, **kwargs)
        except BaseException:
            release()
            raise

    def close(self):  # type: ignore[no-untyped-def]
        try:
            original_close(self)
        finally:
            if getattr(self, "_kokosim_locked", False):
                self._kokosim_locked = False
                release()

    cls.__init__, cls.close = init, close  # type: ignore[method-assign]
    try:
        yield
    finally:
        cls.__init__, cls.close = original_init, original_close  # type: ignore[method-assign]
        handle.close()


def sliced_get_msg(get_msg: Callable[..., Awaitable[dict]],
                   step: float = POLL_SLICE) -> Callable[..., Awaitable[dict]]:
    """``get_msg`` of a jupyter_client async channel that waits in slices of ``step`` seconds.

    Same contract as the original: the next message, or :class:`queue.Empty` once ``timeout``
    (``None``: no limit) has passed. Each slice is a fresh poll of the socket, which sees a
    message that is already queued even when the event loop missed its wake-up.

    Examples
    --------
    >>> import asyncio
    >>> calls = []
    >>> async def get_msg(timeout=None):
    ...     calls.append(timeout)
    ...     if len(calls) < 3:
    ...         raise Empty
    ...     return {"msg_type": "execute_reply"}
    >>> asyncio.run(sliced_get_msg(get_msg, step=0.01)(timeout=5))["msg_type"], calls
    ('execute_reply', [0.01, 0.01, 0.01])
    >>> async def never(timeout=None):
    ...     await asyncio.sleep(timeout)
    ...     raise Empty
    >>> asyncio.run(sliced_get_msg(never, step=0.01)(timeout=0.03))
    Traceback (most recent call last):
    ...
    _queue.Empty
    """
    async def get_msg_in_slices(timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=step if left is None else min(step, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    return get_msg_in_slices


@functools.lru_cache(maxsize=1)
def _explicit_kernels() -> tuple[type, type]:
    """The kernel manager and ``Execute`` preprocessor that take their environment from config.

    Built on first use: importing nbgrader and jupyter_client is slow.
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.kernelspec import KernelSpecManager
    from nbformat import NotebookNode
    from nbclient.util import run_sync
    from nbgrader.preprocessors import Execute
    import zmq
    from traitlets import Dict, Integer, List, default

    class PromptKernelClient(AsyncKernelClient):
        """A client that is ready once the kernel answered, without a fixed wait."""

        @default("context")
        def _context_default(self) -> Any:
            context = super()._context_default()
            context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)
            return context

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            """Ask for ``kernel_info`` until the reply came on shell and its "idle" on IOPub.

            The "idle" of the request proves that IOPub is connected and that every message
            the kernel sent before is already read, which jupyter_client's own version
            ensures by waiting for 0.2 s of silence.
            """
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                request = self.kernel_info()
                reply = await self._answer(self.shell_channel, request, "kernel_info_reply",
                                           deadline, 1.0)
                if reply is not None and await self._answer(
                        self.iopub_channel, request, "status", deadline, READY_WAIT,
                        lambda msg: msg["content"].get("execution_state") == "idle"):
                    self._handle_kernel_info_reply(reply)
                    return
                if not await self.is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

        @staticmethod
        async def _answer(channel: Any, request: str, kind: str, deadline: float,
                          quiet: float, accept: Callable[[dict], bool] = lambda msg: True
                          ) -> dict | None:
            """The first ``kind`` message on ``channel`` for ``request``, or ``None`` once
            the channel was silent for ``quiet`` seconds or the deadline passed."""
            while time.monotonic() < deadline:
                try:
                    msg = await channel.get_msg(timeout=min(quiet, deadline - time.monotonic()))
                except Empty:
                    return None
                if msg["msg_type"] == kind and \
                        msg["parent_header"].get("msg_id") == request and accept(msg):
                    return msg
            return None

    class ExplicitKernelManager(AsyncKernelManager):
        """Starts kernels with :attr:`env` and finds kernelspecs only in :attr:`kernel_dirs`."""

        env = Dict(help="Environment of every kernel this manager starts.").tag(config=True)
        kernel_dirs = List(help="Kernelspec folders (``.../kernels``).").tag(config=True)

        @default("kernel_spec_manager")
        def _explicit_spec_manager(self) -> KernelSpecManager:
            if not self.kernel_dirs:
                return KernelSpecManager(data_dir=self.data_dir)
            return KernelSpecManager(data_dir=self.data_dir, kernel_dirs=list(self.kernel_dirs))

        @default("client_factory")
        def _prompt_client(self) -> type:
            return PromptKernelClient

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # How jupyter_client waits for a killed kernel to end; its 0.1-s steps cost a
            # grading run about 0.1 s per notebook.
            await super()._async_wait(pollinterval=min(pollinterval, 0.01))

        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            if self.env:
                kw.setdefault("env", dict(self.env))
            await super().start_kernel(**kw)

    class ExplicitExecute(Execute):
        """nbgrader's ``Execute`` with :class:`ExplicitKernelManager` (``Execute.*`` applies)
        and bounded outputs."""

        cell_output_limit = Integer(0, help="Characters of output kept per cell (0: all)."
                                    ).tag(config=True)
        notebook_output_limit = Integer(0, help="Characters of output kept per notebook "
                                        "(0: all).").tag(config=True)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("kernel_manager_class", ExplicitKernelManager)
            super().__init__(*args, **kwargs)

        async def async_start_new_kernel_client(self) -> Any:
            client = await super().async_start_new_kernel_client()
            for channel in (client.shell_channel, client.iopub_channel):
                channel.get_msg = sliced_get_msg(channel.get_msg)
            return client

        # nbclient's synchronous name is bound to its own coroutine; rebind it to this one.
        start_new_kernel_client = run_sync(async_start_new_kernel_client)

        def reset_execution_trackers(self) -> None:
            super().reset_execution_trackers()
            self._kokosim_cell: dict[int, int] = {}
            self._kokosim_total = 0
            self._kokosim_cut: set[int] = set()

        def output(self, outs: list, msg: dict, display_id: str | None,
                   cell_index: int) -> Any:
            if not (self.cell_output_limit or self.notebook_output_limit):
                return super().output(outs, msg, display_id, cell_index)
            size = _output_size(msg)
            used = self._kokosim_cell.get(cell_index, 0) + size
            total = self._kokosim_total + size
            if (not self.cell_output_limit or used <= self.cell_output_limit) and \
                    (not self.notebook_output_limit or total <= self.notebook_output_limit):
                self._kokosim_cell[cell_index] = used
                self._kokosim_total = total
                return super().output(outs, msg, display_id, cell_index)
            if cell_index not in self._kokosim_cut:
                self._kokosim_cut.add(cell_index)
                outs.append(NotebookNode(
                    output_type="stream", name="stdout",
                    text=f"\n{OUTPUT_CUT_NOTE} mehr als {self.cell_output_limit // 1024} KiB in "
                         f"dieser Zelle oder {self.notebook_output_limit // 1024} KiB im "
                         "Notebook; weitere Ausgaben verworfen]\n"))
            kind, content = msg["msg_type"], msg["content"]
            if kind == "error":
                kept = "\n".join(content.get("traceback", []))[-_KEPT_BEYOND_LIMIT:]
                outs.append(NotebookNode(output_type="error", ename=content.get("ename", ""),
                                         evalue=str(content.get("evalue", ""))[:200],
                                         traceback=[kept]))
            elif kind == "stream" and content.get("name") == "stderr" and not any(
                    o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outs):
                outs.append(NotebookNode(output_type="stream", name="stderr",
                                         text=content.get("text", "")[:_KEPT_BEYOND_LIMIT]))
            return None

    return ExplicitKernelManager, ExplicitExecute


def _output_size(msg: Mapping[str, Any]) -> int:
    """Characters an iopub message adds to a notebook's outputs."""
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    if msg.get("msg_type") == "error":
        return sum(len(line) for line in content.get("traceback", []))
    return sum(len(v) if isinstance(v, str) else len(str(v))
               for v in content.get("data", {}).values())


def kernel_config(env: Mapping[str, str], kernel_dirs: Sequence[str | os.PathLike[str]], *,
                  cell_output: int = 0, notebook_output: int = 0) -> Config:
    """Settings for an ``autograde`` call whose kernels get exactly ``env`` and ``kernel_dirs``.

    nbgrader's ``Execute`` preprocessor is replaced by one whose kernel manager starts kernels
    with the environment ``env`` (not this process's) and looks up the kernelspec only in
    ``kernel_dirs``; it keeps at most ``cell_output`` characters of output per cell and
    ``notebook_output`` per notebook (0: no limit). Merge the result into the configuration of
    :func:`quiet_api`.

    Examples
    --------
    >>> config = kernel_config({"TMPDIR": "/tmp/x"}, ["/w/jupyter/kernels"])
    >>> config.ExplicitKernelManager.env, config.ExplicitKernelManager.kernel_dirs
    ({'TMPDIR': '/tmp/x'}, ['/w/jupyter/kernels'])
    >>> [p.__name__ for p in config.Autograde.autograde_preprocessors][:2]
    ['ExplicitExecute', 'IgnorePattern']
    """
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    manager, execute = _explicit_kernels()
    config = Config()
    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    config.Autograde.autograde_preprocessors = [execute if step is Execute else step
                                                for step in steps]
    config[manager.__name__].env = dict(env)
    config[manager.__name__].kernel_dirs = [str(folder) for folder in kernel_dirs]
    config[execute.__name__].cell_output_limit = cell_output
    config[execute.__name__].notebook_output_limit = notebook_output
    return config
