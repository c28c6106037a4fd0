"""Turning a typed message into a red flag or an answer, using the words in content."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from content import Content
from content.schema import Answer, Question, RedFlag, Urgency
from flows.text_match import Denials, Phrase, Tokens, compile_phrase, found, pain_number, words

URGENCY_ORDER = (Urgency.EMERGENCY, Urgency.SAME_DAY, Urgency.WITHIN_DAYS)


@dataclass(frozen=True)
class Understanding:
    """Compiled phrases for one content version."""

    content: Content
    denials: Denials
    flag_phrases: tuple[tuple[RedFlag, tuple[Phrase, ...]], ...]

    def red_flag(self, text: str) -> RedFlag | None:
        """The most urgent warning sign the message reports, if any."""
        tokens = Tokens.of(text)
        if not tokens.words:
            return None
        hits = [flag for flag, phrases in self.flag_phrases if any(found(p, tokens, self.denials) for p in phrases)]
        if not hits:
            return None
        return min(hits, key=lambda flag: URGENCY_ORDER.index(flag.urgency))

    def answer(self, question: Question, text: str) -> Answer | None:
        """The answer the message picks, or None if it is unclear or fits two answers equally."""
        ranged = [a for a in question.answers if a.range is not None]
        if ranged:
            number = pain_number(text, self.content.language.number_words)
            if number is not None:
                return next(a for a in ranged if a.range is not None and a.range[0] <= number <= a.range[1])
        tokens = Tokens.of(text)
        best: dict[int, int] = {}
        for index, answer in enumerate(question.answers):
            for phrase in self._answer_phrases(answer):
                if found(phrase, tokens, self.denials):
                    best[index] = max(best.get(index, 0), phrase.weight)
        if not best:
            return None
        top = max(best.values())
        winners = [index for index, weight in best.items() if weight == top]
        return question.answers[winners[0]] if len(winners) == 1 else None

    def _answer_phrases(self, answer: Answer) -> list[Phrase]:
        sources = [answer.label, answer.value.replace("_", " "), *answer.synonyms]
        if answer.value == "yes":
            sources += self.content.language.yes_words
        elif answer.value == "no":
            sources += self.content.language.no_words
        return [compile_phrase(s) for s in sources]

    def means_yes(self, text: str) -> bool:
        said = " ".join(words(text))
        return any(" ".join(words(w)) == said for w in self.content.language.yes_words)


@lru_cache(maxsize=8)
def understanding(content: Content) -> Understanding:
    denials = Denials(tuple(words(n) for n in content.language.negations))
    flags = tuple((flag, tuple(compile_phrase(p) for p in flag.phrases)) for flag in content.red_flags.red_flags)
    return Understanding(content, denials, flags)
