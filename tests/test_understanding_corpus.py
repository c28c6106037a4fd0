"""The labelled corpus of runners' messages keeps the safety targets of issue 12 (see bench/understanding.py).

Recall is counted per warning-sign family; a false alarm is any sign raised for a message that reports none.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench.understanding import SPLITS, family_levels, load, score
from content import Content


def test_the_corpus_is_big_enough_and_covers_every_sign(content: Content) -> None:
    messages = load("all")
    assert len(messages) >= 600
    per_flag = Counter(flag for m in messages for flag in m.flags)
    assert set(per_flag) == set(family_levels(content)), "every warning sign family is in the corpus"
    assert min(per_flag.values()) >= 25
    assert sum(1 for m in messages if not m.flags) >= 200
    kinds = Counter(m.kind for m in messages if not m.flags)
    assert {"denial", "hypothetical", "history", "other_person", "other_sense", "benign"} <= set(kinds)


@pytest.mark.parametrize("split", SPLITS)
def test_safety_targets_hold(content: Content, split: str) -> None:
    result = score(content, load(split))
    levels = family_levels(content)
    urgent = [f for f in result.total if levels[f] in ("emergency", "same_day")]
    missed_urgent = {f: result.total[f] - result.hits[f] for f in urgent if result.hits[f] < result.total[f]}
    assert missed_urgent == {}, [m.text for m, _ in result.misses]
    assert result.overall >= 0.98
    assert result.false_alarm_rate <= 0.01, [m.text for m, _ in result.alarms]
