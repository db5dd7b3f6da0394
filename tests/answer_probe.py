"""Runs inside a notebook's kernel, just before an answer cell: do the hidden tests agree with the check?

``probe(globals(), ...)`` tries answers in copies of the notebook's variables as they are
before the answer cell runs (tables and arrays copied too, so that nothing an answer does
is seen by the next one):

- the blank answer, as a release has it: the hidden tests must fail on it (it scores zero);
- the recorded solution and variants of its value (int or float, list or tuple, other case
  and spacing, a table with one more column): each one the visible check calls correct
  must pass the hidden tests too.

It prints one line, ``PROBE {json}``, that tests/test_notebooks.py reads.
"""

from __future__ import annotations

import json
import numbers

import numpy as np
import pandas as pd

MARK = "PROBE "


def probe(namespace: dict, exercise: str, answer_name: str, released: str, solution: str, hidden: str) -> None:
    found = {"exercise": exercise, "blank": _blank_outcome(namespace, released, hidden), "variants": []}
    solved = _snapshot(namespace)
    found["solution"] = _error(solved, solution)  # a deep dive may build on another, left blank here
    if found["solution"]:
        print(MARK + json.dumps(found))
        return
    check = namespace[exercise]
    for label, variant in _variants(solved.get(answer_name)):
        if label != "the solution" and not check.judge(variant).correct:
            continue
        trial = _snapshot(namespace)
        trial[answer_name] = variant
        found["variants"].append({"variant": label, "check": check.judge(variant).outcome.name,
                                  "hidden": _error(trial, hidden)})
    print(MARK + json.dumps(found))


def _blank_outcome(namespace: dict, released: str, hidden: str) -> str | None:
    """The hidden tests' error on the released (blank) answer cell; None if they pass."""
    trial = _snapshot(namespace)
    try:
        exec(released, trial)
    except Exception:  # a blank answer cell may stop early: its answer stays unset or blank
        pass
    return _error(trial, hidden)


def _error(namespace: dict, source: str) -> str | None:
    try:
        exec(source, namespace)
    except BaseException as error:  # noqa: BLE001 - any failure of a hidden test counts
        return f"{type(error).__name__}: {error}"[:300]
    return None


def _snapshot(namespace: dict) -> dict:
    """A copy of the variables in which changing a table or an array changes nothing outside."""
    return {name: value.copy() if isinstance(value, (pd.DataFrame, pd.Series, np.ndarray)) else value
            for name, value in namespace.items()}


def _variants(value) -> list[tuple[str, object]]:
    """The recorded answer and other ways of writing the same answer."""
    found = [("the solution", value)]
    if isinstance(value, (bool, np.bool_)) or callable(value):
        return found
    if isinstance(value, numbers.Integral):
        found += [("as int", int(value)), ("as float", float(value))]
    elif isinstance(value, numbers.Real):
        found += [("as float", float(value)), ("rounded to 2 places", round(float(value), 2)),
                  ("rounded to 3 places", round(float(value), 3))]
        if float(value).is_integer():
            found.append(("as int", int(value)))
    elif isinstance(value, str):
        found += [("lower case", value.lower()), ("upper case", value.upper()), ("with spaces", f"  {value} ")]
    elif isinstance(value, (list, tuple, set, pd.Index, np.ndarray)):
        items = list(value)
        found += [("as list", items), ("as tuple", tuple(items)), ("reversed", items[::-1])]
        if all(isinstance(item, str) for item in items):
            found += [("items in lower case", [i.lower() for i in items]), ("items with spaces", [f" {i} " for i in items])]
    elif isinstance(value, pd.DataFrame):
        found.append(("with one more column", value.assign(my_notes="")))
    return found
