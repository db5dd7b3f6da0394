"""Checks for notebook 13, "Capstone: your campaign's AI plan".

The scenario data of the capstone lives here, so the notebook and its checks
read the same tables: a catalogue of AI tools priced from the profile's typical
gift, a starter risk register, and the legal checklist built from the profile's
rules. Every expected answer is judged by rules computed from these tables, so
the exercises work for every country profile, and the tool choice has several
right answers.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from campaign_lab.checks.core import (
    CustomExercise,
    SelectionExercise,
    TargetFunctionExercise,
)
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "BUDGET_IN_GIFTS", "SKILL_LEVELS", "TEAM_SKILLS", "NEEDS", "CITED", "CHECK", "AREAS", "MAX_LINES",
    "budget", "tool_catalogue", "risk_register", "top_risks", "legal_rules", "legal_checklist",
    "tool_choice_problem", "exercises",
]

#: The monthly AI budget, in typical gifts (the profile's ``money.typical_gift``).
BUDGET_IN_GIFTS = 40

#: Skill levels, from least to most; a tool needs its level or more in the team.
SKILL_LEVELS = ("none", "spreadsheet", "python")

#: The team's skills: nobody on the core team writes Python.
TEAM_SKILLS = "spreadsheet"

#: The jobs the campaign wants a tool for (speech analysis is optional).
NEEDS = ("voter analytics", "social listening", "writing assistant")

#: Status of a rule in the legal checklist.
CITED = "cited"
CHECK = "check with your authority"

#: Plain names of the three areas of rules in a profile.
AREAS = {"data_protection": "data protection", "political_ads": "political ads", "ai_disclosure": "AI disclosure"}

#: A one-page plan has at most this many lines.
MAX_LINES = 60

# name, family, monthly cost in typical gifts, skills needed, what leaves the computer, personal data sent?
_TOOLS = [
    ("Spreadsheet with pivot tables", "voter analytics", 0, "spreadsheet", "nothing", False),
    ("Course notebooks (pandas, scikit-learn)", "voter analytics", 0, "python", "nothing", False),
    ("VoterScore Cloud", "voter analytics", 24, "none", "the whole voter file, with names and addresses", True),
    ("Ward Insights dashboard", "voter analytics", 16, "spreadsheet", "ward totals only, no names", False),
    ("SocialPulse dashboard", "social listening", 14, "none", "public posts only", False),
    ("Course sentiment notebook (VADER)", "social listening", 0, "python", "nothing", False),
    ("ListenAll Enterprise", "social listening", 60, "none", "public posts only", False),
    ("SpeechCoach online", "speech analysis", 6, "none", "speech drafts, no personal data", False),
    ("Readability notebook (textstat)", "speech analysis", 0, "python", "nothing", False),
    ("Hosted assistant with redaction", "writing assistant", 10, "none", "prompts, with personal data removed first", False),
    ("Hosted assistant with inbox plug-in", "writing assistant", 8, "none", "the whole inbox: names, e-mails, phone numbers", True),
    ("Local assistant (course model)", "writing assistant", 0, "python", "nothing", False),
]

# id, risk (a template), likelihood 1-5, impact 1-5, owner, mitigation
_RISKS = [
    ("R1", "Personal data from the voter file or inbox is pasted into an outside AI service", 4, 5, "data lead",
     "Redact first; only local tools see personal data; train every user"),
    ("R2", "A deepfake video or audio of {candidate} spreads in the last week before the vote", 3, 5, "communications lead",
     "Sign our own media; prepare a response plan and contacts at the platforms"),
    ("R3", "Gendered online abuse against {candidate} and the team overwhelms the social media staff", 5, 4, "social media lead",
     "Filter and document abuse; rota and support for the team; report to platforms and police"),
    ("R4", "An AI draft with a wrong figure about {issue} is published", 4, 3, "policy adviser",
     "Check every figure against the platform before anything is published"),
    ("R5", "A vendor's voter scores leave out young and rural voters", 3, 3, "field director",
     "Ask the vendor for accuracy by group; audit the scores on our own data"),
    ("R6", "An AI-made image ad is published without its AI label", 2, 5, "digital ads lead",
     "A checklist for every ad: sponsor, AI label, targeting"),
    ("R7", "A pasted e-mail tricks an assistant into revealing the volunteer list", 2, 4, "data lead",
     "Fence pasted text; give assistants no lists; a person checks every reply"),
    ("R8", "Tool subscriptions run over the monthly budget", 3, 2, "finance lead",
     "One person approves every subscription; review costs monthly"),
    ("R9", "A journalist asks whether AI wrote a speech by {candidate}, and nobody knows", 2, 3, "campaign manager",
     "Keep the AI-use log; publish a disclosure statement"),
]


# ----------------------------------------------------------------------------- the scenario


def budget(campaign) -> float:
    """The monthly AI budget in the profile's currency: :data:`BUDGET_IN_GIFTS` typical gifts.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> budget(load_profile("default"))
    1000.0
    """
    return float(BUDGET_IN_GIFTS * campaign.money.typical_gift)


def tool_catalogue(campaign) -> pd.DataFrame:
    """The twelve AI tools the campaign can choose from, priced in the profile's currency.

    Columns: ``tool``, ``family``, ``monthly_cost``, ``skills`` (one of
    :data:`SKILL_LEVELS`), ``what_leaves`` (what the tool sends off this
    computer) and ``sends_personal_data`` (True if personal data goes to an
    outside company without being removed first). The tools are made up; they
    stand for kinds of product on the market.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> tool_catalogue(load_profile("default"))["family"].nunique()
    4
    """
    columns = ["tool", "family", "gifts", "skills", "what_leaves", "sends_personal_data"]
    catalogue = pd.DataFrame(_TOOLS, columns=columns)
    catalogue.insert(2, "monthly_cost", catalogue.pop("gifts") * float(campaign.money.typical_gift))
    return catalogue


def risk_register(campaign) -> pd.DataFrame:
    """The starter risk register: ``risk_id``, ``risk``, ``likelihood`` and ``impact`` (1-5), ``owner``, ``mitigation``.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> risk_register(load_profile("default"))["risk_id"].tolist()[:3]
    ['R1', 'R2', 'R3']
    """
    values = {"candidate": campaign.candidate.name, "issue": campaign.issues[0]}
    rows = [(rid, text.format(**values), *rest) for rid, text, *rest in _RISKS]
    return pd.DataFrame(rows, columns=["risk_id", "risk", "likelihood", "impact", "owner", "mitigation"])


def top_risks(register: pd.DataFrame, n: int = 3) -> list[str]:
    """The ids of the ``n`` risks with the highest score (likelihood x impact), highest first."""
    scored = register.assign(score=register["likelihood"] * register["impact"])
    return scored.sort_values("score", ascending=False, kind="stable")["risk_id"].head(n).tolist()


def legal_rules(campaign) -> pd.DataFrame:
    """The profile's rules in the three areas, one row each: ``rule_id`` (L1, L2...), ``area``, ``law``,
    ``section``, ``requires``, ``link`` (its citation, or None) and ``illustrative``.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> legal_rules(load_profile("default"))["rule_id"].iloc[0]
    'L1'
    """
    rows = [
        {"area": label, "law": rule.law, "section": rule.section, "requires": rule.requires,
         "link": rule.citation.url if rule.citation else None, "illustrative": rule.illustrative}
        for key, label in AREAS.items()
        for rule in getattr(campaign.rules, key)
    ]
    rules = pd.DataFrame(rows)
    rules.insert(0, "rule_id", [f"L{number}" for number in range(1, len(rules) + 1)])
    return rules


def legal_checklist(campaign, to_check=None) -> pd.DataFrame:
    """The checklist: ``area``, ``law``, ``section``, ``requires``, ``status``.

    ``status`` is :data:`CHECK` for the rules in ``to_check`` (by ``rule_id``;
    by default the rules the profile marks as illustrative: made up for
    teaching, or not confirmed, even when they have a link), :data:`CITED` otherwise.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> legal_checklist(load_profile("default"))["status"].unique().tolist()
    ['check with your authority']
    """
    rules = legal_rules(campaign)
    checked = rules["illustrative"] if to_check is None else rules["rule_id"].isin(list(to_check))
    return rules.assign(status=[CHECK if flag else CITED for flag in checked])[["area", "law", "section", "requires", "status"]]


# ----------------------------------------------------------------------------- judging a tool choice


def _skill_ok(needed: str, team: str = TEAM_SKILLS) -> bool:
    return SKILL_LEVELS.index(needed) <= SKILL_LEVELS.index(team)


def tool_choice_problem(chosen, catalogue: pd.DataFrame, limit: float) -> str | None:
    """``None`` if the chosen tool names follow the four rules, else a sentence on the first rule broken.

    The rules: every name is in the catalogue; no tool sends personal data
    out; the team has the skills for every tool; the total cost is within the
    budget; every need in :data:`NEEDS` has a tool.
    """
    if isinstance(chosen, str) or not isinstance(chosen, (list, tuple, set)):
        return "`my_tools` should be a list of tool names, like [\"tool one\", \"tool two\"]."
    names = [str(name).strip() for name in chosen]
    unknown = [name for name in names if name not in set(catalogue["tool"])]
    if unknown:
        return f"{unknown[0]!r} is not in the catalogue. Copy the names from the `tool` column exactly."
    picked = catalogue[catalogue["tool"].isin(names)]
    leaky = picked[picked["sends_personal_data"]]
    if len(leaky):
        return f"{leaky['tool'].iloc[0]!r} sends personal data to an outside company ({leaky['what_leaves'].iloc[0]})."
    too_hard = picked[~picked["skills"].map(_skill_ok)]
    if len(too_hard):
        return f"{too_hard['tool'].iloc[0]!r} needs someone who writes Python, and nobody on the core team does."
    total = picked["monthly_cost"].sum()
    if total > limit + 1e-9:
        return f"your tools cost {total:,.0f} a month together, more than the budget of {limit:,.0f}."
    missing = [need for need in NEEDS if need not in set(picked["family"])]
    if missing:
        return f"nothing in your list does {missing[0]}; the campaign needs a tool for each of: {', '.join(NEEDS)}."
    return None


# ----------------------------------------------------------------------------- judging a one-page plan


@dataclass(frozen=True)
class _OnePagePlanTarget:
    """What ``one_page_plan(path, title, sections, max_items)`` must write to ``path``."""

    path: Path
    title: str
    sections: dict
    max_items: int

    def explain(self, returned) -> str | None:
        """``None`` if the file is right, else one sentence on what is wrong with it."""
        if str(returned) != str(self.path):
            return "It should return `path`, the file it wrote."
        if not self.path.is_file():
            return "It should write the plan to the file `path`."
        lines = self.path.read_text(encoding="utf-8").splitlines()
        filled = [line.rstrip() for line in lines if line.strip()]
        if not filled or filled[0] != f"# {self.title}":
            return "The first line should be the title, as `# ` followed by `title`."
        headings = [line for line in filled if line.startswith("## ")]
        if headings != [f"## {heading}" for heading in self.sections]:
            return "Each section should start with `## ` and its heading, in the order of `sections`."
        for heading, items in self.sections.items():
            problem = self._section_problem(heading, items, filled)
            if problem:
                return problem
        if len(lines) > MAX_LINES:
            return f"The file has {len(lines)} lines; a one-page plan has at most {MAX_LINES}."
        return None

    def _section_problem(self, heading: str, items: list, filled: list[str]) -> str | None:
        start = filled.index(f"## {heading}") + 1
        end = next((i for i in range(start, len(filled)) if filled[i].startswith("## ")), len(filled))
        bullets = [line for line in filled[start:end] if line.startswith("- ")]
        kept = [f"- {item}" for item in items[: self.max_items]]
        extra = len(items) - self.max_items
        wanted = kept + ([f"- ... and {extra} more"] if extra > 0 else [])
        if bullets == wanted:
            return None
        if len(bullets) > len(wanted):
            return (f"Under {heading!r} there are {len(bullets)} bullets: keep the first {self.max_items} items, "
                    "then add one line saying how many were left out.")
        if extra > 0 and bullets[: len(kept)] == kept:
            return f"Under {heading!r}, the last bullet should be exactly `- ... and {extra} more`."
        return (f"Under {heading!r} there should be one `- ` bullet per item, at most {self.max_items}, "
                "and then a line saying how many were left out.")


def _plan_cases(campaign) -> list:
    folder = Path(tempfile.mkdtemp(prefix="campaign-plan-check-"))
    register = risk_register(campaign)
    small = {"Tools": ["a spreadsheet", "a listening dashboard"], "Owner": ["the campaign manager"]}
    full = {
        "Top risks": register["risk"].tolist(),
        "Legal checklist": [f"{row.law}: {row.status}" for row in legal_checklist(campaign).itertuples()],
        "Tools": [tool for tool in tool_catalogue(campaign)["tool"] if "Course" in tool],
    }
    examples = [("Our AI plan", small, 5), (f"{campaign.candidate.name}: AI plan", full, 4), ("Plan", {"Risks": list("abcdefg")}, 6)]
    files = [folder / f"plan-{number}.md" for number in range(1, len(examples) + 1)]
    return [((path, title, sections, most), _OnePagePlanTarget(path, title, sections, most))
            for path, (title, sections, most) in zip(files, examples)]


# ----------------------------------------------------------------------------- exercises


@from_notebook
def exercises(campaign):
    """Return ``q1, q2, q3, q4`` for the given profile (a loaded ``Profile``)."""
    return _q1_tools(campaign), _q2_risks(campaign), _q3_to_check(campaign), _q4_plan(campaign)


def _q1_tools(campaign) -> CustomExercise:
    catalogue, limit = tool_catalogue(campaign), budget(campaign)
    return CustomExercise(
        name="q1",
        answer_name="my_tools",
        problem=lambda answer: tool_choice_problem(answer, catalogue, limit),
        hints=[
            "Cross out the tools that send personal data out, and those that need Python. Then pick one tool for each need.",
            "Keep the rows where `sends_personal_data` is False and `skills` is not \"python\"; sort them by "
            "`monthly_cost`, and take the cheapest tool of each family in `NEEDS`.",
            "Add up the `monthly_cost` of your tools: the total must be at most `BUDGET`.",
        ],
        why="A tool the team cannot use, cannot afford or cannot trust with voters' data costs more than it gives. "
        "Free tools your team already knows are often the best start.",
    )


def _q2_risks(campaign) -> SelectionExercise:
    register = risk_register(campaign)
    top = top_risks(register)
    scores = register.set_index("risk_id")
    forbidden = {
        rid: f"{rid} scores {row.likelihood * row.impact} ({row.likelihood} x {row.impact}), "
        "lower than three other risks."
        for rid, row in scores.iterrows() if rid not in top
    }
    return SelectionExercise(
        name="q2",
        answer_name="top_risks",
        required=top,
        forbidden=forbidden,
        allowed=register["risk_id"].tolist(),
        hints=[
            "Run the cell above the answer: it lists the risks from the highest score (likelihood x impact) down.",
            "Copy the `risk_id` of its first three rows into a list, each in quotes: `[\"R1\", \"R2\", \"R3\"]`.",
        ],
        why="Ranking by likelihood times impact puts the team's time on risks that are both fairly likely and "
        "harmful, not only on the most frightening or the most frequent.",
    )


def _q3_to_check(campaign) -> SelectionExercise:
    rules = legal_rules(campaign)
    cited = rules[~rules["illustrative"]]
    return SelectionExercise(
        name="q3",
        answer_name="to_check",
        required=list(rules.loc[rules["illustrative"], "rule_id"]),
        forbidden={row.rule_id: f"{row.law}, {row.section} is not illustrative: the profile cites it from its source."
                   for row in cited.itertuples()},
        allowed=list(rules["rule_id"]),
        hints=[
            "Read the `illustrative` column: True means the rule is made up for teaching, or not confirmed.",
            "A link does not make a rule confirmed: an illustrative rule with a link still needs checking.",
        ],
        why="A checklist that says what is confirmed and what still needs checking is safer than one that "
        "sounds certain: the rules that matter most are often the ones you have not confirmed yet.",
    )


def _q4_plan(campaign) -> TargetFunctionExercise:
    return TargetFunctionExercise(
        name="q4",
        answer_name="one_page_plan",
        track="deep-dive",
        cases=_plan_cases(campaign),
        hints=[
            "Build a list `lines`, starting with `f\"# {title}\"`. For each `heading, items` in `sections.items()`, "
            "add `f\"## {heading}\"` and one `f\"- {item}\"` for each of `items[:max_items]`.",
            "If `len(items) > max_items`, add `f\"- ... and {len(items) - max_items} more\"` after the bullets.",
            "Write the lines with `Path(path).write_text(\"\\n\".join(lines) + \"\\n\", encoding=\"utf-8\")` and `return path`.",
        ],
        why="A plan people read beats a plan nobody finishes. Cutting each list to its first items, and saying "
        "how many were left out, keeps it to one page without hiding that more exists.",
    )
