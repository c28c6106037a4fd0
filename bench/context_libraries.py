"""Our context reader measured against clinical NLP libraries made for the job: medspaCy's ConText and negspacy.

    /work/nlp-venv/bin/python bench/context_libraries.py [--examples N]

Issue 12 item 3. It needs medspacy and negspacy, which are NOT project dependencies: run it in a scratch venv
that has them and the project's own requirements (the project itself is put on sys.path from this file's
place); no test imports it. The blank English pipelines need no model download. Results: docs/understanding.md.

Every arm keeps our candidate detection (findings.yaml phrases -> token spans, flows.language), our other-sense
rules (not_when, not_in_clause), and the warning-sign rules and scoring of bench.understanding. Only the
decision of what a matched symptom means changes:
  ours        flows.language.context (denial, hypothetical, past, someone else, asked about) and the reader's
              question and first-person rules
  ctx         medspaCy ConText with its default rules; its attributes read as ours: negated -> denied,
              hypothetical, historical -> past, family -> someone else, uncertain -> asked about
  ctx+ours    ConText, default rules plus our trigger lists (language.yaml) converted to ConTextRules
  neg:*       negspacy (NegEx) with the termsets en, en_clinical and en_clinical_sensitive; NegEx only
              negates, so it decides denial and the other meanings stay ours
The libraries read the original text with their own tokenizer and sentence splitter; our matches reach them as
character spans, adjacent parts of a match as one target ("can't pee"). Variants read the
parts apart, keep ConText's default handling of a trigger inside a target, or add our clause boundaries to
ConText. A last table takes one meaning at a time from ConText and the rest from ours, to show where a library
would be worth borrowing from. Arms take turns on each message, so a busy machine slows them alike; times are
reported as ratios to ours.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a file from a venv that does not install the project

# not project dependencies: this file runs only in a scratch venv that has them
import medspacy  # type: ignore[import-not-found]  # noqa: E402
import spacy  # type: ignore[import-not-found]  # noqa: E402
from loguru import logger  # type: ignore[import-not-found]  # noqa: E402
from medspacy.context import ConTextRule  # type: ignore[import-not-found]  # noqa: E402
from negspacy.negation import Negex  # type: ignore[import-not-found]  # noqa: E402, F401  (registers "negex")
from negspacy.termsets import termset  # type: ignore[import-not-found]  # noqa: E402
from spacy.tokens import Span as SpacySpan  # type: ignore[import-not-found]  # noqa: E402
from spacy.tokens import Token as SpacyToken  # noqa: E402

from bench.understanding import SPLITS, Message, Score, family_levels, load, score  # noqa: E402
from content import Content, load_content  # noqa: E402
from content.schema import LEVELS, RedFlag  # noqa: E402
from flows.language.context import Meaning, meaning_at, read_marks  # noqa: E402
from flows.language.numbers import age  # noqa: E402
from flows.language.phrases import Span, occurrences, part_spans  # noqa: E402
from flows.language.reader import NOT_NOW, Reader, stem  # noqa: E402
from flows.language.text import _JOINERS, _PIECE, Grammar, _pieces, fold  # noqa: E402
from flows.screening import raised  # noqa: E402
from flows.understanding import understanding  # noqa: E402

CharSpan = tuple[int, int]  # start and end offsets in the original text
CONTEXT_TYPES = (Meaning.DENIED, Meaning.HYPOTHETICAL, Meaning.PAST, Meaning.OTHER_PERSON, Meaning.ASKING)
KINDS = ("denial", "hypothetical", "history", "other_person", "other_sense", "benign")


# --- our candidate detection, with the context decision left open ----------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One way a finding's phrase matched, before anyone decides what it means."""

    finding: str
    parts: tuple[CharSpan, ...]  # one per part of the phrase ("@cant_do + @pee": "can't", "pee")
    phrase: tuple[CharSpan, ...]  # adjacent parts read as one ("can't pee"), as a recogniser would mark them
    ours: Meaning  # what our reader makes of it
    past_counts: bool
    condition_name: bool
    other_sense: bool  # not_when / not_in_clause: kept in every arm, as it is about the words, not context


@dataclass(frozen=True)
class Detected:
    ages: frozenset[str]  # findings from an age ("I'm 58"), no context involved
    candidates: tuple[Candidate, ...]

    def findings(self, meaning: Callable[[Candidate], Meaning]) -> frozenset[str]:
        return self.ages | {c.finding for c in self.candidates if counts(c, meaning(c))}


def counts(candidate: Candidate, meaning: Meaning) -> bool:
    """Whether a match is a current symptom of the runner: flows.language.reader `_counts`, with its context
    decision taken as `meaning` (the question rule is folded into `ours`, see `Detector.read`)."""
    if meaning & NOT_NOW:
        return False
    if Meaning.PAST in meaning and not candidate.past_counts:
        return False
    if candidate.condition_name and Meaning.ASKING in meaning:
        return False
    return not candidate.other_sense


def token_offsets(text: str, grammar: Grammar) -> list[CharSpan]:
    """Where each of our tokens (flows.language.text) stands in the original text."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        origin.extend([index] * len(piece))
    joined = "".join(folded)
    if joined != fold(text):
        raise ValueError(f"folding is not per character for {text!r}")
    offsets: list[CharSpan] = []
    for match in _PIECE.finditer(joined):
        if match.group(0) == ",":
            continue
        place = (origin[match.start()], origin[match.end() - 1] + 1)
        offsets.extend(place for _ in _pieces(match.group(0), grammar))
    return offsets


def _together(spans: tuple[Span, ...]) -> list[Span]:
    """Parts with no word between them joined into one span: the contiguous words a recogniser would mark."""
    joined: list[Span] = []
    for first, last in sorted(spans):
        if joined and first <= joined[-1][1] + 1:
            joined[-1] = (joined[-1][0], max(last, joined[-1][1]))
        else:
            joined.append((first, last))
    return joined


class Detector:
    """Our reader's candidate detection (flows.language.reader), stopping short of the context decision."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def read(self, text: str) -> Detected:
        reader = self.reader
        message = reader.message(text)
        marks = read_marks(message, reader.triggers)
        offsets = token_offsets(text, reader.grammar)
        if len(offsets) != len(message.tokens):
            raise ValueError(f"tokens and offsets disagree for {text!r}")
        years = age(text)
        ages = frozenset(f for low, high, f in reader.ages if years is not None and low <= years <= high)
        candidates = []
        for key in sorted(reader.index.candidates(message)):
            item = reader.findings[key]
            finding = item.finding
            for phrase in item.phrases:
                for spans in occurrences(phrase, message, within=finding.within):
                    ours = meaning_at(marks, spans)
                    if Meaning.OTHER_PERSON in ours and reader._speaks_of_self(message, spans):
                        ours &= ~Meaning.OTHER_PERSON
                    sentence = message.tokens[spans[0][0]].sentence
                    if sentence in message.questions:
                        ours |= Meaning.ASKING  # a condition named in a question is asked about
                        if not reader._first_person(message, sentence):
                            ours |= Meaning.HYPOTHETICAL  # a general question reports nothing
                    candidates.append(
                        Candidate(
                            finding.id,
                            tuple((offsets[first][0], offsets[last][1]) for first, last in spans),
                            tuple((offsets[first][0], offsets[last][1]) for first, last in _together(spans)),
                            ours,
                            finding.past_counts,
                            finding.condition_name,
                            self._other_sense(item.not_when, item.not_in_clause, spans, message),
                        )
                    )
        return Detected(ages, tuple(candidates))

    @staticmethod
    def _other_sense(
        not_when: Sequence[Any], not_in_clause: Sequence[Any], spans: tuple[Span, ...], message: Any
    ) -> bool:
        for phrase in not_when:
            for other in part_spans(phrase.parts[0], message, gap=0) if len(phrase.parts) == 1 else ():
                if any(first <= other[1] and other[0] <= last for first, last in spans):
                    return True
        clause = message.tokens[spans[0][0]].clause
        return any(
            message.tokens[other[0][0]].clause == clause
            for phrase in not_in_clause
            for other in occurrences(phrase, message)
        )


# --- the libraries ---------------------------------------------------------------------------------------

# ConText categories as our meanings; DOUBT carries our "uncertain" triggers (doubt cancels a denial)
CATEGORIES = {
    "NEGATED_EXISTENCE": ("is_negated", Meaning.DENIED),
    "HYPOTHETICAL": ("is_hypothetical", Meaning.HYPOTHETICAL),
    "HISTORICAL": ("is_historical", Meaning.PAST),
    "FAMILY": ("is_family", Meaning.OTHER_PERSON),
    "POSSIBLE_EXISTENCE": ("is_uncertain", Meaning.ASKING),
    "DOUBT": ("is_doubted", Meaning.UNCERTAIN),
}
# our trigger lists (language.yaml `context`) as ConText categories and directions
OUR_RULES = {
    "deny_before": ("NEGATED_EXISTENCE", "FORWARD"),
    "deny_after": ("NEGATED_EXISTENCE", "BACKWARD"),
    "uncertain": ("DOUBT", "BIDIRECTIONAL"),
    "hypothetical": ("HYPOTHETICAL", "FORWARD"),
    "asking": ("POSSIBLE_EXISTENCE", "FORWARD"),
    "past": ("HISTORICAL", "BIDIRECTIONAL"),
    "resolved": ("HISTORICAL", "BIDIRECTIONAL"),
    "other_person": ("FAMILY", "FORWARD"),
    "pseudo": ("PSEUDO", "PSEUDO"),
}
GROUP = "findings"  # ConText reads targets from this span group: our matches overlap, entities may not
PSEUDO_GAP = 6  # the parts of a "cant + without" pseudo-trigger: at most this many words apart


def _our_word(token: Any) -> str:
    """A library token as our phrases see it: its norm ("n't" and "nt" are "not") folded."""
    return fold(token.norm_)


def _register_token_attributes() -> None:
    if not SpacyToken.has_extension("our_word"):
        SpacyToken.set_extension("our_word", getter=_our_word)
        SpacyToken.set_extension("our_stem", getter=lambda token: stem(_our_word(token)))
    if not SpacySpan.has_extension("is_doubted"):
        SpacySpan.set_extension("is_doubted", default=False)


def trigger_patterns(source: str, tokenizer: Any) -> list[list[dict[str, Any]]]:
    """Matcher patterns for one of our trigger phrases: words by stem as our phrases match them ("deny" finds
    "denied"), "word*" by prefix, "=word" exactly, contractions with or without the apostrophe ("dont",
    "don't"), the parts of "a + b" a few words apart in either order."""

    def word_forms(raw: str) -> list[list[dict[str, Any]]]:
        if raw.startswith("="):
            return [[{"_": {"our_word": raw[1:]}}]]
        if raw.endswith("*"):
            return [[{"_": {"our_word": {"REGEX": "^" + re.escape(raw[:-1])}}}]]
        spellings = {raw} | {raw[:i] + "'" + raw[i:] for i in range(1, len(raw))} & set(tokenizer.rules)
        forms = {tuple(stem(_our_word(t)) for t in tokenizer(s)) for s in sorted(spellings)}
        return [[{"_": {"our_stem": s}} for s in form] for form in sorted(forms)]

    def sequences(part: str) -> Iterator[list[dict[str, Any]]]:
        for combination in itertools.product(*(word_forms(raw) for raw in part.split())):
            yield [token for form in combination for token in form]

    parts = [list(sequences(p.strip())) for p in source.split("+")]
    if len(parts) == 1:
        return parts[0]
    gap = [{"OP": "?"}] * PSEUDO_GAP
    return [[*a, *gap, *b] for first, second in itertools.permutations(parts) for a in first for b in second]


def clause_rules(grammar: Grammar) -> list[Any]:
    """Our clause boundaries (flows.language.text) as ConText terminations: a turn ("but", "although"), and a
    comma or "and" before a new subject ("..., my bladder")."""
    new_subject = [
        {"_": {"our_word": {"IN": sorted(_JOINERS)}}},
        {"_": {"our_word": {"IN": sorted(grammar.adverbs)}}, "OP": "*"},
        {"_": {"our_word": {"IN": sorted(grammar.subjects)}}},
    ]
    return [
        ConTextRule(
            "clause: turn",
            "CLAUSE",
            pattern=[{"_": {"our_word": {"IN": sorted(grammar.turns)}}}],
            direction="TERMINATE",
        ),
        ConTextRule("clause: new subject", "CLAUSE", pattern=new_subject, direction="TERMINATE"),
    ]


class ConTextMeanings:
    """medspaCy: its tokenizer, PyRuSH sentences and ConText, over our matches as a span group.

    `prune` drops a trigger that lies inside a finding ("can't" in "can't walk"), as our reader does; without it,
    medspaCy 1.3.1 lets a trigger strictly inside a target modify it (its overlap test, medspacy.util
    tuple_overlaps, misses containment), so "lost a stone without trying" is denied by its own "without".
    """

    def __init__(
        self, extra: dict[str, tuple[str, ...]] | None = None, prune: bool = True, clauses: Grammar | None = None
    ) -> None:
        _register_token_attributes()
        self.nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer", "medspacy_pyrush"])
        config = {
            "input_span_type": "group",
            "span_group_name": GROUP,
            "span_attrs": {category: {attribute: True} for category, (attribute, _) in CATEGORIES.items()},
            "prune_on_target_overlap": prune,
        }
        self.context = self.nlp.add_pipe("medspacy_context", config=config)
        self.sentences = self.nlp.get_pipe("medspacy_pyrush")
        rules = []
        for name, sources in (extra or {}).items():
            category, direction = OUR_RULES[name]
            for source in sources:
                for pattern in trigger_patterns(source, self.nlp.tokenizer):
                    rules.append(ConTextRule(f"{name}: {source}", category, pattern=pattern, direction=direction))
        self.context.add([*rules, *(clause_rules(clauses) if clauses else ())])
        self.rule_count = len(self.context.rules)

    def __call__(self, text: str, parts: Iterable[CharSpan]) -> dict[CharSpan, Meaning]:
        wanted = sorted(set(parts))
        doc = self.sentences(self.nlp.make_doc(text))
        doc.spans[GROUP] = [doc.char_span(s, e, alignment_mode="expand") for s, e in wanted]
        self.context(doc)
        found: dict[CharSpan, Meaning] = {}
        for place, span in zip(wanted, doc.spans[GROUP], strict=True):
            meaning = Meaning.NOW
            for attribute, value in CATEGORIES.values():
                if span._.get(attribute):
                    meaning |= value
            if Meaning.UNCERTAIN in meaning:  # as ours: when in doubt, it counts
                meaning &= ~Meaning.DENIED
            found[place] = meaning & ~Meaning.UNCERTAIN
        return found


class NegExMeanings:
    """negspacy: spaCy's tokenizer and sentencizer and NegEx over our matches, which must be entities. Entities
    may not overlap, so overlapping matches are read in turns."""

    def __init__(self, termset_name: str) -> None:
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.negex = self.nlp.add_pipe("negex", config={"neg_termset": termset(termset_name).get_patterns()})
        self.sentences = self.nlp.get_pipe("sentencizer")

    def __call__(self, text: str, parts: Iterable[CharSpan]) -> dict[CharSpan, Meaning]:
        doc = self.sentences(self.nlp.make_doc(text))
        by_tokens: dict[tuple[int, int], list[CharSpan]] = {}
        for place in set(parts):
            span = doc.char_span(*place, alignment_mode="expand")
            by_tokens.setdefault((span.start, span.end), []).append(place)
        turns: list[list[tuple[int, int]]] = []
        for start, end in sorted(by_tokens):
            turn = next((t for t in turns if all(end <= s or e <= start for s, e in t)), None)
            if turn is None:
                turns.append([(start, end)])
            else:
                turn.append((start, end))
        found: dict[CharSpan, Meaning] = {}
        for turn in turns:
            doc.ents = [SpacySpan(doc, s, e, label="FINDING") for s, e in turn]
            self.negex(doc)
            for entity in doc.ents:
                meaning = Meaning.DENIED if entity._.negex else Meaning.NOW
                for place in by_tokens[(entity.start, entity.end)]:
                    found[place] = meaning
        return found


# --- the arms --------------------------------------------------------------------------------------------

Library = Callable[[str, Iterable[CharSpan]], dict[CharSpan, Meaning]]


@dataclass(frozen=True)
class Arm:
    name: str
    library: Library | None  # None: ours
    decides: Meaning  # the meanings taken from the library; the others stay ours
    together: bool = True  # the library reads adjacent parts of a match as one target (Candidate.phrase)

    def targets(self, candidate: Candidate) -> tuple[CharSpan, ...]:
        return candidate.phrase if self.together else candidate.parts

    def meaning(self, candidate: Candidate, read: dict[CharSpan, Meaning]) -> Meaning:
        if self.library is None:
            return candidate.ours
        theirs = Meaning.NOW
        for target in self.targets(candidate):
            theirs |= read[target]
        return (candidate.ours & ~self.decides) | (theirs & self.decides)


ALL_MEANINGS = Meaning.DENIED | Meaning.HYPOTHETICAL | Meaning.PAST | Meaning.OTHER_PERSON | Meaning.ASKING


@dataclass
class Run:
    """One arm over the corpus: the signs raised per message and the time each took."""

    arm: Arm
    flags: list[list[RedFlag]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    reads: list[tuple[Detected, dict[CharSpan, Meaning]]] = field(default_factory=list)


def run(arms: Sequence[Arm], content: Content, detector: Detector, messages: Sequence[Message]) -> list[Run]:
    """Every arm over the corpus, taking turns on each message so that a busy machine slows them all alike."""
    results = [Run(arm) for arm in arms]
    reader = understanding(content)
    for message in messages:
        for result in results:
            arm = result.arm
            started = time.perf_counter()
            if arm.library is None:
                flags = reader.red_flags(message.text)
                read: tuple[Detected, dict[CharSpan, Meaning]] = (Detected(frozenset(), ()), {})
            else:
                detected = detector.read(message.text)
                meanings = arm.library(message.text, (t for c in detected.candidates for t in arm.targets(c)))
                flags = raised(content, detected.findings(partial(arm.meaning, read=meanings)))
                read = (detected, meanings)
            result.seconds.append(time.perf_counter() - started)
            result.flags.append(flags)
            result.reads.append(read)
    return results


def rederive(arm: Arm, source: Run, content: Content) -> Run:
    """Another mix of a library's meanings and ours, from a run's stored readings (not timed)."""
    result = Run(arm)
    for detected, meanings in source.reads:
        result.flags.append(raised(content, detected.findings(partial(arm.meaning, read=meanings))))
    return result


# --- scoring and report ----------------------------------------------------------------------------------


def right(message: Message, flags: Sequence[RedFlag]) -> bool:
    """A message read right: every labelled sign found (by its family), or none raised when none is labelled."""
    if not message.flags:
        return not flags
    return set(message.flags) <= {f.group for f in flags}


def tally(content: Content, messages: Sequence[Message], flags: Sequence[Sequence[RedFlag]]) -> Score:
    """bench.understanding's scoring over signs already raised."""
    levels = family_levels(content)
    result = Score()
    for message, raised_flags in zip(messages, flags, strict=True):
        families = {f.group for f in raised_flags}
        if not message.flags:
            result.negatives += 1
            if raised_flags:
                result.false_alarms += 1
                result.alarms.append((message, [f.id for f in raised_flags]))
            continue
        result.positives += 1
        for family in message.flags:
            result.total[family] += 1
            result.hits[family] += family in families
        if not set(message.flags) <= families:
            result.misses.append((message, [f.id for f in raised_flags]))
        wanted = min(LEVELS.index(levels[f]) for f in message.flags)
        got = min((LEVELS.index(f.urgency.value) for f in raised_flags), default=LEVELS.index("self_care"))
        result.under_triaged += got > wanted
    return result


def urgent_recall(content: Content, result: Score) -> float:
    levels = family_levels(content)
    urgent = [f for f in result.total if levels[f] in ("emergency", "same_day")]
    return sum(result.hits[f] for f in urgent) / max(1, sum(result.total[f] for f in urgent))


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def split_report(
    content: Content, name: str, messages: Sequence[Message], runs: Sequence[Run], timed: bool, compact: bool = False
) -> str:
    """Recall per sign family (unless compact), overall, false alarms by kind, and time, for one split."""
    chosen = [i for i, m in enumerate(messages) if name == "all" or m.split == name]
    subset = [messages[i] for i in chosen]
    scores = [tally(content, subset, [r.flags[i] for i in chosen]) for r in runs]
    levels = family_levels(content)
    families = sorted(scores[0].total, key=lambda f: (LEVELS.index(levels[f]), f))
    rows: list[list[str]] = []
    for family in () if compact else families:
        label = f"{family} ({levels[family].replace('_', '-')})"
        rows.append([label, *(f"{s.recall(family):.1%}" for s in scores)])
    rows.append(["**recall, emergency + same-day**", *(f"**{urgent_recall(content, s):.1%}**" for s in scores)])
    rows.append(["**recall, all signs**", *(f"**{s.overall:.1%}**" for s in scores)])
    rows.append(["told less urgent than labelled", *(f"{s.under_triaged}/{s.positives}" for s in scores)])
    rows.append(
        ["**false alarms**", *(f"**{s.false_alarm_rate:.1%}** ({s.false_alarms}/{s.negatives})" for s in scores)]
    )
    for kind in KINDS:
        negatives = [i for i in chosen if messages[i].kind == kind and not messages[i].flags]
        alarms = [sum(1 for i in negatives if r.flags[i]) for r in runs]
        rows.append([f"false alarms: {kind}", *(f"{a}/{len(negatives)}" for a in alarms)])
    if timed:
        base = sum(runs[0].seconds[i] for i in chosen)
        rows.append(
            [
                "ms per message (× ours)",
                *(
                    f"{1000 * sum(r.seconds[i] for i in chosen) / len(chosen):.2f} "
                    f"(×{sum(r.seconds[i] for i in chosen) / base:.1f})"
                    for r in runs
                ),
            ]
        )
    title = f"### {name} ({len(subset)} messages: {scores[0].positives} with a sign, {scores[0].negatives} without)"
    return title + "\n\n" + table(["", *(r.arm.name for r in runs)], rows)


def disagreements(messages: Sequence[Message], ours: Run, other: Run, examples: int) -> str:
    """Messages one arm reads right and the other wrong, counted, with evenly spread examples."""
    lines = []
    for title, winner, loser in (
        (f"{other.arm.name} right, ours wrong", other, ours),
        (f"ours right, {other.arm.name} wrong", ours, other),
    ):
        cases = [i for i, m in enumerate(messages) if right(m, winner.flags[i]) and not right(m, loser.flags[i])]
        lines.append(f"**{title}: {len(cases)}**")
        step = max(1, len(cases) / examples) if cases else 1
        for index in sorted({cases[int(k * step)] for k in range(min(examples, len(cases)))}):
            m = messages[index]
            label = ",".join(m.flags) or "none"
            lines.append(
                f"- [{m.split}/{m.kind}] labelled {label}; ours {[f.id for f in ours.flags[index]] or '-'}, "
                f'{other.arm.name} {[f.id for f in other.flags[index]] or "-"}: "{m.text}"'
            )
        lines.append("")
    return "\n".join(lines)


def versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{p} {version(p)}" for p in ("medspacy", "spacy", "negspacy", "PyRuSH"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10, help="examples of each disagreement (default 10)")
    args = parser.parse_args(argv)
    logger.disable("PyRuSH")  # its sentence splitter logs every sentence at DEBUG
    content = load_content()
    messages = load("all")
    reader = understanding(content).reader
    detector = Detector(reader)
    for message in messages:  # warm our caches (spelling, stems) so no arm pays for them
        reader.read(message.text)
    words = {k: tuple(v) for k, v in content.language.context.model_dump().items()}
    ctx, ctx_ours = ConTextMeanings(), ConTextMeanings(words)
    libraries: list[tuple[str, Library, Meaning]] = [("ctx", ctx, ALL_MEANINGS), ("ctx+ours", ctx_ours, ALL_MEANINGS)]
    for name in ("en", "en_clinical", "en_clinical_sensitive"):
        libraries.append((f"neg:{name}", NegExMeanings(name), Meaning.DENIED))
    more: list[tuple[str, Library]] = [
        ("ctx unpruned", ConTextMeanings(prune=False)),
        ("ctx+ours unpruned", ConTextMeanings(words, prune=False)),
        ("ctx+ours+clauses", ConTextMeanings(words, clauses=reader.grammar)),
    ]
    for library in (*(lib for _, lib, _ in libraries), *(lib for _, lib in more)):
        library("no numbness", [(3, 11)])  # the first call builds a library's matchers
    arms = [Arm("ours", None, Meaning.NOW), *(Arm(name, library, decides) for name, library, decides in libraries)]
    variants = [Arm(f"{name} apart", library, decides, together=False) for name, library, decides in libraries]
    variants += [Arm(name, library, ALL_MEANINGS) for name, library in more]
    runs = run(arms, content, detector, messages)
    others = run([arms[0], *variants], content, detector, messages)

    # the "ours" arm must be bench.understanding to the message, and ours rebuilt from candidates must match it
    expected = score(content, messages)
    mine = tally(content, messages, runs[0].flags)
    assert (mine.hits, mine.false_alarms, mine.under_triaged) == (
        expected.hits,
        expected.false_alarms,
        expected.under_triaged,
    )
    for message, (detected, _) in zip(messages, runs[1].reads, strict=True):
        assert detected.findings(lambda c: c.ours) == reader.read(message.text).findings, message.text

    print(f"# Context decision: ours against medspaCy ConText and negspacy ({date.today().isoformat()})\n")
    print(f"{versions()}; ConText rules: default {ctx.rule_count}, default + ours {ctx_ours.rule_count}\n")
    for name in (*SPLITS, "all"):
        print(split_report(content, name, messages, runs, timed=True) + "\n")

    print("## Variants (all splits)\n")
    print('"apart": the parts of a match read apart ("can\'t" and "pee", not "can\'t pee"); "unpruned": ConText')
    print('keeping triggers that lie inside a finding (prune_on_target_overlap off, its default); "+clauses":')
    print('our clause boundaries (turns; a comma or "and" before a new subject) as ConText terminations.\n')
    print(split_report(content, "all", messages, others, timed=True, compact=True) + "\n")

    print("## One meaning at a time from ConText, the rest ours (all splits)\n")
    mixes = [runs[0]]
    for source in runs[1:3]:
        for kind in CONTEXT_TYPES:
            assert kind.name is not None
            arm = Arm(f"{source.arm.name}:{kind.name.lower()}", source.arm.library, kind)
            mixes.append(rederive(arm, source, content))
    print(split_report(content, "all", messages, mixes, timed=False) + "\n")

    print("## Where each arm and ours disagree (all splits; a message is right when every labelled sign is found,")
    print("## or, with none labelled, none is raised)\n")
    for other in runs[1:]:
        print(f"### {other.arm.name}\n")
        print(disagreements(messages, runs[0], other, args.examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
