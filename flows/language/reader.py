"""Reading a message for findings: phrases found, then kept only if they mean a current symptom.

Compiled once per content version (phrases, groups, trigger words, the spelling vocabulary); each message
is then tokenised, marked by context, and matched against the phrases whose first word occurs in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from content.schema import Finding, Findings, Language
from flows.language.context import Marks, Meaning, Triggers, meaning_at, read_marks
from flows.language.numbers import age
from flows.language.phrases import Phrase, Span, compile_phrase, first_words, occurrences, part_spans
from flows.language.spelling import Speller
from flows.language.text import Grammar, Message, read_message, words

_STEMMER = snowballstemmer.stemmer("english")
NOT_NOW = Meaning.DENIED | Meaning.HYPOTHETICAL | Meaning.OTHER_PERSON


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


@dataclass(frozen=True)
class Reading:
    """A message as read: its tokens, what each token means, and the findings it reports."""

    message: Message
    marks: Marks
    findings: frozenset[str]
    denied: frozenset[str] = frozenset()  # named but denied ("my calf isn't swollen")


@dataclass(frozen=True)
class _Compiled:
    finding: Finding
    phrases: tuple[Phrase, ...]
    not_when: tuple[Phrase, ...]
    not_in_clause: tuple[Phrase, ...]
    not_in_sentence: tuple[Phrase, ...]


class PhraseIndex:
    """Phrases by the words they can start with, so a message is matched only against likely ones."""

    def __init__(self) -> None:
        self._by_stem: dict[str, set[int]] = defaultdict(set)
        self._by_word: dict[str, set[int]] = defaultdict(set)
        self._by_prefix: dict[str, set[int]] = defaultdict(set)

    def add(self, key: int, phrase: Phrase) -> None:
        for word in first_words(phrase):
            table = {"stem": self._by_stem, "exact": self._by_word, "prefix": self._by_prefix}[word.kind]
            table[word.stem if word.kind == "stem" else word.text].add(key)

    def candidates(self, message: Message) -> set[int]:
        found: set[int] = set()
        for token in message.tokens:
            found |= self._by_stem.get(token.stem, set())
            found |= self._by_word.get(token.word, set())
            for end in range(1, len(token.word) + 1):
                found |= self._by_prefix.get(token.word[:end], set())
        return found


def _vocabulary(sources: Iterable[str]) -> set[str]:
    """The folded words of phrases (not prefixes, which are not whole words)."""
    vocabulary: set[str] = set()
    for source in sources:
        for raw in source.replace("+", " ").split():
            if raw.startswith("@") or raw.endswith("*"):
                continue
            vocabulary.update(words(raw.lstrip("=")))
    return vocabulary


class Reader:
    def __init__(self, language: Language, findings: Findings, more_words: Iterable[str] = ()) -> None:
        groups = dict(findings.groups)
        context = language.context
        grammar = language.grammar

        def compiled(phrases: Iterable[str]) -> tuple[Phrase, ...]:
            return tuple(compile_phrase(p, stem, groups) for p in phrases)

        self.grammar = Grammar(
            subjects=frozenset(grammar.subjects) | frozenset(grammar.pronouns),
            pronouns=frozenset(grammar.pronouns),
            adverbs=frozenset(grammar.adverbs),
            turns=frozenset(grammar.turns),
            verbs=frozenset(grammar.verbs),
            shorthand=dict(grammar.shorthand),
            joined={tuple(k.split()): v for k, v in grammar.joined.items()},  # type: ignore[misc]
            question_words=frozenset(grammar.question_words),
            emoji=dict(grammar.emoji),
        )
        self.first_person = frozenset(grammar.first_person)
        self.conditional_words = frozenset(grammar.conditional_words)
        self.triggers = Triggers(
            deny_before=compiled(context.deny_before),
            deny_after=compiled(context.deny_after),
            uncertain=compiled(context.uncertain),
            hypothetical=compiled(context.hypothetical),
            asking=compiled(context.asking),
            past=compiled(context.past),
            resolved=compiled(context.resolved),
            other_person=compiled(context.other_person),
            pseudo=compiled(context.pseudo),
            first_person=frozenset(grammar.first_person),
            pronouns=frozenset(grammar.pronouns),
            adverbs=frozenset(grammar.adverbs),
            verbs=frozenset(grammar.verbs),
            light_verbs=frozenset(grammar.light_verbs),
            prepositions=frozenset(grammar.prepositions),
            bare_denials=frozenset(language.no_words),
        )
        self.ages = tuple((band.low, band.high, band.finding) for band in language.ages)
        self.findings = tuple(
            _Compiled(
                f, compiled(f.phrases), compiled(f.not_when), compiled(f.not_in_clause), compiled(f.not_in_sentence)
            )
            for f in findings.findings
        )
        self.index = PhraseIndex()
        for key, item in enumerate(self.findings):
            for phrase in item.phrases:
                self.index.add(key, phrase)
        group_phrases = [p for members in groups.values() for p in members]
        all_phrases = [
            p for f in findings.findings for p in (*f.phrases, *f.not_when, *f.not_in_clause, *f.not_in_sentence)
        ]
        trigger_words = [w for field in context.model_dump().values() for w in field]
        # symptom words first: a slip nearest to both "chills" and "child" means "chills"
        self.speller = Speller(_vocabulary([*group_phrases, *all_phrases]), _vocabulary([*trigger_words, *more_words]))

    def message(self, text: str) -> Message:
        return read_message(text, self.grammar, self.speller.correct, stem)

    def read(self, text: str) -> Reading:
        message = self.message(text)
        marks = read_marks(message, self.triggers)
        found: set[str] = set()
        years = age(text)
        if years is not None:
            found |= {finding for low, high, finding in self.ages if low <= years <= high}
        denied: set[str] = set()
        for key in sorted(self.index.candidates(message)):
            item = self.findings[key]
            if item.finding.id in found:
                continue
            for spans in self._matches(item, message):
                if self._excluded(item, spans, message, marks) is None:
                    found.add(item.finding.id)
                    break
                if meaning_at(marks, spans) == Meaning.DENIED:
                    denied.add(item.finding.id)
        return Reading(message, marks, frozenset(found), frozenset(denied - found))

    def explain(self, text: str) -> list[tuple[str, str, str | None]]:
        """Each finding phrase found in the text, and why it did not count if it did not (for tuning)."""
        message = self.message(text)
        marks = read_marks(message, self.triggers)
        found = []
        for key in sorted(self.index.candidates(message)):
            item = self.findings[key]
            for phrase in item.phrases:
                for spans in occurrences(phrase, message, within=item.finding.within):
                    found.append((item.finding.id, phrase.source, self._excluded(item, spans, message, marks)))
        return found

    def _speaks_of_self(self, message: Message, spans: tuple[Span, ...]) -> bool:
        return any(message.tokens[i].word in self.first_person for first, last in spans for i in range(first, last + 1))

    def _first_person(self, message: Message, clause: int) -> bool:
        return any(t.word in self.first_person for t in message.tokens if t.clause == clause)

    def _conditional(self, message: Message, clause: int) -> bool:
        """A question clause that opens with "would" and a word that is not a subject: "would numbness … be
        serious?" imagines it, where "would my calf …" and "would the numbness …" ask about the runner's own."""
        if clause not in message.question_clauses:
            return False
        opening = [t.word for t in message.tokens if t.clause == clause][:2]
        return len(opening) == 2 and opening[0] in self.conditional_words and opening[1] not in self.grammar.subjects

    @staticmethod
    def _asked(message: Message, sentence: int, clause: int) -> bool:
        """A clause that asks: it opens a question, or ends one ("had cancer, is it just a strain?" reports it)."""
        if clause in message.question_clauses:
            return True
        last = max(t.clause for t in message.tokens if t.sentence == sentence)
        return sentence in message.questions and clause == last

    def _matches(self, item: _Compiled, message: Message) -> Iterator[tuple[Span, ...]]:
        for phrase in item.phrases:
            yield from occurrences(phrase, message, within=item.finding.within)

    def _excluded(self, item: _Compiled, spans: tuple[Span, ...], message: Message, marks: Marks) -> str | None:
        """Why a match does not report its finding, or None when it does."""
        finding = item.finding
        meaning = meaning_at(marks, spans)
        if Meaning.OTHER_PERSON in meaning and self._speaks_of_self(message, spans):
            meaning &= ~Meaning.OTHER_PERSON  # "my friends had to carry me": it happened to the runner
        if meaning & NOT_NOW:
            return f"context: {meaning!r}"
        first = message.tokens[spans[0][0]]
        sentence, clause = first.sentence, first.clause
        if clause in message.question_clauses and not self._first_person(message, clause):
            return "a general question"  # "can sciatica affect both legs?" reports nothing
        if self._conditional(message, clause):
            return "a question that imagines it"  # "would numbness between my legs be a reason to go?"
        if Meaning.PAST in meaning and not finding.past_counts:
            return "past"
        if finding.condition_name and (Meaning.ASKING in meaning or self._asked(message, sentence, clause)):
            return "a condition asked about"
        return self._other_sense(item, spans, message)

    @staticmethod
    def _other_sense(item: _Compiled, spans: tuple[Span, ...], message: Message) -> str | None:
        """The finding's own exclusions: the very words in another sense, or another situation nearby."""
        for phrase in item.not_when:
            for other in part_spans(phrase.parts[0], message, gap=0) if len(phrase.parts) == 1 else ():
                if any(first <= other[1] and other[0] <= last for first, last in spans):
                    return f"not_when {phrase.source}"  # another sense of the very words ("bike saddle")
        for unit, phrases in (("clause", item.not_in_clause), ("sentence", item.not_in_sentence)):
            where = getattr(message.tokens[spans[0][0]], unit)
            for phrase in phrases:
                if any(getattr(message.tokens[o[0][0]], unit) == where for o in occurrences(phrase, message)):
                    return f"not_in_{unit} {phrase.source}"  # another situation ("while cycling")
        return None
