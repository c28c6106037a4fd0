"""Reads a content directory into one validated, cross-checked `Content` object.

Content is refused whole on the first problem found, named as `file: path.inside.file: reason`,
so a bot never starts (or reloads) on half-valid content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from content.schema import (
    LEVELS,
    AdminStrings,
    Care,
    CareStep,
    CheckQuestion,
    Exercise,
    Exercises,
    Finding,
    Findings,
    Language,
    Measure,
    Milestone,
    Pattern,
    Patterns,
    Phase,
    Plan,
    Plans,
    Question,
    RedFlag,
    RedFlags,
    Source,
    Sources,
    Strings,
    Triage,
)

DEFAULT_DIR = Path(__file__).parent / "data"

M = TypeVar("M", bound=BaseModel)


class ContentError(Exception):
    """A content problem, located by file and the path inside that file."""

    def __init__(self, file: str, path: str, reason: str) -> None:
        self.file, self.path, self.reason = file, path, reason
        super().__init__(f"{file}: {path or '(top)'}: {reason}")


@dataclass(frozen=True, eq=False)  # identity hash: flows cache matchers per content
class Content:
    triage: Triage
    findings: Findings
    red_flags: RedFlags
    patterns: Patterns
    care: Care
    exercises: Exercises
    plans: Plans
    strings: Strings
    language: Language
    admin: AdminStrings
    sources: Sources

    @cached_property
    def digest(self) -> str:
        """A hash of the validated content: the same on every machine whose files say the same
        (comments and layout of the files aside)."""
        hashed = hashlib.sha256()
        for part in fields(self):
            hashed.update(part.name.encode())
            hashed.update(getattr(self, part.name).model_dump_json().encode())
        return hashed.hexdigest()

    @cached_property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for q in self.triage.questions}

    @cached_property
    def flags(self) -> dict[str, RedFlag]:
        """Warning signs by id, and by the ids they had in earlier versions."""
        flags = {old: f for f in self.red_flags.red_flags for old in f.former_ids}
        return flags | {f.id: f for f in self.red_flags.red_flags}

    @cached_property
    def flag_rules(self) -> tuple[tuple[frozenset[str], RedFlag], ...]:
        """Every way a warning sign is raised, most urgent sign first (content order within a level): the
        findings a triage answer is screened against, built once rather than on every answer."""
        rules = [(frozenset(rule), flag) for flag in self.red_flags.red_flags for rule in flag.when]
        return tuple(sorted(rules, key=lambda pair: LEVELS.index(pair[1].urgency.value)))

    @cached_property
    def flag_rules_with(self) -> dict[str, tuple[int, ...]]:
        """For each finding, the rules of `flag_rules` (by position) it is part of."""
        positions: dict[str, list[int]] = {}
        for position, (rule, _) in enumerate(self.flag_rules):
            for finding in rule:
                positions.setdefault(finding, []).append(position)
        return {finding: tuple(found) for finding, found in positions.items()}

    @cached_property
    def answer_findings(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """The findings of each (question, answer value)."""
        return {(q.id, a.value): a.findings for q in self.triage.questions for a in q.answers}

    @cached_property
    def finding_by_id(self) -> dict[str, Finding]:
        return {f.id: f for f in self.findings.findings}

    @cached_property
    def source_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources.sources}

    @cached_property
    def pattern_by_id(self) -> dict[str, Pattern]:
        return {p.id: p for p in self.patterns.patterns}

    @cached_property
    def care_by_id(self) -> dict[str, CareStep]:
        return {c.id: c for c in self.care.care_steps}

    @cached_property
    def exercise_by_id(self) -> dict[str, Exercise]:
        return {e.id: e for e in self.exercises.exercises}

    @cached_property
    def phase_by_id(self) -> dict[str, Phase]:
        return {p.id: p for p in self.plans.phases}

    @cached_property
    def plan_by_id(self) -> dict[str, Plan]:
        return {p.id: p for p in self.plans.plans}

    def plan_for(self, pattern: str, grade: str | None) -> Plan | None:
        """The plan for a pattern and grade; the pattern's first plan when no plan has that grade
        (a plan started before plans had grades)."""
        plans = [p for p in self.plans.plans if p.pattern == pattern]
        return next((p for p in plans if p.grade == grade), plans[0] if plans else None)

    @cached_property
    def milestone_by_id(self) -> dict[str, Milestone]:
        return {m.id: m for m in self.plans.milestones}

    @cached_property
    def check_by_id(self) -> dict[str, CheckQuestion]:
        return {c.id: c for c in self.plans.checks}

    @cached_property
    def measure_by_id(self) -> dict[str, Measure]:
        return {m.id: m for m in self.plans.measures}


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _read(directory: Path, name: str, model: type[M]) -> M:
    path = directory / name
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(name, "", "file is missing") from None
    except UnicodeDecodeError:
        raise ContentError(name, "", "file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ContentError(name, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ContentError(name, "", "the file must hold a mapping at the top")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ContentError(name, _dotted(first["loc"]), first["msg"]) from None


def load_content(directory: Path | str = DEFAULT_DIR) -> Content:
    """Load, validate and cross-check every content file in `directory`."""
    from content.checks import check_content  # checks need Content; import late to avoid a cycle

    directory = Path(directory)
    if not directory.is_dir():
        raise ContentError(str(directory), "", "not a directory")
    content = Content(
        triage=_read(directory, "triage.yaml", Triage),
        findings=_read(directory, "findings.yaml", Findings),
        red_flags=_read(directory, "red_flags.yaml", RedFlags),
        patterns=_read(directory, "patterns.yaml", Patterns),
        care=_read(directory, "care.yaml", Care),
        exercises=_read(directory, "exercises.yaml", Exercises),
        plans=_read(directory, "plans.yaml", Plans),
        strings=_read(directory, "strings.yaml", Strings),
        language=_read(directory, "language.yaml", Language),
        admin=_read(directory, "admin.yaml", AdminStrings),
        sources=_read(directory, "sources.yaml", Sources),
    )
    check_content(content)
    return content
