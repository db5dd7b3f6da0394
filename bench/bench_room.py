"""Benchmark a workshop room: 1, 5, 10 and 20 trainees drafting with the local model at once.

One server with 20 slots (as for a room of 20) answers notebook 09-like
drafting requests (a system message, the campaign's issue, a 64-token answer),
all sent at the same moment. For each room size it measures:

* aggregate tokens per second (all answers' tokens / wall time); target at 20:
  >= 3x one stream's;
* time to first token, p95 over the room; target at 20: < 2 s;
* the server's memory (RSS of llama-server and its launcher) with 20 slots;
* one stream and 20 at once again with a thread per usable CPU (key
  "all_cpus"), the setting for a room server on cores of its own: the
  default leaves one CPU to the notebook kernels.

The curve is saved as bench/room_curve.png. Loopback only, bounded: one round
of each room size. Results are merged into bench/results.json under "room".

    python bench/bench_room.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import merge  # noqa: E402

ROOM_SIZES = (1, 5, 10, 20)
SLOTS = 20
ANSWER_TOKENS = 64
ISSUES = ("public transport", "safe streets", "clean parks", "affordable childcare", "local jobs")
TASKS = (
    "Write a social media post about {issue}.",
    "Write a short email to volunteers about our plan for {issue}.",
    "Write two sentences for a flyer about {issue} aimed at young voters.",
    "Write a friendly reply to a voter who asked what we will do about {issue}.",
)
TARGETS = {"speedup_at_20_min": 3.0, "p95_first_token_seconds_at_20_max": 2.0}
PLOT = Path(__file__).with_name("room_curve.png")


def drafting_request(trainee: int) -> list[dict]:
    issue = ISSUES[trainee % len(ISSUES)]
    task = TASKS[trainee % len(TASKS)].format(issue=issue)
    return [
        {"role": "system", "content": "You draft campaign messages for a candidate. Be warm, concrete and brief."},
        {"role": "user", "content": f"Task: {task}\nAudience: residents of the constituency.\nTone: hopeful."},
    ]


def one_trainee(llm, model: str, trainee: int, start: float) -> tuple[float, int, int]:
    """Stream one drafting answer; return seconds from the room's start to its first token, its tokens, its prompt's tokens."""
    first, tokens, prompt_tokens = None, 0, 0
    stream = llm.chat.completions.create(
        model=model, messages=drafting_request(trainee), stream=True, temperature=0, seed=1234, max_tokens=ANSWER_TOKENS,
        stream_options={"include_usage": True},
    )  # fmt: skip
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content and first is None:
            first = time.perf_counter() - start
        if chunk.usage:
            tokens, prompt_tokens = chunk.usage.completion_tokens, chunk.usage.prompt_tokens
    return (first if first is not None else float("nan")), tokens, prompt_tokens


def room(llm, model: str, size: int) -> dict:
    """All ``size`` trainees send at once; aggregate tokens/s and first-token times."""
    with ThreadPoolExecutor(max_workers=size) as pool:
        start = time.perf_counter()
        results = list(pool.map(lambda trainee: one_trainee(llm, model, trainee, start), range(size)))
        wall = time.perf_counter() - start
    firsts = sorted(first for first, _, _ in results)
    p95 = firsts[min(len(firsts) - 1, round(0.95 * (len(firsts) - 1)))]
    return {
        "trainees": size,
        "tokens": sum(tokens for _, tokens, _ in results),
        "prompt_tokens": sum(prompt for _, _, prompt in results),
        "seconds": round(wall, 2),
        "aggregate_tokens_per_second": round(sum(tokens for _, tokens, _ in results) / wall, 1),
        "first_token_seconds_median": round(statistics.median(firsts), 3),
        "first_token_seconds_p95": round(p95, 3),
    }


def server_rss_mb(pid: int) -> float:
    import psutil

    launcher = psutil.Process(pid)
    return round(sum(process.memory_info().rss for process in [launcher, *launcher.children()]) / 2**20, 1)


def plot(curve: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [point["trainees"] for point in curve]
    fig, (speed, wait) = plt.subplots(1, 2, figsize=(9, 3.5))
    speed.plot(sizes, [point["aggregate_tokens_per_second"] for point in curve], marker="o")
    speed.set(xlabel="trainees drafting at once", ylabel="tokens per second, all answers", title="Room throughput")
    wait.plot(sizes, [point["first_token_seconds_p95"] for point in curve], marker="o", color="C1")
    wait.axhline(TARGETS["p95_first_token_seconds_at_20_max"], color="grey", linestyle="--", linewidth=1)
    wait.set(xlabel="trainees drafting at once", ylabel="seconds", title="Time to first token (p95)")
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)
    plt.close(fig)


def rooms(sizes: tuple[int, ...], threads: int | None = None) -> tuple[list[dict], float]:
    """Start a 20-slot server, warm it, measure each room size; return the curve and the server's memory."""
    from campaign_lab import ai
    from campaign_lab.ai import server

    started = server.serve(port=server.free_port(), slots=SLOTS, threads=threads)
    try:
        llm, model = ai.client(check_requests=False), ai.model_name()
        room(llm, model, 2)  # warm-up
        return [room(llm, model, size) for size in sizes], server_rss_mb(started.pid)
    finally:
        server.stop()


def main() -> int:
    from campaign_lab import resources
    from campaign_lab.ai import server

    if not server.runtime_installed():
        print("bench_room: llama.cpp's server is not installed; run `make model` first.", file=sys.stderr)
        return 1
    os.environ.pop("CAMPAIGN_LAB_PROVIDER", None)
    with tempfile.TemporaryDirectory(prefix="bench-room-") as folder:
        os.environ["CAMPAIGN_LAB_ROOT"] = folder
        curve, rss = rooms(ROOM_SIZES)
        all_cpus_threads = resources.usable_cpus()
        all_cpus, _ = rooms((1, SLOTS), threads=all_cpus_threads)
    plot(curve)
    one, twenty = curve[0], curve[-1]
    figures = {
        "slots": SLOTS,
        "answer_tokens": ANSWER_TOKENS,
        "usable": resources.describe(),
        "threads": server.default_threads(),
        "curve": curve,
        "speedup_at_20": round(twenty["aggregate_tokens_per_second"] / one["aggregate_tokens_per_second"], 2),
        "server_rss_mb_20_slots": rss,
        "all_cpus": {"threads": all_cpus_threads, "curve": all_cpus,
                     "speedup_at_20": round(all_cpus[-1]["aggregate_tokens_per_second"] / all_cpus[0]["aggregate_tokens_per_second"], 2),
                     "speedup_at_20_against_default_one_stream": round(all_cpus[-1]["aggregate_tokens_per_second"] / one["aggregate_tokens_per_second"], 2)},
        "plot": PLOT.name,
        "targets": TARGETS,
    }
    figures["meets_targets"] = {
        "speedup_at_20": figures["speedup_at_20"] >= TARGETS["speedup_at_20_min"],
        "p95_first_token_at_20": twenty["first_token_seconds_p95"] < TARGETS["p95_first_token_seconds_at_20_max"],
    }
    merge("room", figures)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
