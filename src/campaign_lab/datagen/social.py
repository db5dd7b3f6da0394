"""Social media: accounts, timestamped posts and replies, and held-out labels.

Planted on purpose (see datasets/cards/posts.md):

* abuse aimed at the candidate at the rate Amnesty's Troll Patrol found for
  women politicians (7.1%), most of it gendered; rivals get far less;
* a small bot network posting near-duplicates of one false story in bursts;
* a spike of complaints about one issue over three days (an emerging issue);
* the candidate's coverage turns warmer after the debate.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa

from campaign_lab.datagen import phrases
from campaign_lab.datagen._common import ascii_slug, cumulative, long_date, rng_for, weighted_index
from campaign_lab.datagen.model import PopulationModel, debate_day, place_name, story_day

#: Troll Patrol (Amnesty International and Element AI, 2018): 7.1% of tweets sent to
#: women politicians and journalists were abusive or problematic.
CANDIDATE_ABUSE_RATE = 0.071
RIVAL_ABUSE_RATE = 0.02  # illustrative: lower, and not gendered
GENDERED_SHARE = 0.7  # illustrative share of the abuse at the candidate that is gendered
N_ORGANIC = 4200
N_ACCOUNTS = 900
N_BOTS = 24
N_BURSTS = 10
OFFICIAL_POSTS = {"candidate": 60, "rival": 35}
PLATFORMS = ("X", "Facebook", "Instagram", "TikTok")
SPANISH_SHARE_MX = 0.35


class _Posts:
    """Rows collected before sorting by time and numbering."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, **row) -> int:
        row["key"] = len(self.rows)
        self.rows.append(row)
        return row["key"]


class _Context:
    def __init__(self, model: PopulationModel):
        profile = model.profile
        self.model = model
        self.profile = profile
        self.rng = rng_for(model.seed, "social")
        self.start = dt.datetime.combine(profile.calendar.campaign_start - dt.timedelta(days=14), dt.time())
        self.end = dt.datetime.combine(story_day(model), dt.time())
        self.seconds = int((self.end - self.start).total_seconds())
        self.debate = dt.datetime.combine(debate_day(model), dt.time(20))
        self.spike_start = self.start + (self.end - self.start) * 0.7
        self.spike_issue = profile.issues[1]
        self.tag = "#" + re.sub(r"[^A-Za-z0-9]", "", ascii_slug(place_name(profile), " ").title()) + "Decides"
        self.languages = ["en", "es"] if profile.country.code == "MX" else ["en"]
        # Worked out once: fill() runs for every post.
        self.rivals = [rival.name for rival in profile.rivals]
        self.wards = [ward.name for ward in profile.constituency.wards]
        self.issues = {language: profile.issues_in(language) for language in ("en", "es")}
        self.dates = {language: long_date(profile.calendar.election_day, language) for language in ("en", "es")}
        self.place = place_name(profile)

    def fill(self, template: str, target: str = "", issue: int | None = None, ward: str | None = None, language: str = "en") -> str:
        """Fill a template's placeholders; ``issue`` is the position of the issue in the profile."""
        rng = self.rng
        rival = self.rivals[rng.integers(len(self.rivals))]
        issues = self.issues[language]
        return template.format(
            cand=self.profile.candidate.name,
            rival=rival,
            target=target or rival,
            issue=issues[issue if issue is not None else rng.integers(len(issues))],
            ward=ward or self.wards[rng.integers(len(self.wards))],
            place=self.place,
            date=self.dates[language],
            tag=self.tag,
        )

    def moment(self) -> dt.datetime:
        """A time in the window, busier in the evening than at night."""
        day = int(self.rng.integers(0, max(self.seconds // 86400, 1)))
        hour = weighted_index(self.rng, _HOURS)
        return self.start + dt.timedelta(days=day, hours=hour, seconds=int(self.rng.integers(0, 3600)))


_HOURS = np.array([1, 0.5, 0.3, 0.3, 0.4, 1, 2, 4, 5, 5, 5, 5, 6, 5, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3], dtype=float)
_HOURS = cumulative(_HOURS / _HOURS.sum())
#: Sentiment mixes (positive, negative, neutral) about a candidate, and (negative, positive, neutral) about an issue.
_BEFORE_DEBATE, _AFTER_DEBATE = cumulative([0.32, 0.36, 0.32]), cumulative([0.48, 0.22, 0.30])
_ISSUE_MOOD = cumulative([0.5, 0.2, 0.3])
_PLATFORM_MIX = cumulative([0.4, 0.3, 0.15, 0.15])


def social_tables(model: PopulationModel) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Return (accounts, posts, post_labels)."""
    ctx = _Context(model)
    accounts = _accounts(ctx)
    posts = _Posts()
    official = _official_posts(ctx, posts, accounts)
    _organic_posts(ctx, posts, accounts, official)
    _spike_posts(ctx, posts, accounts)
    _bot_posts(ctx, posts, accounts)
    return _account_table(accounts), *_post_tables(ctx, posts, accounts)


# ----------------------------------------------------------------------------- accounts


def _accounts(ctx: _Context) -> dict[str, list]:
    """Official accounts, ordinary people, a few repeat abusers, and the bot network."""
    rng, profile = ctx.rng, ctx.profile
    names = profile.names
    kinds = ["official_candidate"] + ["official_rival"] * len(profile.rivals) + ["person"] * N_ACCOUNTS + ["troll"] * 30 + ["bot"] * N_BOTS
    n = len(kinds)
    first = list(names.women) + list(names.men)
    handles, created, followers, following, avatar, bio = [], [], [], [], [], []
    for index, kind in enumerate(kinds):
        if kind == "official_candidate":
            handle = ascii_slug(profile.candidate.name, "_")
        elif kind == "official_rival":
            handle = ascii_slug(profile.rivals[index - 1].name, "_")
        elif kind == "bot":
            handle = f"{ascii_slug(first[rng.integers(len(first))])}{rng.integers(10_000_000, 99_999_999)}"
        else:
            handle = f"{ascii_slug(first[rng.integers(len(first))])}_{ascii_slug(names.surnames[rng.integers(len(names.surnames))])[:4]}{rng.integers(1, 999)}"
        handles.append(handle)
        age_days = int(rng.integers(5, 60)) if kind == "bot" else int(rng.integers(200, 4000))
        created.append((ctx.start - dt.timedelta(days=age_days)).date())
        followers.append(int(rng.integers(3, 60)) if kind == "bot" else int(rng.lognormal(8.5 if kind.startswith("official") else 4.6, 1.0)))
        following.append(int(rng.integers(400, 1500)) if kind == "bot" else int(rng.lognormal(5.0, 0.8)))
        avatar.append(bool(rng.random() < (0.75 if kind == "bot" else 0.06)))
        bio.append("" if kind == "bot" and rng.random() < 0.7 else "bio")
    return {"kind": kinds, "handle": _unique(handles), "created": created, "followers": followers, "following": following, "default_avatar": avatar, "has_bio": [b != "" for b in bio], "n": n}


def _unique(handles: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for handle in handles:
        seen[handle] = seen.get(handle, 0) + 1
        result.append(handle if seen[handle] == 1 else f"{handle}{seen[handle]}")
    return result


def _account_table(accounts: dict[str, list]) -> pa.Table:
    n = accounts["n"]
    return pa.table(
        {
            "account_id": [f"A{i:04d}" for i in range(1, n + 1)],
            "handle": ["@" + handle for handle in accounts["handle"]],
            "created": pa.array(accounts["created"], pa.date32()),
            "followers": accounts["followers"],
            "following": accounts["following"],
            "default_avatar": accounts["default_avatar"],
            "has_bio": accounts["has_bio"],
            "official": [kind.startswith("official") for kind in accounts["kind"]],
        }
    )


def _indices(accounts, kind: str) -> np.ndarray:
    return np.array([i for i, k in enumerate(accounts["kind"]) if k == kind])


# ----------------------------------------------------------------------------- posts


def _official_posts(ctx: _Context, posts: _Posts, accounts) -> dict[str, list[tuple[int, dt.datetime]]]:
    """The candidate's and rivals' own posts; people reply to these."""
    own: dict[str, list] = {"candidate": [], "rival": []}
    for account in [0] + list(range(1, 1 + len(ctx.profile.rivals))):
        who = "candidate" if account == 0 else "rival"
        for _ in range(OFFICIAL_POSTS[who]):
            issue = int(ctx.rng.integers(len(ctx.profile.issues)))
            when = ctx.moment()
            language = ctx.languages[-1]
            text = _official_text(ctx, account, issue, language)
            key = posts.add(account=account, time=when, text=text, reply_to=None, language=language, sentiment="positive", topic=ctx.profile.issues[issue], target="none", abusive=False, gendered=False, coordinated=False)
            own[who].append((key, when, account))
    return own


_OFFICIAL = {
    "en": ("Today in {ward} we talked about {issue}. Our plan is ready and it is fully costed. {tag}", "{name}: a stronger {place} starts with {issue}. Join us this weekend. {tag}"),
    "es": ("Hoy en {ward} hablamos de {issue}. Nuestro plan está listo y tiene costos claros. {tag}", "{name}: un mejor {place} empieza por {issue}. Acompáñanos este fin de semana. {tag}"),
}


def _official_text(ctx: _Context, account: int, issue: int, language: str) -> str:
    """A campaign's own post, in the profile's main language."""
    own, rival = _OFFICIAL[language]
    if account == 0:
        return ctx.fill(own, issue=issue, language=language)
    return ctx.fill(rival.replace("{name}", ctx.profile.rivals[account - 1].name), issue=issue, language=language)


def _organic_posts(ctx: _Context, posts: _Posts, accounts, official) -> None:
    rng = ctx.rng
    people = _indices(accounts, "person")
    trolls = _indices(accounts, "troll")
    about = rng.choice(["candidate", "rival", "issue", "logistics"], size=N_ORGANIC, p=[0.38, 0.27, 0.27, 0.08])
    abusive = _exact_share(rng, about == "candidate", CANDIDATE_ABUSE_RATE) | _exact_share(rng, about == "rival", RIVAL_ABUSE_RATE)
    for topic, abuse in zip(about, abusive, strict=True):
        reply = None
        when = ctx.moment()
        if topic in ("candidate", "rival") and rng.random() < 0.35 and official[topic]:
            parent, parent_time, _ = official[topic][rng.integers(len(official[topic]))]
            reply, when = parent, parent_time + dt.timedelta(minutes=float(rng.exponential(180)))
        row = _organic_row(ctx, str(topic), when, bool(abuse))
        author = trolls[rng.integers(len(trolls))] if abuse and rng.random() < 0.6 else people[rng.integers(len(people))]
        posts.add(account=int(author), time=when, reply_to=reply, **row)


def _exact_share(rng, eligible: np.ndarray, share: float) -> np.ndarray:
    """Flag exactly round(share x count) of the eligible rows, at random."""
    chosen = np.zeros(eligible.shape[0], dtype=bool)
    rows = np.flatnonzero(eligible)
    chosen[rng.choice(rows, size=int(round(share * rows.size)), replace=False)] = True
    return chosen


def _vary(rng, text: str, language: str) -> str:
    """Add the small openers and sign-offs real posts have, so organic posts are not clones."""
    opener = _pick(rng, _OPENERS[language])
    closer = _pick(rng, _CLOSERS[language])
    if opener.endswith((", ", "so ")) and text[:1].isupper() and not text.startswith(("I ", "I'm")):
        text = text[0].lower() + text[1:]
    return f"{opener}{text}{closer}"


_OPENERS = {
    "en": ["", "", "", "Honestly, ", "Ok so ", "Just saying: ", "Question: ", "From {ward}: ", "Seriously, ", "Thread. "],
    "es": ["", "", "", "La verdad, ", "Ojo: ", "Pregunta: ", "Desde {ward}: "],
}
_CLOSERS = {
    "en": ["", "", "", " Thoughts?", " Agree?", " Just my view.", " Pass it on.", " #LocalVoices", " Rant over.", " Discuss."],
    "es": ["", "", "", " ¿Qué opinan?", " Es mi opinión.", " #VocesLocales"],
}


def _organic_row(ctx: _Context, about: str, when: dt.datetime, abusive: bool) -> dict:
    """Choose sentiment and language for one post, then fill a template."""
    rng = ctx.rng
    language = "es" if "es" in ctx.languages and rng.random() < SPANISH_SHARE_MX else "en"
    bank = phrases.PHRASES[language]
    issue = int(rng.integers(len(ctx.profile.issues)))
    topic_issue = ctx.profile.issues[issue]
    if abusive:
        return _abusive_row(ctx, bank, about, language)
    if about in ("candidate", "rival"):
        after_debate = about == "candidate" and when > ctx.debate
        weights = _AFTER_DEBATE if after_debate else _BEFORE_DEBATE
        sentiment = ("positive", "negative", "neutral")[weighted_index(rng, weights)]
        prefix = "cand" if about == "candidate" else "rival"
        template = _pick(rng, bank[f"{prefix}_{sentiment}"])
        topic = topic_issue if "{issue}" in template else "character"
        text = ctx.fill(_vary(rng, template, language), issue=issue, language=language)
        return dict(text=text, language=language, sentiment=sentiment, topic=topic, target=about, abusive=False, gendered=False, coordinated=False)
    if about == "issue":
        sentiment = ("negative", "positive", "neutral")[weighted_index(rng, _ISSUE_MOOD)]
        text = ctx.fill(_vary(rng, _pick(rng, bank[f"issue_{sentiment}"]), language), issue=issue, language=language)
        return dict(text=text, language=language, sentiment=sentiment, topic=topic_issue, target="none", abusive=False, gendered=False, coordinated=False)
    text = ctx.fill(_vary(rng, _pick(rng, bank["logistics_neutral"]), language), language=language)
    return dict(text=text, language=language, sentiment="neutral", topic="election logistics", target="none", abusive=False, gendered=False, coordinated=False)


def _abusive_row(ctx: _Context, bank: dict, about: str, language: str) -> dict:
    rng = ctx.rng
    gendered = about == "candidate" and rng.random() < GENDERED_SHARE
    target_name = ctx.profile.candidate.name if about == "candidate" else ctx.profile.rivals[rng.integers(len(ctx.profile.rivals))].name
    template = _pick(rng, bank["abuse_gendered" if gendered else "abuse_general"])
    return dict(text=ctx.fill(template, target=target_name, language=language), language=language, sentiment="negative", topic="character", target=about, abusive=True, gendered=gendered, coordinated=False)


def _spike_posts(ctx: _Context, posts: _Posts, accounts) -> None:
    """Three days of complaints about one issue in one ward: the emerging issue to spot."""
    rng = ctx.rng
    people = _indices(accounts, "person")
    ward = ctx.profile.constituency.wards[-1].name
    for _ in range(160):
        when = ctx.spike_start + dt.timedelta(seconds=float(rng.gamma(2.0, 86400 * 0.55)))
        language = "es" if "es" in ctx.languages and rng.random() < SPANISH_SHARE_MX else "en"
        text = ctx.fill(_pick(rng, phrases.PHRASES[language]["spike_negative"]), issue=1, ward=ward, language=language)
        posts.add(account=int(people[rng.integers(len(people))]), time=when, reply_to=None, text=text, language=language, sentiment="negative", topic=ctx.spike_issue, target="none", abusive=False, gendered=False, coordinated=False)


def _bot_posts(ctx: _Context, posts: _Posts, accounts) -> None:
    """Every bot posts a near-duplicate of the false story within minutes, in several bursts."""
    rng = ctx.rng
    bots = _indices(accounts, "bot")
    issue = ctx.profile.issues[0]
    for burst in range(N_BURSTS):
        burst_start = ctx.start + dt.timedelta(seconds=int(ctx.seconds * (0.25 + 0.7 * burst / N_BURSTS)) + int(rng.integers(0, 7200)))
        claim = phrases.BOT_CLAIMS_EN[burst % len(phrases.BOT_CLAIMS_EN)]
        for order, bot in enumerate(rng.permutation(bots)):
            when = burst_start + dt.timedelta(seconds=int(order * rng.integers(5, 25)))
            posts.add(account=int(bot), time=when, reply_to=None, text=_near_duplicate(ctx, claim), language="en", sentiment="negative", topic=issue, target="candidate", abusive=False, gendered=False, coordinated=True)


def _near_duplicate(ctx: _Context, claim: str) -> str:
    rng = ctx.rng
    text = _pick(rng, phrases.BOT_PREFIXES) + claim
    for old, new in phrases.BOT_SWAPS:
        if rng.random() < 0.35:
            text = text.replace(old, new)
    text = ctx.fill(text, issue=0)
    if rng.random() < 0.6:
        text += " " + ctx.tag
    if rng.random() < 0.4:
        text += " #Truth"
    return text


def _pick(rng, options: list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _post_tables(ctx: _Context, posts: _Posts, accounts) -> tuple[pa.Table, pa.Table]:
    rows = sorted(posts.rows, key=lambda row: (row["time"], row["key"]))
    post_id = {row["key"]: f"P{i:05d}" for i, row in enumerate(rows, start=1)}
    replies = np.zeros(len(posts.rows), dtype=np.int64)
    for row in rows:
        if row["reply_to"] is not None:
            replies[row["reply_to"]] += 1
    rng = ctx.rng
    followers = np.array(accounts["followers"])
    platform = [PLATFORMS[0] if accounts["kind"][row["account"]] == "bot" else PLATFORMS[weighted_index(rng, _PLATFORM_MIX)] for row in rows]
    reach = np.array([followers[row["account"]] for row in rows], dtype=float)
    likes = rng.poisson(0.02 * reach + 1.5)
    shares = np.array([int(rng.integers(8, 40)) if row["coordinated"] else int(rng.poisson(0.004 * reach[i] + 0.3)) for i, row in enumerate(rows)])
    table = pa.table(
        {
            "post_id": [post_id[row["key"]] for row in rows],
            "timestamp": pa.array([row["time"] for row in rows], pa.timestamp("s")),
            "platform": platform,
            "account_id": [f"A{row['account'] + 1:04d}" for row in rows],
            "reply_to": pa.array([post_id[row["reply_to"]] if row["reply_to"] is not None else None for row in rows], pa.string()),
            "language": [row["language"] for row in rows],
            "text": [row["text"] for row in rows],
            "likes": likes,
            "shares": shares,
            "replies": [int(replies[row["key"]]) for row in rows],
        }
    )
    labels = pa.table(
        {
            "post_id": [post_id[row["key"]] for row in rows],
            "sentiment": [row["sentiment"] for row in rows],
            "topic": [row["topic"] for row in rows],
            "target": [row["target"] for row in rows],
            "abusive": [row["abusive"] for row in rows],
            "gendered_abuse": [row["gendered"] for row in rows],
            "coordinated": [row["coordinated"] for row in rows],
        }
    )
    return table, labels
