"""Checks that keep the recovery plans consistent with themselves and with the pattern's first steps.

- plans name real patterns, grades, phases, exercises, milestones, check-in questions and measures; every
  pattern (and every strain grade) has a plan; only the last phase is open-ended; avoided tags stay out;
- every card is used: exercises, phases, milestones, check-in questions, measures, care steps;
- a dose never names another schedule than its own ("twice a week" scheduled every other day), and an
  exercise card names none (the plan's schedule says how often);
- running obeys the single-run rule: no session more than the allowed share longer than the longest before it;
- what a text claims about running (no running, cross-training, no speed, no hills) agrees with the phase's
  run, and a pattern's first steps agree with the first phase of each of its plans;
- plan texts name no urgency at all: they point to a card (care step or warning sign) that does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from content.loader import Content, ContentError
from content.safety_checks import folded, named_levels
from content.schema import Claim, Every, ExerciseKind, Phase, PhaseExercise, Plan

FILE = "plans.yaml"


def _unique(section: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            raise ContentError(FILE, f"{section}.{index}.id", f"duplicate id {item_id!r}")
        seen.add(item_id)


def _found(text: str, phrases: Iterable[str]) -> bool:
    said = folded(text)
    return any(f" {folded(p).strip()} " in said for p in phrases)


def schedules_named(content: Content, text: str) -> set[Every]:
    """The schedules a text names ("twice a week"); the longest phrase wins ("twice daily", not "daily")."""
    said = folded(text)
    named: set[Every] = set()
    by_length = sorted(
        ((folded(p).strip(), every) for every, phrases in content.plans.schedule_words.items() for p in phrases),
        key=lambda pair: -len(pair[0]),
    )
    for phrase, every in by_length:
        if f" {phrase} " in said:
            named.add(every)
            said = said.replace(f" {phrase} ", " # ")
    return named


def claims_of(content: Content, text: str) -> set[Claim]:
    return {claim for claim, phrases in content.plans.claims.items() if _found(text, phrases)}


def _phase_items(phase: Phase) -> list[PhaseExercise]:
    return [*phase.exercises, *(phase.run.extras if phase.run else ())]


def _check_references(content: Content) -> None:
    plans = content.plans
    for section in ("phases", "plans", "milestones", "checks", "measures"):
        _unique(section, (item.id for item in getattr(plans, section)))
    for field in ("walk_run", "continuous"):
        card = getattr(plans.run_cards, field)
        if card not in content.exercise_by_id:
            raise ContentError(FILE, f"run_cards.{field}", f"unknown exercise {card!r}")
    if plans.progression.reinjury_card not in content.care_by_id:
        raise ContentError(FILE, "progression.reinjury_card", f"unknown care step {plans.progression.reinjury_card!r}")
    findings = set(content.finding_by_id)
    reported = [
        (f"checks.{ci}.answers.{ai}", answer.findings)
        for ci, check in enumerate(plans.checks)
        for ai, answer in enumerate(check.answers)
    ]
    reported += [
        (f"milestones.{mi}.answers.{ai}", answer.findings)
        for mi, milestone in enumerate(plans.milestones)
        for ai, answer in enumerate(milestone.answers)
    ]
    for where, found in reported:
        for finding in found:
            if finding not in findings:
                raise ContentError(FILE, f"{where}.findings", f"unknown finding {finding!r}")
    for si, phase in enumerate(plans.phases):
        _check_phase_references(content, si, phase)


def _check_phase_references(content: Content, si: int, phase: Phase) -> None:
    """A phase's milestones and exercises exist, its run extras are running cards, its run-day exercises
    have run days."""
    for mi, milestone_id in enumerate(phase.milestones):
        if milestone_id not in content.milestone_by_id:
            raise ContentError(FILE, f"phases.{si}.milestones.{mi}", f"unknown milestone {milestone_id!r}")
    for item in _phase_items(phase):
        if item.exercise not in content.exercise_by_id:
            raise ContentError(FILE, f"phases.{si}", f"unknown exercise {item.exercise!r}")
    for item in phase.run.extras if phase.run else ():
        if content.exercise_by_id[item.exercise].kind != ExerciseKind.RUNNING:
            raise ContentError(FILE, f"phases.{si}.run.extras", f"{item.exercise!r} is not a running card")
    if phase.run is None and any(i.every == Every.RUN_DAY for i in phase.exercises):
        raise ContentError(FILE, f"phases.{si}", "an exercise is due on run days, but the phase has no run")


def _check_plan(content: Content, pi: int, plan: Plan) -> None:
    path = f"plans.{pi}"
    pattern = content.pattern_by_id.get(plan.pattern)
    if pattern is None:
        raise ContentError(FILE, f"{path}.pattern", f"unknown pattern {plan.pattern!r}")
    grades = {g.id for g in pattern.grades}
    if (plan.grade is None) != (not grades) or (plan.grade is not None and plan.grade not in grades):
        raise ContentError(FILE, f"{path}.grade", f"{plan.grade!r} is not a grade of {plan.pattern!r}")
    for ci, check in enumerate(plan.checks):
        if check not in content.check_by_id:
            raise ContentError(FILE, f"{path}.checks.{ci}", f"unknown check-in question {check!r}")
    if plan.measure is not None and plan.measure not in content.measure_by_id:
        raise ContentError(FILE, f"{path}.measure", f"unknown measure {plan.measure!r}")
    for si, step in enumerate(plan.phases):
        phase = content.phase_by_id.get(step.phase)
        if phase is None:
            raise ContentError(FILE, f"{path}.phases.{si}", f"unknown phase {step.phase!r}")
        last = si == len(plan.phases) - 1
        if (step.min_days == 0) != last:
            reason = "the last phase needs min_days 0" if last else "only the last phase may have min_days 0"
            raise ContentError(FILE, f"{path}.phases.{si}", f"{step.phase!r}: {reason}")
        if last and phase.milestones:
            reason = "the last phase is kept, so it has no milestones"
            raise ContentError(FILE, f"{path}.phases.{si}", f"{step.phase!r}: {reason}")
        banned = set(plan.avoid_tags) | set(phase.avoid_tags)
        for item in _phase_items(phase):
            clash = banned & set(content.exercise_by_id[item.exercise].tags)
            if clash:
                raise ContentError(
                    FILE,
                    f"{path}.phases.{si}",
                    f"{step.phase!r} has {item.exercise!r}, tagged {', '.join(sorted(clash))}, "
                    f"which the {plan.id!r} plan avoids",
                )
    _check_single_run_rule(content, path, plan)


def _check_coverage(content: Content) -> None:
    """Every pattern has a plan, and a pattern with grades one for each grade."""
    covered = {(p.pattern, p.grade) for p in content.plans.plans}
    for pattern in content.patterns.patterns:
        grades: list[str | None] = [g.id for g in pattern.grades] or [None]
        for grade in grades:
            if (pattern.id, grade) not in covered:
                what = f"{pattern.id} ({grade})" if grade else pattern.id
                raise ContentError(FILE, "plans", f"no plan for {what}")
    seen: set[tuple[str, str | None]] = set()
    for pi, plan in enumerate(content.plans.plans):
        if (plan.pattern, plan.grade) in seen:
            raise ContentError(FILE, f"plans.{pi}", f"a second plan for {plan.pattern!r} grade {plan.grade!r}")
        seen.add((plan.pattern, plan.grade))


def _check_single_run_rule(content: Content, path: str, plan: Plan) -> None:
    """Sessions in plan order: none more than the single-run share longer than the longest before it
    (a ladder step, or where a phase's growing run ended). The first session sets the reference."""
    allowed = 1 + content.plans.running.single_run_increase_max_percent / 100
    longest = 0
    for si, step in enumerate(plan.phases):
        run = content.phase_by_id[step.phase].run
        if run is None:
            continue
        for ri, session in enumerate(run.steps):
            if longest and session.minutes > longest * allowed:
                percent = round((session.minutes / longest - 1) * 100)
                raise ContentError(
                    FILE,
                    f"{path}.phases.{si}",
                    f"{step.phase!r} run step {ri + 1}: {session.minutes} minutes after a longest of {longest} is "
                    f"{percent}% longer, which breaks the single-run rule",
                )
            longest = max(longest, session.minutes)
        longest = max(longest, run.grow_to or 0)


def _check_unused(content: Content) -> None:
    plans = content.plans
    used_phases = {s.phase for p in plans.plans for s in p.phases}
    used_exercises = {i.exercise for ph in plans.phases if ph.id in used_phases for i in _phase_items(ph)}
    used_exercises |= {plans.run_cards.walk_run, plans.run_cards.continuous}
    used_milestones = {m for ph in plans.phases if ph.id in used_phases for m in ph.milestones}
    used_checks = {c for p in plans.plans for c in p.checks}
    used_measures = {p.measure for p in plans.plans}
    used_care = {s for p in content.patterns.patterns for s in p.first_steps} | {plans.progression.reinjury_card}
    unused: list[tuple[str, str, Iterable[str], set[str | None]]] = [  # (file, section, ids, used ids)
        ("exercises.yaml", "exercises", (e.id for e in content.exercises.exercises), set(used_exercises)),
        (FILE, "phases", (p.id for p in plans.phases), set(used_phases)),
        (FILE, "milestones", (m.id for m in plans.milestones), set(used_milestones)),
        (FILE, "checks", (c.id for c in plans.checks), set(used_checks)),
        (FILE, "measures", (m.id for m in plans.measures), {*used_measures}),
        ("care.yaml", "care_steps", (c.id for c in content.care.care_steps), set(used_care)),
    ]
    for file, section, ids, used in unused:
        for index, card in enumerate(ids):
            if card not in used:
                raise ContentError(file, f"{section}.{index}", f"{card!r} is used by nothing: use it or remove it")


def _check_schedules(content: Content) -> None:
    for ei, exercise in enumerate(content.exercises.exercises):
        for field in ("dose", "tempo"):
            named = schedules_named(content, getattr(exercise, field))
            if named:
                raise ContentError(
                    "exercises.yaml",
                    f"exercises.{ei}.{field}",
                    f"says {', '.join(sorted(named))}: how often belongs to the plan's schedule, not the card",
                )
    for si, phase in enumerate(content.plans.phases):
        for item in _phase_items(phase):
            named = schedules_named(content, item.dose or "") - {item.every}
            if named:
                raise ContentError(
                    FILE,
                    f"phases.{si}",
                    f"{item.exercise!r} is scheduled {item.every.value} but its dose says {', '.join(sorted(named))}",
                )
        scheduled = {i.every for i in phase.exercises}
        if phase.run is not None:
            scheduled |= {phase.run.every, Every.RUN_DAY}
        for field in ("goal", "notes"):
            named = schedules_named(content, getattr(phase, field)) - scheduled
            if named:
                raise ContentError(
                    FILE,
                    f"phases.{si}.{field}",
                    f"says {', '.join(sorted(named))}, but nothing in the phase is scheduled so",
                )


def _contradiction(claims: set[Claim], phase: Phase, content: Content) -> str | None:
    """Why the claims contradict the phase, or None."""
    run = phase.run
    tags = {t for i in (run.extras if run else ()) for t in content.exercise_by_id[i.exercise].tags}
    if Claim.NO_RUNNING in claims and run is not None:
        return "says no running, but the phase runs"
    if Claim.RUNNING in claims and run is None:
        return "speaks of running, but the phase has no run"
    if Claim.CROSS_TRAINING in claims and run is not None:
        return "suggests cross-training in a phase that runs"
    if Claim.NO_SPEED in claims and tags & {"strides", "speed"}:
        return "says no speed, but the run has strides or speed"
    if Claim.NO_HILLS in claims and "hills" in tags:
        return "says no hills, but the run has hills"
    return None


def _check_claims(content: Content) -> None:
    for si, phase in enumerate(content.plans.phases):
        for field in ("goal", "notes"):
            why = _contradiction(claims_of(content, getattr(phase, field)), phase, content)
            if why:
                raise ContentError(FILE, f"phases.{si}.{field}", f"{phase.id!r} {why}")
    for pi, pattern in enumerate(content.patterns.patterns):
        firsts = [content.phase_by_id[p.phases[0].phase] for p in content.plans.plans if p.pattern == pattern.id]
        for si, step_id in enumerate(pattern.first_steps):
            step = content.care_by_id[step_id]
            claims = claims_of(content, f"{step.title}. {step.text}")
            for phase in firsts:
                why = _contradiction(claims, phase, content)
                if why:
                    raise ContentError(
                        "patterns.yaml",
                        f"patterns.{pi}.first_steps.{si}",
                        f"first step {step_id!r} contradicts the first phase {phase.id!r}, which {why}",
                    )


# a check-in button carries "i|SESSION|STEP|VALUE" in Telegram's 64 bytes of callback data (bot/callback_data.py)
CALLBACK_LIMIT = 64
_SESSION_ROOM = "999999"


def _check_callback_room(content: Content) -> None:
    """The plan's own check-in steps fit a button, with room for a long-lived check-in session number."""
    plans = content.plans
    steps = [(f"checks.{i}", f"check:{c.id}", [a.value for a in c.answers]) for i, c in enumerate(plans.checks)]
    steps += [
        (f"milestones.{i}", f"milestone:{m.id}", [a.value for a in m.answers]) for i, m in enumerate(plans.milestones)
    ]
    steps += [
        (f"measures.{i}.items.{j}", f"measure:{m.id}/{item.id}", [a.value for a in item.answers])
        for i, m in enumerate(plans.measures)
        for j, item in enumerate(m.items)
    ]
    for path, step, values in steps:
        for value in values:
            data = f"i|{_SESSION_ROOM}|{step}|{value}"
            if len(data.encode()) > CALLBACK_LIMIT:
                raise ContentError(FILE, path, f"ids too long for a button: {data!r} is over {CALLBACK_LIMIT} bytes")


def _plan_texts(content: Content) -> Iterator[tuple[str, str, str]]:
    """Every text of the exercises and the plans a runner reads, with its file and path."""
    yield from _exercise_texts(content)
    yield from _phase_texts(content)
    plans = content.plans
    for pi, plan in enumerate(plans.plans):
        yield FILE, f"plans.{pi}.intro", plan.intro
    for mi, milestone in enumerate(plans.milestones):
        yield FILE, f"milestones.{mi}.how", milestone.how
        yield FILE, f"milestones.{mi}.question", milestone.question
    for ci, check in enumerate(plans.checks):
        yield FILE, f"checks.{ci}.text", check.text
    for mi, measure in enumerate(plans.measures):
        yield FILE, f"measures.{mi}.intro", measure.intro
        for ii, question in enumerate(measure.items):
            yield FILE, f"measures.{mi}.items.{ii}.text", question.text


def _exercise_texts(content: Content) -> Iterator[tuple[str, str, str]]:
    for ei, exercise in enumerate(content.exercises.exercises):
        for field in ("steps", "dose", "tempo", "feel", "stop_if", "easier", "harder"):
            value = getattr(exercise, field)
            for text in value if isinstance(value, tuple) else (value,):
                yield "exercises.yaml", f"exercises.{ei}.{field}", text


def _phase_texts(content: Content) -> Iterator[tuple[str, str, str]]:
    for si, phase in enumerate(content.plans.phases):
        for field in ("name", "goal", "notes"):
            yield FILE, f"phases.{si}.{field}", getattr(phase, field)
        for item in _phase_items(phase):
            if item.dose:
                yield FILE, f"phases.{si}.{item.exercise}", item.dose


def _check_urgency_words(content: Content) -> None:
    for file, path, text in _plan_texts(content):
        named = named_levels(content, text)
        if named:
            raise ContentError(
                file, path, f"names the {'/'.join(sorted(named))} urgency: plan texts point to a card that says it"
            )


def check_plans(content: Content) -> None:
    _check_references(content)
    for pi, plan in enumerate(content.plans.plans):
        _check_plan(content, pi, plan)
    _check_coverage(content)
    _check_unused(content)
    _check_schedules(content)
    _check_claims(content)
    _check_urgency_words(content)
    _check_callback_room(content)
