"""Cross-file checks that a schema alone cannot express.

Every problem is reported as a `ContentError` naming the file and the path inside it.
"""

from __future__ import annotations

from collections.abc import Iterable

from content.loader import Content, ContentError
from content.plan_checks import check_plans
from content.safety_checks import check_citations, check_warning_signs
from content.schema import Question

OUTCOME = "outcome"


def _unique(file: str, section: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            raise ContentError(file, f"{section}.{index}.id", f"duplicate id {item_id!r}")
        seen.add(item_id)


def answer_target(question: Question, index: int) -> str | None:
    """Where answer `index` of `question` leads: a question id or OUTCOME."""
    answer = question.answers[index]
    return answer.next or question.next


def _check_ids(content: Content) -> None:
    _unique("triage.yaml", "questions", (q.id for q in content.triage.questions))
    for qi, question in enumerate(content.triage.questions):
        seen: set[str] = set()
        for ai, answer in enumerate(question.answers):
            if answer.value in seen:
                raise ContentError(
                    "triage.yaml",
                    f"questions.{qi}.answers.{ai}.value",
                    f"duplicate answer value {answer.value!r}",
                )
            seen.add(answer.value)
    _unique("red_flags.yaml", "red_flags", (f.id for f in content.red_flags.red_flags))
    _unique("findings.yaml", "findings", (f.id for f in content.findings.findings))
    _unique("sources.yaml", "sources", (s.id for s in content.sources.sources))
    _unique("patterns.yaml", "patterns", (p.id for p in content.patterns.patterns))
    _unique("care.yaml", "care_steps", (c.id for c in content.care.care_steps))
    _unique("exercises.yaml", "exercises", (e.id for e in content.exercises.exercises))
    _unique("plans.yaml", "phases", (p.id for p in content.plans.phases))
    for pi, pattern in enumerate(content.patterns.patterns):
        _unique("patterns.yaml", f"patterns.{pi}.grades", (g.id for g in pattern.grades))


def _check_scores(file: str, path: str, scores: Iterable[str], patterns: set[str]) -> None:
    for key in scores:
        if key not in patterns:
            raise ContentError(file, f"{path}.scores.{key}", f"unknown pattern {key!r}")


def _check_references(content: Content) -> None:
    questions = content.questions
    patterns = set(content.pattern_by_id)
    findings = set(content.finding_by_id)
    entries = [("start", content.triage.start), ("warning_signs", content.triage.warning_signs)]
    entries += [(f"safety.{i}", q) for i, q in enumerate(content.triage.safety)]
    entries += [("checkin_screen", content.triage.checkin_screen)]
    for key, where in entries:
        if where not in questions:
            raise ContentError("triage.yaml", key, f"unknown question {where!r}")
    for qi, question in enumerate(content.triage.questions):
        _check_question_references(content, qi, question, patterns, findings)
    for fi, flag in enumerate(content.red_flags.red_flags):
        _check_rules("red_flags.yaml", f"red_flags.{fi}.when", flag.when, findings)
    for pi, pattern in enumerate(content.patterns.patterns):
        for si, step in enumerate(pattern.first_steps):
            if step not in content.care_by_id:
                raise ContentError("patterns.yaml", f"patterns.{pi}.first_steps.{si}", f"unknown care step {step!r}")
        for li, raised in enumerate(pattern.see_clinician_when):
            _check_rules("patterns.yaml", f"patterns.{pi}.see_clinician_when.{li}.when", raised.when, findings)


def _check_question_references(
    content: Content, qi: int, question: Question, patterns: set[str], findings: set[str]
) -> None:
    """Where a question and each of its answers lead, what they report and score, and its yes/no answers."""
    questions = content.questions
    if question.next is not None and question.next != OUTCOME and question.next not in questions:
        raise ContentError("triage.yaml", f"questions.{qi}.next", f"unknown question {question.next!r}")
    for ai, answer in enumerate(question.answers):
        path = f"questions.{qi}.answers.{ai}"
        for fi, finding in enumerate(answer.findings):
            if finding not in findings:
                raise ContentError("triage.yaml", f"{path}.findings.{fi}", f"unknown finding {finding!r}")
        target = answer_target(question, ai)
        if target is None:
            raise ContentError("triage.yaml", f"{path}.next", "answer leads nowhere: give it or its question a next")
        if target != OUTCOME and target not in questions:
            raise ContentError("triage.yaml", f"{path}.next", f"unknown question {target!r}")
        _check_scores("triage.yaml", path, answer.scores, patterns)
    _check_scale(question, qi)
    values = {a.value for a in question.answers}
    for key in ("if_no", "if_yes"):
        value = getattr(question, key)
        if value is not None and value not in values:
            raise ContentError("triage.yaml", f"questions.{qi}.{key}", f"{value!r} is not an answer of this question")


def _check_rules(file: str, path: str, rules: Iterable[Iterable[str]], findings: set[str]) -> None:
    for ri, rule in enumerate(rules):
        for fi, finding in enumerate(rule):
            if finding not in findings:
                raise ContentError(file, f"{path}.{ri}.{fi}", f"unknown finding {finding!r}")


def _check_scale(question: Question, qi: int) -> None:
    """Pain-scale answers must split 0–10 into ranges with no gap and no overlap."""
    ranged = [a.range for a in question.answers if a.range is not None]
    if not ranged:
        return
    if len(ranged) != len(question.answers):
        raise ContentError("triage.yaml", f"questions.{qi}.answers", "either every answer has a range or none")
    expected = 0
    for low, high in sorted(ranged):
        if low != expected:
            raise ContentError("triage.yaml", f"questions.{qi}.answers", f"pain ranges leave a gap or overlap at {low}")
        expected = high + 1
    if expected != 11:
        raise ContentError("triage.yaml", f"questions.{qi}.answers", "pain ranges must cover 0 to 10")


def _successors(question: Question) -> list[str]:
    targets = (answer_target(question, i) for i in range(len(question.answers)))
    return [t for t in targets if t is not None and t != OUTCOME]


def _check_graph(content: Content) -> None:
    """Every question is reachable from the start and no route loops back on itself."""
    questions = content.questions
    index = {q.id: i for i, q in enumerate(content.triage.questions)}
    reachable = {content.triage.start, content.triage.warning_signs, content.triage.checkin_screen}
    frontier = list(reachable)
    while frontier:
        for nxt in _successors(questions[frontier.pop()]):
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    for question in content.triage.questions:
        if question.id not in reachable:
            raise ContentError(
                "triage.yaml", f"questions.{index[question.id]}", f"question {question.id!r} is unreachable"
            )

    # colour-marking depth-first search: grey = on the current route, black = known to end
    black: set[str] = set()

    def visit(qid: str, route: list[str]) -> None:
        if qid in black:
            return
        if qid in route:
            loop = " -> ".join([*route[route.index(qid) :], qid])
            raise ContentError("triage.yaml", f"questions.{index[qid]}", f"route loops without an outcome: {loop}")
        for nxt in _successors(questions[qid]):
            visit(nxt, [*route, qid])
        black.add(qid)

    for qid in questions:
        visit(qid, [])


def check_content(content: Content) -> None:
    _check_ids(content)
    _check_references(content)
    _check_graph(content)
    check_plans(content)
    check_warning_signs(content)
    check_citations(content)
