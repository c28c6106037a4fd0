"""The progression rules of the plan, applied to one check-in (the rules' numbers are content).

Silbernagel's pain-monitoring model: pain during the session up to a ceiling is acceptable if the next
morning has settled (back to the runner's usual morning, or low anyway). A session over the limits holds
the phase; over the limits again in a row steps it back. Very high pain steps back at once, and in a
strain plan very high or sudden sharp pain is a possible re-injury. Pain that stays inside the limits never
steps back, however it moves within them. A warning sign escalates.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from statistics import median

from content.schema import Progression


class Decision(StrEnum):
    ADVANCE = "advance"  # criteria met: next phase
    GOOD = "good"  # within the pain rules, counted towards moving on
    PREVENT = "prevent"  # a good day in the last phase, which is kept
    HOLD = "hold"  # over the limits once: stay, start counting again
    SKIPPED = "skipped"  # session missed or partly done: nothing moves
    STEP_BACK = "step_back"  # over the limits again, or very high pain: previous phase
    REINJURY = "reinjury"  # possible re-injury in a strain plan: back to the first phase, see someone
    ESCALATE = "escalate"  # warning sign: urgent advice, plan paused


def usual_morning(earlier_mornings: Sequence[int]) -> int | None:
    """The runner's usual morning pain: the median of the recent mornings (None without any)."""
    return int(median(earlier_mornings)) if earlier_mornings else None


def morning_settled(rules: Progression, morning: int, usual: int | None) -> bool:
    return morning <= rules.settled_morning_max or (usual is not None and morning <= usual)


def within_rules(rules: Progression, pain_during: int, pain_morning: int, usual: int | None) -> bool:
    """Inside the pain-monitoring model: acceptable pain during, and a settled morning."""
    return pain_during <= rules.during_max and morning_settled(rules, pain_morning, usual)


def decide(
    rules: Progression,
    *,
    done: str,
    pain_during: int,
    pain_morning: int,
    usual: int | None,
    holds_before: int,
    red_flag: bool,
    reinjury_watch: bool,
    sharp_pain: bool,
    last_phase: bool,
    ready: bool,
) -> Decision:
    """What one check-in does to the plan.

    `holds_before`: how many check-ins just before this one were over the limits (holds); `ready`: the
    phase's days have passed and its milestones all passed today."""
    if red_flag:
        return Decision.ESCALATE
    if reinjury_watch and (sharp_pain or pain_during >= rules.high_during):
        return Decision.REINJURY
    if pain_during >= rules.high_during:
        return Decision.STEP_BACK
    if not within_rules(rules, pain_during, pain_morning, usual):
        in_a_row = holds_before + 1
        return Decision.STEP_BACK if in_a_row >= rules.over_in_a_row_to_step_back else Decision.HOLD
    if done != "done":
        return Decision.SKIPPED
    if last_phase:
        return Decision.PREVENT
    return Decision.ADVANCE if ready else Decision.GOOD
