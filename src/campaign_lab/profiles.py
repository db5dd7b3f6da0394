"""Context profiles: the place, people and rules a course run is set in.

A *context profile* is a YAML file that describes one fictional campaign in a
real or fictional place: the constituency and its wards, who lives there, the
languages they speak, the candidate and her rivals, the election calendar,
past turnout, the laws that apply and the currency. The synthetic datasets are
generated from it, and the notebooks read it to tell their story.

Shipped profiles live in ``datasets/profiles/``; ``TEMPLATE.yaml`` there
explains every field.

Examples
--------
>>> from campaign_lab.profiles import load_profile
>>> profile = load_profile("default")
>>> profile.candidate.gender
'woman'
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from campaign_lab import paths
from campaign_lab._codes import COUNTRY_CODES, CURRENCY_CODES, LANGUAGE_CODES
from campaign_lab.errors import BadInput

__all__ = ["Profile", "available_profiles", "describe_profile", "load_profile", "parse_band", "profile_path"]

SHARE_TOLERANCE = 0.001
#: The open top age band (e.g. "65+") is drawn over this many years.
OPEN_BAND_SPAN = 30

#: libyaml's safe loader when PyYAML has it (ten times faster than the pure-Python one).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BAND_PATTERN = re.compile(r"^(\d{2,3})(?:-(\d{2,3})|\+)$")


class _FieldProblem(Exception):
    """A cross-field check failed; carries the dotted path of the field at fault."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_shares(items: list, what: str) -> list:
    total = sum(item.share if hasattr(item, "share") else item.population_share for item in items)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"the {what} add up to {total:.4f}; they must add up to 1 (within {SHARE_TOLERANCE})")
    return items


def _check_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise ValueError(f"{what} {name!r} appears twice; each must be unique")
        seen.add(name.lower())


def parse_band(band: str) -> tuple[int, int]:
    """Return the first and last age (inclusive) of an age band such as ``"18-24"`` or ``"65+"``.

    An open band (``"65+"``) is taken to span :data:`OPEN_BAND_SPAN` years.

    Examples
    --------
    >>> parse_band("18-24")
    (18, 24)
    >>> parse_band("65+")
    (65, 94)
    """
    match = _BAND_PATTERN.match(band)
    if not match:
        raise ValueError(f"age band {band!r} must look like '18-24' or '65+'")
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else low + OPEN_BAND_SPAN - 1
    if high < low:
        raise ValueError(f"age band {band!r} ends before it starts")
    return low, high


def _check_bands(bands: list[str]) -> None:
    """Age bands must start at 18 or later, be in order, touch and not overlap; only the last may be open."""
    expected_low = None
    for index, band in enumerate(bands):
        low, high = parse_band(band)
        if band.endswith("+") and index != len(bands) - 1:
            raise ValueError(f"only the last age band may be open-ended like '65+' (got {band!r})")
        if low < 18:
            raise ValueError(f"age band {band!r} starts below 18, the voting age")
        if expected_low is not None and low != expected_low:
            raise ValueError(f"age band {band!r} must start at {expected_low}, right after the band before it")
        expected_low = high + 1


# ----------------------------------------------------------------------------- parts


class Source(_Model):
    """Where a figure comes from."""

    title: str = Field(min_length=3)
    url: str = Field(pattern=r"^https?://\S+$")
    year: int = Field(ge=1900, le=2100)


class Citation(_Model):
    """The title and address of a law or official document."""

    title: str = Field(min_length=3)
    url: str = Field(pattern=r"^https?://\S+$")


class Country(_Model):
    name: str = Field(min_length=2)
    code: str
    fictional: bool = False

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value not in COUNTRY_CODES:
            raise ValueError(f"must be an ISO 3166 two-letter country code such as 'KE' or 'MX', or 'XX' for a fictional country (got {value!r})")
        return value

    @model_validator(mode="after")
    def _fictional_means_xx(self) -> "Country":
        if self.fictional != (self.code == "XX"):
            raise _FieldProblem("country.code", "must be 'XX' exactly when `country.fictional` is true")
        return self


class Ward(_Model):
    name: str = Field(min_length=1)
    setting: Literal["urban", "rural"]
    population_share: float = Field(gt=0, le=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    #: Wards the campaign has reached least in the past (the data plants low contact rates there).
    underserved: bool = False


class Constituency(_Model):
    name: str = Field(min_length=2)
    kind: str = Field(min_length=2)
    wards: list[Ward] = Field(min_length=2)

    @field_validator("wards")
    @classmethod
    def _wards_ok(cls, wards: list[Ward]) -> list[Ward]:
        _check_unique([ward.name for ward in wards], "ward name")
        return _check_shares(wards, "ward population_share values")


class AgeBand(_Model):
    band: str
    share: float = Field(gt=0, le=1)

    @field_validator("band")
    @classmethod
    def _band_format(cls, value: str) -> str:
        parse_band(value)
        return value


class SexShares(_Model):
    """Shares (0-1) of women and men; they must add up to 1."""

    women: float = Field(ge=0, le=1)
    men: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> "SexShares":
        if abs(self.women + self.men - 1) > SHARE_TOLERANCE:
            raise ValueError(f"women and men add up to {self.women + self.men:.4f}; they must add up to 1")
        return self


class Community(_Model):
    name: str = Field(min_length=1)
    share: float = Field(gt=0, le=1)
    #: Communities campaigns have historically reached least (planted as low contact rates).
    underserved: bool = False


class Population(_Model):
    registered_voters: int = Field(gt=0)
    age_bands: list[AgeBand] = Field(min_length=2)
    sex: SexShares
    communities: list[Community] = Field(default_factory=list)
    source: Source | None = None
    illustrative: bool
    note: str = ""

    @field_validator("age_bands")
    @classmethod
    def _bands_ok(cls, bands: list[AgeBand]) -> list[AgeBand]:
        _check_bands([band.band for band in bands])
        return _check_shares(bands, "age band shares")

    @field_validator("communities")
    @classmethod
    def _communities_ok(cls, communities: list[Community]) -> list[Community]:
        if communities:
            _check_unique([c.name for c in communities], "community")
            _check_shares(communities, "community shares")
        return communities


class Language(_Model):
    code: str
    name: str = Field(min_length=2)
    share: float = Field(gt=0, le=1)

    @field_validator("code")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGE_CODES:
            raise ValueError(f"must be an ISO 639-1 two-letter language code such as 'en', 'sw' or 'es' (got {value!r})")
        return value


class Candidate(_Model):
    name: str = Field(min_length=2)
    party: str = Field(min_length=2)
    gender: str
    age: int = Field(ge=18, le=110)
    slogan: str = Field(min_length=2)
    bio: str = ""

    @field_validator("gender")
    @classmethod
    def _is_woman(cls, value: str) -> str:
        if value != "woman":
            raise ValueError(f"must be 'woman': this course follows a woman candidate (got {value!r})")
        return value


class Rival(_Model):
    name: str = Field(min_length=2)
    party: str = Field(min_length=2)
    gender: Literal["woman", "man", "non-binary"]
    age: int | None = Field(default=None, ge=18, le=110)
    slogan: str = ""


class PastElection(_Model):
    name: str = Field(min_length=2)
    date: dt.date
    #: Turnout in this election relative to the one the turnout figures describe (1.0 = the same).
    relative_turnout: float = Field(default=1.0, gt=0, le=1.5)


class Calendar(_Model):
    campaign_start: dt.date
    registration_deadline: dt.date
    election_day: dt.date
    past_elections: list[PastElection] = Field(min_length=1, max_length=5)

    @model_validator(mode="after")
    def _in_order(self) -> "Calendar":
        if not self.campaign_start < self.election_day:
            raise _FieldProblem("calendar.campaign_start", "must be before `calendar.election_day`")
        if not self.registration_deadline < self.election_day:
            raise _FieldProblem("calendar.registration_deadline", "must be before `calendar.election_day`")
        dates = [election.date for election in self.past_elections]
        for index, date in enumerate(dates):
            if date >= self.election_day:
                raise _FieldProblem(f"calendar.past_elections[{index}].date", "must be before `calendar.election_day`")
            if index and date <= dates[index - 1]:
                raise _FieldProblem(f"calendar.past_elections[{index}].date", "must come after the election listed before it (oldest first)")
            if index and date.year == dates[index - 1].year:
                raise _FieldProblem(f"calendar.past_elections[{index}].date", "must be in a different year from the election before it (one election per year)")
        return self


class AgeRate(_Model):
    band: str
    rate: float = Field(gt=0, lt=1)
    #: True when this band's rate is not in the cited source (set so the totals agree).
    illustrative: bool = False


class SexRates(_Model):
    """Turnout (0-1) of women and of men."""

    women: float = Field(gt=0, lt=1)
    men: float = Field(gt=0, lt=1)


class Turnout(_Model):
    """Turnout (share of registered voters who voted, 0-1) in one past election."""

    election_year: int
    overall: float = Field(gt=0, lt=1)
    by_age: list[AgeRate] = Field(min_length=2)
    by_sex: SexRates
    source: Source | None = None
    illustrative: bool
    note: str = ""

    @model_validator(mode="after")
    def _cited_unless_illustrative(self) -> "Turnout":
        if not self.illustrative and self.source is None:
            raise ValueError("turnout figures need a `source` (title, url, year) unless marked `illustrative: true`")
        return self


class Rule(_Model):
    law: str = Field(min_length=2)
    section: str = Field(min_length=1)
    requires: str = Field(min_length=5)
    citation: Citation | None = None
    illustrative: bool

    @model_validator(mode="after")
    def _cited_unless_illustrative(self) -> "Rule":
        if not self.illustrative and self.citation is None:
            raise ValueError("a rule needs a `citation` (title and url) unless it is marked `illustrative: true`")
        return self


class Rules(_Model):
    data_protection: list[Rule] = Field(min_length=1)
    political_ads: list[Rule] = Field(min_length=1)
    ai_disclosure: list[Rule] = Field(min_length=1)


class Contact(_Model):
    """Where a candidate turns when abuse becomes a threat: who, for what, and how to reach them."""

    name: str = Field(min_length=2)
    when: str = Field(min_length=5)
    how: str = Field(min_length=5)
    citation: Citation | None = None
    illustrative: bool

    @model_validator(mode="after")
    def _cited_unless_illustrative(self) -> "Contact":
        if not self.illustrative and self.citation is None:
            raise ValueError("a contact needs a `citation` (title and url) unless it is marked `illustrative: true`")
        return self


class Safety(_Model):
    """The candidate's own safety: the law on harassing or intimidating her, and whom to call.

    Optional, so that older profiles still load; the course says so when a profile has none.
    """

    harassment_law: list[Rule] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)


class DonationLimit(_Model):
    amount: float = Field(gt=0)
    period: str = "per donor per election"
    citation: Citation | None = None
    illustrative: bool
    note: str = ""

    @model_validator(mode="after")
    def _cited_unless_illustrative(self) -> "DonationLimit":
        if not self.illustrative and self.citation is None:
            raise ValueError("a donation limit needs a `citation` unless it is marked `illustrative: true`")
        return self


class Money(_Model):
    currency: str
    symbol: str = Field(min_length=1)
    currency_name: str = ""
    donation_limit: DonationLimit
    #: A typical small gift, used to scale the synthetic donor table.
    typical_gift: float = Field(default=50, gt=0)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in CURRENCY_CODES:
            raise ValueError(f"must be an ISO 4217 currency code such as 'KES', 'MXN' or 'USD', or 'XXX' for a fictional currency (got {value!r})")
        return value


_DEFAULT_NAMES = {
    "women": ["Amara", "Lena", "Nadia", "Rosa", "Mira", "Tess", "Ines", "Yara", "Olive", "Hana", "Sade", "Ana"],
    "men": ["Tomas", "Ravi", "Jonah", "Kofi", "Luis", "Arlo", "Sami", "Dev", "Omar", "Felix", "Ivo", "Ben"],
    "surnames": ["Aldane", "Brisk", "Corvell", "Dunmore", "Estaval", "Fenwick", "Galloway", "Harrow", "Ilsley", "Jorvik", "Kestrel", "Lindqvist"],
    "streets": ["Harbour", "Mill", "Orchard", "Station", "Lantern", "Quarry", "Willow", "Beacon"],
}


class Names(_Model):
    """Vocabularies the voter file draws fake names and addresses from."""

    women: list[str] = Field(default_factory=lambda: list(_DEFAULT_NAMES["women"]), min_length=5)
    men: list[str] = Field(default_factory=lambda: list(_DEFAULT_NAMES["men"]), min_length=5)
    surnames: list[str] = Field(default_factory=lambda: list(_DEFAULT_NAMES["surnames"]), min_length=5)
    streets: list[str] = Field(default_factory=lambda: list(_DEFAULT_NAMES["streets"]), min_length=3)
    street_word: str = "Road"


# ----------------------------------------------------------------------------- profile


class Profile(_Model):
    """A validated context profile. Load one with :func:`load_profile`."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    title: str = Field(min_length=3)
    country: Country
    constituency: Constituency
    population: Population
    languages: list[Language] = Field(min_length=1)
    issues: list[str] = Field(min_length=3)
    candidate: Candidate
    rivals: list[Rival] = Field(min_length=1)
    calendar: Calendar
    turnout: Turnout
    rules: Rules
    money: Money
    safety: Safety = Field(default_factory=Safety)
    names: Names = Field(default_factory=Names)
    #: Optional translations of `issues`, by language code, in the same order.
    issue_translations: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("languages")
    @classmethod
    def _languages_ok(cls, languages: list[Language]) -> list[Language]:
        _check_unique([language.code for language in languages], "language code")
        return _check_shares(languages, "language shares")

    @field_validator("issues")
    @classmethod
    def _issues_ok(cls, issues: list[str]) -> list[str]:
        _check_unique(issues, "issue")
        return issues

    @model_validator(mode="after")
    def _consistent(self) -> "Profile":
        self._check_translations()
        self._check_turnout_bands()
        self._check_turnout_year()
        return self

    def _check_translations(self) -> None:
        for code, issues in self.issue_translations.items():
            if code not in LANGUAGE_CODES:
                raise _FieldProblem(f"issue_translations.{code}", "must be keyed by an ISO 639-1 language code such as 'es'")
            if len(issues) != len(self.issues):
                raise _FieldProblem(f"issue_translations.{code}", f"must translate all {len(self.issues)} issues, in the same order as `issues` (got {len(issues)})")

    def _check_turnout_bands(self) -> None:
        wanted = [band.band for band in self.population.age_bands]
        given = [rate.band for rate in self.turnout.by_age]
        if given != wanted:
            raise _FieldProblem("turnout.by_age", f"must list the same age bands, in the same order, as `population.age_bands` ({', '.join(wanted)}); got {', '.join(given)}")

    def _check_turnout_year(self) -> None:
        years = [election.date.year for election in self.calendar.past_elections]
        if self.turnout.election_year not in years:
            raise _FieldProblem("turnout.election_year", f"must be the year of one of `calendar.past_elections` ({', '.join(map(str, years))})")

    # -- helpers the notebooks use -------------------------------------------------

    def wards_frame(self):
        """Return the wards as a pandas DataFrame (name, setting, population_share, lat, lon, underserved).

        Examples
        --------
        >>> load_profile("default").wards_frame().columns.tolist()[:3]
        ['name', 'setting', 'population_share']
        """
        import pandas as pd

        return pd.DataFrame([ward.model_dump() for ward in self.constituency.wards])

    def issues_in(self, language: str) -> list[str]:
        """The issues in a language, from `issue_translations`, falling back to `issues`.

        Examples
        --------
        >>> load_profile("mexico-municipality").issues_in("es")[0]
        'seguridad pública'
        """
        return list(self.issue_translations.get(language, self.issues))

    @property
    def age_band_names(self) -> list[str]:
        """The age bands in order, e.g. ``['18-24', '25-34', ...]``."""
        return [band.band for band in self.population.age_bands]

    @property
    def latest_election(self) -> PastElection:
        """The most recent past election."""
        return self.calendar.past_elections[-1]

    @property
    def turnout_election(self) -> PastElection:
        """The past election the turnout figures describe."""
        return next(e for e in self.calendar.past_elections if e.date.year == self.turnout.election_year)


def describe_profile(profile: Profile) -> str:
    """Return a short, human-readable summary of a profile (a few lines).

    Examples
    --------
    >>> print(describe_profile(load_profile("default")).splitlines()[0])
    Profile 'default': Riverbend North: a fictional constituency for the classroom
    """
    wards = profile.constituency.wards
    rural = sum(ward.setting == "rural" for ward in wards)
    flags = [("population", profile.population.illustrative), ("turnout", profile.turnout.illustrative)]
    illustrative = [name for name, flag in flags if flag]
    rules = profile.rules
    rule_count = len(rules.data_protection) + len(rules.political_ads) + len(rules.ai_disclosure)
    lines = [
        f"Profile {profile.id!r}: {profile.title}",
        f"  Place:     {profile.constituency.name} ({profile.constituency.kind}), {profile.country.name}"
        + (" [fictional]" if profile.country.fictional else ""),
        f"  Wards:     {len(wards)} ({len(wards) - rural} urban, {rural} rural)",
        f"  Voters:    {profile.population.registered_voters:,} registered",
        f"  Languages: {', '.join(language.name for language in profile.languages)}",
        f"  Candidate: {profile.candidate.name} ({profile.candidate.party}), against {len(profile.rivals)} rival(s)",
        f"  Election:  {profile.calendar.election_day.isoformat()}",
        f"  Turnout:   {profile.turnout.overall:.1%} in {profile.turnout.election_year}",
        f"  Rules:     {rule_count} listed; money in {profile.money.currency}",
        f"  Safety:    {len(profile.safety.harassment_law)} harassment law(s), {len(profile.safety.contacts)} contact(s)",
        f"  Illustrative figures: {', '.join(illustrative) if illustrative else 'none'}",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- loading


def available_profiles() -> list[str]:
    """Return the names of the shipped profiles, e.g. ``['default', 'kenya-county', ...]``.

    Examples
    --------
    >>> "default" in available_profiles()
    True
    """
    folder = paths.profiles_dir()
    names = [path.stem for path in folder.glob("*.yaml") if path.stem != "TEMPLATE"]
    return sorted(names, key=lambda name: (name != "default", name))


def profile_path(name_or_path: str | Path) -> Path:
    """Return the YAML file a profile name or path refers to, or raise :class:`BadInput`."""
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in text or "\\" in text or text.endswith((".yaml", ".yml"))
    path = Path(text) if looks_like_path else paths.profiles_dir() / f"{text}.yaml"
    if path.is_file():
        return path
    if looks_like_path:
        raise BadInput(f"No profile file at {text}: check the path, or use one of the shipped profiles: {', '.join(available_profiles())}.")
    raise BadInput(f"There is no profile called {text!r}. Use one of {', '.join(available_profiles())}, or give the path to your own YAML file.")


def load_profile(name_or_path: str | Path | Profile = "default") -> Profile:
    """Load and validate a context profile.

    Parameters
    ----------
    name_or_path : str, Path or Profile
        A shipped profile name (``"default"``, ``"kenya-county"``,
        ``"mexico-municipality"``, ``"us-state-house"``) or the path of a YAML
        file. A :class:`Profile` is returned unchanged.

    Returns
    -------
    Profile
        The validated profile; ``profile.id`` is its name.

    Raises
    ------
    BadInput
        If the name is unknown, the file is not valid YAML, or a field is
        missing or not allowed. The one-line message names the file and the
        field (for example ``constituency.wards[2].population_share``).

    Examples
    --------
    >>> profile = load_profile("kenya-county")
    >>> profile.money.currency
    'KES'
    """
    if isinstance(name_or_path, Profile):
        return name_or_path
    path = profile_path(name_or_path)
    data = _read_yaml(path)
    data.setdefault("id", path.stem)
    try:
        return Profile.model_validate(data)
    except ValidationError as error:
        raise BadInput(_describe_validation_error(path, error)) from None
    except _FieldProblem as problem:
        raise BadInput(_one_line(f"Profile {path}: field `{problem.path}`: {problem.message}.")) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"Profile {path} is not a UTF-8 text file: save it as UTF-8 YAML.") from None
    if not text.strip():
        raise BadInput(f"Profile {path} is empty: copy datasets/profiles/TEMPLATE.yaml and fill it in.")
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "it cannot be parsed"
        raise BadInput(_one_line(f"Profile {path} is not valid YAML{where} ({problem}): check the indentation and quotes there.")) from None
    if data is None:
        raise BadInput(f"Profile {path} is empty: copy datasets/profiles/TEMPLATE.yaml and fill it in.")
    if not isinstance(data, dict):
        raise BadInput(f"Profile {path} must be a YAML mapping of fields (id, title, country, ...), not a {type(data).__name__}.")
    return data


def _dotted(location: tuple) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _describe_validation_error(path: Path, error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    location = tuple(part for part in first["loc"] if not (isinstance(part, str) and part.startswith("function-")))
    return _one_line(f"Profile {path}: field `{_dotted(location)}`: {_plain_message(first)}.")


def _plain_message(detail: dict) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "this required field is missing: add it (TEMPLATE.yaml shows an example)"
    if kind == "extra_forbidden":
        return "is not a field a profile can have: check its spelling against TEMPLATE.yaml"
    if kind in _PLAIN_TYPES:
        return f"{_PLAIN_TYPES[kind]} (got {_shown(detail.get('input'))})"
    message = detail["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    message = message.replace("Input should be", "must be").replace("String should", "must")
    message = message.replace("List should", "must").replace("Value should", "must")
    return f"{message} (got {_shown(detail.get('input'))})"


_PLAIN_TYPES = {
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_type": "must be a date written YYYY-MM-DD",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list (lines starting with '-')",
    "model_type": "must be a group of fields (indented lines like `name: ...`)",
    "model_attributes_type": "must be a group of fields (indented lines like `name: ...`)",
    "dict_type": "must be a group of fields (indented lines like `name: ...`)",
}


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())
