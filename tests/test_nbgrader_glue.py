"""The grading Execute step waits for kernel messages in short slices (kokosim._nbgrader).

Measured before the fix: about one trainee-module in 30 (after a cell with ``widgets.interact``)
sat idle until the 30-s cell timeout with the kernel idle and its reply queued; each slice is a
fresh poll and finds it. The slicing must reach the client nbclient really uses: nbclient binds
its synchronous ``start_new_kernel_client`` to its own coroutine, which once hid the override.
"""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from kokosim._nbgrader import _explicit_kernels


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
