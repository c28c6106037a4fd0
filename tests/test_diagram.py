"""docs/flow.md is the triage and the plans drawn from content (issue 17): it must be what
`thigh-coach content diagram` writes today, or a reviewer reads an old flow."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main
from bot.diagram import diagram
from content import Content
from flows.triage import TRANSITIONS

COMMITTED = Path(__file__).parent.parent / "docs" / "flow.md"


def test_committed_diagram_is_current(content: Content) -> None:
    assert COMMITTED.read_text(encoding="utf-8") == diagram(content), (
        "docs/flow.md is stale: run `thigh-coach content diagram` and commit it"
    )


def test_diagram_shows_routes_warning_sign_exits_and_every_plan(content: Content) -> None:
    drawn = diagram(content)
    assert f"start([Start]) --> q_{content.triage.start}" in drawn
    assert 'q_walking -.->|"I can\'t put weight on the leg"| flag_no_weight' in drawn
    for plan in content.plans.plans:
        assert f"subgraph plan_{plan.id}[" in drawn
    for milestone in content.plans.milestones:
        assert f"test: {milestone.name}" in drawn, milestone.id


def test_the_command_writes_the_file(tmp_path: Path, content: Content) -> None:
    out = tmp_path / "flow.md"
    assert main(["content", "diagram", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == diagram(content)


def test_signs_raised_by_findings_together_and_the_machine_are_drawn(content: Content) -> None:
    """The diagram is complete: a sign that needs two findings is drawn with both, and the routing that is
    rules rather than content (the triage machine's table) is drawn from that table."""
    drawn = diagram(content)
    spinal = next(f for f in content.red_flags.red_flags if f.id == "spinal_infection")
    rule = next(r for r in spinal.when if len(r) > 1)
    together = next(i for i, r in enumerate(spinal.when) if r == rule)
    for finding in rule:
        assert f"f_{finding}([{finding}]) --> all_spinal_infection_{together}" in drawn
    assert f"all_spinal_infection_{together} --> flag_spinal_infection" in drawn
    for transition in TRANSITIONS:
        assert f": {transition['trigger']}" in drawn
