"""Turning a typed message into findings (and so warning signs) or an answer, using the words in content."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TypeVar

from content import Content
from content.schema import LEVELS, Answer, Question, RedFlag
from flows.language.answers import AnswerWords, answer_words, by_words
from flows.language.context import Meaning, meaning_at
from flows.language.numbers import days_said, pain_number, pain_score
from flows.language.phrases import compile_phrase, occurrences
from flows.language.reader import NOT_NOW, Reader, Reading, stem
from flows.language.text import words
from flows.screening import raised

K = TypeVar("K")
CLEAR_WEIGHT = 6  # letters in a phrase before a story's mention of it counts as an answer
SHORT_REPLY = 3  # words: a reply this short may name a choice by one word of its label


@dataclass(frozen=True, eq=False)
class Understanding:
    """Compiled phrases for one content version."""

    content: Content

    @cached_property
    def reader(self) -> Reader:
        answer_words = [s for q in self.content.triage.questions for a in q.answers for s in (a.label, *a.synonyms)]
        return Reader(self.content.language, self.content.findings, answer_words)

    @cached_property
    def _readings(self) -> Callable[[str], Reading]:
        # one turn reads its message several times (warning signs, the answer, a story's other answers, the
        # buttons on offer): the last few readings are kept, so a long message is read once, not a dozen times
        return lru_cache(maxsize=32)(self.reader.read)

    def read(self, text: str) -> Reading:
        return self._readings(text)

    def red_flags(self, text: str) -> list[RedFlag]:
        """The warning signs one message reports, most urgent first."""
        return raised(self.content, self.read(text).findings)

    def red_flag(self, text: str) -> RedFlag | None:
        flags = self.red_flags(text)
        return flags[0] if flags else None

    def answer(self, question: Question, text: str) -> Answer | None:
        """The answer the message picks, or None if it is unclear or fits two answers equally."""
        reading = self.read(text)
        by_findings = self._answer_by_findings(question, reading.findings)
        if by_findings is not None:
            return by_findings
        measured = self._measured(question, text)
        if measured is not None:
            return measured
        # each answer's most specific phrase said (longest), and where it was said (earliest first)
        best = {i: score for i, a in enumerate(question.answers) if (score := self._words(a).best(reading))}
        narrower = {i: score for i, score in best.items() if not question.answers[i].broad}
        best = narrower or best  # "lower half of the back of the thigh, near the knee": near the knee
        if best:
            if question.ordered:  # "down the back of my leg into my calf": the furthest named
                return question.answers[max(best)]
            top = max(weight for weight, _ in best.values())
            winners = sorted((-at, index) for index, (weight, at) in best.items() if weight == top)
            # two answers said as specifically: the one said first ("bending, and sitting in the car")
            return question.answers[winners[0][1]]
        by_yes_or_no = self._by_yes_or_no(question, reading)
        if by_yes_or_no is not None or reading.findings:
            return by_yes_or_no
        if question.id in self._screens:
            return None  # a warning-sign question is answered by its findings or a clear "no", never a guess
        plain = {i: self._words(a) for i, a in enumerate(question.answers) if not a.findings}
        index = by_words(plain, reading)
        return None if index is None else question.answers[index]

    def _measured(self, question: Question, text: str) -> Answer | None:
        """An answer picked by a number: a pain score in its range, or a length of time in its days."""
        number_words = self.content.language.number_words
        if any(a.range for a in question.answers):
            said, bounds = pain_number(text, number_words), {a.value: a.range for a in question.answers}
        elif any(a.days for a in question.answers):
            said, bounds = days_said(text, number_words), {a.value: a.days for a in question.answers}
        else:
            return None
        if said is None:
            return None
        picked = next((v for v, b in bounds.items() if b is not None and b[0] <= said <= b[1]), None)
        return next((a for a in question.answers if a.value == picked), None)

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
        matched = {a.value: score[0] for a in question.answers if (score := self._words(a).best(reading))}
        if len(matched) != 1:
            return None
        value, weight = next(iter(matched.items()))
        return next(a for a in question.answers if a.value == value) if weight >= CLEAR_WEIGHT else None

    def _by_yes_or_no(self, question: Question, reading: Reading) -> Answer | None:
        """A "no" or "yes", where the question says which answer that is: all the message ("nope, none"),
        or its opening words with nothing else named ("nah, feet are fine", "negative for all of those");
        or signs named only to deny them ("my calf isn't swollen")."""
        language = self.content.language
        said = [t.word for t in reading.message.tokens]
        # "not sure", or "no, but ...": not a plain no
        unsure = any(Meaning.UNCERTAIN in m for m in reading.marks.meanings) or any(
            w in language.grammar.turns for w in said
        )
        value = None
        if question.if_no and (self._opens_with(said, language.no_words, unsure) or self._denies(question, reading)):
            value = question.if_no
        elif question.if_yes and self._opens_with(said, language.yes_words, unsure):
            value = question.if_yes
        return next((a for a in question.answers if a.value == value), None)

    @staticmethod
    def _opens_with(said: list[str], replies: Iterable[str], unsure: bool) -> bool:
        """Every word one of the replies, or (when not in doubt or turned) the message opens with one."""
        replies = {" ".join(words(w)) for w in replies}
        if said and all(w in replies for w in said):
            return True
        return not unsure and any(" ".join(said[:n]) in replies for n in (1, 2, 3, 4))

    def _denies(self, question: Question, reading: Reading) -> bool:
        """Signs asked about denied, and nothing else told: every clause denies something or is small talk
        ("no chest pain, all good"); "new breathlessness on effort, no chest pain" is not a no."""
        asked = {f for a in question.answers for f in a.findings}
        if not asked & reading.denied or reading.findings:
            return False
        tokens = reading.message.tokens
        meanings = [meaning_at(reading.marks, ((i, i),)) for i in range(len(tokens))]
        denied = {t.clause for t, meaning in zip(tokens, meanings, strict=True) if Meaning.DENIED in meaning}
        # someone else's, imagined or past words are not a sign of the runner's own either ("my dad had a clot")
        elsewhere = Meaning.OTHER_PERSON | Meaning.HYPOTHETICAL | Meaning.PAST | Meaning.ASKING
        return all(
            t.clause in denied or t.word in self._small_words or meaning & elsewhere
            for t, meaning in zip(tokens, meanings, strict=True)
        )

    @cached_property
    def _small_words(self) -> frozenset[str]:
        language = self.content.language
        grammar = language.grammar
        lists = [grammar.function_words, grammar.subjects, grammar.pronouns, grammar.adverbs, grammar.prepositions]
        lists += [grammar.first_person, grammar.light_verbs, language.no_words, language.yes_words]
        return frozenset(w for some in lists for phrase in some for w in words(phrase))

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

    def choose(self, text: str, choices: Mapping[K, Iterable[str]]) -> K | None:
        """The choice the text names most specifically (its longest phrase said), if exactly one does;
        failing that, in a short reply, the one choice a word of it belongs to alone ("half": "About half")."""
        reading = self.read(text)
        compiled = {key: self._compile(phrases) for key, phrases in choices.items()}
        scores = {key: score for key, words in compiled.items() if (score := words.best(reading))}
        if not scores:
            if len(reading.message.tokens) > SHORT_REPLY:
                return None
            index = by_words(dict(enumerate(compiled.values())), reading)
            return None if index is None else list(compiled)[index]
        top = max(weight for weight, _ in scores.values())
        best = [key for key, (weight, _) in scores.items() if weight == top]
        return best[0] if len(best) == 1 else None

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

    @cached_property
    def _screens(self) -> frozenset[str]:
        triage = self.content.triage
        return frozenset((*triage.safety, triage.checkin_screen))

    def _words(self, answer: Answer) -> AnswerWords:
        return self._words_by_answer[id(answer)]

    def _compile(self, phrases: Iterable[str]) -> AnswerWords:
        language = self.content.language
        negations = frozenset(said[0] for t in language.context.deny_before if len(said := words(t)) == 1)
        function_words = frozenset(language.grammar.function_words)
        return answer_words(phrases, stem, dict(self.content.findings.groups), negations, function_words)

    @cached_property
    def _words_by_answer(self) -> dict[int, AnswerWords]:
        content = self.content
        language = content.language
        table: dict[int, AnswerWords] = {}
        for question in content.triage.questions:
            for answer in question.answers:
                # an answer that reports findings is named by its label and synonyms, not its bare value
                # ("breath", "bladder" would match a denial of them)
                value = [] if answer.findings else [answer.value.replace("_", " ")]
                sources = [answer.label, *value, *answer.synonyms]
                if answer.value == "yes":
                    sources += language.yes_words
                elif answer.value == "no":
                    sources += language.no_words
                table[id(answer)] = self._compile(sources)
        return table


@lru_cache(maxsize=8)
def understanding(content: Content) -> Understanding:
    return Understanding(content)
