"""Benchmark the local AI model's speed: our endpoint against llama.cpp's own figure, idle and busy.

Measures, on SmolLM2-135M with 128-token answers at temperature 0:

* the anchor: llama.cpp's ``llama-bench`` (token generation, 128 tokens) with
  its own defaults, the best llama.cpp does in process on this machine;
* tokens per second through our endpoint with the openai client, for each
  threading setting tried (ggml's thread pool at ``--poll`` 0, 50 and 100, and
  threads = usable CPUs minus one), idle; target >= 0.9x the anchor;
* busy: a fixed pandas workload in another process, and ``campaign-lab grade``
  of 4 submissions of notebook 00, each alone and while the model generates;
  target slowdown <= 1.5x, with the model's tokens/s under that load;
* the facilitator demo: first streamed token and a 128-token reply, model warm;
* 1 CPU (``taskset -c 0``): tokens/s with threads from
  ``campaign_lab.resources.usable_cpus()`` against threads = physical cores;
* the recorded build of llama.cpp and a second run of scripts/install-model.sh.

Each server runs in a temporary course folder on a free port and is stopped
after its part. Results are merged into bench/results.json under "model".

    python bench/bench_model.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import merge  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("CAMPAIGN_LAB_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "campaign-lab")
BUILD_RECORD = CACHE / "llama.cpp-0.3.16" / "build.json"
PROMPTS = (
    "Write a short social media post inviting young people to a town hall about public transport.",
    "Draft three sentences for a fundraising email asking for small monthly gifts.",
    "Summarise in two sentences why a candidate should publish how her campaign uses AI.",
)
DEMO_PROMPT = "Suggest a slogan about safe streets."
SETTINGS = {"temperature": 0, "seed": 1234, "max_tokens": 128}
ONE_CPU_TIMEOUT_S = 180
TARGETS = {"speed_ratio_min": 0.9, "first_token_seconds_max": 0.5, "busy_slowdown_max": 1.5}
PANDAS_WORK = """
import time, numpy as np, pandas as pd
rng = np.random.default_rng(0)
frame = pd.DataFrame({"ward": rng.integers(0, 500, 600_000), "age": rng.integers(18, 95, 600_000), "score": rng.random(600_000)})
start = time.perf_counter()
for _ in range(4):
    frame.groupby("ward").agg(mean_age=("age", "mean"), top=("score", "max")).sort_values("top")
    frame.assign(band=pd.cut(frame["age"], [17, 30, 45, 65, 95])).pivot_table(index="band", values="score", aggfunc="median", observed=True)
print(time.perf_counter() - start)
"""


def chat(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def stream_once(llm, model: str, prompt: str, max_tokens: int = 128) -> dict:
    """Stream one answer; return first-token seconds, total seconds, tokens and the decode rate."""
    start, first, pieces = time.perf_counter(), None, 0
    for chunk in llm.chat.completions.create(model=model, messages=chat(prompt), stream=True, **{**SETTINGS, "max_tokens": max_tokens}):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces += 1
            first = first if first is not None else time.perf_counter() - start
    total = time.perf_counter() - start
    decode = (pieces - 1) / (total - first) if first is not None and pieces > 1 and total > first else float("nan")
    return {"first": first, "total": total, "tokens": pieces, "decode_rate": decode}


def endpoint_speed(llm, model: str, rounds: int, prompts: tuple[str, ...] = PROMPTS) -> dict:
    """Best and median tokens/s over ``rounds`` rounds of ``prompts``: wall clock and decode only."""
    runs = [stream_once(llm, model, prompt) for _ in range(rounds) for prompt in prompts]
    wall = [run["tokens"] / run["total"] for run in runs]
    decode = [run["decode_rate"] for run in runs]
    return {
        "tokens_per_second_best": round(max(wall), 1),
        "tokens_per_second_median": round(statistics.median(wall), 1),
        "decode_tokens_per_second_best": round(max(decode), 1),
        "decode_tokens_per_second_median": round(statistics.median(decode), 1),
    }


def llama_bench(model_path: str, extra: tuple[str, ...] = ()) -> float | None:
    """llama.cpp's own generation speed (128 tokens, 2 repetitions, its defaults), tokens/s.

    None if it takes over 4 minutes (on an overloaded machine, every thread
    but one waits at each barrier for a CPU).
    """
    from campaign_lab.ai import server

    program = server.server_program().with_name("llama-bench")
    try:
        done = subprocess.run(
            [str(program), "-m", model_path, "-p", "0", "-n", "128", "-r", "2", "-o", "json", *extra],
            capture_output=True, text=True, timeout=240,
        )  # fmt: skip
        return round(json.loads(done.stdout)[0]["avg_ts"], 1)
    except (subprocess.TimeoutExpired, ValueError, IndexError, KeyError):
        return None


def pandas_seconds(runs: int = 2) -> float:
    """Best time of the fixed pandas workload, each run in a new Python process (like a notebook cell)."""
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", PANDAS_WORK], capture_output=True, text=True, timeout=300, check=True)
        times.append(float(done.stdout.strip()))
    return min(times)


def while_generating(llm, model: str, work) -> tuple[float, float]:
    """Run ``work()`` (it returns its own seconds) while two streams keep the model generating.

    Returns those seconds and the model's tokens/s over the same stretch (every
    token the two streams produced, from their start until both finished).
    """
    stop, produced = threading.Event(), []

    def keep_generating(prompt):
        while not stop.is_set():
            produced.append(stream_once(llm, model, prompt)["tokens"])

    workers = [threading.Thread(target=keep_generating, args=(p,)) for p in PROMPTS[:2]]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(1.0)
    seconds = work()
    stop.set()
    for worker in workers:
        worker.join(timeout=120)
    return seconds, sum(produced) / (time.perf_counter() - started)


def busy_figures(llm, model: str, idle_pandas: float) -> dict:
    """The pandas workload while the model generates; the model's tokens/s meanwhile."""
    loaded, rate = while_generating(llm, model, lambda: pandas_seconds(runs=1))
    return {
        "pandas_seconds_with_model_busy": round(loaded, 2),
        "pandas_slowdown": round(loaded / idle_pandas, 2),
        "model_tokens_per_second_under_load": round(rate, 1),
    }


GRADED = ("00-start-here",)
GRADED_SUBMISSIONS = 4


def grade_seconds(root: Path) -> float:
    """``campaign-lab grade`` of the submissions in ``root``, in a fresh output folder each time."""
    import bench_cohort

    out = Path(tempfile.mkdtemp(prefix="out-", dir=root))
    return bench_cohort.campaign_lab(root, "grade", str(root / "submitted"), "--out", str(out))["seconds"]


@contextmanager
def project_root():
    server_folder = os.environ.get("CAMPAIGN_LAB_ROOT")
    os.environ["CAMPAIGN_LAB_ROOT"] = str(ROOT)
    try:
        yield
    finally:
        os.environ["CAMPAIGN_LAB_ROOT"] = server_folder or ""


def grading_figures(llm, model: str) -> dict:
    """``campaign-lab grade`` of 4 submissions of notebook 00 with the model idle, then while it generates."""
    import bench_cohort

    with tempfile.TemporaryDirectory(prefix="bench-model-grade-") as folder:
        root = Path(folder)
        with project_root():  # running_server() pointed CAMPAIGN_LAB_ROOT at the server's own folder
            bench_cohort.course_copy(root, GRADED)
            bench_cohort.write_submissions(root, GRADED, GRADED_SUBMISSIONS, hostile=False)
        grade_seconds(root)  # warm-up: the first grade starts the sandbox and reads the files from disk
        idle = grade_seconds(root)
        loaded, rate = while_generating(llm, model, lambda: grade_seconds(root))
    return {
        "submissions": GRADED_SUBMISSIONS, "notebooks": list(GRADED),
        "grade_seconds_model_idle": round(idle, 1), "grade_seconds_with_model_busy": round(loaded, 1),
        "grade_slowdown": round(loaded / idle, 2), "model_tokens_per_second_under_load": round(rate, 1),
    }


@contextmanager
def running_server(**options):
    """A server in its own temporary course folder, stopped afterwards."""
    from campaign_lab import ai
    from campaign_lab.ai import server

    with tempfile.TemporaryDirectory(prefix="bench-model-", dir=os.environ.get("BENCH_MODEL_FOLDER")) as folder:
        os.environ["CAMPAIGN_LAB_ROOT"] = folder  # own state folder: a running class server is left alone
        started = server.serve(port=server.free_port(), **options)
        try:
            llm, model = ai.client(check_requests=False), ai.model_name()
            stream_once(llm, model, PROMPTS[0], max_tokens=16)  # warm-up: the first request pages the model in
            yield started, llm, model
        finally:
            server.stop()


def threading_variants(rounds: int, idle_pandas: float) -> dict:
    """Idle speed and busy slowdown for each threading setting tried."""
    from campaign_lab import resources
    from campaign_lab.ai import server

    cpus = resources.usable_cpus()
    variants = {f"poll_{level}_threads_{cpus}": (level, cpus) for level in (0, 50, 100)}
    if cpus > 1:
        variants[f"poll_{server.POLL_LEVEL}_threads_{cpus - 1}"] = (server.POLL_LEVEL, cpus - 1)
    chosen, figures = server.POLL_LEVEL, {}
    try:
        for name, (level, threads) in variants.items():
            server.POLL_LEVEL = level
            with running_server(threads=threads, slots=4) as (_, llm, model):
                figures[name] = {**endpoint_speed(llm, model, rounds), **busy_figures(llm, model, idle_pandas)}
    finally:
        server.POLL_LEVEL = chosen
    return figures


def demo_figures(llm, model: str) -> dict:
    """The facilitator's demo with the model warm: first token (median of 7) and a 128-token reply."""
    firsts = [stream_once(llm, model, DEMO_PROMPT, max_tokens=16)["first"] for _ in range(7)]
    start = time.perf_counter()
    reply = llm.chat.completions.create(model=model, messages=chat(PROMPTS[0]), **{**SETTINGS, "max_tokens": 128})
    return {
        "first_token_seconds_median": round(statistics.median(firsts), 3),
        "first_token_seconds_best": round(min(firsts), 3),
        "reply_128_tokens_seconds": round(time.perf_counter() - start, 2),
        "reply_tokens": reply.usage.completion_tokens,
    }


def one_cpu_comparison() -> dict:
    """Tokens/s pinned to one CPU: threads from usable_cpus() against threads = physical cores."""
    import psutil

    figures = {"how": "taskset -c 0 (no cgroup made)"}
    for name, threads in (("usable_cpus", None), ("physical_cores", psutil.cpu_count(logical=False) or 1)):
        command = ["taskset", "-c", "0", sys.executable, __file__, "--one-cpu-part", str(threads or 0)]
        with tempfile.TemporaryDirectory(prefix="bench-model-cpu-") as part_folder:  # deleted: the part's server stops
            try:
                env = {**os.environ, "BENCH_MODEL_FOLDER": part_folder}
                done = subprocess.run(command, capture_output=True, text=True, timeout=ONE_CPU_TIMEOUT_S, env=env)
            except subprocess.TimeoutExpired:
                figures[name] = {"threads": threads, "did_not_finish_within_s": ONE_CPU_TIMEOUT_S}
                continue
        figures[name] = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {"error": done.stderr[-300:]}
    return figures


def one_cpu_part(threads: int) -> None:
    from campaign_lab import resources

    chosen = threads or resources.usable_cpus()
    with running_server(threads=chosen, slots=1) as (_, llm, model):
        speed = endpoint_speed(llm, model, rounds=1, prompts=PROMPTS[:1])
    print(json.dumps({"threads": chosen, **speed}))


def install_script_second_run() -> dict:
    """Time scripts/install-model.sh when everything is installed (it must change nothing)."""
    start = time.perf_counter()
    done = subprocess.run(["bash", str(ROOT / "scripts" / "install-model.sh"), sys.executable], capture_output=True, text=True, timeout=600)
    return {"seconds": round(time.perf_counter() - start, 2), "exit_code": done.returncode, "changed_nothing": "nothing to do" in done.stdout}


def measure(rounds: int) -> dict:
    from campaign_lab import resources
    from campaign_lab.ai import server

    idle_pandas = pandas_seconds()
    with running_server() as (started, llm, model):
        anchor = llama_bench(started.model_path)
        anchor_course_threads = llama_bench(started.model_path, ("-t", str(server.default_threads())))
        course = endpoint_speed(llm, model, rounds)
        demo = demo_figures(llm, model)
        busy = busy_figures(llm, model, idle_pandas)
        grading = grading_figures(llm, model)
    return {
        "model": model,
        "threads": server.default_threads(),
        "poll_level": server.POLL_LEVEL,
        "usable": resources.describe(),
        "anchor_llama_bench_tokens_per_second": anchor,
        "llama_bench_with_course_threads_tokens_per_second": anchor_course_threads,
        "endpoint": course,
        "speed_ratio": round(course["decode_tokens_per_second_best"] / anchor, 3) if anchor else None,
        "speed_ratio_wall_clock": round(course["tokens_per_second_best"] / anchor, 3) if anchor else None,
        "demo": demo,
        "pandas_seconds_model_idle": round(idle_pandas, 2),
        "busy": busy,
        "busy_grading": grading,
        "threading_variants": threading_variants(1, idle_pandas),
        "one_cpu": one_cpu_comparison(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of all prompts (default 3)")
    parser.add_argument("--one-cpu-part", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.pop("CAMPAIGN_LAB_PROVIDER", None)
    if args.one_cpu_part is not None:
        one_cpu_part(args.one_cpu_part)
        return 0
    from campaign_lab.ai import server

    if not server.runtime_installed():
        print("bench_model: llama.cpp's server is not installed; run `make model` (scripts/install-model.sh) first.", file=sys.stderr)
        return 1
    load_before = round(os.getloadavg()[0], 2)
    figures = measure(args.rounds)
    figures["load_average_1min"] = {"before": load_before, "after": round(os.getloadavg()[0], 2)}
    figures["build"] = json.loads(BUILD_RECORD.read_text()) if BUILD_RECORD.is_file() else {"note": f"no build record at {BUILD_RECORD}"}
    figures["install_script_second_run"] = install_script_second_run()
    figures["targets"] = TARGETS
    figures["meets_targets"] = {
        "speed_ratio": (figures["speed_ratio"] or 0) >= TARGETS["speed_ratio_min"],
        "first_token": figures["demo"]["first_token_seconds_median"] < TARGETS["first_token_seconds_max"],
        "busy_slowdown": figures["busy"]["pandas_slowdown"] <= TARGETS["busy_slowdown_max"],
        "busy_grading_slowdown": figures["busy_grading"]["grade_slowdown"] <= TARGETS["busy_slowdown_max"],
    }
    merge("model", figures)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
