"""Turning a typed message into findings (and so warning signs) or an answer, using the words in content."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TypeVar

from content import Content
from content.schema import LEVELS, Answer, Question, RedFlag
from flows.language.context import meaning_at
from flows.language.numbers import pain_number, pain_score
from flows.language.phrases import Phrase, compile_phrase, occurrences
from flows.language.reader import NOT_NOW, Reader, Reading, stem
from flows.language.text import words
from flows.screening import raised

K = TypeVar("K")
CLEAR_WEIGHT = 6  # letters in a phrase before a story's mention of it counts as an answer


@dataclass(frozen=True, eq=False)
class Understanding:
    """Compiled phrases for one content version."""

    content: Content

    @cached_property
    def reader(self) -> Reader:
        answer_words = [s for q in self.content.triage.questions for a in q.answers for s in (a.label, *a.synonyms)]
        return Reader(self.content.language, self.content.findings, answer_words)

    def read(self, text: str) -> Reading:
        return self.reader.read(text)

    def red_flags(self, text: str) -> list[RedFlag]:
        """The warning signs one message reports, most urgent first."""
        return raised(self.content, self.read(text).findings)

    def red_flag(self, text: str) -> RedFlag | None:
        flags = self.red_flags(text)
        return flags[0] if flags else None

    def answer(self, question: Question, text: str) -> Answer | None:
        """The answer the message picks, or None if it is unclear or fits two answers equally."""
        ranged = [a for a in question.answers if a.range is not None]
        if ranged:
            number = pain_number(text, self.content.language.number_words)
            if number is not None:
                return next(a for a in ranged if a.range is not None and a.range[0] <= number <= a.range[1])
        reading = self.read(text)
        by_findings = self._answer_by_findings(question, reading.findings)
        if by_findings is not None:
            return by_findings
        # each answer's most specific phrase said (longest), and where it was said (earliest first)
        best: dict[int, tuple[int, int]] = {}
        for index, answer in enumerate(question.answers):
            for phrase in self._answer_phrases(answer):
                for spans in occurrences(phrase, reading.message):
                    if meaning_at(reading.marks, spans) & NOT_NOW:
                        continue
                    score = (phrase.weight, -spans[0][0])
                    best[index] = max(best.get(index, score), score)
        if best:
            top = max(weight for weight, _ in best.values())
            winners = sorted((-at, index) for index, (weight, at) in best.items() if weight == top)
            # two answers said as specifically: the one said first ("bending, and sitting in the car")
            return question.answers[winners[0][1]]
        return self._by_yes_or_no(question, reading)

    def clear_answer(self, question: Question, text: str) -> Answer | None:
        """An answer a story gives without doubt: its findings in full, a pain score given as one
        ("7/10", "pain is 6"), or a specific phrase (longer than a word) that no other answer matches."""
        if any(a.range is not None for a in question.answers):
            number = pain_score(text)
            return next((a for a in question.answers if a.range and a.range[0] <= (number or -1) <= a.range[1]), None)
        reading = self.read(text)
        complete = [a for a in question.answers if a.findings and set(a.findings) <= reading.findings]
        if complete:
            return complete[0] if len(complete) == 1 else None
        matched = {}
        for answer in question.answers:
            weights = [
                p.weight
                for p in self._answer_phrases(answer)
                if any(not (meaning_at(reading.marks, s) & NOT_NOW) for s in occurrences(p, reading.message))
            ]
            if weights:
                matched[answer.value] = max(weights)
        if len(matched) != 1:
            return None
        value, weight = next(iter(matched.items()))
        return next(a for a in question.answers if a.value == value) if weight >= CLEAR_WEIGHT else None

    def _by_yes_or_no(self, question: Question, reading: Reading) -> Answer | None:
        """A bare "no" or "yes", or signs named only to deny them ("my calf isn't swollen"), where the
        question says which answer that is."""
        language = self.content.language
        said = [t.word for t in reading.message.tokens]
        noes = {" ".join(words(w)) for w in language.no_words}
        yeses = {" ".join(words(w)) for w in language.yes_words}
        value = None
        # "no", "no no", "nope, none": every word a no
        if question.if_no and ((said and all(w in noes for w in said)) or self._denies(question, reading)):
            value = question.if_no
        elif question.if_yes and said and all(w in yeses for w in said):
            value = question.if_yes
        return next((a for a in question.answers if a.value == value), None)

    @staticmethod
    def _denies(question: Question, reading: Reading) -> bool:
        asked = {f for a in question.answers for f in a.findings}
        return bool(asked & reading.denied) and not reading.findings

    def _answer_by_findings(self, question: Question, found: frozenset[str]) -> Answer | None:
        """The answer whose findings the text reports: all of them if one fits so, the fullest first, then
        the one raising the most urgent sign; failing that, the answer sharing most findings with the text."""
        scored = [(a, set(a.findings) & found) for a in question.answers if a.findings and set(a.findings) & found]
        if not scored:
            return None
        complete = [(a, shared) for a, shared in scored if shared == set(a.findings)]
        pool = complete or scored

        def rank(item: tuple[Answer, set[str]]) -> tuple[int, int]:
            answer, shared = item
            flags = raised(self.content, answer.findings)
            urgency = LEVELS.index(flags[0].urgency.value) if flags else len(LEVELS)
            return (-len(shared), urgency)

        return min(pool, key=rank)[0]

    def pick(self, text: str, choices: Mapping[K, Iterable[str]]) -> K | None:
        """The first choice whose phrases the text says (and does not deny)."""
        reading = self.read(text)
        groups = dict(self.content.findings.groups)
        for value, phrases in choices.items():
            for source in phrases:
                phrase = compile_phrase(source, stem, groups)
                if any(not (meaning_at(reading.marks, s) & NOT_NOW) for s in occurrences(phrase, reading.message)):
                    return value
        return None

    def _answer_phrases(self, answer: Answer) -> tuple[Phrase, ...]:
        return self._phrases_by_answer[id(answer)]

    @cached_property
    def _phrases_by_answer(self) -> dict[int, tuple[Phrase, ...]]:
        content = self.content
        groups = dict(content.findings.groups)
        table: dict[int, tuple[Phrase, ...]] = {}
        for question in (*content.triage.questions,):
            for answer in question.answers:
                # an answer that reports findings is named by its label and synonyms, not its bare value
                # ("breath", "bladder" would match a denial of them)
                value = [] if answer.findings else [answer.value.replace("_", " ")]
                sources = [answer.label, *value, *answer.synonyms]
                if answer.value == "yes":
                    sources += content.language.yes_words
                elif answer.value == "no":
                    sources += content.language.no_words
                table[id(answer)] = tuple(compile_phrase(s, stem, groups) for s in sources)
        return table


@lru_cache(maxsize=8)
def understanding(content: Content) -> Understanding:
    return Understanding(content)
