"""The function checks of notebooks 06 and 07: clear messages for the three outcomes."""

import numpy as np
import pandas as pd

import notebook_tools as nbt
from campaign_lab.checks import Outcome
from campaign_lab.checks.m06 import _q6_spike_detector, reference_flag_spikes
from campaign_lab.checks.m07 import _q4_detector, reference_flag_network


flags_with_today_in_baseline = nbt.solved("06-social-listening", "q6", wrong=True, pd=pd)


def empty_detector(counts, window=7, k=3):
    """Not written yet."""


def test_spike_check_accepts_a_series_a_list_or_an_array():
    as_series = lambda counts, window=7, k=3: pd.Series(reference_flag_spikes(counts, window, k))  # noqa: E731
    as_array = lambda counts, window=7, k=3: np.array(reference_flag_spikes(counts, window, k))  # noqa: E731
    notebook_answer = nbt.solved("06-social-listening", "q6", pd=pd)
    for answer in (reference_flag_spikes, as_series, as_array, notebook_answer):
        assert _q6_spike_detector().judge(answer).outcome is Outcome.CORRECT


def test_spike_check_names_the_days_a_wrong_detector_flags():
    result = _q6_spike_detector().judge(flags_with_today_in_baseline)
    assert result.outcome is Outcome.INCORRECT
    assert "flags the days [] (counting from 0)" in result.message


def test_spike_check_says_how_many_values_a_short_answer_gives():
    result = _q6_spike_detector().judge(lambda counts, window=7, k=3: [False])
    assert "gives 1 values for 11 days" in result.message


def test_spike_check_calls_an_empty_function_not_attempted():
    assert _q6_spike_detector().judge(empty_detector).outcome is Outcome.NOT_ATTEMPTED


def test_a_spike_is_compared_with_the_days_before_it_only():
    assert reference_flag_spikes([5, 6, 5, 7, 6, 5, 6, 5, 30], 7, 3) == [False] * 8 + [True]


def test_network_detector_counts_different_partners_not_pairs():
    pairs = pd.DataFrame({"account_a": ["A", "A", "A"], "account_b": ["B", "B", "C"], "minutes_apart": [1.0, 2.0, 3.0]})
    assert reference_flag_network(pairs, 10, 2) == ["A"]


def test_network_detector_ignores_pairs_further_apart_than_the_window():
    pairs = pd.DataFrame({"account_a": ["A", "A"], "account_b": ["B", "C"], "minutes_apart": [5.0, 11.0]})
    assert reference_flag_network(pairs, 10, 2) == []


def test_network_check_shows_its_example_tables_on_one_line():
    result = _q4_detector().judge(lambda pairs, max_minutes=10, min_partners=3: ["nobody"])
    assert result.outcome is Outcome.INCORRECT
    assert "pairs(A1-A2 2 min, A1-A3 4.5 min" in result.message and "\n" not in result.message
