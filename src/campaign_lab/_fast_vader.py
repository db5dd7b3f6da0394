"""VADER with a faster tokeniser that gives NLTK's exact tokens, so exactly the same scores.

Two thirds of NLTK's time per post goes into ``SentiText``: to strip punctuation
from the ends of each word it builds every combination of the post's words with
17 punctuation marks, twice. Here each word is checked directly instead: a word
loses its leading or trailing punctuation when that run of punctuation is one
of VADER's marks and what remains is one of the post's punctuation-free words.
That is the same rule, so the tokens, and every score, are identical (the
course's tests and ``bench/bench_sentiment.py`` check it). Use it through
``campaign_lab.text.vader(fast=True)``.
"""

from __future__ import annotations

import string

from nltk.sentiment.vader import SentimentIntensityAnalyzer, SentiText

_PUNCTUATION = frozenset(string.punctuation)
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


class FastSentiText(SentiText):
    """NLTK's ``SentiText``, finding the same words and emoticons in linear time."""

    def _words_and_emoticons(self):
        words_only = {word for word in self.text.translate(_NO_PUNCTUATION).split() if len(word) > 1}
        marks = frozenset(self.PUNC_LIST)
        return [_strip(token, words_only, marks) for token in self.text.split() if len(token) > 1]


def _strip(token: str, words_only: set[str], marks: frozenset[str]) -> str:
    """``token`` without a leading or trailing mark, when the rest is one of the post's words."""
    end = len(token)
    while end and token[end - 1] in _PUNCTUATION:
        end -= 1
    if token[end:] in marks and token[:end] in words_only:
        return token[:end]
    start = 0
    while start < len(token) and token[start] in _PUNCTUATION:
        start += 1
    if token[:start] in marks and token[start:] in words_only:
        return token[start:]
    return token


class FastSentimentIntensityAnalyzer(SentimentIntensityAnalyzer):
    """NLTK's VADER analyser using :class:`FastSentiText`; its scores are the same."""

    def polarity_scores(self, text):
        """Return VADER's ``neg``, ``neu``, ``pos`` and ``compound`` scores for ``text`` (as NLTK does)."""
        sentitext = FastSentiText(text, self.constants.PUNC_LIST, self.constants.REGEX_REMOVE_PUNCTUATION)
        words_and_emoticons = sentitext.words_and_emoticons
        first_index = {}
        for index, token in enumerate(words_and_emoticons):
            first_index.setdefault(token, index)
        sentiments = []
        for item in words_and_emoticons:
            i = first_index[item]
            kind_of = i < len(words_and_emoticons) - 1 and item.lower() == "kind" and words_and_emoticons[i + 1].lower() == "of"
            if kind_of or item.lower() in self.constants.BOOSTER_DICT:
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(words_and_emoticons, sentiments)
        return self.score_valence(sentiments, text)
