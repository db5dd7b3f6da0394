"""Benchmark VADER sentiment on 100,000 posts: as shipped, against faster paths that give the same labels.

The posts come from the course's own generator (the four shipped profiles, a
new seed each round, until there are enough), so they repeat themselves as
much as the course data does. Three ways to score them:

* ``as shipped``: NLTK's ``polarity_scores`` on every post, one by one;
* ``fast tokeniser``: ``campaign_lab.text.vader(fast=True)``, which finds
  NLTK's exact tokens without building every word-punctuation combination;
* ``fast + distinct texts once``: ``campaign_lab.text.compound_scores``, which
  also scores each distinct text once and reuses the score for repeats;
* ``fast + distinct texts, N processes``: the same, split across the cores.

Every path must give exactly the labels of the first; the script stops if not.
Each path runs ``--repeat`` times and keeps its best time, because the machine
may be busy with other work.
Results are merged into bench/results.json under the key "sentiment".

    python bench/bench_sentiment.py               # 100,000 posts
    python bench/bench_sentiment.py --posts 20000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import merge  # noqa: E402

from campaign_lab import text  # noqa: E402
from campaign_lab.datagen import social  # noqa: E402
from campaign_lab.datagen.model import build_model  # noqa: E402
from campaign_lab.profiles import load_profile  # noqa: E402

PROFILES = ("default", "kenya-county", "mexico-municipality", "us-state-house")


def make_posts(count: int) -> tuple[list[str], list[str]]:
    """``count`` generated post texts and their held-out sentiment labels."""
    texts, labels = [], []
    seed = 0
    while len(texts) < count:
        profile = load_profile(PROFILES[seed % len(PROFILES)])
        _, posts, post_labels = social.social_tables(build_model(profile, 1000 + seed))
        texts += posts.column("text").to_pylist()
        labels += post_labels.column("sentiment").to_pylist()
        seed += 1
    return texts[:count], labels[:count]


def as_shipped(texts: list[str]) -> list[float]:
    analyser = text.vader()
    return [analyser.polarity_scores(post)["compound"] for post in texts]


def fast_tokeniser(texts: list[str]) -> list[float]:
    analyser = text.vader(fast=True)
    return [analyser.polarity_scores(post)["compound"] for post in texts]


def distinct_once(texts: list[str]) -> list[float]:
    return text.compound_scores(texts)


def distinct_in_processes(texts: list[str], processes: int) -> list[float]:
    distinct = list(dict.fromkeys(texts))
    chunks = [distinct[i::processes] for i in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        scored = list(pool.map(text.compound_scores, chunks))
    scores = {post: score for chunk, chunk_scores in zip(chunks, scored) for post, score in zip(chunk, chunk_scores)}
    return [scores[post] for post in texts]


def timed(repeat: int, function, *args) -> tuple[list[str], float]:
    """The labels a scoring path gives, and its best time over ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        labels = [text.label(score) for score in function(*args)]
        best = min(best, time.perf_counter() - start)
    return labels, best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per path; the best time counts")
    args = parser.parse_args()
    processes = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    print(f"making {args.posts:,} posts with the course generator ...", flush=True)
    texts, truth = make_posts(args.posts)
    text.vader()  # copy the lexicon once, outside the timings
    paths = {
        "as shipped": (as_shipped, texts),
        "fast tokeniser": (fast_tokeniser, texts),
        "fast + distinct texts once": (distinct_once, texts),
        f"fast + distinct texts, {processes} processes": (distinct_in_processes, texts, processes),
    }
    runs, reference = {}, None
    for name, (function, *inputs) in paths.items():
        labels, seconds = timed(args.repeat, function, *inputs)
        if reference is None:
            reference = labels
        elif labels != reference:
            raise SystemExit(f"{name} gave different labels from VADER as shipped")
        runs[name] = {"seconds": round(seconds, 2), "posts_per_second": round(len(texts) / seconds)}
        print(f"{name:<38} {seconds:7.2f} s  {len(texts) / seconds:>10,.0f} posts/s", flush=True)
    accuracy = sum(said == label for said, label in zip(reference, truth)) / len(truth)
    shipped = runs["as shipped"]["seconds"]
    figures = {
        "posts": len(texts),
        "best_of_runs": args.repeat,
        "distinct_texts": len(set(texts)),
        "runs": runs,
        "speedup_vs_shipped": {name: round(shipped / run["seconds"], 2) for name, run in runs.items()},
        "same_labels": True,
        "accuracy_vs_held_out_labels": round(accuracy, 4),
    }
    merge("sentiment", figures)
    print(f"{len(set(texts)):,} distinct texts; accuracy against the held-out labels {accuracy:.1%}.")
    print("Merged into bench/results.json under 'sentiment'.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
