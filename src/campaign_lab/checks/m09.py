"""Checks for notebook 09, "Drafting with an AI assistant".

Answers that involve the AI model are graded on what the trainee controls (the
length limit, the prompt's parts, the label, the claims checked), never on the
model's words. Expected answers are computed from the profile and its
generated platform, so the exercises work for every country profile.

Two check kinds are defined here because modules 09 and 10 both need them:
:class:`TargetFunctionExercise` (a function exercise whose "not quite" says
what is wrong with the returned value) and :class:`AddedTextExercise` (a text
answer judged on what the learner added to a text already in the notebook).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from campaign_lab import data
from campaign_lab.checks.core import (
    CustomExercise,
    SelectionExercise,
    TargetFunctionExercise,
)
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "MAX_TOKENS_RANGE", "READING_EASE_TARGET", "MIN_PLAIN_WORDS", "count_syllables", "reading_ease",
    "mentions_ai", "split_sentences", "figures", "unsupported_sentences", "saved_draft_sentences",
    "saved_draft", "wordy_message", "AddedTextExercise", "exercises",
]

MAX_TOKENS_RANGE = (48, 120)  # 40 words need about 53 tokens (100 tokens are about 75 words)
READING_EASE_TARGET = 60  # Flesch: 60-69 is "standard", higher is easier
MIN_PLAIN_WORDS = 12
_AI_MENTION = re.compile(r"\bAI\b|artificial intelligence|\bIA\b|inteligencia artificial|akili bandia", re.IGNORECASE)
# digits not glued to a code such as "C01", commas and a decimal part allowed, then maybe a percent sign or word
_FIGURE = re.compile(r"(?<![\d.,A-Z])(\d[\d,]*(?:\.\d+)?)(\s*(?:%|(?i:percent|per cent)\b))?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


# ----------------------------------------------------------------------------- text tools
def count_syllables(word: str) -> int:
    """Estimate the syllables of an English word by counting groups of vowels.

    A rough rule, right for most everyday words: each group of vowels (a, e, i,
    o, u, y) is one syllable, a silent final "e" is not, and every word has at
    least one.

    Examples
    --------
    >>> [count_syllables(w) for w in ["vote", "budget", "community", "20%"]]
    [1, 2, 4, 1]
    """
    letters = re.sub(r"[^a-z]", "", word.lower())
    groups = len(re.findall(r"[aeiouy]+", letters))
    if letters.endswith("e") and not letters.endswith(("le", "ee")) and groups > 1:
        groups -= 1
    return max(1, groups)


def reading_ease(text: str) -> float:
    """Flesch Reading Ease of an English text: higher is easier, 60-69 is "standard".

    206.835 - 1.015 x (words per sentence) - 84.6 x (syllables per word), from
    Flesch (1948).

    Examples
    --------
    >>> reading_ease("We will fix the roads. Vote for us.") > 90
    True
    """
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len(re.findall(r"[.!?]+(?=\s|$)", text.strip())))
    syllables = sum(count_syllables(word) for word in words)
    return 206.835 - 1.015 * len(words) / sentences - 84.6 * syllables / len(words)


def mentions_ai(text: str) -> bool:
    """True if ``text`` says that AI was used ("AI", "artificial intelligence", or the same in Spanish or Swahili).

    Examples
    --------
    >>> mentions_ai("Drafted with the help of AI."), mentions_ai("Paid for by Ana Ruiz.")
    (True, False)
    """
    return bool(_AI_MENTION.search(text))


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences at ``.``, ``!`` or ``?`` followed by white space."""
    return [sentence.strip() for sentence in _SENTENCE_END.split(text.strip()) if sentence.strip()]


def figures(text: str) -> list[str]:
    """The numbers written in digits in ``text``, without commas, with ``%`` for percentages.

    Examples
    --------
    >>> figures("C01: raise it by 20 Percent, give ¤1,500 or 2.5% more, in 2027.")
    ['20%', '1500', '2.5%', '2027']
    """
    return [number.rstrip(",").replace(",", "") + ("%" if percent else "") for number, percent in _FIGURE.findall(text)]


def unsupported_sentences(draft: str, platform: str) -> list[str]:
    """The sentences of ``draft`` that hold a figure the platform does not contain, in order.

    Examples
    --------
    >>> unsupported_sentences("We add 20% more. We add 30% more.", "Raise it by 20%.")
    ['We add 30% more.']
    """
    known = set(figures(platform))
    return [sentence for sentence in split_sentences(draft) if any(f not in known for f in figures(sentence))]


# ----------------------------------------------------------------------------- course material
def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _changed(claim: str, old: str, new: str) -> str:
    if old not in claim:
        raise ValueError(f"the platform pledge {claim!r} no longer contains {old!r}; update checks/m09.py")
    return claim.replace(old, new)


def saved_draft_sentences(campaign) -> list[tuple[str, str | None]]:
    """The six sentences of the saved AI draft, each with why it is wrong (None if the platform supports it)."""
    pledges = data.load("platform_claims", campaign).set_index("claim_id")
    claims = pledges["claim"]
    name, rival = campaign.candidate.name, campaign.rivals[0]
    days = f"{int(pledges.loc['C02', 'number'])} days"
    return [
        (f"{name} will {_lower_first(claims['C01'])}", None),
        (f"She will {_lower_first(_changed(claims['C02'], days, '30 days'))}", f"pledge C02 says {days}, not 30 days"),
        (f"She will {_lower_first(claims['C03'])}", None),
        ("She will cut local fees by 10% in her first year.", "the platform promises no increase in local fees, not a cut"),
        (f"{rival.name} of the {rival.party} has praised this plan.", "nobody has endorsed the plan: an invented endorsement"),
        (f"She will {_lower_first(claims['C08'])}", None),
    ]


def saved_draft(campaign) -> str:
    """A newsletter paragraph that an AI assistant drafted, with three planted mistakes."""
    return " ".join(sentence for sentence, _ in saved_draft_sentences(campaign))


def wordy_message(campaign) -> str:
    """The first pledge, written in long sentences and long words (Flesch score far below 60)."""
    issue = campaign.issues[0]
    return (
        f"Our administration will substantially increase the budgetary allocation dedicated to {issue} by 20% "
        "during the initial twelve-month period of its mandate, thereby facilitating considerable improvements "
        f"in the everyday circumstances of individuals and communities throughout {campaign.constituency.name}."
    )


# ----------------------------------------------------------------------------- check kinds
@dataclass
class AddedTextExercise(CustomExercise):
    """A text answer that must keep a text already in the notebook (``base_name``) and add to it.

    ``problem(added)`` judges what the learner added: the answer with the base
    text taken out.
    """

    base_name: str = ""
    _base: str | None = field(default=None, init=False, repr=False)

    def judge_namespace(self, namespace: dict):
        base = namespace.get(self.base_name)
        self._base = base if isinstance(base, str) else None
        return super().judge_namespace(namespace)

    def find_problem(self, answer: Any):
        if not isinstance(answer, str):
            return f"`{self.answer_name}` should be a piece of text, but it is a {type(answer).__name__}."
        base = (self._base or "").strip()
        if base and base not in answer:
            return f"`{self.answer_name}` should contain `{self.base_name}` unchanged, with your addition before or after it."
        return self.problem(answer.replace(base, "", 1) if base else answer)


# ----------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class _PromptTarget:
    """What ``build_prompt(role, task, context, constraints, output_format, examples)`` must return."""

    role: str
    task: str
    context: str
    constraints: tuple[str, ...]
    output_format: str
    examples: tuple[str, ...]

    def explain(self, messages) -> str | None:
        if not isinstance(messages, (list, tuple)) or not all(isinstance(m, dict) for m in messages):
            return "It should return a list of messages, each a dictionary like {\"role\": \"system\", \"content\": \"...\"}."
        if not all(isinstance(m.get("role"), str) and isinstance(m.get("content"), str) for m in messages):
            return "Each message needs a \"role\" and a \"content\", both texts."
        roles = [m["role"] for m in messages]
        if roles != ["system", "user"]:
            return f"It should return two messages, a system message then a user message; the roles are {roles}."
        if self.role.strip() not in messages[0]["content"]:
            return "The system message should hold the role text."
        return self._user_problem(messages[1]["content"])

    def _user_problem(self, content: str) -> str | None:
        lowered = content.lower()
        parts = {
            "task": [self.task],
            "context": [self.context],
            "constraints": list(self.constraints),
            "format": [self.output_format],
        }
        for label, texts in parts.items():
            if f"{label}:" not in lowered:
                return f"The user message has no part labelled \"{label.capitalize()}:\"."
            missing = [text for text in texts if text.strip() not in content]
            if missing:
                return f"The user message leaves out some of the {label} text it was given."
        labelled_examples = re.search(r"\bexamples?:", lowered)
        if self.examples:
            if not labelled_examples:
                return "The user message should show the examples it was given, under a label such as \"Examples:\"."
            if any(example.strip() not in content for example in self.examples):
                return "The user message leaves out an example it was given."
        elif labelled_examples:
            return "When there are no examples, leave the Examples part out: an empty part confuses the model."
        return None


@dataclass(frozen=True)
class _SentencesTarget:
    """The sentences ``unsupported_sentences(draft, platform)`` must return."""

    expected: tuple[str, ...]

    def explain(self, got) -> str | None:
        if not isinstance(got, (list, tuple)) or not all(isinstance(s, str) for s in got):
            return "It should return a list of sentences (texts)."
        got = [sentence.strip() for sentence in got]
        missed = [sentence for sentence in self.expected if sentence not in got]
        if missed:
            return f"It misses the sentence {missed[0]!r}, which holds a figure the platform does not contain."
        extra = [sentence for sentence in got if sentence not in self.expected]
        if extra:
            return f"It flags {extra[0]!r}, but every figure in it is in the platform (or it has no figure)."
        if list(got) != list(self.expected):
            return "Return the sentences in the order they appear in the draft, each once."
        return None


def _sentences_case(draft: str, platform: str):
    return (draft, platform), _SentencesTarget(tuple(unsupported_sentences(draft, platform)))


# ----------------------------------------------------------------------------- exercises
@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q6`` for the given profile (a loaded ``Profile``)."""
    return (
        _q1_max_tokens(),
        _q2_build_prompt(campaign),
        _q3_plain_words(campaign),
        _q4_claims_to_fix(campaign),
        _q5_claim_checker(campaign),
        _q6_label(campaign),
    )


def _q1_max_tokens() -> CustomExercise:
    low, high = MAX_TOKENS_RANGE

    def problem(answer):
        if answer is None:
            return "None means no limit: the model may ramble for hundreds of tokens. Give a whole number."
        if isinstance(answer, bool) or not isinstance(answer, int):
            return f"`post_max_tokens` should be a whole number of tokens, such as 50, not a {type(answer).__name__}."
        if answer < low:
            return (f"{answer} tokens is about {answer * 3 // 4} words, fewer than the 40 the post may have: "
                    "a longer post would be cut off mid-sentence.")
        if answer > high:
            return (f"{answer} tokens is about {answer * 3 // 4} words, far more than a 40-word post needs. "
                    "A tight limit keeps answers short, fast and cheap.")
        return None

    return CustomExercise(
        name="q1",
        answer_name="post_max_tokens",
        problem=problem,
        hints=[
            "A token is a word or a piece of a word: 100 tokens are about 75 English words.",
            "The post may have at most 40 words. How many tokens is that, with a little room to spare?",
        ],
        why="A length limit is the one setting that always works: the model stops there, so a draft never runs on "
        "and a hosted provider never bills you for a page you did not want.",
    )


def _q2_build_prompt(campaign) -> TargetFunctionExercise:
    claims = data.load("platform_claims", campaign)
    name = campaign.candidate.name
    cases = [
        (f"You write for {name}'s campaign. Use only the facts you are given.", f"Write a post about {campaign.issues[0]}.",
         claims["claim"].iloc[0], ("At most 40 words.", "No hashtags."), "One paragraph.",
         ("Clean water is a right, not a luxury.",)),
        ("You are a careful editor.", "Shorten this speech passage.", claims["claim"].iloc[1], ("Keep every number.",),
         "Two sentences.", ()),
    ]
    return TargetFunctionExercise(
        name="q2",
        answer_name="build_prompt",
        track="deep-dive",
        cases=[(args, _PromptTarget(*args)) for args in cases],
        hints=[
            "Return a list of two dictionaries: `{\"role\": \"system\", \"content\": role}` and "
            "`{\"role\": \"user\", \"content\": ...}`.",
            "Build the user text from labelled parts: `f\"Task: {task}\"`, `f\"Context: {context}\"`, "
            "`\"Constraints:\"` with one line per constraint, `f\"Format: {output_format}\"`. Join them with `\"\\n\\n\"`.",
            "Add an `\"Examples:\"` part only `if examples:`, with one line per example.",
        ],
        why="With one function, every teammate's prompt has all its parts, and the campaign's rules sit in the "
        "system message where the model gives them the most weight.",
    )


def _q3_plain_words(campaign) -> CustomExercise:
    issue_words = [word for word in re.findall(r"[a-z]+", campaign.issues[0].lower()) if len(word) >= 4]

    def problem(answer):
        if not isinstance(answer, str):
            return f"`plain_pledge` should be your text, in quotes, but it is a {type(answer).__name__}."
        words = _WORD.findall(answer)
        if len(words) < MIN_PLAIN_WORDS:
            return f"your text has {len(words)} words; write at least {MIN_PLAIN_WORDS}, so that it still explains the pledge."
        if not {"20%"} & set(figures(answer)):
            return "your text lost the pledge's figure: keep \"20%\" (or \"20 percent\")."
        if issue_words and not any(word in answer.lower() for word in issue_words):
            return f"say what the pledge is about: mention {campaign.issues[0]}."
        score = reading_ease(answer)
        if score < READING_EASE_TARGET:
            return (f"your text scores {score:.0f}, below {READING_EASE_TARGET}. Split long sentences and swap long "
                    "words for short ones (\"use\" for \"utilise\", \"more money\" for \"budgetary allocation\").")
        return None

    return CustomExercise(
        name="q3",
        answer_name="plain_pledge",
        problem=problem,
        hints=[
            "Write two or three short sentences. Keep the facts: the issue and the 20%.",
            "Short words have few syllables: \"first year\" rather than \"initial twelve-month period\". "
            "Run `reading_ease(plain_pledge)` to see your score before you check.",
        ],
        why="Short sentences and short words reach more people: young first-time voters, people reading in a second "
        "language, and anyone reading on a phone between two jobs.",
    )


def _q4_claims_to_fix(campaign) -> SelectionExercise:
    sentences = saved_draft_sentences(campaign)
    numbers = [str(number) for number in range(1, len(sentences) + 1)]
    wrong = {number: reason for number, (_, reason) in zip(numbers, sentences) if reason}
    supported = {number: f"sentence {number} says what the platform says." for number in numbers if number not in wrong}
    return SelectionExercise(
        name="q4",
        answer_name="sentences_to_fix",
        required=list(wrong),
        forbidden=supported,
        allowed=numbers,
        hints=[
            "The figure check finds figures that are nowhere in the platform. A figure can also be in the platform "
            "but belong to another pledge: compare with the closest pledge's figures.",
            "Some false claims have no figure at all. Is there a pledge about what the sentence says?",
        ],
        why="Each of these would have gone out in the candidate's name. The figure check caught one; reading the "
        "platform caught the others. A person signs off on every claim.",
    )


def _q5_claim_checker(campaign) -> TargetFunctionExercise:
    platform = data.load("platform", campaign)
    speech = data.load("speech_youth", campaign)
    return TargetFunctionExercise(
        name="q5",
        answer_name="unsupported_sentences",
        track="deep-dive",
        cases=[_sentences_case(speech, platform), _sentences_case(saved_draft(campaign), platform),
               _sentences_case("", platform)],
        hints=[
            "First collect the platform's figures once, in a set: `known = set(figures_in(platform))`.",
            "Split with `re.split(r\"(?<=[.!?])\\s+\", draft.strip())`, `.strip()` each piece and drop the empty ones.",
            "Keep a sentence if `any(figure not in known for figure in figures_in(sentence))`.",
        ],
        why="Run it on every AI draft before a person reads it: it points at invented figures in seconds. It cannot "
        "see a true figure used for the wrong pledge, or a false claim with no figure: a person still reads every sentence.",
    )


def _q6_label(campaign) -> AddedTextExercise:
    def problem(added):
        label = added.strip()
        if not label:
            return "there is no label: add a sentence that tells readers AI helped write the post."
        if not mentions_ai(label):
            return "your addition does not say that AI was used: name it (\"AI\" or \"artificial intelligence\")."
        return None

    return AddedTextExercise(
        name="q6",
        answer_name="post_to_publish",
        base_name="draft_post",
        problem=problem,
        hints=[
            "Keep `draft_post` as it is and add your label after it, on its own line: `draft_post + \"\\n\\n\" + \"...\"`.",
            "Say plainly that AI helped and that a person checked it, for example: "
            "\"Drafted with the help of AI and checked by our team.\"",
        ],
        why=f"{campaign.candidate.name}'s platform promises to tell voters when content was made with AI. A visible "
        "label keeps that promise, and it keeps your word credible when you say that a fake about you is fake.",
    )
