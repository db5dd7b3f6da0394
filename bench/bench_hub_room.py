"""A workshop room of 20 on the real cohort hub: every trainee runs notebook 09 at the same moment.

One local model server with 20 slots, the cohort hub on 127.0.0.1 with its
kernels pointed at it (as docs/jupyterhub.md sets a room up), 20 trainees
logged in through the form; their kernels run notebook 09's code cells, all
starting together, through the kernel API (tests/room_load.py). Measured: how
long the servers took to start, how long the room took to finish the
notebook, and how long one drafting cell took (median, p95, max), with every
failed cell listed; first the same for one trainee alone on the hub (key
"alone"), to compare. The goal is no failed cell. Results go to
bench/results.json under "hub_room". Runs in about 5-6 minutes on 2 cores.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from results import merge  # noqa: E402
from room_load import drafting_room  # noqa: E402

TRAINEES = [f"trainee{number:02d}" for number in range(1, 21)]


def main() -> int:
    alone = drafting_room(TRAINEES[:1], slots=len(TRAINEES))
    figures = drafting_room(TRAINEES, slots=len(TRAINEES))
    figures["alone"] = {key: alone[key] for key in ("failed", "room_notebook_seconds", "drafting_cell_seconds_median",
                                                    "drafting_cell_seconds_max")}
    figures["goal"] = "no failed cell with 20 trainees drafting at once"
    figures["met"] = not figures["failed"] and figures["cells_run"] == len(TRAINEES) * figures["cells"]
    merge("hub_room", figures)
    print(json.dumps(figures, indent=2))
    return 0 if figures["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
