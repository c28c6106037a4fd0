"""`thigh-coach content check` refuses bad content with the file, the path inside it and the reason."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from content import DEFAULT_DIR

Mutation = Callable[[dict[str, Any]], None]


def broken_copy(tmp_path: Path, file: str, mutate: Mutation) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_DIR, target)
    data = yaml.safe_load((target / file).read_text(encoding="utf-8"))
    mutate(data)
    (target / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def check(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["content", "check", str(directory)])
    captured = capsys.readouterr()
    return code, captured.err.strip()


def set_in(path: list[str | int], value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def delete_in(path: list[str | int]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def test_bundled_content_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check"]) == 0
    assert "content OK" in capsys.readouterr().out


def test_broken_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "triage.yaml", set_in(["questions", 0, "answers", 0, "next"], "nowhere"))
    code, err = check(directory, capsys)
    assert code != 0
    assert "triage.yaml: questions.0.answers.0.next: unknown question 'nowhere'" in err


def test_broken_care_step_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "patterns.yaml", set_in(["patterns", 1, "first_steps", 0], "cold_bath"))
    code, err = check(directory, capsys)
    assert code != 0
    assert "patterns.yaml: patterns.1.first_steps.0: unknown care step 'cold_bath'" in err


def test_missing_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "red_flags.yaml", delete_in(["red_flags", 2, "advice"]))
    code, err = check(directory, capsys)
    assert code != 0
    assert err.startswith("thigh-coach: red_flags.yaml: red_flags.2.advice: Field required")


def test_over_long_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "strings.yaml", set_in(["help"], "x" * 4097))
    code, err = check(directory, capsys)
    assert code != 0
    assert "strings.yaml: help: String should have at most 4096 characters" in err


def test_over_long_button_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "triage.yaml", set_in(["questions", 2, "answers", 1, "label"], "a" * 41))
    code, err = check(directory, capsys)
    assert code != 0
    assert "triage.yaml: questions.2.answers.1.label: String should have at most 40 characters" in err


def test_id_too_long_for_callback_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "triage.yaml", set_in(["questions", 0, "answers", 0, "value"], "v" * 30))
    code, err = check(directory, capsys)
    assert code != 0
    assert "triage.yaml: questions.0.answers.0.value: String should match pattern" in err


def test_duplicate_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "exercises.yaml", set_in(["exercises", 3, "id"], "glute_bridge"))
    code, err = check(directory, capsys)
    assert code != 0
    assert "exercises.yaml: exercises.3.id: duplicate id 'glute_bridge'" in err


def test_unreachable_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    position: list[int] = []

    def orphan(data: dict[str, Any]) -> None:
        position.append(len(data["questions"]))
        data["questions"].append(
            {
                "id": "orphan",
                "text": "Nobody asks this?",
                "next": "outcome",
                "answers": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
            }
        )

    directory = broken_copy(tmp_path, "triage.yaml", orphan)
    code, err = check(directory, capsys)
    assert code != 0
    assert f"triage.yaml: questions.{position[0]}: question 'orphan' is unreachable" in err


def test_route_loop_without_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "triage.yaml", set_in(["questions", 4, "answers", 0, "next"], "location"))
    code, err = check(directory, capsys)
    assert code != 0
    assert "route loops without an outcome: location -> spread -> location" in err


def test_unbalanced_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "strings.yaml", set_in(["welcome"], "Hello <b>runner"))
    code, err = check(directory, capsys)
    assert code != 0
    assert "strings.yaml: welcome: Value error, <b> is never closed" in err


def test_not_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_DIR, target)
    (target / "care.yaml").write_text("care_steps: [unclosed\n", encoding="utf-8")
    code, err = check(target, capsys)
    assert code != 0
    assert err.startswith("thigh-coach: care.yaml: line ")


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_DIR, target)
    (target / "language.yaml").unlink()
    code, err = check(target, capsys)
    assert code != 0
    assert "language.yaml: (top): file is missing" in err


# --- warning signs: one urgency per sign, in every text; every sign reachable; every card cited ---------


def _advice_of(flag_id: str, extra: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        flag = next(f for f in data["red_flags"] if f["id"] == flag_id)
        flag["advice"] += extra

    return mutate


def test_a_card_naming_another_urgency_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "red_flags.yaml", _advice_of("weakness", " Foot drop is an emergency."))
    code, err = check(directory, capsys)
    assert code != 0
    assert "red_flags.yaml: red_flags." in err
    assert "names the emergency urgency but the sign is same_day" in err


def test_a_pattern_naming_an_urgency_of_its_own_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(
        tmp_path, "patterns.yaml", set_in(["patterns", 0, "see_someone"], "If your foot drops, go to A&E.")
    )
    code, err = check(directory, capsys)
    assert code != 0
    assert "patterns.yaml: patterns.0.see_someone: names the emergency urgency" in err


def test_a_sign_no_answer_can_raise_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def unreachable(data: dict[str, Any]) -> None:
        flag = next(f for f in data["red_flags"] if f["id"] == "age_back")
        flag["when"] = [["age_under_20", "back_pain"]]  # an age is only ever typed, never tapped

    directory = broken_copy(tmp_path, "red_flags.yaml", unreachable)
    code, err = check(directory, capsys)
    assert code != 0
    assert "no triage answer can raise 'age_back'" in err


def test_a_reference_to_an_unknown_sign_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "red_flags.yaml", _advice_of("dvt", " See {flag:heart_attack}."))
    code, err = check(directory, capsys)
    assert code != 0
    assert "{flag:heart_attack} names no warning sign" in err


def test_a_card_citing_an_unknown_source_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "care.yaml", set_in(["care_steps", 0, "sources"], ["my_blog"]))
    code, err = check(directory, capsys)
    assert code != 0
    assert "care.yaml: care_steps.0.sources.0: unknown source 'my_blog'" in err


def test_a_card_without_source_or_review_date_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = broken_copy(tmp_path, "red_flags.yaml", delete_in(["red_flags", 0, "reviewed"]))
    code, err = check(directory, capsys)
    assert code != 0
    assert "red_flags.yaml: red_flags.0.reviewed: Field required" in err


def test_an_unused_finding_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def orphan(data: dict[str, Any]) -> None:
        data["findings"].append({"id": "hiccups", "phrases": ["hiccups"]})

    directory = broken_copy(tmp_path, "findings.yaml", orphan)
    code, err = check(directory, capsys)
    assert code != 0
    assert "finding 'hiccups' is used by nothing" in err


def test_a_group_that_refers_to_itself_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def loop(data: dict[str, Any]) -> None:
        data["groups"]["numbness"].append("@numbness")

    directory = broken_copy(tmp_path, "findings.yaml", loop)
    code, err = check(directory, capsys)
    assert code != 0
    assert "group @numbness refers to itself" in err
