"""How a typed message names one answer of a question, beyond the answer's phrases as written.

Two readings help when no phrase is said as written:
- a phrase that opens with a denial ("no limp", "no problem") is also said when its rest is denied in the
  message in any other words ("without a limp", "zero issues", "walking isn't a problem for me");
- failing any phrase, a word of the message that belongs to one answer's words alone ("the odd pilates
  class" -> "class") names that answer, if no other answer is named so.
Answers that report findings (warning signs) take no part in either: they are read only as findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from flows.language.context import Meaning, meaning_at
from flows.language.phrases import Phrase, Word, compile_phrase, occurrences
from flows.language.reader import Reading
from flows.language.text import words

Score = tuple[int, int]  # the phrase's weight, then earliest said first
# an answer is about the runner the triage is for, even when someone types for them ("his lower back")
NOT_SAID = Meaning.DENIED | Meaning.HYPOTHETICAL


@dataclass(frozen=True)
class AnswerWords:
    """One answer's phrases, and what else names it."""

    phrases: tuple[Phrase, ...]
    denied: tuple[tuple[Phrase, int], ...]  # the rest of a "no ..." phrase, with the whole phrase's weight
    words: tuple[Word, ...]  # its own content words, for the vote

    def names(self, word: str, stem: str) -> bool:
        return any(own.matches(word, stem) for own in self.words)

    def best(self, reading: Reading) -> Score | None:
        """The most specific way the message says this answer, if any."""
        scores = [
            (phrase.weight, -spans[0][0])
            for phrase in self.phrases
            for spans in occurrences(phrase, reading.message)
            if not meaning_at(reading.marks, spans) & NOT_SAID
        ]
        scores += [
            (weight, -spans[0][0])
            for phrase, weight in self.denied
            for spans in occurrences(phrase, reading.message)
            if meaning_at(reading.marks, spans) & NOT_SAID == Meaning.DENIED
        ]
        return max(scores, default=None)


def answer_words(
    sources: Iterable[str],
    stem: Callable[[str], str],
    groups: Mapping[str, tuple[str, ...]],
    negations: frozenset[str],
    function_words: frozenset[str],
) -> AnswerWords:
    phrases, denied = [], []
    for source in sources:
        phrase = compile_phrase(source, stem, groups)
        phrases.append(phrase)
        said = words(source)
        if len(said) > 1 and said[0] in negations and "+" not in source:
            denied.append((compile_phrase(" ".join(said[1:]), stem, groups), phrase.weight))
    own = {
        word
        for phrase in phrases
        for part in phrase.parts
        for sequence in part
        for word in sequence
        if word.text not in function_words and word.text not in negations and len(word.text) > 2
    }
    return AnswerWords(tuple(phrases), tuple(denied), tuple(sorted(own, key=lambda w: (w.text, w.kind))))


def by_words(options: Mapping[int, AnswerWords], reading: Reading) -> int | None:
    """The one option that a word of the message belongs to alone, if exactly one is named so."""
    named: set[int] = set()
    for index, token in enumerate(reading.message.tokens):
        if meaning_at(reading.marks, ((index, index),)) & NOT_SAID:
            continue
        owners = {key for key, option in options.items() if option.names(token.word, token.stem)}
        if len(owners) == 1:
            named |= owners
    return named.pop() if len(named) == 1 else None
