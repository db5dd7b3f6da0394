"""Merge one benchmark's figures into bench/results.json without touching the others."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


def merge(key: str, figures: dict) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    figures = dict(figures, measured_at=time.strftime("%Y-%m-%dT%H:%M:%S"), machine=f"{platform.machine()}, {_cores()} cores")
    data[key] = figures
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(RESULTS)


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
