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


def test_a_warning_sign_rule_without_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty rule would raise the sign for every runner."""
    directory = broken_copy(tmp_path, "red_flags.yaml", set_in(["red_flags", 0, "when", 0], []))
    code, err = check(directory, capsys)
    assert code != 0
    assert "red_flags.yaml: red_flags.0.when.0: Tuple should have at least 1 item" in err


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


def test_a_warning_sign_question_mixing_urgencies_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tapped same-day answer ends the question: an emergency on the same list would never be said."""

    def mix(data: dict[str, Any]) -> None:
        questions = {q["id"]: q for q in data["questions"]}
        limb = next(a for a in questions["warning_signs"]["answers"] if a["value"] == "limb")
        questions["warning_signs"]["answers"].remove(limb)
        questions["urgent_signs"]["answers"].append(limb)

    directory = broken_copy(tmp_path, "triage.yaml", mix)
    code, err = check(directory, capsys)
    assert code != 0
    assert "'urgent_signs' offers signs of more than one urgency (emergency, same_day)" in err


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


# --- plans: contradictions are refused, not hoped away (issue 13, item 8) -----------------------------------


def _phase(phase_id: str, change: Callable[[dict[str, Any]], None]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        change(next(p for p in data["phases"] if p["id"] == phase_id))

    return mutate


def _refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, mutate: Mutation) -> str:
    code, err = check(broken_copy(tmp_path, file, mutate), capsys)
    assert code != 0
    return err


def test_a_run_that_breaks_the_single_run_rule_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def jump(phase: dict[str, Any]) -> None:  # 20 minutes, then 3 x (8 run + 2 walk) = 30 minutes
        phase["run"]["steps"][1] = {"run": 8, "walk": 2, "repeats": 3}

    err = _refused(tmp_path, capsys, "plans.yaml", _phase("strain_walk_jog", jump))
    assert "'strain_walk_jog' run step 2: 30 minutes after a longest of 20 is 50% longer" in err
    assert "breaks the single-run rule" in err


def test_a_next_phase_that_starts_too_long_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def longer(phase: dict[str, Any]) -> None:  # the walk-run phase grew to 30 minutes at most
        phase["run"]["steps"][0] = {"continuous": 40}

    err = _refused(tmp_path, capsys, "plans.yaml", _phase("strain_strides", longer))
    assert "'strain_strides' run step 1: 40 minutes after a longest of 30" in err


def _notes(phase_id: str, notes: str) -> Mutation:
    def change(phase: dict[str, Any]) -> None:
        phase["notes"] = notes

    return _phase(phase_id, change)


def test_a_phase_whose_words_and_running_disagree_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        ("prevent", "No running in this phase.", "'prevent' says no running, but the phase runs"),
        ("prevent", "A bike ride instead of a run is fine.", "'prevent' suggests cross-training in a phase that runs"),
        ("strain_strides", "No speed yet.", "says no speed, but the run has strides or speed"),
        ("strain_load", "Easy runs are fine.", "speaks of running, but the phase has no run"),
    ]
    for index, (phase_id, notes, reason) in enumerate(cases):
        assert reason in _refused(tmp_path / str(index), capsys, "plans.yaml", _notes(phase_id, notes))


def test_a_dose_whose_schedule_and_words_disagree_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def twice_a_week(phase: dict[str, Any]) -> None:  # scheduled every other day
        phase["exercises"][1] = {"exercise": "diver", "every": "other_day", "dose": "3 sets of 6, twice a week."}

    err = _refused(tmp_path, capsys, "plans.yaml", _phase("strain_walk_jog", twice_a_week))
    assert "'diver' is scheduled other_day but its dose says twice_week" in err


def test_a_card_that_says_how_often_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def daily(data: dict[str, Any]) -> None:
        next(e for e in data["exercises"] if e["id"] == "extender")["dose"] = "2 sets of 12, once a day."

    err = _refused(tmp_path, capsys, "exercises.yaml", daily)
    assert "exercises.yaml: exercises.4.dose: says day: how often belongs to the plan's schedule" in err


def test_a_phase_text_naming_a_schedule_nothing_follows_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(tmp_path, capsys, "plans.yaml", _notes("strain_walk_jog", "Run every day, flat and easy."))
    assert "says day, but nothing in the phase is scheduled so" in err


def test_a_first_step_that_contradicts_the_first_phase_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def pause_running(data: dict[str, Any]) -> None:  # overuse starts with reduced running
        next(p for p in data["patterns"] if p["id"] == "overuse")["first_steps"].append("stop_running")

    err = _refused(tmp_path, capsys, "patterns.yaml", pause_running)
    assert "first step 'stop_running' contradicts the first phase 'overuse_reduce'" in err


def test_plan_cards_without_sources_or_review_date_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(tmp_path / "e", capsys, "exercises.yaml", delete_in(["exercises", 0, "sources"]))
    assert "exercises.yaml: exercises.0.sources: Field required" in err
    err = _refused(tmp_path / "p", capsys, "plans.yaml", delete_in(["phases", 0, "reviewed"]))
    assert "plans.yaml: phases.0.reviewed: Field required" in err
    err = _refused(tmp_path / "m", capsys, "plans.yaml", delete_in(["milestones", 0, "sources"]))
    assert "plans.yaml: milestones.0.sources: Field required" in err
    err = _refused(tmp_path / "r", capsys, "plans.yaml", delete_in(["progression", "sources"]))
    assert "plans.yaml: progression.sources: Field required" in err
    err = _refused(tmp_path / "u", capsys, "plans.yaml", set_in(["plans", 0, "sources"], ["my_blog"]))
    assert "plans.yaml: plans.0.sources.0: unknown source 'my_blog'" in err


def test_unused_cards_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def extra_exercise(data: dict[str, Any]) -> None:
        data["exercises"].append({**data["exercises"][0], "id": "towel_stretch"})

    err = _refused(tmp_path / "e", capsys, "exercises.yaml", extra_exercise)
    assert "'towel_stretch' is used by nothing: use it or remove it" in err

    def extra_care(data: dict[str, Any]) -> None:
        data["care_steps"].append({**data["care_steps"][0], "id": "ice"})

    err = _refused(tmp_path / "c", capsys, "care.yaml", extra_care)
    assert "'ice' is used by nothing" in err


def test_urgency_words_in_plan_texts_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(
        tmp_path,
        capsys,
        "plans.yaml",
        _phase("strain_load", lambda p: p.update(notes="If it hurts, see a doctor today.")),
    )
    assert "names the same_day urgency: plan texts point to a card that says it" in err


def test_a_missing_grade_plan_and_an_avoided_exercise_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(
        tmp_path / "g",
        capsys,
        "plans.yaml",
        lambda data: data.update(plans=[p for p in data["plans"] if p["id"] != "strain_severe"]),
    )
    assert "no plan for acute_strain (severe)" in err

    def deadlift(phase: dict[str, Any]) -> None:
        phase["exercises"].append({"exercise": "single_leg_deadlift", "every": "other_day"})

    err = _refused(tmp_path / "t", capsys, "plans.yaml", _phase("tendon_calm", deadlift))
    assert "'tendon_calm' has 'single_leg_deadlift', tagged compression" in err


def test_check_in_steps_too_long_for_a_button_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def long_ids(data: dict[str, Any]) -> None:
        measure = next(m for m in data["measures"] if m["id"] == "sitbone_score")
        measure["items"][0]["id"] = "minutes_sitting_painfree"  # 24 characters, the longest id allowed
        measure["items"][0]["answers"][0]["value"] = "under_ten_minutes_sitting"[:24]

    err = _refused(tmp_path, capsys, "plans.yaml", long_ids)
    assert "plans.yaml: measures.0.items.0: ids too long for a button" in err
