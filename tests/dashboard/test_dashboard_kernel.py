"""The dashboard in a real Jupyter kernel (nbclient): widgets, shock button, and widget messages
that arrive from a frontend while the model plays."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import nbformat
import pytest
from nbclient import NotebookClient

SETUP = """
import json
from kokosim.dashboard import Dashboard
board = Dashboard("neue_unterkunft", seed=2, width=20, height=20)
board
"""

STATE = """
print(json.dumps({"steps": board.model.steps, "shocks": board.model.shocks,
                  "managers": board.model.conflict_managers, "playing": board.playing,
                  "readout": board.readout.value, "picture": len(board.image.value),
                  "picture_hash": hash(board.image.value),
                  "ids": {"shock": board.buttons["shock"].model_id,
                          "managers": board.parameter_widgets["conflict_managers"].model_id}}))
"""


class Kernel:
    """A notebook kernel that runs code cells one by one and returns their printed JSON."""

    def __init__(self, client: NotebookClient) -> None:
        self.client = client
        self.count = 0

    def run(self, source: str) -> dict:
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells.append(cell)
        self.client.execute_cell(cell, self.count)
        self.count += 1
        errors = [output for output in cell.outputs if output.output_type == "error"]
        assert not errors, errors
        # A print may reach the notebook in several stream messages (under load the newline can
        # come alone): parse the last printed line of everything the cell wrote.
        text = "".join(output.text for output in cell.outputs if output.output_type == "stream")
        lines = [line for line in text.splitlines() if line.strip()]
        return json.loads(lines[-1]) if lines else {}

    def send_widget_message(self, model_id: str, data: dict) -> None:
        """What the browser sends when a trainer clicks a button or releases a slider."""
        kernel_client = self.client.kc
        message = kernel_client.session.msg("comm_msg", {"comm_id": model_id, "data": data})
        kernel_client.shell_channel.send(message)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    notebook = nbformat.v4.new_notebook()
    client = NotebookClient(notebook, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": "."}})
    with client.setup_kernel():
        session = Kernel(client)
        session.run(SETUP)
        yield session


def test_slider_and_shock_button_change_model_and_readout(kernel):
    before = kernel.run("board.step(3)\n" + STATE)
    after = kernel.run('board.parameter_widgets["conflict_managers"].value = 7\n'
                       'board.buttons["shock"].click()\n' + STATE)
    assert before["steps"] == after["steps"] == 3
    assert before["managers"] == 2 and after["managers"] == 7
    assert before["shocks"] == [] and after["shocks"] == [3]
    assert "Konfliktmanager:innen = 7" in after["readout"]
    assert "Extremereignis ausgelöst" in after["readout"]
    assert after["readout"] != before["readout"]
    assert after["picture_hash"] != before["picture_hash"] and after["picture"] > 1000


def test_frontend_messages_are_handled_while_the_model_plays(kernel):
    start = kernel.run("board.speed.value = 20\nboard.play()\n" + STATE)
    assert start["playing"]
    kernel.send_widget_message(start["ids"]["managers"],
                               {"method": "update", "state": {"value": 9}, "buffer_paths": []})
    kernel.send_widget_message(start["ids"]["shock"],
                               {"method": "custom", "content": {"event": "click"}})
    deadline = time.monotonic() + 60
    while True:  # between checks no cell runs: only the play task and the widget messages
        time.sleep(0.5)
        during = kernel.run(STATE)
        done = during["managers"] == 9 and during["shocks"] and during["steps"] > start["steps"]
        if done or time.monotonic() > deadline:
            break
    stopped = kernel.run("import asyncio\nboard.pause()\nawait asyncio.sleep(0.3)\n" + STATE)
    assert during["playing"] and during["steps"] > start["steps"]
    assert during["managers"] == 9
    assert len(during["shocks"]) == len(start["shocks"]) + 1
    assert start["steps"] <= during["shocks"][-1] <= during["steps"]
    assert not stopped["playing"]
    still = kernel.run("await asyncio.sleep(0.3)\n" + STATE)
    assert still["steps"] == stopped["steps"]
