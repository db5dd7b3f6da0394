"""The campaign's refusal policy: requests the AI assistant must not carry out.

:func:`check_request` reads a prompt before any model sees it and refuses
four kinds of request:

* ``impersonation``: speaking as a real person who did not write the words;
* ``fake_endorsement``: support, quotes or testimonials nobody gave;
* ``voter_suppression``: keeping people from voting, or false information on
  when, where or how to vote;
* ``deceptive_media``: sexualised or deceptive images, audio or video of a
  real person (deepfakes, cloned voices, doctored photos).

The check uses patterns, so it is a safety net, not a judge: it misses
cleverly worded requests and a person still reviews what the campaign
publishes. Requests that *defend* against these harms (spotting a deepfake,
correcting a false polling date) are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Decision:
    """The policy's answer: allowed or not, which rule, and why in plain words."""

    allowed: bool
    category: str | None
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


REASONS = {
    "impersonation": (
        "Refused: this asks the AI to speak as a real person who did not write the words. "
        "Readers would be misled about who is talking; write in your own campaign's name instead."
    ),
    "fake_endorsement": (
        "Refused: this asks for an endorsement, quote or testimonial that the person or group did not give. "
        "Invented support deceives voters; use only endorsements you have in writing."
    ),
    "voter_suppression": (
        "Refused: this could keep people from voting or give them false information about when, where or how to vote. "
        "Share only official voting information from the election authority."
    ),
    "deceptive_media": (
        "Refused: this asks for sexualised or deceptive images, audio or video of a real person. "
        "Such media harm the person shown and mislead voters, and in several places making them is a crime."
    ),
}
ALLOWED_REASON = "Allowed: no rule of the campaign's AI policy applies to this request."

_FLAGS = re.IGNORECASE
_NEAR = r"[^.?!\n]{0,60}?"  # within the same sentence
_OFFICIALS = (
    r"(?:the\s+)?(?:current\s+)?(?:mayor|governor|president|prime minister|senator|minister|mp|member of parliament"
    r"|councillor|councilor|chief|commissioner|police|electoral commission|election commission|election authority"
    r"|returning officer|journalist|reporter|bishop|imam|pastor|priest|celebrity|opponent|rival|incumbent)\b"
    r"|(?:my|our|her|his|their)\s+(?:opponent|rival)s?\b"
)
_CAPITALISED_NAME = r"(?-i:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)"
_CREATE = (
    r"\b(?:make|making|create|creating|generate|generating|produce|producing|draw|render|design|edit|editing"
    r"|photoshop|alter|altering|swap|paste|put|film|record|fake|give me|write a prompt for)\b"
)
_DEFENSIVE = re.compile(
    r"\b(?:detect|spot|identify|recogni[sz]e|verify|verification|check (?:if|whether)|report|respond|response|reply"
    r"|debunk|correct(?:ing|ion)?|fact[- ]?check|counter|rebut|protect|defend|take ?down|remov(?:e|al)|warn(?:ing)?"
    r"|rumou?r|misinformation|disinformation|explain\w*|educat\w*|awareness|training|teach\w*)\b",
    _FLAGS,
)

_IMPERSONATION = [
    r"\b(?:pretend(?:ing)?|pose|posing|masquerad(?:e|ing)|claim(?:ing)?)\s+(?:to be|as|that you are|you are|you're)\s+",
    r"\bimpersonate\s+",
    r"\bas if (?:you were|you are|i were|i am|we were)\s+",
    r"\b(?:as if|as though) (?:it|this|the \w+) (?:came|comes|were|was) (?:from|written by|sent by|signed by)\s+",
    r"\bin the (?:voice|name) of\s+",
    r"\bsign(?:ed)? (?:it|this|that|the|our|my)(?: \w+)? (?:as|with the name of|in the name of|from)\s+",
]
_FAKE_ACCOUNTS = r"\b(?:fake|bogus|sock ?puppet|impostor|imposter)\s+(?:\w+\s+)?(?:accounts?|profiles?|pages?|personas?)\b"

_FAKE_ENDORSEMENT = [
    r"\b(?:fake|fabricat\w*|invent\w*|made[- ]up|make up|bogus|pretend)\b" + _NEAR
    + r"\b(?:endorse\w*|testimonials?|quotes?|support(?:ing|s)?|backing|statements? of support)\b",
    r"\b(?:endorse\w*|quotes?|testimonials?|logo)\b" + _NEAR
    + r"(?:,|\b(?:even though|although|though|when|but|while|since))\s*(?:they|he|she|it|the \w+)\s+"
    r"(?:has|have|had|did|does|do)(?:n't| not| never)\b",
    r"\bwithout (?:their|his|her|its) (?:permission|consent|approval|knowledge)\b" + _NEAR
    + r"\b(?:endorse\w*|quotes?|testimonials?|support\w*|logo)\b",
    r"\b(?:endorse\w*|quotes?|testimonials?|logo)\b" + _NEAR
    + r"\bwithout (?:their|his|her|its) (?:permission|consent|approval|knowledge)\b",
    r"\bmake it (?:look|seem|sound|appear) (?:like|as if|as though)\b" + _NEAR + r"\b(?:endorse[sd]?|support(?:s|ed)?|back(?:s|ed)?)\b",
]

# Writing words of support that someone else is to have said: whose, is decided by _speaker_after.
_WRITE_SOMEONES_SUPPORT = re.compile(
    r"\b(?:write|compose|draft|create|generate|craft|produce|come up with|give me)\w*\b[^.?!\n]{0,40}?"
    r"\b(?:endorsements?|testimonials?|quotes?|statements? of support|reviews?|letters? of support)\s+"
    r"(?:from|by|attributed to|signed by)\s+",
    _FLAGS,
)
# Who may be quoted without refusal: the campaign itself.
_OWN_SIDE = re.compile(
    r"(?:(?:our|my)\b(?!\s+(?:opponent|rival|competitor)s?\b)|(?:the|this) campaign|us\b|me\b|the candidate\b)", _FLAGS)

_SUPPRESSION = [
    r"\b(?:discourag(?:e|ing)|dissuad(?:e|ing)|deter(?:ring)?|prevent(?:ing)?|keep(?:ing)?|scar(?:e|ing)"
    r"|intimidat(?:e|ing)|frighten(?:ing)?|trick(?:ing)?|stop(?:ping)?)\b" + _NEAR
    + r"\bfrom (?:voting|going to (?:vote|the polls?)|turning out|casting (?:a|their|his|her) (?:vote|ballot)s?|registering)\b"
    r"(?!\s+(?:twice|more than once|illegally))",
    r"\b(?:tell|urge|convince|persuade|encourage|ask|text|message|remind|post|write|draft)\w*\b" + _NEAR
    + r"\b(?:not to vote|don'?t (?:bother )?vote|do not vote|stay (?:at )?home on (?:election|voting|polling) day"
    r"|skip (?:the )?(?:vote|voting|election|polls?|primary)|no point (?:in )?voting|sit (?:this|the election) out)\b",
    r"\b(?:tell|say|post|text|announce|claim|write|draft|spread|send|inform|let)\w*\b" + _NEAR
    + r"\b(?:election|vote|voting|polls?|polling(?: day| stations?)?)\s+(?:is|are|has been|have been|was|were|will be)\s+"
    r"(?:moved|postponed|cancel+ed|delayed|rescheduled|closed|over|suspended)\b",
    r"\b(?:wrong|false|fake|incorrect|misleading|made[- ]up)\b" + _NEAR
    + r"\b(?:election (?:date|day)|voting (?:date|day|place|location|hours|rules?|requirements?)"
    r"|polling (?:station|place|location|day|hours)s?)\b",
    # Threats tied to voting: "people with fines will be arrested at polling stations".
    r"\b(?:will|would|could|can|may|might|are going to)\s+(?:be\s+)?(?:arrested|detained|deported|jailed|prosecuted"
    r"|fined|questioned by (?:the )?police|reported to (?:the )?(?:police|immigration))\b" + _NEAR
    + r"\b(?:polls?|polling|vote|voting|ballots?|election day)\b",
    r"\b(?:polls?|polling (?:stations?|places?)|vote|voting|ballots?)\b" + _NEAR
    + r"\b(?:will|would|could|can|may|might|are going to)\s+(?:be\s+)?(?:arrested|detained|deported|jailed|prosecuted)\b",
    r"\b(?:tell|say|post|text|announce|claim|write|draft|spread|send|inform|let)\w*\b" + _NEAR
    + r"\bpolling (?:stations?|places?|centres?|centers?|locations?)\s+(?:(?:is|are|has|have|had|was|were|will be"
    r"|has been|have been)\s+)?(?:now\s+)?(?:closed|shut|cancel+ed)\b",
    r"\b(?:you|they|voters|people|everyone|supporters|residents) can (?:now |also |still )?vote"
    r" (?:by|via|through|from|on|using) (?:text|sms|phone|whatsapp|e-?mail|twitter|x|tweet|facebook|instagram|tiktok"
    r"|home|an app)\b",
]

_MEDIA = r"(?:image|photo|picture|pic|video|clip|deep ?fake|footage|content|scene|render|drawing)s?\b"
# A sexual word right before the media ("a nude photo", "explicit deepfake video").
_SEXUAL_MEDIA = (
    r"\b(?:nude|naked|topless|lingerie|porn\w*|sexy|nsfw|erotic|sexuali[sz]ed|sexually explicit|explicit|intimate"
    r"|sexual)\s+(?:\w+\s+)?" + _MEDIA
)
# Media of a person in a sexual state ("a photo of her naked").
_MEDIA_SEXUAL = r"\b" + _MEDIA + r"[^.?!\n]{0,40}?\b(?:naked|nude|undressed|topless|in (?:her |his )?(?:lingerie|underwear))\b"
_DECEPTIVE_MEDIA = [
    _SEXUAL_MEDIA,
    _MEDIA_SEXUAL,
    r"\b(?:undress\w*|nudif\w*)\b",
    _CREATE + _NEAR + r"\bdeep ?fakes?\b",
    _CREATE + _NEAR + r"\b(?:fake|doctored|altered|manipulated|fabricated|synthetic|ai[- ]generated)\s+(?:\w+\s+)?"
    r"(?:photo|image|picture|video|audio|recording|clip|voice (?:note|message|recording))s?\b",
    r"\bclon(?:e|ing)\b" + _NEAR + r"\bvoice\b",
    r"\bvoice[- ]clon\w*",
    r"\b(?:swap|put|paste|superimpose)\w*\b" + _NEAR + r"\bfaces?\b",
    r"\bmake it (?:look|seem|sound|appear) (?:like|as if|as though)\b" + _NEAR
    + r"\b(?:said|says|admitted|confessed|caught|drunk|took|taking|accepted|accepting|stole|stealing|bribe\w*"
    r"|cheated|insulted|attacked|hit)\b",
]


# A realistic picture, video or recording of someone: whose, is decided by _speaker_after.
_REALISTIC_MEDIA_OF = re.compile(
    _CREATE + _NEAR + r"\b(?:realistic|photo-?realistic|convincing|real-looking|lifelike|believable|authentic-looking)"
    r"\s+(?:\w+\s+)?(?:photo|image|picture|video|footage|recording|audio|voice (?:note|message))s?\s+of\s+",
    _FLAGS,
)


def _compile(patterns: list[str]) -> list[re.Pattern]:
    return [re.compile(pattern, _FLAGS) for pattern in patterns]


_RULES: dict[str, list[re.Pattern]] = {
    "deceptive_media": _compile(_DECEPTIVE_MEDIA),
    "fake_endorsement": _compile(_FAKE_ENDORSEMENT),
    "voter_suppression": _compile(_SUPPRESSION),
}
_IMPERSONATION_LEADS = _compile(_IMPERSONATION)
_FAKE_ACCOUNT_RULE = re.compile(_FAKE_ACCOUNTS, _FLAGS)
_PERSON = re.compile(rf"(?:{_OFFICIALS}|{_CAPITALISED_NAME})", _FLAGS)
# Categories where a defensive request (report, debunk, spot ...) is allowed.
_DEFENCE_ALLOWED = {"deceptive_media", "voter_suppression"}


def _is_own(person: str, own_names: set[str]) -> bool:
    """True if ``person`` is one of the campaign's own people, by full or partial name."""
    return any(person == own or person.startswith(own + " ") or own.startswith(person + " ") for own in own_names)


def _impersonates(prompt: str, own_names: set[str]) -> bool:
    """True if the prompt asks to speak as a named person or an office holder."""
    if _FAKE_ACCOUNT_RULE.search(prompt):
        return True
    for lead in _IMPERSONATION_LEADS:
        for match in lead.finditer(prompt):
            person = _PERSON.match(prompt, match.end())
            if person and not _is_own(person.group().strip().casefold(), own_names):
                return True
    return False


def _about_someone_else(pattern: re.Pattern, prompt: str, own_names: set[str], anyone: bool) -> bool:
    """True if ``pattern`` leads to a person who is not the campaign's own.

    ``anyone``: any words after the lead count as a person ("a nurse named Mary"),
    not only office holders and capitalised names.
    """
    for match in pattern.finditer(prompt):
        rest = prompt[match.end():]
        if _OWN_SIDE.match(rest):
            continue
        person = _PERSON.match(rest)
        if person and _is_own(person.group().strip().casefold(), own_names):
            continue
        if person or (anyone and rest.strip()):
            return True
    return False


def check_request(prompt: str, *, own_names: Iterable[str] = ()) -> Decision:
    """Decide whether the campaign's AI policy allows a request, before any model sees it.

    Parameters
    ----------
    prompt : str
        The request as the user wrote it.
    own_names : iterable of str
        People the campaign may write for (the candidate, who approves her
        own texts): "in the voice of Amina" is allowed if "Amina" is here.

    Returns
    -------
    Decision
        ``allowed``, the ``category`` of the rule that refused it (None if
        allowed) and a ``reason`` written for a person.

    Examples
    --------
    >>> check_request("Draft a thank-you note to our volunteers.").allowed
    True
    >>> decision = check_request("Write a tweet in the voice of the Governor attacking our rival.")
    >>> decision.category
    'impersonation'
    >>> check_request("Make a nude deepfake photo of the other candidate.").category
    'deceptive_media'
    """
    defensive = bool(_DEFENSIVE.search(prompt))
    own = {name.casefold() for name in own_names}
    for category, patterns in _RULES.items():
        if defensive and category in _DEFENCE_ALLOWED:
            continue
        if any(pattern.search(prompt) for pattern in patterns):
            return Decision(False, category, REASONS[category])
    if not defensive and _about_someone_else(_REALISTIC_MEDIA_OF, prompt, own, anyone=False):
        return Decision(False, "deceptive_media", REASONS["deceptive_media"])
    if _about_someone_else(_WRITE_SOMEONES_SUPPORT, prompt, own, anyone=True):
        return Decision(False, "fake_endorsement", REASONS["fake_endorsement"])
    if _impersonates(prompt, own):
        return Decision(False, "impersonation", REASONS["impersonation"])
    return Decision(True, None, ALLOWED_REASON)
