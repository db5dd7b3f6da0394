"""Benchmark the redactor on the labelled probe set: what it finds, what it misses, how fast.

The probe set (tests/data/redaction_probe.txt) has over 300 sentences written
by hand for this, with the personal data marked; it is only measured on, never
used to tune. Two redactors side by side:

* ``recogniser``: :func:`campaign_lab.ai.safety.find_personal_data`
  (Presidio over a spaCy pipeline plus the course's own recognisers);
* ``patterns``: :func:`campaign_lab.ai.safety.find_personal_data_by_patterns`
  (known names, titles and patterns, as before the recogniser).

Neither gets a list of voter names: the probe's people are in no list.

A marked item counts as found when the findings cover every letter and digit
of it (of any kind: a name hidden as [PHONE] is still hidden). A finding is
correct when it overlaps a marked item. Recall is per kind and, for names,
per section of the probe set; precision is over all findings.

Speed: first load (a fresh process: imports and spaCy), sentences per second,
and the time a typical drafting request (a system and a user message, about
340 characters) spends in the client's safety step after the first: the
refusal policy plus redaction, so at least what redaction costs (the goal
is at most 50 ms). Wall time and CPU time are both kept: on a shared
machine the CPU time is the steadier figure. Results go to bench/results.json under "redaction".

    python bench/bench_redaction.py
    python bench/bench_redaction.py --repeat 1     # quicker, noisier speed figures
    python bench/bench_redaction.py --tune         # scores on the development set only; writes nothing
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import merge  # noqa: E402

from campaign_lab.ai.client import _Guard, _prepare_body  # noqa: E402
from campaign_lab.ai.config import Settings  # noqa: E402
from campaign_lab import paths  # noqa: E402
from campaign_lab.ai.safety import find_personal_data, find_personal_data_by_patterns, use_profile  # noqa: E402

PROBE = Path(__file__).resolve().parents[1] / "tests" / "data" / "redaction_probe.txt"
# A separate set, written apart from the probe set, to tune the redactor on (--tune); the probe set is never tuned on.
DEV = PROBE.with_name("redaction_dev.txt")
_MARK = re.compile(r"\[\[(NAME|PHONE|EMAIL|VOTER_ID|ADDRESS)\|(.+?)\]\]")
GOALS = {"name_recall": 0.97, "contact_recall": 1.0, "precision": 0.90, "request_ms": 50.0}
REDACTORS = {"recogniser": find_personal_data, "patterns": find_personal_data_by_patterns}
DRAFTING_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You draft short, warm messages for a campaign team. Plain words, no jargon."},
        {
            "role": "user",
            "content": "Write a thank-you note to our volunteers for Saturday's canvass in Ward 4. Mention that "
            "Wanjiku Otieno-Ruto organised the tea, that Peter Kamau (0722 345 678) drove the van, and that "
            "the next meeting is at 14 Harbour Road on Tuesday at six. Keep it under 120 words.",
        },
    ],
}


@dataclass
class Sentence:
    section: str
    text: str
    marks: list[tuple[str, int, int]] = field(default_factory=list)


def load_probe(path: Path = PROBE) -> list[Sentence]:
    """The probe sentences, each with its text (markup removed) and marked spans."""
    sentences, section = [], "unsorted"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# section:"):
            section = line.split(":", 1)[1].strip()
        if not line.strip() or line.startswith("#"):
            continue
        sentence, position, text = Sentence(section, ""), 0, ""
        for match in _MARK.finditer(line):
            text += line[position : match.start()]
            sentence.marks.append((match.group(1), len(text), len(text) + len(match.group(2))))
            text += match.group(2)
            position = match.end()
        sentence.text = text + line[position:]
        sentences.append(sentence)
    return sentences


def _covered(text: str, start: int, end: int, findings) -> bool:
    hidden = {i for f in findings for i in range(f.start, f.end)}
    return all(i in hidden for i in range(start, end) if text[i].isalnum())


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def score(sentences: list[Sentence], find, examples: int | None = 25) -> dict:
    """Recall by kind and by section (names), precision, and the first misses and false alarms."""
    found, total = defaultdict(int), defaultdict(int)
    section_found, section_total = defaultdict(int), defaultdict(int)
    correct = predicted = 0
    misses, false_alarms = [], []
    for sentence in sentences:
        findings = find(sentence.text)
        for kind, start, end in sentence.marks:
            hit = _covered(sentence.text, start, end, findings)
            found[kind] += hit
            total[kind] += 1
            if kind == "NAME":
                section_found[sentence.section] += hit
                section_total[sentence.section] += 1
            if not hit:
                misses.append(f"{sentence.text[start:end]} ({sentence.section})")
        for finding in findings:
            predicted += 1
            good = any(finding.start < end and start < finding.end for _, start, end in sentence.marks)
            correct += good
            if not good:
                false_alarms.append(f"{finding.text!r} in {sentence.text[:60]!r}")
    contact = [k for k in total if k != "NAME"]
    return {
        "name_recall": _ratio(found["NAME"], total["NAME"]),
        "contact_recall": _ratio(sum(found[k] for k in contact), sum(total[k] for k in contact)),
        "recall_by_kind": {kind: _ratio(found[kind], total[kind]) for kind in sorted(total)},
        "name_recall_by_section": {s: _ratio(section_found[s], section_total[s]) for s in section_total},
        "precision": _ratio(correct, predicted),
        "findings": predicted,
        "misses": len(misses),
        "first_misses": misses[:examples],
        "false_alarms": false_alarms[:examples],
    }


def by_pipeline(sentences: list[Sentence]) -> dict:
    """Name recall of the French, Spanish and Swahili sections read by the English and by the French pipeline.

    Spanish and Swahili have no pipeline of their own: this shows what each fallback catches.
    """
    sections = ("french", "mexico", "swahili")
    chosen = [s for s in sentences if s.section in sections]
    default = (paths.profiles_dir() / "default.yaml").read_text(encoding="utf-8")
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        french = Path(folder) / "french-profile.yaml"
        french.write_text(default.replace("{code: en, name: English, share: 1.0}", "{code: fr, name: French, share: 1.0}"), encoding="utf-8")
        for pipeline, profile in (("en", "default"), ("fr", str(french))):
            use_profile(profile)
            result = score(chosen, find_personal_data)
            figures[pipeline] = {**{s: result["name_recall_by_section"][s] for s in sections}, "precision": result["precision"]}
    use_profile("default")
    return figures


def first_load_seconds() -> float:
    """Seconds from a fresh Python to the first redacted sentence: imports, Presidio and spaCy."""
    code = (
        "import time; started = time.perf_counter()\n"
        "from campaign_lab.ai.safety import redact; redact('Thank Ana Ruiz for the flyers.')\n"
        "print(time.perf_counter() - started)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return round(float(done.stdout.strip().splitlines()[-1]), 2)


def speed(sentences: list[Sentence], repeat: int) -> dict:
    texts = [sentence.text for sentence in sentences]
    best = {}
    for name, find in REDACTORS.items():
        find(texts[0])  # loaded before timing
        rounds = []
        for _ in range(repeat):
            started = time.perf_counter()
            for text in texts:
                find(text)
            rounds.append(time.perf_counter() - started)
        best[name] = round(len(texts) / min(rounds), 1)
    guard = _Guard(Settings(provider="openai", api_key="sk-bench"))
    _prepare_body(DRAFTING_REQUEST, guard)
    times, cpu_times = [], []
    for _ in range(30 * repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        _prepare_body(DRAFTING_REQUEST, guard)
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu_started) * 1000)
    times.sort()
    return {
        "sentences_per_second": best,
        "request_ms_median": round(statistics.median(times), 1),
        "request_ms_p95": round(times[int(len(times) * 0.95) - 1], 1),
        "request_cpu_ms_median": round(statistics.median(cpu_times), 1),  # less swayed by a busy machine
        "request_chars": sum(len(m["content"]) for m in DRAFTING_REQUEST["messages"]),
    }


def tune() -> int:
    """Scores on the development set, with every miss and false alarm, to change the redactor by."""
    result = score(load_probe(DEV), find_personal_data, examples=None)
    print("\n".join(["misses:", *result.pop("first_misses"), "false alarms:", *result.pop("false_alarms")]))
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="speed rounds; the best is kept (default 3)")
    parser.add_argument("--tune", action="store_true", help="score the development set (misses included); write nothing")
    args = parser.parse_args()
    if args.tune:
        return tune()
    sentences = load_probe()
    figures = {"probe_sentences": len(sentences), "goals": GOALS, "first_load_s": first_load_seconds()}
    for name, find in REDACTORS.items():
        figures[name] = score(sentences, find)
    figures.update(speed(sentences, args.repeat))
    figures["name_recall_by_pipeline"] = by_pipeline(sentences)
    merge("redaction", figures)
    for name in REDACTORS:
        result = figures[name]
        print(
            f"{name:<11} names {result['name_recall']:.3f} (goal {GOALS['name_recall']})  "
            f"phones/e-mails/ids/addresses {result['contact_recall']:.3f}  precision {result['precision']:.3f}  "
            f"{figures['sentences_per_second'][name]} sentences/s"
        )
    print(f"name recall by pipeline: {figures['name_recall_by_pipeline']}")
    print(
        f"first load {figures['first_load_s']} s; a drafting request waits {figures['request_ms_median']} ms "
        f"(p95 {figures['request_ms_p95']} ms, goal {GOALS['request_ms']} ms) on redaction"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
