"""Find and hide personal data before text goes to an AI service.

:func:`redact` replaces names, phone numbers, email addresses, street
addresses and voter ids with placeholders such as ``[NAME]``. Names are found
by a recogniser that knows what names look like (Presidio over a spaCy
pipeline, see :mod:`campaign_lab.ai.safety.recognisers`), so people who are in
no list are found too, and from the voter file's names and the profile's
name vocabulary. Phones, e-mails, ids and addresses come from the course's
own recognisers. The recogniser still misses some names (a lower-case
nickname, a name that is also a word): read the redacted text before sending it.

:func:`find_personal_data_by_patterns` is the older pattern-only redactor,
kept to compare against; it is never used in place of the recogniser.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from campaign_lab.ai.safety import recognisers
from campaign_lab.errors import BadInput

PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "VOTER_ID": "[VOTER_ID]",
    "PHONE": "[PHONE]",
    "ADDRESS": "[ADDRESS]",
    "NAME": "[NAME]",
}
# Presidio's entity names for our kinds, in the order that wins an overlap (an email holds a name ...).
_KIND_OF_ENTITY = {
    "EMAIL_ADDRESS": "EMAIL",
    "VOTER_ID": "VOTER_ID",
    "STREET_ADDRESS": "ADDRESS",
    "PHONE_NUMBER": "PHONE",
    "PERSON": "NAME",
}
_PRIORITY = {kind: rank for rank, kind in enumerate(_KIND_OF_ENTITY.values())}
MAX_TEXT_CHARS = 200_000  # about 80 pages; longer texts are refused, not cut (send them in parts)


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (a key of ``PLACEHOLDERS``) and where it is."""

    kind: str
    start: int
    end: int
    text: str


# --- patterns -----------------------------------------------------------------

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# An id after a label such as "voter id:", "elector no." or "registration #".
_LABELLED_ID = re.compile(
    r"\b(?:voter|elector(?:al)?|registration|reg|ballot|national|clave de elector|credencial|id)\b\.?"
    r"(?:\s*(?:id\b|no\b\.?|number\b|num\b\.?|card\b|#))*\s*[:#]?\s*(?:(?:is|was)\s+)?"
    r"(?P<id>[A-Z0-9][A-Z0-9/-]{3,}[A-Z0-9])\b",
    re.IGNORECASE,
)
# An unlabelled id: up to six capital letters then at least five digits, e.g. "KE-NRB-004512".
_BARE_ID = re.compile(r"\b[A-Z]{1,6}(?:[-/][A-Z0-9]{1,6})*[-/]?\d{5,}[A-Z0-9]*\b")

PHONE = re.compile(
    r"(?<![\w@+/.-])"
    r"(?:(?:\+|00)\d{1,3}[ .-]?(?:\d[ .-])?)?"  # country code, maybe a one-digit mobile prefix
    r"(?:\(\d{1,5}\)[ .-]?)?"
    r"\d{2,15}(?:[ .-]\d{2,8}){0,4}"
    r"(?P<ext>\s*(?:x|ext\.?|extension)\s*\d{1,6})?"  # an extension: "555-0129 x1919"
    r"(?![\w@/]|[.-]\d)"
)
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{4}")

_STREET_TYPES = (
    r"street|road|avenue|lane|drive|boulevard|way|court|place|close|crescent|terrace|highway|parkway"
    r"|square|circle|trail|grove|gardens|estate|walk|row"
    r"|(?:st|rd|ave|ln|dr|blvd|ct|pl|cres|hwy|pkwy|sq|cir)\b\.?"
)
_NOT_STREET_WORD = (  # small words that start a phrase, not a street name: "3 kids on the road"
    r"(?!(?:the|a|an|on|in|to|down|up|of|my|your|our|their|his|her|this|that|and|or|by|at|from|for|with"
    r"|along|across|off|per|times|days|years|miles|km|voters|people)\b)"
)
_NUMBER_FIRST_ADDRESS = re.compile(
    r"\b\d{1,6}[A-Za-z]?,?(?:\s+" + _NOT_STREET_WORD + r"[\w'.-]+){1,4}?\s+(?:" + _STREET_TYPES + r")(?!\w)"
    r"(?:,?\s*(?:apt|apartment|unit|suite|flat|floor|#)\.?\s*[\w-]+)?",
    re.IGNORECASE,
)
_STREET_FIRST_ADDRESS = re.compile(
    r"\b(?:calle|c/|avenida|av\.|avda\.?|calzada|privada|cerrada|callejón|camino|carretera|paseo|rua|rue)"
    r"\s+(?:[\w'.-]+\s+){0,4}?(?:no\.?\s*|núm\.?\s*|num\.?\s*|#\s*)?\d{1,5}[A-Za-z]?\b",
    re.IGNORECASE,
)
# The French way round: "12 rue des Lilas", "3 bis avenue Jean-Jaurès" (the street's name is capitalised).
_NUMBER_THEN_FRENCH_STREET = re.compile(
    r"\b\d{1,5}(?:\s?(?i:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|allée|chemin|impasse|place|quai|route|cours)"
    r"\s+(?:(?:de la|de l'|des|du|de|d')\s*)?[A-ZÀ-ÖØ-Þ][\w'’-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w'’-]*){0,3}"
)
_PO_BOX = re.compile(r"\bP\.?\s?O\.?\s*Box\s+\d+(?:\s*-\s*\d+)?", re.IGNORECASE)

TITLE_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Hon|Sr|Sra|Srta|Sir|Dame|Mama|Mzee)\.?\s+"
    r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)"
)
INTRODUCED_NAME = re.compile(
    r"(?:\b[Mm]y name is|\b[Dd]ear|\b[Ss]incerely,?|\b[Rr]egards,?|\b[Ss]igned:?)\s+"
    r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# First names that are also everyday words: redacted only as part of a full name.
_COMMON_WORDS = frozenset(
    "will may hope joy grace faith rose mark bill june april august summer king young long white black "
    "green brown page love art sunny star victory precious patience mercy charity honor honour major "
    "rich chance say miles hunter power bishop north south east west new the and".split()
)


def _fold(word: str) -> str:
    """Lower-case and strip accents so "José" matches "jose"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _strip_possessive(word: str) -> str:
    for suffix in ("'s", "’s"):
        if word.lower().endswith(suffix):
            return word[: -len(suffix)]
    return word


class _NameIndex:
    """Known names, looked up word by word so that long name lists stay fast."""

    def __init__(self, names: Iterable[str], keep: Iterable[str], vocabulary: Iterable[str] = ()):
        kept = {tuple(_fold(w) for w in _WORD.findall(name)) for name in keep}
        self.full: set[tuple[str, ...]] = set()
        self.parts: set[str] = set()
        for name in names:
            words = tuple(_fold(word) for word in _WORD.findall(name))
            if not words or words in kept:
                continue
            self.full.add(words)
            self.parts.update(word for word in words if len(word) >= 3 and word not in _COMMON_WORDS)
        # The profile's first names and surnames: found alone when capitalised, unless an everyday word.
        self.parts.update(_fold(w) for w in vocabulary if len(w) >= 3 and _fold(w) not in _COMMON_WORDS)
        self.parts -= {word for words in kept for word in words}
        self.longest = max((len(words) for words in self.full), default=0)

    def spans(self, text: str) -> list[Span]:
        """Where known names are in ``text``."""
        words = list(_WORD.finditer(text))
        found: list[Span] = []
        i = 0
        while i < len(words):
            length = self._match_length(text, words, i)
            if length:
                last = words[i + length - 1]
                start, end = words[i].start(), last.start() + len(_strip_possessive(last.group()))
                found.append((start, end))
                i += length
            else:
                i += 1
        return found

    def _match_length(self, text: str, words: list[re.Match], i: int) -> int:
        for length in range(min(self.longest, len(words) - i), 1, -1):
            chunk = words[i : i + length]
            joined_by_spaces = all(text[a.end() : b.start()].strip() == "" for a, b in zip(chunk, chunk[1:]))
            if joined_by_spaces and tuple(_fold(_strip_possessive(w.group())) for w in chunk) in self.full:
                return length
        word = _strip_possessive(words[i].group())
        folded = _fold(word)
        if (folded,) in self.full or (folded in self.parts and word[:1].isupper()):
            return 1
        return 0


def _texts(values: Iterable) -> tuple[str, ...]:
    """The names as a tuple of strings; missing values (None, NaN from a table) are skipped."""
    return tuple(value for value in values if isinstance(value, str) and value.strip())


@functools.lru_cache(maxsize=8)
def _name_index(names: tuple[str, ...], keep: tuple[str, ...], vocabulary: tuple[str, ...] = ()) -> _NameIndex:
    """Build the index once per name list: a client redacts many texts with the same voter names."""
    return _NameIndex(names, keep, vocabulary)


# --- spans for the recognisers ---------------------------------------------------

Span = tuple[int, int]


def regex_spans(patterns: Iterable[re.Pattern], text: str, group: str | int = 0) -> list[Span]:
    """Where the patterns match ``text`` (the span of ``group``)."""
    return [match.span(group) for pattern in patterns for match in pattern.finditer(text)]


def phone_spans(text: str) -> list[Span]:
    """The course's own phone formats: local numbers ("555-0142"), extensions, long digit runs."""
    found = []
    for match in PHONE.finditer(text):
        candidate = match.group()[: match.start("ext") - match.start()] if match.group("ext") else match.group()
        digits = sum(char.isdigit() for char in candidate)
        local_number = digits == 7 and re.fullmatch(r"\d{3}[ .-]\d{4}", candidate)
        if (8 <= digits <= 15 or local_number) and not _DATE.fullmatch(candidate):
            found.append(match.span())
    return found


def id_spans(text: str) -> list[Span]:
    """Voter and national ids: after a label ("voter id: ..."), or shaped like one ("KE-NRB-004512", "V00012345")."""
    labelled = [m.span("id") for m in _LABELLED_ID.finditer(text) if sum(c.isdigit() for c in m.group("id")) >= 3]
    return labelled + regex_spans([_BARE_ID], text)


@functools.lru_cache(maxsize=8)
def address_patterns(street_names: tuple[str, ...] = (), street_words: tuple[str, ...] = ()) -> tuple[re.Pattern, ...]:
    """The address patterns, with the profiles' street forms ("Calle Hidalgo 45", "12 Harbour Road", "9 Elm St")."""
    patterns = [_PO_BOX, _STREET_FIRST_ADDRESS, _NUMBER_FIRST_ADDRESS, _NUMBER_THEN_FRENCH_STREET]
    if street_names and street_words:
        names = "|".join(re.escape(name) for name in sorted(street_names, key=len, reverse=True))
        words = "|".join(re.escape(word) for word in street_words)
        patterns += [
            re.compile(rf"\b\d{{1,6}}[A-Za-z]?,?\s+(?:{names})\s+(?:{words})\b\.?", re.IGNORECASE),
            re.compile(rf"\b(?:{words})\s+(?:{names})\s*(?:no\.?\s*|núm\.?\s*|#\s*)?\d{{1,5}}[A-Za-z]?\b", re.IGNORECASE),
        ]
    return tuple(patterns)


# --- the active profile -------------------------------------------------------------

_active_profile = os.environ.get("CAMPAIGN_LAB_PROFILE") or "default"


def use_profile(profile: str | os.PathLike) -> str:
    """Redact for this profile from now on: its languages choose the spaCy pipeline.

    ``profile`` is a shipped profile's name or the path of a profile file, as
    the notebooks' ``profile`` setting; returns it. Raises ``BadInput`` if
    there is no such profile.

    Examples
    --------
    >>> use_profile("mexico-municipality"), use_profile("default")
    ('mexico-municipality', 'default')
    """
    global _active_profile
    from campaign_lab.profiles import load_profile

    load_profile(profile)  # a clear error now rather than at the first redaction
    _active_profile = str(profile)
    return _active_profile


def active_profile() -> str:
    """The profile the redactor is set up for (default: ``CAMPAIGN_LAB_PROFILE`` or ``default``)."""
    return _active_profile


# --- finding ---------------------------------------------------------------------------


def _checked_text(text: object) -> str:
    if not isinstance(text, str):
        raise BadInput(f"Redaction needs text (a str), not {type(text).__name__}; decode bytes first, e.g. data.decode('utf-8').")
    return check_length(text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_length(text: str) -> str:
    """Return ``text``, or raise :class:`BadInput` if it is longer than :data:`MAX_TEXT_CHARS`."""
    if len(text) > MAX_TEXT_CHARS:
        raise BadInput(
            f"This text has {len(text):,} characters; the redactor reads at most {MAX_TEXT_CHARS:,} at a time, "
            "so nothing was sent: split it into parts and send them one by one."
        )
    return text


def _is_kept(finding: Finding, keep: tuple[str, ...]) -> bool:
    """True for a name that is one of the public names to keep, or a part of one ("Amina" of "Amina Yusuf")."""
    words = [_fold(w) for w in _WORD.findall(finding.text)]
    kept_words = {_fold(w) for name in keep for w in _WORD.findall(name)}
    return bool(words) and all(word in kept_words for word in words)


def _clean_name(finding: Finding, text: str, shapes, by_the_model: bool) -> Finding | None:
    """Drop what is not a person's name ("Ward 4", "San José"); cut what the model took in by mistake."""
    if any(char.isdigit() for char in finding.text) or not any(char.isalpha() for char in finding.text):
        return None
    span = shapes.tidy(text, finding.start, finding.end) if by_the_model else (finding.start, finding.end)
    if span is None or shapes.ends_a_place_name(text, *span):
        return None
    name = _strip_possessive(text[span[0] : span[1]].rstrip(" .,;:!?"))
    return Finding("NAME", span[0], span[0] + len(name), name)


# Words that join the parts of one name: "María de la Cruz", "Pieter van der Berg", "Ahmad bin Rashid".
_NAME_JOIN = re.compile(
    r"\s+(?:(?:de|del|la|las|los|y|van|der|den|von|bin|binti|bint|ibn|da|di|dos|das|du|le|al|el)\s+)*", re.IGNORECASE
)


def _joined_names(names: list[Finding], text: str) -> list[Finding]:
    """One finding for a name the recognisers found in parts, so that no "de la" is left between two [NAME]s."""
    joined: list[Finding] = []
    for finding in sorted(names, key=lambda f: (f.start, -f.end)):
        last = joined[-1] if joined else None
        if last and (finding.start <= last.end or _NAME_JOIN.fullmatch(text, last.end, finding.start)):
            end = max(last.end, finding.end)
            joined[-1] = Finding("NAME", last.start, end, text[last.start : end])
        else:
            joined.append(finding)
    return joined


def _without_overlaps(candidates: list[Finding]) -> list[Finding]:
    """Keep one finding where several overlap: the earlier kind wins (an email holds a name), then the longer."""
    ranked = sorted(candidates, key=lambda f: (_PRIORITY[f.kind], f.start - f.end, f.start))
    accepted: list[Finding] = []
    for finding in ranked:
        if not any(finding.start < other.end and other.start < finding.end for other in accepted):
            accepted.append(finding)
    return sorted(accepted, key=lambda finding: finding.start)


def _recognised(text: str, names: tuple[str, ...], keep: tuple[str, ...]) -> list[Finding]:
    engine, known = recognisers.analyzer(active_profile())
    index = _name_index(names, keep, known.vocabulary)
    shapes = recognisers.name_shapes(known)
    found, names_found = [], []
    for language in known.languages:
        deny_list = recognisers.function_recogniser("PERSON", language, index.spans)
        for result in engine.analyze(text, language=language, ad_hoc_recognizers=[deny_list]):
            kind = _KIND_OF_ENTITY.get(result.entity_type)
            finding = kind and Finding(kind, result.start, result.end, text[result.start : result.end])
            if kind == "NAME":
                names_found.append(_clean_name(finding, text, shapes, recognisers.by_the_model(result)))
            elif kind:
                found.append(finding)
    names_found = [f for f in names_found if f and f.end > f.start and not _is_kept(f, keep)]
    return found + _joined_names(names_found, text)


def find_personal_data(text: str, names: Iterable[str] = (), keep: Iterable[str] = ()) -> list[Finding]:
    """List the personal data found in ``text``, in reading order, without overlaps.

    Parameters
    ----------
    text : str
        Any text, for example a prompt or a voter's email (at most
        :data:`MAX_TEXT_CHARS` characters).
    names : iterable of str
        Known names of people (for example the voter file's ``name`` column).
    keep : iterable of str
        Public names that must stay, such as the candidate's own name.

    Returns
    -------
    list of Finding

    Raises
    ------
    RecogniserMissing
        If the name recogniser cannot load (the message says how to install it).
    BadInput
        If ``text`` is not a str or is too long.

    Examples
    --------
    >>> [f.kind for f in find_personal_data("Call Wanjiru on 0722 123 456", names=["Wanjiru Kamau"])]
    ['NAME', 'PHONE']
    """
    text = _LONE_SURROGATE.sub("\ufffd", _checked_text(text))  # half a character (from broken bytes): spaCy cannot read it
    if not text.strip():
        return []
    return _without_overlaps(_recognised(text, _texts(names), _texts(keep)))


def find_personal_data_by_patterns(text: str, names: Iterable[str] = (), keep: Iterable[str] = ()) -> list[Finding]:
    """The pattern-only redactor: known names, titles, greetings and patterns, no recogniser.

    Kept to measure what the recogniser adds (bench/bench_redaction.py); the
    course never uses it in place of :func:`find_personal_data`.

    Examples
    --------
    >>> [f.text for f in find_personal_data_by_patterns("Thank Ana Ruiz, Ms. Otieno and ana@example.org")]
    ['Otieno', 'ana@example.org']
    """
    text = _checked_text(text)
    names, keep = _texts(names), _texts(keep)
    kept = {_fold(name) for name in keep}
    spans = [
        *(("EMAIL", span) for span in regex_spans([EMAIL], text)),
        *(("VOTER_ID", span) for span in id_spans(text)),
        *(("ADDRESS", span) for span in regex_spans(address_patterns(), text)),
        *(("PHONE", span) for span in phone_spans(text)),
        *(("NAME", span) for span in _name_index(names, keep).spans(text)),
        *(("NAME", span) for span in regex_spans([TITLE_NAME, INTRODUCED_NAME], text, "name")),
    ]
    found = [Finding(kind, start, end, text[start:end]) for kind, (start, end) in spans]
    return _without_overlaps([f for f in found if not (f.kind == "NAME" and _fold(f.text) in kept)])


def redact_by_patterns(text: str, names: Iterable[str] = (), keep: Iterable[str] = ()) -> str:
    """:func:`redact` with the pattern-only redactor, to compare (never used in place of :func:`redact`).

    Examples
    --------
    >>> redact_by_patterns("Thank Ana Ruiz on 0722 123 456")
    'Thank Ana Ruiz on [PHONE]'
    """
    return replace_findings(text, find_personal_data_by_patterns(text, names, keep))


@functools.cache
def _anonymizer():
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def replace_findings(text: str, findings: list[Finding]) -> str:
    """Put the placeholders in place of the findings, with Presidio's anonymizer."""
    if not findings:
        return text
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(f.kind, f.start, f.end, 1.0) for f in findings]
    operators = {kind: OperatorConfig("replace", {"new_value": value}) for kind, value in PLACEHOLDERS.items()}
    return _anonymizer().anonymize(text=text, analyzer_results=results, operators=operators).text


def redact(text: str, names: Iterable[str] = (), keep: Iterable[str] = ()) -> str:
    """Replace personal data in ``text`` with placeholders such as ``[NAME]`` and ``[PHONE]``.

    Parameters
    ----------
    text : str
        Text that may contain personal data.
    names : iterable of str
        Known names to hide (pass the voter file's names); other names are
        found by the recogniser, after titles ("Mrs. Ochieng") and greetings ("Dear Ana").
    keep : iterable of str
        Public names to leave in place, such as the candidate's.

    Returns
    -------
    str
        The text with ``[NAME]``, ``[PHONE]``, ``[EMAIL]``, ``[ADDRESS]`` and
        ``[VOTER_ID]`` in place of what was found.

    Raises
    ------
    RecogniserMissing
        If the name recogniser cannot load; nothing is redacted by patterns alone.

    Examples
    --------
    >>> redact("Grace Achieng (grace.a@example.org, +254 712 000 111) lives at 14 Moi Avenue.")
    '[NAME] ([EMAIL], [PHONE]) lives at [ADDRESS].'
    >>> redact("Voter ID: KE-0044-1923 asked about ward 4.")
    'Voter ID: [VOTER_ID] asked about ward 4.'
    """
    findings = find_personal_data(text, names, keep)
    return replace_findings(_LONE_SURROGATE.sub("\ufffd", text), findings)


def count_kinds(findings: Iterable[Finding]) -> dict[str, int]:
    """How many of each kind were found, e.g. ``{"NAME": 2, "PHONE": 1}``: the counts, never the values."""
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    return counts
