"""/report: a one-page summary a physiotherapist can read in a minute, described as sections of plain text
and the pain chart; the shell lays it out as a PDF."""

from __future__ import annotations

from datetime import date, timedelta

from content import Content
from flows.history import chart, milestones_passed, phases_reached, running_per_week
from flows.markup import fill, plain, rich
from flows.outcome import FlagRaised
from flows.pictures import Mark, Report, Section
from flows.plan import PlanState, current_phase
from flows.record import Record
from flows.replies import Reply
from flows.triage import TriageState


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _line(template: str, **values: object) -> str:
    return plain(fill(template, **values))


def _triage(content: Content, triage: TriageState | None, triaged_on: date | None) -> Section:
    words = content.strings.report
    if triage is None or not triage.answers:
        return Section(heading=words.triage, lines=(words.no_triage,))
    lines = [_line(words.triage_on, day=_day(triaged_on))] if triaged_on else []
    for question_id, value in triage.answers:
        question = content.questions.get(question_id)
        if question is None:  # a question removed from content since
            continue
        label = next((a.label for a in question.answers if a.value == value), value)
        lines.append(f"{plain(rich(question.text))} → {label}")
    return Section(heading=words.triage, lines=tuple(lines))


def _warning_signs(content: Content, flags: list[FlagRaised]) -> Section:
    words = content.strings.report
    lines = [
        _line(
            words.warning_line,
            day=_day(f.day),
            sign=content.flags[f.flag].title,
            urgency=content.red_flags.urgencies[content.flags[f.flag].urgency].short,
        )
        for f in flags
        if f.flag in content.flags
    ]
    return Section(heading=words.warning_signs, lines=tuple(lines) or (words.no_warning_signs,))


def _outcome(content: Content, triage: TriageState | None) -> Section:
    words = content.strings.report
    outcome = triage.outcome if triage is not None else None
    pattern = content.pattern_by_id.get(outcome.pattern) if outcome and outcome.pattern else None
    if outcome is None or pattern is None:
        flag = content.flags.get(outcome.red_flag) if outcome and outcome.red_flag else None
        return Section(heading=words.outcome, lines=(flag.title if flag else words.no_triage,))
    lines = [pattern.name]
    grade = next((g for g in pattern.grades if g.id == outcome.grade), None)
    if grade is not None:
        lines.append(_line(words.grade_line, grade=grade.label))
    return Section(heading=words.outcome, lines=tuple(lines))


def _phases(content: Content, plan: PlanState, record: Record) -> Section:
    words = content.strings.report
    reached = phases_reached(content, record) or [Mark(day=plan.started_on, label=current_phase(content, plan).name)]
    starts = [plan.started_on, *(m.day for m in reached[1:])]
    lines = [
        _line(words.phase_line, phase=mark.label, start=_day(start), end=_day(following - timedelta(days=1)))
        for mark, start, following in zip(reached, starts, starts[1:], strict=False)
    ]
    lines.append(_line(words.phase_now, phase=reached[-1].label, start=_day(starts[-1])))
    return Section(heading=words.phases, lines=tuple(lines))


def _adherence(content: Content, record: Record) -> Section:
    words = content.strings.report
    counts = {done: sum(1 for c in record.checkins if c.done == done) for done in ("done", "partly", "skipped")}
    return Section(heading=words.adherence, lines=(_line(words.adherence_line, days=len(record.checkins), **counts),))


def _runs(content: Content, plan: PlanState, record: Record) -> Section:
    words = content.strings.report
    weeks = [
        _line(words.runs_line, week=f"{w.week.day} {w.week:%b}", runs=w.runs, minutes=w.minutes)
        for w in running_per_week(plan, record)
    ]
    # one paragraph: twelve weeks as twelve lines would not leave the page room for the chart
    return Section(heading=words.runs, lines=("; ".join(weeks),))


def _milestones(content: Content, record: Record) -> Section:
    words = content.strings.report
    passed = milestones_passed(content, record)
    lines = [_line(words.milestone_line, day=_day(m.day), milestone=m.label) for m in passed]
    return Section(heading=words.milestones, lines=tuple(lines) or (words.none_yet,))


def _scores(content: Content, record: Record) -> Section:
    words = content.strings.report
    lines = [
        _line(words.score_line, day=_day(s.day), name=content.measure_by_id[s.measure].name, score=s.score)
        for s in record.scores
        if s.measure in content.measure_by_id
    ]
    return Section(heading=words.scores, lines=tuple(lines) or (words.none_yet,))


def report_reply(
    content: Content,
    triage: TriageState | None,
    triaged_on: date | None,
    flags: list[FlagRaised],
    plan: PlanState | None,
    record: Record,
    today: date,
) -> Reply:
    """The report as a document with its caption; a runner with nothing to report is told how to begin.
    `record` holds the plan's facts."""
    words = content.strings.report
    if (triage is None or not triage.answers) and plan is None:
        return Reply(rich(words.empty))
    sections = [_triage(content, triage, triaged_on), _warning_signs(content, flags), _outcome(content, triage)]
    if plan is None:
        sections.append(Section(heading=words.phases, lines=(words.no_plan,)))
    else:
        sections += [
            _phases(content, plan, record),
            _adherence(content, record),
            _runs(content, plan, record),
            _milestones(content, record),
            _scores(content, record),
        ]
    report = Report(
        title=words.title,
        subtitle=_line(words.subtitle, day=_day(today)),
        note=plain(rich(words.note)),
        sections=tuple(sections),
        chart_heading=words.chart,
        chart=chart(content, plan, record),
    )
    return Reply(rich(words.caption), picture=report)
