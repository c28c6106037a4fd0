"""The progression rules of the plan, applied to one check-in (the rules' numbers are content).

Pain-monitoring model: a session is fine while pain stays at or below a low level during it and
has settled by the next morning. Higher pain holds the phase; high or climbing pain steps it back;
a warning sign escalates.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from enum import StrEnum

from content.schema import Progression


class Decision(StrEnum):
    ADVANCE = "advance"  # enough good days: next phase
    GOOD = "good"  # a good day, counted towards moving on
    PREVENT = "prevent"  # a good day in the last phase, which is kept
    HOLD = "hold"  # pain in the middle band: stay, start counting again
    SKIPPED = "skipped"  # session missed or partly done: nothing moves
    STEP_BACK = "step_back"  # high or climbing pain: previous phase
    ESCALATE = "escalate"  # warning sign: urgent advice, plan paused


def rising(rules: Progression, earlier_worst: Sequence[int], worst: int) -> bool:
    """Pain got worse on each of the last `worse_days_to_step_back` check-ins in a row."""
    needed = rules.worse_days_to_step_back
    series = [*earlier_worst[-needed:], worst]
    return len(series) == needed + 1 and all(a < b for a, b in itertools.pairwise(series))


def decide(
    rules: Progression,
    *,
    done: str,
    pain_during: int,
    pain_morning: int,
    red_flag: bool,
    earlier_worst: Sequence[int],
    good_days: int,
    days_required: int,
) -> Decision:
    """What one check-in does to the plan; `earlier_worst` is the worst pain of earlier check-ins."""
    if red_flag:
        return Decision.ESCALATE
    worst = max(pain_during, pain_morning)
    if worst > rules.hold_max_pain or rising(rules, earlier_worst, worst):
        return Decision.STEP_BACK
    if worst > rules.good_max_pain:
        return Decision.HOLD
    if done != "done":
        return Decision.SKIPPED
    if days_required == 0:
        return Decision.PREVENT
    return Decision.ADVANCE if good_days + 1 >= days_required else Decision.GOOD
