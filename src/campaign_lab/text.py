"""Text tools that work offline: VADER sentiment with no download step.

NLTK's VADER analyser normally downloads its word list (the *lexicon*) from
the internet the first time it is used. Here the lexicon comes from the
``vadersentiment`` package instead, which ships the same file. NLTK only reads
data files from folders it trusts and refuses files that other accounts could
change, so :func:`vader` copies the lexicon once into the course's private
state folder (``var/nltk_data``, readable by all, writable by you alone) and
loads it from there.

Examples
--------
>>> from campaign_lab.text import vader
>>> analyser = vader()
>>> analyser.polarity_scores("What a great plan!")["compound"] > 0.05
True
"""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

from campaign_lab import paths
from campaign_lab.errors import RunFailed

__all__ = ["LEXICON_FILE", "NEGATIVE_UP_TO", "POSITIVE_FROM", "compound_scores", "label", "lexicon_path", "vader"]

LEXICON_FILE = "vader_lexicon.txt"
#: VADER's published cut-offs for its compound score (Hutto & Gilbert, 2014).
POSITIVE_FROM = 0.05
NEGATIVE_UP_TO = -0.05
_FILE_MODE = 0o644
_FOLDER_MODE = 0o755


def vader(fast: bool = False):
    """Return NLTK's VADER sentiment analyser, loaded offline.

    Parameters
    ----------
    fast : bool
        Use a faster tokeniser that finds exactly NLTK's tokens (see
        ``campaign_lab._fast_vader``): the same scores in about a third of the time.

    Returns
    -------
    nltk.sentiment.vader.SentimentIntensityAnalyzer
        Ready to use: ``vader().polarity_scores(text)`` gives the shares of
        negative, neutral and positive words and a ``compound`` score from
        -1 (very negative) to +1 (very positive).

    Raises
    ------
    RunFailed
        If the ``vadersentiment`` package that ships the lexicon is missing.

    Examples
    --------
    >>> scores = vader().polarity_scores("The bus was late again. Terrible.")
    >>> scores["compound"] < 0
    True
    """
    import nltk
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    lexicon = lexicon_path()
    data_root = str(lexicon.parent.parent)
    if data_root not in nltk.data.path:
        nltk.data.path.append(data_root)  # NLTK reads data only from folders on this list
    lexicon_url = f"file:{lexicon}"
    if fast:
        from campaign_lab._fast_vader import FastSentimentIntensityAnalyzer

        return FastSentimentIntensityAnalyzer(lexicon_file=lexicon_url)
    return SentimentIntensityAnalyzer(lexicon_file=lexicon_url)


def lexicon_path() -> Path:
    """Return the private copy of VADER's lexicon, making it on first use.

    The copy lives in ``var/nltk_data/sentiment/`` with permissions NLTK
    accepts (folders 0o755, file 0o644) and is replaced atomically, so two
    notebooks starting at once never read half a file.
    """
    shipped = _shipped_lexicon()
    folder = paths.state_dir() / "nltk_data" / "sentiment"
    folder.mkdir(parents=True, exist_ok=True)
    for directory in (folder.parent, folder):
        os.chmod(directory, _FOLDER_MODE)
    target = folder / LEXICON_FILE
    if not _same_file(target, shipped):
        _write_private_copy(shipped, target)
    return target


def label(compound: float) -> str:
    """Turn a VADER compound score into "positive", "negative" or "neutral".

    Uses VADER's own cut-offs: 0.05 and above is positive, -0.05 and below is
    negative, anything between is neutral.

    Examples
    --------
    >>> label(0.6), label(-0.2), label(0.0)
    ('positive', 'negative', 'neutral')
    """
    if compound >= POSITIVE_FROM:
        return "positive"
    if compound <= NEGATIVE_UP_TO:
        return "negative"
    return "neutral"


def compound_scores(texts, analyser=None) -> list[float]:
    """Score many texts with VADER, scoring each distinct text only once.

    Social media repeats itself (shares, copied slogans, bots), so scoring
    each distinct text once and reusing the result gives exactly the same
    scores as scoring every post, in less time.

    Parameters
    ----------
    texts : iterable of str
        The posts, in order.
    analyser : SentimentIntensityAnalyzer, optional
        An analyser from :func:`vader`; ``vader(fast=True)`` when not given.

    Returns
    -------
    list of float
        The compound score of each text, in the same order.

    Examples
    --------
    >>> compound_scores(["Great!", "Great!", "Awful."])[1] > 0
    True
    """
    analyser = analyser or vader(fast=True)
    texts = list(texts)
    scores = {text: analyser.polarity_scores(text)["compound"] for text in dict.fromkeys(texts)}
    return [scores[text] for text in texts]


def _shipped_lexicon() -> bytes:
    try:
        return (resources.files("vaderSentiment") / LEXICON_FILE).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise RunFailed(
            "VADER's word list is missing because the vadersentiment package is not installed. "
            "Install the course's requirements again (pip install -e .) and rerun."
        ) from error


def _same_file(target: Path, content: bytes) -> bool:
    try:
        return target.read_bytes() == content and (target.stat().st_mode & 0o777) == _FILE_MODE
    except OSError:
        return False


def _write_private_copy(content: bytes, target: Path) -> None:
    handle, partial = tempfile.mkstemp(prefix=".lexicon-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(partial, _FILE_MODE)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
