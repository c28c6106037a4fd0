"""How well typed messages are read for warning signs: recall per sign and false alarms, on the labelled corpus.

    python -m bench.understanding [--split dev|test|holdout|final|voice5|audit12|voice6|all] [--misses] [--why TEXT]

The corpus (tests/data/understanding/) holds runners' messages written from sources and forums, each
labelled with the warning signs it reports as a current symptom of the writer. A sign counts as recalled
when the bot raises it or another sign of its family; a false alarm is any sign raised for a message with
none. Targets (issue 12): recall 100% for emergency and same-day signs, >= 98% overall, false alarms <= 1%.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from content import Content, load_content
from content.schema import LEVELS
from flows.understanding import understanding

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "understanding"
SPLITS = ("dev", "test", "holdout", "final", "voice5", "audit12", "voice6")


@dataclass(frozen=True)
class Message:
    text: str
    flags: tuple[str, ...]
    kind: str
    split: str


def load(split: str) -> list[Message]:
    names = SPLITS if split == "all" else (split,)
    messages = []
    for name in names:
        for entry in yaml.safe_load((CORPUS / f"corpus_{name}.yaml").read_text(encoding="utf-8")):
            messages.append(Message(entry["text"], tuple(entry.get("flags") or ()), entry["kind"], name))
    return messages


@dataclass
class Score:
    total: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    negatives: int = 0
    false_alarms: int = 0
    under_triaged: int = 0
    told_less: list[tuple[Message, list[str]]] = field(default_factory=list)
    positives: int = 0
    misses: list[tuple[Message, list[str]]] = field(default_factory=list)
    alarms: list[tuple[Message, list[str]]] = field(default_factory=list)

    def recall(self, family: str) -> float:
        return self.hits[family] / self.total[family] if self.total[family] else 1.0

    @property
    def overall(self) -> float:
        return sum(self.hits.values()) / max(1, sum(self.total.values()))

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / max(1, self.negatives)


def family_levels(content: Content) -> dict[str, str]:
    """The urgency a labelled sign asks for: that of the sign the family is named after."""
    return {flag.id: flag.urgency.value for flag in content.red_flags.red_flags if flag.group == flag.id}


def score(content: Content, messages: list[Message]) -> Score:
    reader = understanding(content)
    levels = family_levels(content)
    result = Score()
    for message in messages:
        flags = reader.red_flags(message.text)
        families = {f.group for f in flags}
        raised = [f.id for f in flags]
        if not message.flags:
            result.negatives += 1
            if flags:
                result.false_alarms += 1
                result.alarms.append((message, raised))
            continue
        result.positives += 1
        missed = False
        for family in message.flags:
            result.total[family] += 1
            if family in families:
                result.hits[family] += 1
            else:
                missed = True
        if missed:
            result.misses.append((message, raised))
        wanted = min(LEVELS.index(levels[f]) for f in message.flags)
        got = min((LEVELS.index(f.urgency.value) for f in flags), default=LEVELS.index("self_care"))
        if got > wanted:
            result.under_triaged += 1
            result.told_less.append((message, raised))
    return result


def report(content: Content, result: Score, show: bool) -> str:
    levels = family_levels(content)
    lines = [f"{'warning sign':<20} {'level':<12} {'recall':>8} {'found':>7}"]
    for family in sorted(result.total, key=lambda f: (LEVELS.index(levels[f]), f)):
        recall = result.recall(family)
        lines.append(
            f"{family:<20} {levels[family]:<12} {recall:>7.1%} {result.hits[family]:>4}/{result.total[family]:<3}"
        )
    urgent = [f for f in result.total if levels[f] in ("emergency", "same_day")]
    urgent_recall = sum(result.hits[f] for f in urgent) / max(1, sum(result.total[f] for f in urgent))
    lines += [
        "",
        f"recall, emergency and same-day signs: {urgent_recall:.1%} (target 100%)",
        f"recall, all signs: {result.overall:.1%} (target >= 98%)",
        f"messages told less urgent than labelled: {result.under_triaged} of {result.positives}",
        f"false alarms: {result.false_alarms} of {result.negatives} messages without a sign "
        f"= {result.false_alarm_rate:.1%} (target <= 1%)",
    ]
    if show:
        lines += ["", "missed:"] + [f"  {m.flags} got {r}: {m.text}" for m, r in result.misses]
        lines += ["", "told less urgent:"] + [f"  {m.flags} got {r}: {m.text}" for m, r in result.told_less]
        lines += ["", "false alarms:"] + [f"  [{m.kind}] got {r}: {m.text}" for m, r in result.alarms]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--misses", action="store_true", help="list every missed sign and false alarm")
    parser.add_argument("--why", metavar="TEXT", help="show which phrases a message matches, and whether they count")
    args = parser.parse_args(argv)
    content = load_content()
    if args.why:
        reader = understanding(content)
        for finding, phrase, excluded in reader.reader.explain(args.why):
            print(f"{finding:<22} {phrase:<36} {excluded or 'counted'}")
        print("signs:", [f.id for f in reader.red_flags(args.why)])
        return 0
    messages = load(args.split)
    print(f"corpus: {args.split} ({len(messages)} messages)\n")
    print(report(content, score(content, messages), args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
