"""Call trainees' functions, and rerun their answer lines, on the course's inputs, inside a grading box.

A function answer is graded by what it returns on the grader's own inputs (the
classroom profile and a second one). An answer worked out by a line of pandas
is graded on the second profile too: its answer cell runs again on that
profile's tables (the names its exercise ``reads``), with the trainee's own
functions defined, and the value it sets comes back as data. This module runs in a fresh process of a
box (a fork of a warm box's server, or a new Python; no kernel), never in the
grader: it reads the function answers exported from the trainee's notebook,
defines each function from its source, calls it on every
input the grader listed, and writes what came back as plain data
(:mod:`.answers`). The grader judges those values; nothing this code or the
trainee's code writes is trusted beyond being data.

Files, all in the box's working folder: ``answers.json`` (in, as the notebook exported them), ``calls.pickle``
(in, written by the grader: ``{"functions": {answer name: {plan: [args, ...]}},
"lines": {answer name: {plan: {name: value}}}}``), ``lines.json`` (in, the
submission's answer cells: ``{answer name: source}``) and ``results.json``
(out, ``{answer name: {plan: [outcome, ...]}}``, rewritten after every call so
a function that hangs loses only what is left). A file the function writes at a path argument comes
back with the call's result, so the grader can read it where it asked for it.
"""

from __future__ import annotations

import base64
import builtins
import json
import pickle
import signal
from pathlib import Path

from campaign_lab.checks.core import ____, has_empty_body
from campaign_lab.grading import answers

CALLS, LINES, RESULTS = "calls.pickle", "lines.json", "results.json"
CALL_SECONDS = 20
FILE_BYTES = 1024 * 1024  # of a file written at a path argument, kept for the grader


class CallTimedOut(Exception):
    """A call to a trainee's function ran past :data:`CALL_SECONDS`."""


def _on_alarm(signum, frame):
    raise CallTimedOut(f"it ran longer than {CALL_SECONDS} seconds")


def run(folder: str | Path = ".") -> None:
    """Call every listed function on its inputs, rerun every listed answer line, and write ``results.json``."""
    folder = Path(folder)
    plans = pickle.loads((folder / CALLS).read_bytes())  # written by the grader, not the trainee
    exported = answers.load_answers(folder / answers.FILE)
    results: dict = {}
    signal.signal(signal.SIGALRM, _on_alarm)
    _call_functions(plans.get("functions", {}), exported, results, lambda: _write(folder, results))
    _rerun_lines(plans.get("lines", {}), _line_sources(folder / LINES), exported, results,
                 lambda: _write(folder, results))
    _write(folder, results)


def _call_functions(plans: dict, exported: dict, results: dict, save) -> None:
    for name, by_plan in plans.items():
        answer = exported.get(name)
        if not isinstance(answer, answers.FunctionAnswer):
            continue
        function = _define(answer)
        if not isinstance(function, BaseException) and has_empty_body(function):
            function = NotImplementedError("the function is still empty")
        for plan, calls in by_plan.items():
            outcomes = results.setdefault(name, {}).setdefault(plan, [])
            for args in calls:
                outcomes.append(_call(function, args))
                save()


def _rerun_lines(plans: dict, sources: dict[str, str], exported: dict, results: dict, save) -> None:
    functions = _functions(exported) if plans else {}
    for name, by_plan in plans.items():
        if name in sources:
            for plan, reads in by_plan.items():
                results.setdefault(name, {})[plan] = [_rerun(sources[name], name, {**functions, **reads})]
                save()


def _no_display(*args, **kwargs) -> None:
    """``display(...)`` in an answer cell shows nothing here: only the value it sets is graded."""


def _line_sources(path: Path) -> dict[str, str]:
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in found.items() if type(k) is str and type(v) is str} if type(found) is dict else {}


def _functions(exported: dict) -> dict:
    """The trainee's functions, defined from their sources, for an answer line that calls one."""
    defined = {}
    for name, answer in exported.items():
        if isinstance(answer, answers.FunctionAnswer):
            function = _define(answer)
            if not isinstance(function, BaseException):
                defined[name] = function
    return defined


def _rerun(source: str, name: str, given: dict) -> dict:
    """Run one answer cell with only ``given`` (and pandas, NumPy, the blank) defined; what it set ``name`` to."""
    import numpy as np
    import pandas as pd

    namespace = {"__builtins__": builtins, "__name__": "__main__", "pd": pd, "np": np, "____": ____,
                 "display": _no_display, **given}
    signal.alarm(CALL_SECONDS)
    try:
        exec(compile(source, "<your answer cell>", "exec"), namespace)  # noqa: S102 - inside the box
        if name not in namespace:
            return {"error": "NameError", "message": f"the cell does not set `{name}`"}
        return {"returned": answers.encode(namespace[name])}
    except BaseException as error:  # the trainee's error, reported as data
        return _error(error)
    finally:
        signal.alarm(0)


def _define(answer: answers.FunctionAnswer):
    try:
        return answers.function_namespace(answer)[answer.name]
    except BaseException as error:  # the source itself fails: every call reports it
        return error


def _call(function, args: tuple) -> dict:
    if isinstance(function, BaseException):
        return _error(function)
    for path in _paths(args):  # the grader's own folder for a file the function writes
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    signal.alarm(CALL_SECONDS)
    try:
        outcome = {"returned": answers.encode(function(*args))}
    except BaseException as error:  # the trainee's error, reported as data
        outcome = _error(error)
    finally:
        signal.alarm(0)
    outcome["files"] = {str(path): _read_capped(path) for path in _paths(args) if path.is_file()}
    return outcome


def _paths(args: tuple) -> list[Path]:
    """The arguments that are file paths: a function may be asked to write there."""
    return [arg for arg in args if isinstance(arg, Path)]


def _read_capped(path: Path) -> str:
    return base64.b64encode(path.read_bytes()[:FILE_BYTES]).decode("ascii")


def _error(error: BaseException) -> dict:
    return {"error": type(error).__name__[:80], "message": str(error)[:300]}


def _write(folder: Path, results: dict) -> None:
    (folder / RESULTS).write_text(json.dumps(results))
