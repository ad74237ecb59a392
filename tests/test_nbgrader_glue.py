"""How grading talks to kernels (kokosim._nbgrader): short waits, no fixed ones.

The grading Execute step waits for kernel messages in short slices.

Measured before the fix: about one trainee-module in 30 (after a cell with ``widgets.interact``)
sat idle until the 30-s cell timeout with the kernel idle and its reply queued; each slice is a
fresh poll and finds it. The slicing must reach the client nbclient really uses: nbclient binds
its synchronous ``start_new_kernel_client`` to its own coroutine, which once hid the override.

A grading kernel is ready once it answered: no fixed 0.2-s wait on IOPub, a 10-ms reconnect
interval (the client connects before the kernel made its sockets), 10-ms polls for a killed
kernel's end (measured with the warm starter: 0.37 → 0.10 s to ready, 0.11 → 0.02 s to stop).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from queue import Empty

import nbformat
import zmq
from jupyter_client import KernelManager
from nbclient import NotebookClient

from kokosim._nbgrader import RECONNECT_MS, _explicit_kernels


def test_grading_client_polls_shell_and_iopub_in_slices(tmp_path):
    _, execute_class = _explicit_kernels()
    assert execute_class.start_new_kernel_client is not NotebookClient.start_new_kernel_client
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    execute = execute_class(kernel_name="python3", timeout=60)
    execute.nb, execute.resources = notebook, {"metadata": {"path": str(tmp_path)}}
    with execute.setup_kernel():
        channels = (execute.kc.shell_channel, execute.kc.iopub_channel)
        assert all(c.get_msg.__name__ == "get_msg_in_slices" for c in channels)
        execute.execute_cell(notebook.cells[0], 0)
    assert notebook.cells[0].outputs[0]["text"] == "42\n"


def _fake_client(shell: list[dict], iopub: list[dict]) -> tuple[object, list[str], list[dict]]:
    """A grading client whose kernel answers from the lists (``None``: a silent poll)."""
    manager_class, _ = _explicit_kernels()
    client_class = manager_class().client_factory
    requests: list[str] = []
    read: list[dict] = []

    class Channel:
        def __init__(self, messages: list[dict]) -> None:
            self.messages = messages

        async def get_msg(self, timeout=None):
            message = self.messages.pop(0) if self.messages else None
            if message is None:
                raise Empty
            read.append(message)
            return message

    class Fake(client_class):
        shell_channel = iopub_channel = None

        def kernel_info(self):
            requests.append(f"r{len(requests) + 1}")
            return requests[-1]

        async def is_alive(self):
            return True

    client = Fake()
    client.shell_channel, client.iopub_channel = Channel(shell), Channel(iopub)
    return client, requests, read


def _reply(request):
    return {"msg_type": "kernel_info_reply", "parent_header": {"msg_id": request},
            "content": {"protocol_version": "5.3"}}


def _status(request, state):
    return {"msg_type": "status", "parent_header": {"msg_id": request},
            "content": {"execution_state": state}}


def test_grading_client_is_ready_at_the_idle_of_its_request_without_waiting_for_silence():
    # jupyter_client waits for 0.2 s without a message on IOPub after the reply; this client
    # stops at the "idle" of its request: it never polls IOPub again (a silent poll would
    # be the fixed wait).
    iopub = [_status("r0", "starting"), _status("r1", "busy"), _status("r1", "idle"), None]
    client, requests, read = _fake_client([_reply("r1")], iopub)
    asyncio.run(client.wait_for_ready(timeout=5))
    assert requests == ["r1"]
    assert read[-1] == _status("r1", "idle") and iopub == [None]


def test_grading_client_asks_again_when_iopub_connected_too_late():
    # IOPub missed the first request's status messages (it connected after them): ask again.
    client, requests, read = _fake_client(
        [_reply("r1"), _reply("r2")], [None, _status("r2", "busy"), _status("r2", "idle")])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert requests == ["r1", "r2"] and read[-1] == _status("r2", "idle")


def test_grading_clients_reconnect_quickly_and_kernel_ends_are_polled_often():
    manager_class, _ = _explicit_kernels()
    client = manager_class().client()
    assert client.context.getsockopt(zmq.RECONNECT_IVL) == RECONNECT_MS < 100
    client.context.destroy()
    # The override only helps while jupyter_client waits through this method.
    assert "_async_wait" in vars(KernelManager)
    assert manager_class._async_wait is not KernelManager._async_wait


def test_grading_processes_build_the_iri_grammar_only_when_an_iri_is_checked():
    # Importing nbformat built jsonschema's IRI grammars: 0.9 s of CPU per grading process.
    code = """
import sys
import kokosim.certification, nbformat
print("rfc3987_syntax.syntax_helpers" in sys.modules)
from jsonschema import FormatChecker
checker = FormatChecker()
print(checker.conforms("https://example.org/straße", "iri"), checker.conforms("http://[x", "iri"))
print("rfc3987_syntax.syntax_helpers" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "True", "False", "True"]
