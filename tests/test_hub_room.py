"""A small workshop room on the real cohort hub: trainees run notebook 09 together against one model.

Three trainees log in through the hub's form, their servers start, and their
kernels run every code cell of notebook 09 (the drafting notebook, solutions
filled in) at the same moment, all drafting with one local model server of
three slots, as docs/jupyterhub.md tells a facilitator to set it up. No cell
may fail or hang. bench/bench_hub_room.py runs the same room with 20 trainees.
"""

from __future__ import annotations

import pytest

from campaign_lab.ai import server
from room_load import drafting_room

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not server.runtime_installed(), reason="llama.cpp's server is not installed; run `make model`"),
]

TRAINEES = ["rosa", "sara", "tala"]


def test_a_room_drafts_together_with_one_model_and_no_cell_fails():
    room = drafting_room(TRAINEES, slots=len(TRAINEES))

    assert room["logged_in"] == len(TRAINEES)
    assert room["failed"] == [], "\n".join(room["failed"])
    assert room["cells_run"] == len(TRAINEES) * room["cells"], room
    assert room["drafting_cell_seconds_median"] is not None, "no cell of notebook 09 asked the model"
