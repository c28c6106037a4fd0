"""Phrases as content authors write them, matched against a message's tokens.

    "pins and needles"   these words in this order, word forms alike ("bowel" finds "bowels"),
                         with at most one other word between two of them ("can't really pee")
    "bruis*"             any word starting with "bruis"
    "=legs"              exactly this word form ("legs", not "leg")
    "numb + groin"       both parts in the same clause (or clauses joined by "it"), in any order
    "@numbness"          any phrase of a named group, as a whole part
A match is one span of tokens per part; what the runner meant by it (denied, imagined, someone else's)
is for flows.language.context to say.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from flows.language.text import Message, words

GAP = 1  # other words allowed between two words of a phrase
MAX_COMBINATIONS = 64  # a message repeating every part many times needs no more tries than this


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # the folded word; the prefix for "word*"
    stem: str
    kind: str  # "stem", "prefix" or "exact"

    def matches(self, word: str, stem: str) -> bool:
        if self.kind == "stem":
            # the stemmer folds "hardly" into "hard" and "barely" into "bare": an adverb stays itself
            return stem == self.stem and word.endswith("ly") == self.text.endswith("ly")
        if self.kind == "prefix":
            return word.startswith(self.text)
        return word == self.text


Sequence = tuple[Word, ...]
Part = tuple[Sequence, ...]  # alternatives: any one of them


@dataclass(frozen=True)
class Phrase:
    source: str
    parts: tuple[Part, ...]

    @property
    def weight(self) -> int:
        """Longer phrases are more specific: they win over shorter ones."""
        return sum(max(sum(len(w.text) for w in seq) for seq in part) for part in self.parts)


class PhraseError(ValueError):
    """A phrase that cannot be compiled (an unknown or looping group)."""


def _sequence(raw: str, stem: Callable[[str], str]) -> Sequence:
    out: list[Word] = []
    for token in raw.split():
        exact = token.startswith("=")
        prefix = token.endswith("*")
        pieces = words(token.strip("=*"))
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            if prefix and last:
                out.append(Word(piece, piece, "prefix"))
            elif exact:
                out.append(Word(piece, piece, "exact"))
            else:
                out.append(Word(piece, stem(piece), "stem"))
    return tuple(out)


def _part(raw: str, stem: Callable[[str], str], groups: Mapping[str, tuple[str, ...]], seen: tuple[str, ...]) -> Part:
    """A part's alternatives: a group stands for any of its phrases, as a whole part ("@numbness") or as
    one word of a sequence ("my @people")."""
    tokens = raw.split()
    at = next((i for i, token in enumerate(tokens) if token.startswith("@")), None)
    if at is None:
        sequence = _sequence(raw, stem)
        return (sequence,) if sequence else ()
    name = tokens[at][1:]
    if name not in groups:
        raise PhraseError(f"unknown group @{name}")
    if name in seen:
        raise PhraseError(f"group @{name} refers to itself")
    before, after = " ".join(tokens[:at]), " ".join(tokens[at + 1 :])
    return tuple(
        seq for member in groups[name] for seq in _part(f"{before} {member} {after}", stem, groups, (*seen, name))
    )


def compile_phrase(
    source: str, stem: Callable[[str], str], groups: Mapping[str, tuple[str, ...]] | None = None
) -> Phrase:
    parts = tuple(p for p in (_part(raw, stem, groups or {}, ()) for raw in source.split("+")) if p)
    return Phrase(source, parts)


Span = tuple[int, int]  # first and last token index


def _sequence_spans(sequence: Sequence, message: Message, start: int, gap: int) -> Span | None:
    tokens = message.tokens
    clause = tokens[start].clause
    position = start
    for word in sequence[1:]:
        for step in range(1, gap + 2):
            candidate = position + step
            if candidate >= len(tokens) or tokens[candidate].clause != clause:
                return None
            if (
                tokens[candidate].segment != tokens[position].segment
                and tokens[candidate].segment in message.comma_segments
            ):
                return None  # a phrase's words are never parted by a comma ("no, feeling is normal")
            if word.matches(tokens[candidate].word, tokens[candidate].stem):
                position = candidate
                break
        else:
            return None
    return start, position


def part_spans(part: Part, message: Message, gap: int = GAP) -> Iterator[Span]:
    for start, token in enumerate(message.tokens):
        for sequence in part:
            if sequence[0].matches(token.word, token.stem):
                span = _sequence_spans(sequence, message, start, gap)
                if span is not None:
                    yield span
                    break


def occurrences(phrase: Phrase, message: Message, within: str = "group", gap: int = GAP) -> Iterator[tuple[Span, ...]]:
    """Every way the phrase is found: one span per part, all parts in one clause group (or sentence)."""
    spans = [list(part_spans(part, message, gap)) for part in phrase.parts]
    if not spans or not all(spans):
        return
    if len(spans) == 1:
        yield from ((span,) for span in spans[0])
        return
    tokens = message.tokens
    for first in spans[0]:
        if within == "message":
            rest = spans[1:]
        elif within == "passage":  # its sentence, and sentences that go on about it ("... dark. it's brown")
            here = tokens[first[0]]
            rest = [
                [s for s in options if tokens[s[0]].sentence == here.sentence or tokens[s[0]].group == here.group]
                for options in spans[1:]
            ]
        else:
            unit = getattr(tokens[first[0]], within)
            rest = [[s for s in options if getattr(tokens[s[0]], within) == unit] for options in spans[1:]]
        for combination in itertools.islice(itertools.product(*rest), MAX_COMBINATIONS):
            yield (first, *combination)


def first_words(phrase: Phrase) -> Iterator[Word]:
    """The words a match of the phrase must start with (any part can come first)."""
    for part in phrase.parts:
        for sequence in part:
            yield sequence[0]
