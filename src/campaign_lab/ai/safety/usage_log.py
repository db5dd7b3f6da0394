"""The campaign's AI-use log and the public disclosure statement built from it.

Every time the team uses an AI tool for campaign work, :func:`log_use` adds
one line of JSON to a log file: when, what for, which provider and model, the
prompt (with personal data already redacted), which kinds of personal data
were removed and how many (never the values), whether the result was
published and the disclosure label it carried. :func:`disclosure_statement`
turns that log into a short Markdown statement the campaign can publish.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from campaign_lab import paths
from campaign_lab.ai.safety.redaction import count_kinds, find_personal_data, replace_findings
from campaign_lab.errors import BadInput

_REQUIRED_FIELDS = {"time", "purpose", "provider", "model"}
DEFAULT_LABEL = "Drafted with the help of an AI tool and checked by a person on our team."
_NEVER = (
    "pretend to be a real person, or put words in the mouth of someone who did not say them;",
    "invent endorsements, quotes or testimonials;",
    "discourage anyone from voting or spread false information about when, where or how to vote;",
    "make sexualised or deceptive images, audio or video of any real person.",
)


def default_log_path() -> Path:
    """Return the course's AI-use log, ``var/ai-use-log.jsonl``."""
    return paths.state_dir() / "ai-use-log.jsonl"


def _required_text(value: object, field: str, example: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise BadInput(f"The AI-use log needs a {field}; give one in a few words, for example {example!r}.")
    return text


def log_use(
    purpose: str,
    provider: str,
    model: str,
    prompt: str,
    published: bool = False,
    label: str | None = None,
    *,
    path: Path | None = None,
    names: Iterable[str] = (),
    keep: Iterable[str] = (),
    when: datetime | None = None,
) -> dict:
    """Append one use of an AI tool to the campaign's AI-use log.

    Parameters
    ----------
    purpose : str
        What the AI was used for, in a few words ("draft a newsletter").
    provider, model : str
        Where the text was sent ("local", "openai" ...) and which model answered.
    prompt : str
        The prompt; personal data is redacted before it is written.
    published : bool
        True if the result was published.
    label : str, optional
        The disclosure label shown with published content (default
        :data:`DEFAULT_LABEL` when ``published`` is true).
    path : Path, optional
        Log file (default ``var/ai-use-log.jsonl``).
    names, keep : iterable of str
        Known names to redact and public names to keep (see :func:`redact`).
    when : datetime, optional
        Time of use (default now, in UTC).

    Returns
    -------
    dict
        The entry as written; ``removed`` counts the personal data taken out
        of the prompt by kind (``{"NAME": 1, "EMAIL": 1}``), never the values.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "ai-use-log.jsonl"
    >>> entry = log_use("draft a post", "local", "smollm2-135m-instruct",
    ...                 "Thank Ana Ruiz (ana@example.org) for volunteering", published=True, path=log)
    >>> entry["prompt"], entry["removed"]
    ('Thank [NAME] ([EMAIL]) for volunteering', {'EMAIL': 1, 'NAME': 1})
    >>> entry["label"] == DEFAULT_LABEL
    True
    """
    prompt = str(prompt)
    found = find_personal_data(prompt, names=names, keep=keep)
    entry = {
        "time": (when or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds"),
        "purpose": _required_text(purpose, "purpose", "draft a newsletter"),
        "provider": _required_text(provider, "provider", "local"),
        "model": _required_text(model, "model", "smollm2-135m-instruct"),
        "prompt": replace_findings(prompt, found),
        "removed": dict(sorted(count_kinds(found).items())),
        "published": bool(published),
        "label": (label or DEFAULT_LABEL) if published else label,
    }
    target = path or default_log_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def read_log(path: Path | None = None) -> list[dict]:
    """Read the AI-use log, one dict per use.

    Raises
    ------
    BadInput
        If the file does not exist or a line is not a log entry.
    """
    source = path or default_log_path()
    if not source.is_file():
        raise BadInput(f"There is no AI-use log at {source}; record uses with log_use() first, or give the right file.")
    entries = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or not _REQUIRED_FIELDS <= entry.keys():
            raise BadInput(f"Line {number} of {source.name} is not an AI-use log entry; fix or delete that line.")
        entries.append(entry)
    return entries


def _rule_line(rule: str | Mapping) -> str:
    if isinstance(rule, str):
        return f"- {rule}"
    name = rule.get("name") or rule.get("title") or "Rule"
    text = rule.get("requirement") or rule.get("summary") or rule.get("text") or ""
    source = rule.get("source") or rule.get("url")
    line = f"- **{name}**" + (f": {text}" if text else "")
    return line + (f" ({source})" if source else "")


def _rules_lines(rules: Sequence | Mapping | None) -> list[str]:
    if not rules:
        return []
    items = [{"name": name, "requirement": text} for name, text in rules.items()] if isinstance(rules, Mapping) else rules
    return ["", "## Rules we follow", "", *(_rule_line(rule) for rule in items)]


def _tool_line(provider: str, model: str) -> str:
    where = "runs on our own computers; nothing is sent elsewhere" if provider == "local" else (
        "an outside service; names, contact details and voter ids are removed before any text is sent"
    )
    return f"- {model} ({provider}): {where}."


def disclosure_statement(
    log_path: Path | None = None,
    rules: Sequence | Mapping | None = None,
    *,
    campaign: str = "our campaign",
) -> str:
    """Write the public statement (Markdown) of how the campaign uses AI, from its AI-use log.

    Parameters
    ----------
    log_path : Path, optional
        The AI-use log (default ``var/ai-use-log.jsonl``).
    rules : list or mapping, optional
        Disclosure rules that apply where the campaign runs, for example from
        the context profile: strings, or mappings with ``name`` and
        ``requirement`` (and optionally ``source``), or ``{name: requirement}``.
    campaign : str
        The campaign's name, used in the title.

    Returns
    -------
    str
        Markdown: what AI was used for, which tools, what was published and
        with which label, what the campaign never uses AI for, and the rules.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "ai-use-log.jsonl"
    >>> _ = log_use("draft a post", "local", "smollm2-135m-instruct", "Write a post", published=True, path=log)
    >>> print(disclosure_statement(log, campaign="Team Amina").splitlines()[0])
    # How Team Amina uses AI
    """
    entries = read_log(log_path)
    lines = [f"# How {campaign} uses AI", ""]
    if not entries:
        lines += ["We have not used AI tools in this campaign so far."]
    else:
        lines += _usage_sections(entries)
    lines += ["", "## What we never use AI for", "", "We never use AI to:", "", *(f"- {item}" for item in _NEVER)]
    lines += _rules_lines(rules)
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _period(first: str, last: str) -> str:
    return f"on {first}" if first == last else f"between {first} and {last}"


def _usage_sections(entries: list[dict]) -> list[str]:
    times = sorted(entry["time"][:10] for entry in entries)
    purposes = Counter(entry["purpose"] for entry in entries)
    published = [entry for entry in entries if entry.get("published")]
    tools = sorted({(entry["provider"], entry["model"]) for entry in entries})
    lines = [
        f"We used AI tools {_count(len(entries), 'time')} {_period(times[0], times[-1])}. "
        "A person on our team reads and checks every AI draft before anything is published.",
        "",
        "## What we used AI for",
        "",
        "| Purpose | Times used | Published |",
        "|---|---|---|",
    ]
    published_by_purpose = Counter(entry["purpose"] for entry in published)
    lines += [f"| {purpose} | {count} | {published_by_purpose[purpose]} |" for purpose, count in purposes.most_common()]
    lines += ["", "## Tools", "", *(_tool_line(provider, model) for provider, model in tools)]
    lines += ["", "## How we label AI content", ""]
    if published:
        labels = Counter(entry.get("label") or DEFAULT_LABEL for entry in published)
        lines += [f"We published {_count(len(published), 'piece')} made with AI help. Each carries a label:", ""]
        lines += [f'- "{label}" ({_count(count, "item")})' for label, count in labels.most_common()]
    else:
        lines += ["Nothing made with AI help has been published yet; anything we publish will carry a label."]
    return lines
