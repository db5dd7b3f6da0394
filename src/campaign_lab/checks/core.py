"""Exercise checks with three outcomes: correct, incorrect, not attempted yet.

Each notebook exercise is an :class:`Exercise` that knows the name of the
variable (or function) the learner fills in. ``q1.check()`` reads that name from
the notebook, judges it and prints a message written for a non-programmer.
A wrong answer raises :class:`CheckFailed`, which the notebook shows as that
message alone (no traceback) and which nbgrader counts as zero points. A blank
answer is not an error: the check says "Not attempted yet" and returns, so
"Run All Cells" runs to the end. At grading a blank still scores zero, because
the hidden tests after ``q1.check()`` fail on it (tests/test_notebooks.py).

The design follows Kaggle Learn's ``learntools``: answers start as the
placeholder ``____``; hints come in steps (``q1.hint(2)``); a failure describes
what was expected in words and never gives the expected value away.
"""

from __future__ import annotations

import contextlib
import dis
import enum
import inspect
import io
import math
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from campaign_lab.checks import solutions

__all__ = [
    "____", "Outcome", "HEADLINES", "Result", "CheckFailed", "Exercise", "ValueExercise",
    "ChoiceExercise", "SelectionExercise", "FunctionExercise", "TargetFunctionExercise",
    "CustomExercise",
]


class _Blank:
    """The placeholder a learner replaces with an answer."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"

    def __bool__(self) -> bool:
        return False


____ = _Blank()


class Outcome(enum.Enum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not attempted"


# Headlines shown to learners; tests and the cohort report read them too.
HEADLINES = {
    Outcome.CORRECT: "Correct",
    Outcome.INCORRECT: "Not quite",
    Outcome.NOT_ATTEMPTED: "Not attempted yet",
}
_MARKS = {Outcome.CORRECT: "✅", Outcome.INCORRECT: "❌", Outcome.NOT_ATTEMPTED: "✏️"}


@dataclass(frozen=True)
class Result:
    """What a check found: an outcome and a message for the learner."""

    exercise: str
    outcome: Outcome
    message: str

    @property
    def correct(self) -> bool:
        return self.outcome is Outcome.CORRECT

    def __str__(self) -> str:
        mark = _MARKS[self.outcome]
        return f"{mark} {self.exercise} - {HEADLINES[self.outcome]}: {self.message}"

    def _ipython_display_(self) -> None:
        """Show nothing more when a check is a cell's last line: the check has printed its message already."""


class CheckFailed(AssertionError):
    """Raised when an answer is wrong.

    IPython calls ``_render_traceback_`` to show an exception, so the learner
    sees the friendly message instead of a traceback, and nbgrader still sees
    an error and gives the cell zero points.
    """

    def __init__(self, result: Result):
        super().__init__(str(result))
        self.result = result

    def _render_traceback_(self) -> list[str]:
        return [str(self.result)]


def _is_blank(value: Any) -> bool:
    return value is ____ or value is Ellipsis


def _describe(value: Any) -> str:
    """A short description of a learner's value, for messages."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} (a {_type_word(value)})"


def _short_argument(value: Any) -> str:
    """An argument as a message shows it: tables and arrays by their size, long values cut.

    Examples
    --------
    >>> import pandas as pd
    >>> _short_argument(pd.DataFrame({"a": [1, 2, 3]}))
    'a table of 3 rows'
    >>> _short_argument(0.25)
    '0.25'
    """
    kind = type(value).__name__  # exact types only: a subclass may name itself in its repr
    if kind == "DataFrame":
        return f"a table of {len(value):,} rows"
    if kind in ("Series", "ndarray"):
        return f"an array of shape {tuple(value.shape)}"
    if type(value) in (bytes, bytearray):
        return f"{len(value):,} bytes"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_word(value: Any) -> str:
    words = {bool: "yes/no value", int: "whole number", float: "decimal number", str: "piece of text"}
    for kind, word in words.items():
        if type(value) is kind:
            return word
    return type(value).__name__


@dataclass
class Exercise:
    """One exercise in a notebook.

    Parameters
    ----------
    name : str
        The Python name the notebook binds it to, e.g. ``"q1"``.
    answer_name : str
        The variable or function the learner fills in.
    hints : sequence of str
        Hints in order, from a gentle nudge to nearly the answer.
    why : str
        One line on why this matters, shown with a correct answer.
    track : {"core", "deep-dive"}
        Candidates do the core track; campaign staff also do the deep dive.
    notebook : str
        The module number (``"04"``) whose notebook holds the solution that
        :meth:`solution` shows; set by :func:`campaign_lab.checks.solutions.from_notebook`.
    reads : mapping of str to value
        For an answer worked out by code on the data (a line of pandas): the
        names its answer cell may read, with this profile's values. The grader
        reruns the trainee's answer cell on a second profile's values and
        judges the result there (docs/grading.md). Empty for an answer read
        off a table or chosen from options.
    """

    name: str
    answer_name: str
    hints: Sequence[str] = ()
    why: str = ""
    track: str = "core"
    notebook: str = ""
    reads: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def label(self) -> str:
        """How messages name the exercise: ``q1`` is "Question 1"."""
        number = "".join(ch for ch in self.name if ch.isdigit())
        return f"Question {number}" if number else self.name

    # -- what a learner calls -------------------------------------------------
    def check(self) -> Result:
        """Judge the learner's answer and show the result.

        Raises :class:`CheckFailed` on a wrong answer, so that an autograder
        test cell fails. A blank answer only prints "Not attempted yet": the
        hidden tests below the check give it zero points at grading.
        """
        namespace = inspect.currentframe().f_back.f_globals
        result = self.judge_namespace(namespace)
        _publish_outcome(self, result)
        if result.outcome is Outcome.INCORRECT:
            raise CheckFailed(result)
        print(result)
        return result

    def hint(self, step: int = 1) -> None:
        """Print hint number ``step`` (1 is the gentlest)."""
        if not self.hints:
            print(f"💡 {self.label}: there is no hint for this one; try the solution.")
            return
        step = min(max(step, 1), len(self.hints))
        _record_hint(self, step)
        more = f" (for more help: {self.name}.hint({step + 1}))" if step < len(self.hints) else ""
        print(f"💡 {self.label}, hint {step} of {len(self.hints)}: {self.hints[step - 1]}{more}")

    def solution(self) -> None:
        """Print the worked answer: this exercise's solution cell in its notebook."""
        print(self._solution_message())

    def answer_or_reference(self, namespace: dict) -> Any:
        """The learner's answer if its check passes, else the course's version, saying so in one line.

        For demo cells that need a deep-dive answer: ``plan = q5.answer_or_reference(globals())``.
        The learner's own variable is never changed, so a later check still judges her answer.
        """
        answer = namespace.get(self.answer_name, ____)
        if self.judge(answer).correct:
            return answer
        reference = self.reference_answer(namespace)
        print(f"Using the course's version of `{self.answer_name}`, because yours does not pass its check yet.")
        return reference

    def reference_answer(self, namespace: dict) -> Any:
        """The answer the course's solution makes, run in a copy of ``namespace`` (its printing hidden)."""
        source = solutions.exercise_solution(self.notebook, self.name)
        scratch = dict(namespace)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"<the course's {self.label}>", "exec"), scratch)  # the course's own solution text
        return scratch[self.answer_name]

    def _solution_message(self) -> str:
        try:
            text = solutions.exercise_solution(self.notebook, self.name)
        except solutions.SolutionMissing as missing:
            return f"📖 {self.label}: the solution is not available here: {missing}."
        return f"📖 {self.label}, a solution:\n{text}"

    # -- judging --------------------------------------------------------------
    def judge_namespace(self, namespace: dict) -> Result:
        """Judge the answer named ``answer_name`` in ``namespace`` (no printing)."""
        if self.answer_name not in namespace:
            return self._result(
                Outcome.NOT_ATTEMPTED,
                f"there is no `{self.answer_name}` yet. Run the cell where you set it, then check again.",
            )
        return self.judge(namespace[self.answer_name])

    def judge(self, answer: Any) -> Result:
        """Judge one answer value (no printing)."""
        if _is_blank(answer):
            return self._result(
                Outcome.NOT_ATTEMPTED,
                f"replace the `____` in `{self.answer_name} = ____` with your answer and run that cell.",
            )
        try:
            problem = self.find_problem(answer)
        except Exception as error:  # the learner's code failed inside our check
            problem = f"your answer caused an error when we used it: {type(error).__name__}: {error}"
        if problem is _NOT_ATTEMPTED:
            return self._result(Outcome.NOT_ATTEMPTED, self.not_attempted_message())
        if problem:
            return self._result(Outcome.INCORRECT, problem)
        return self._result(Outcome.CORRECT, self.why or "well done.")

    def find_problem(self, answer: Any) -> str | None:
        """Return ``None`` if ``answer`` is right, else a sentence on what is wrong."""
        raise NotImplementedError

    def not_attempted_message(self) -> str:
        return f"`{self.answer_name}` still has its starting value. Fill it in and run the cell."

    # -- helpers ----------------------------------------------------------------
    def _result(self, outcome: Outcome, message: str) -> Result:
        return Result(self.label, outcome, message)


# --------------------------------------------------------------------------
# Outcomes as data: what a check found, for the grader (docs/grading.md)

#: The MIME type of the display output a check adds beside its printed message.
OUTCOME_MIME = "application/vnd.campaign-lab.outcome+json"
#: Version of the record below; raised whenever a field changes meaning.
OUTCOME_VERSION = 1
_hints_shown: dict[str, int] = {}  # exercise name -> the highest hint step shown in this kernel


def _record_hint(exercise: Exercise, step: int) -> None:
    _hints_shown[exercise.name] = max(_hints_shown.get(exercise.name, 0), step)


def outcome_record(exercise: Exercise, result: Result) -> dict:
    """What a check found, as data: the record a check publishes for the grader.

    Examples
    --------
    >>> q = ValueExercise("q9", "answer", expected=4)
    >>> outcome_record(q, q.judge(5))["status"]
    'incorrect'
    """
    return {
        "version": OUTCOME_VERSION,
        "exercise": exercise.name,
        "status": result.outcome.name.lower(),  # correct, incorrect or not_attempted
        "message": result.message,
        "hints_shown": _hints_shown.get(exercise.name, 0),
    }


def _publish_outcome(exercise: Exercise, result: Result) -> None:
    """In a Jupyter kernel, add the record as a display output; its text is empty, so nothing shows."""
    ipython = sys.modules.get("IPython")  # never imported: not in a kernel
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or getattr(shell, "kernel", None) is None:
        return
    from IPython.display import publish_display_data

    publish_display_data({OUTCOME_MIME: outcome_record(exercise, result), "text/plain": ""})


# Returned by ``find_problem`` when an answer is still its starter value.
_NOT_ATTEMPTED = object()


@dataclass
class ValueExercise(Exercise):
    """The answer is one value: a number (with a tolerance), a text or a list.

    ``expected`` is the right value, computed by the notebook's check module
    from the profile and the data (never typed in by hand), so the same
    exercise works for every country profile.
    """

    expected: Any = None
    tolerance: float = 1e-6
    unit: str = ""
    case_sensitive: bool = False

    def find_problem(self, answer: Any) -> str | None:
        expected = self.expected
        if isinstance(expected, bool) or not isinstance(expected, (int, float)):
            return self._compare_other(answer, expected)
        return self._compare_number(answer, expected)

    def _compare_number(self, answer: Any, expected: float) -> str | None:
        if isinstance(answer, bool) or not isinstance(answer, (int, float)) and not hasattr(answer, "__float__"):
            return f"`{self.answer_name}` should be a number, but it is {_describe(answer)}."
        value = float(answer)
        if math.isclose(value, float(expected), rel_tol=self.tolerance, abs_tol=self.tolerance):
            return None
        direction = "too high" if value > expected else "too low"
        unit = f" {self.unit}" if self.unit else ""
        return f"`{self.answer_name}` is {value:g}{unit}, which is {direction}. Look again at how you worked it out."

    def _compare_other(self, answer: Any, expected: Any) -> str | None:
        if isinstance(expected, str):
            if not isinstance(answer, str):
                return f"`{self.answer_name}` should be a piece of text in quotes, but it is {_describe(answer)}."
            same = answer.strip() == expected if self.case_sensitive else answer.strip().lower() == expected.lower()
            return None if same else f"`{self.answer_name}` is {answer!r}, which is not the one we are looking for."
        if answer == expected:
            return None
        return f"`{self.answer_name}` is {_describe(answer)}, which is not right yet."


@dataclass
class ChoiceExercise(Exercise):
    """Multiple choice: the learner sets the answer to a letter such as ``"B"``.

    ``options`` maps each letter to its text; ``feedback`` maps wrong letters to
    a sentence on why that choice is not the best one.
    """

    options: dict[str, str] = field(default_factory=dict)
    correct: str = ""
    feedback: dict[str, str] = field(default_factory=dict)

    def find_problem(self, answer: Any) -> str | None:
        letters = ", ".join(f'"{letter}"' for letter in self.options)
        if not isinstance(answer, str) or answer.strip().upper() not in self.options:
            return f"answer with one of the letters {letters}, in quotes. You gave {_describe(answer)}."
        letter = answer.strip().upper()
        if letter == self.correct.upper():
            return None
        reason = self.feedback.get(letter, "that option is not the best answer.")
        return f'"{letter}" is not the best choice: {reason} Read the options again.'


@dataclass
class SelectionExercise(Exercise):
    """The learner chooses several items (e.g. columns) from a list.

    ``required`` must all be chosen; ``forbidden`` must not be, each with a
    reason shown when chosen.
    """

    required: Sequence[str] = ()
    forbidden: dict[str, str] = field(default_factory=dict)
    allowed: Sequence[str] = ()

    def find_problem(self, answer: Any) -> str | None:
        if isinstance(answer, str) or not isinstance(answer, (list, tuple, set)):
            return f"`{self.answer_name}` should be a list like [\"a\", \"b\"], but it is {_describe(answer)}."
        chosen = [str(item) for item in answer]
        unknown = [item for item in chosen if self.allowed and item not in self.allowed]
        if unknown:
            return f"{', '.join(map(repr, unknown))} is not one of the choices. Copy the names exactly."
        for item in chosen:
            if item in self.forbidden:
                return f"you included {item!r}, but {self.forbidden[item]}"
        missing = [item for item in self.required if item not in chosen]
        if missing:
            return f"your list is missing {len(missing)} item(s) the task cannot do without."
        return None


def has_empty_body(function: Callable) -> bool:
    """True if a function's body is still empty (only a docstring, comments or ``pass``).

    Examples
    --------
    >>> def todo():
    ...     pass
    >>> has_empty_body(todo)
    True
    """
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    steps = [(ins.opname, ins.argval) for ins in dis.get_instructions(code) if ins.opname not in ("RESUME", "NOP")]
    return steps in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


@dataclass
class FunctionExercise(Exercise):
    """The learner writes a function; we call it on test cases.

    ``cases`` is a list of ``(args, expected)`` pairs. ``compare`` decides
    whether a returned value matches (default: equality).
    """

    cases: Sequence[tuple[tuple, Any]] = ()
    compare: Callable[[Any, Any], bool] | None = None

    def find_problem(self, answer: Any) -> str | None:
        if not callable(answer):
            return f"`{self.answer_name}` should be a function (made with `def`), but it is {_describe(answer)}."
        for args, expected in self.cases:
            shown = ", ".join(_short_argument(arg) for arg in args)
            try:
                got = answer(*args)
            except NotImplementedError:
                return _NOT_ATTEMPTED
            except Exception as error:
                return f"`{self.answer_name}({shown})` stopped with an error: {type(error).__name__}: {error}"
            if got is None:
                return _NOT_ATTEMPTED if self._returns_nothing(answer) else (
                    f"`{self.answer_name}({shown})` gave back nothing. Did you forget `return`?"
                )
            same = self.compare(got, expected) if self.compare else got == expected
            if not same:
                return f"`{self.answer_name}({shown})` gave {_describe(got)}, which is not what it should give."
        return None

    def calls(self) -> list[tuple]:
        """Every argument tuple :meth:`find_problem` calls the function with, in order.

        The grader calls a trainee's function in a box on exactly these, then
        judges what came back (docs/grading.md); a subclass that makes other
        calls lists them here.
        """
        return [args for args, _ in self.cases]

    def _returns_nothing(self, function: Callable) -> bool:
        return has_empty_body(function)

    def not_attempted_message(self) -> str:
        return f"the function `{self.answer_name}` is still empty. Write its body, run the cell, then check again."


@dataclass
class TargetFunctionExercise(FunctionExercise):
    """A function exercise whose cases pair arguments with a *target*, not a value.

    A target has ``explain(returned) -> str | None``: ``None`` when the value is
    right, else one sentence on what is wrong with it (for example "its hours add
    up to 250, but the volunteers have 300"), which becomes the "not quite" message.
    """

    def __post_init__(self):
        self.compare = lambda got, target: target.explain(got) is None

    def find_problem(self, answer: Any):
        problem = super().find_problem(answer)
        if not isinstance(problem, str) or not callable(answer):
            return problem
        for args, target in self.cases:
            try:
                reason = target.explain(answer(*args))
            except Exception:  # the error is already in the message
                return problem
            if reason:
                shown = ", ".join(_short_argument(arg) for arg in args)
                return f"`{self.answer_name}({shown})`: {reason}"
        return problem


@dataclass
class CustomExercise(Exercise):
    """Anything else: ``problem`` is a function returning ``None`` or a sentence."""

    problem: Callable[[Any], str | None] | None = None

    def find_problem(self, answer: Any) -> str | None:
        return self.problem(answer)
