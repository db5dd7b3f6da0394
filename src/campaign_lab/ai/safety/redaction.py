"""Find and hide personal data before text goes to an AI service.

:func:`redact` replaces names, phone numbers, email addresses, street
addresses and voter ids with placeholders such as ``[NAME]``. Names are found
two ways: from a list of known names (pass the voter file's names) and from
patterns such as a title before a capitalised word ("Ms. Otieno"). Patterns
catch most, not all, personal data: read the redacted text before sending it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "VOTER_ID": "[VOTER_ID]",
    "PHONE": "[PHONE]",
    "ADDRESS": "[ADDRESS]",
    "NAME": "[NAME]",
}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (a key of ``PLACEHOLDERS``) and where it is."""

    kind: str
    start: int
    end: int
    text: str


# --- patterns -----------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# An id after a label such as "voter id:", "elector no." or "registration #".
_LABELLED_ID = re.compile(
    r"\b(?:voter|elector(?:al)?|registration|reg|ballot|national|clave de elector|credencial|id)\b\.?"
    r"(?:\s*(?:id\b|no\b\.?|number\b|num\b\.?|card\b|#))*\s*[:#]?\s*(?:(?:is|was)\s+)?"
    r"(?P<id>[A-Z0-9][A-Z0-9/-]{3,}[A-Z0-9])\b",
    re.IGNORECASE,
)
# An unlabelled id: up to six capital letters then at least five digits, e.g. "KE-NRB-004512".
_BARE_ID = re.compile(r"\b[A-Z]{1,6}(?:[-/][A-Z0-9]{1,6})*[-/]?\d{5,}[A-Z0-9]*\b")

_PHONE = re.compile(
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
_PO_BOX = re.compile(r"\bP\.?\s?O\.?\s*Box\s+\d+(?:\s*-\s*\d+)?", re.IGNORECASE)

_TITLE_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Hon|Sr|Sra|Srta|Sir|Dame|Mama|Mzee)\.?\s+"
    r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)"
)
_INTRODUCED_NAME = re.compile(
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

    def __init__(self, names: Iterable[str], keep: Iterable[str]):
        kept = {tuple(_fold(w) for w in _WORD.findall(name)) for name in keep}
        self.full: set[tuple[str, ...]] = set()
        self.parts: set[str] = set()
        for name in names:
            words = tuple(_fold(word) for word in _WORD.findall(name))
            if not words or words in kept:
                continue
            self.full.add(words)
            self.parts.update(word for word in words if len(word) >= 3 and word not in _COMMON_WORDS)
        self.parts -= {word for words in kept for word in words}
        self.longest = max((len(words) for words in self.full), default=0)

    def find(self, text: str) -> list[Finding]:
        words = list(_WORD.finditer(text))
        found: list[Finding] = []
        i = 0
        while i < len(words):
            length = self._match_length(text, words, i)
            if length:
                last = words[i + length - 1]
                start, end = words[i].start(), last.start() + len(_strip_possessive(last.group()))
                found.append(Finding("NAME", start, end, text[start:end]))
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
def _name_index(names: tuple[str, ...], keep: tuple[str, ...]) -> _NameIndex:
    """Build the index once per name list: a client redacts many texts with the same voter names."""
    return _NameIndex(names, keep)


# --- detectors ----------------------------------------------------------------


def _regex_findings(kind: str, pattern: re.Pattern, text: str, group: str | int = 0) -> list[Finding]:
    return [Finding(kind, m.start(group), m.end(group), m.group(group)) for m in pattern.finditer(text)]


def _phone_findings(text: str) -> list[Finding]:
    found = []
    for match in _PHONE.finditer(text):
        candidate = match.group()[: match.start("ext") - match.start()] if match.group("ext") else match.group()
        digits = sum(char.isdigit() for char in candidate)
        local_number = digits == 7 and re.fullmatch(r"\d{3}[ .-]\d{4}", candidate)
        if (8 <= digits <= 15 or local_number) and not _DATE.fullmatch(candidate):
            found.append(Finding("PHONE", match.start(), match.end(), match.group()))
    return found


def _id_findings(text: str) -> list[Finding]:
    labelled = [f for f in _regex_findings("VOTER_ID", _LABELLED_ID, text, "id") if sum(c.isdigit() for c in f.text) >= 3]
    return labelled + _regex_findings("VOTER_ID", _BARE_ID, text)


def _address_findings(text: str) -> list[Finding]:
    patterns = (_PO_BOX, _STREET_FIRST_ADDRESS, _NUMBER_FIRST_ADDRESS)
    return [finding for pattern in patterns for finding in _regex_findings("ADDRESS", pattern, text)]


def _name_findings(text: str, index: _NameIndex, keep: Iterable[str]) -> list[Finding]:
    kept = {_fold(name) for name in keep}
    by_pattern = [
        finding
        for pattern in (_TITLE_NAME, _INTRODUCED_NAME)
        for finding in _regex_findings("NAME", pattern, text, "name")
        if _fold(finding.text) not in kept
    ]
    return index.find(text) + by_pattern


def find_personal_data(text: str, names: Iterable[str] = (), keep: Iterable[str] = ()) -> list[Finding]:
    """List the personal data found in ``text``, in reading order, without overlaps.

    Parameters
    ----------
    text : str
        Any text, for example a prompt or a voter's email.
    names : iterable of str
        Known names of people (for example the voter file's ``name`` column).
    keep : iterable of str
        Public names that must stay, such as the candidate's own name.

    Returns
    -------
    list of Finding

    Examples
    --------
    >>> [f.kind for f in find_personal_data("Call Wanjiru on 0722 123 456", names=["Wanjiru Kamau"])]
    ['NAME', 'PHONE']
    """
    names, keep = _texts(names), _texts(keep)
    candidates = (
        _regex_findings("EMAIL", _EMAIL, text)
        + _id_findings(text)
        + _address_findings(text)
        + _phone_findings(text)
        + _name_findings(text, _name_index(names, keep), keep)
    )
    accepted: list[Finding] = []
    for finding in candidates:  # earlier kinds win: an email holds a name, an address a number
        if not any(finding.start < other.end and other.start < finding.end for other in accepted):
            accepted.append(finding)
    return sorted(accepted, key=lambda finding: finding.start)


def redact(text: str, names: Iterable[str] = (), keep: Iterable[str] = ()) -> str:
    """Replace personal data in ``text`` with placeholders such as ``[NAME]`` and ``[PHONE]``.

    Parameters
    ----------
    text : str
        Text that may contain personal data.
    names : iterable of str
        Known names to hide (pass the voter file's names); names are also
        found after titles ("Mrs. Ochieng") and greetings ("Dear Ana").
    keep : iterable of str
        Public names to leave in place, such as the candidate's.

    Returns
    -------
    str
        The text with ``[NAME]``, ``[PHONE]``, ``[EMAIL]``, ``[ADDRESS]`` and
        ``[VOTER_ID]`` in place of what was found.

    Examples
    --------
    >>> redact("Grace Achieng (grace.a@example.org, +254 712 000 111) lives at 14 Moi Avenue.",
    ...        names=["Grace Achieng"])
    '[NAME] ([EMAIL], [PHONE]) lives at [ADDRESS].'
    >>> redact("Voter ID: KE-0044-1923 asked about ward 4.")
    'Voter ID: [VOTER_ID] asked about ward 4.'
    """
    pieces, position = [], 0
    for finding in find_personal_data(text, names, keep):
        pieces += [text[position : finding.start], PLACEHOLDERS[finding.kind]]
        position = finding.end
    return "".join(pieces) + text[position:]
