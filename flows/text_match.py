"""Understanding typed text: phrases with prefixes and conjunctions, denials, pain numbers.

Phrase syntax (content authors write these):
    "pins and needles"   the words in this order, whole words
    "bruis*"             any word starting with "bruis"
    "pop* + bruis*"      both parts somewhere in the message
A match right after a denial word in the same clause ("no tingling", "without any numbness")
does not count, so runners can say what they do *not* have.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

NEGATION_WINDOW = 3
_CLAUSE_BREAK = re.compile(r"[.!?;,:\n()\[\]]+|\bbut\b|\bhowever\b|\bthough\b")
_NON_WORD = re.compile(r"[^a-z0-9*]+")
_APOSTROPHES = re.compile(r"['’‘`´]")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", ascii_only).replace("&", " and ")


def words(text: str) -> tuple[str, ...]:
    """Lowercase words without accents or apostrophes: "Can't" -> ("cant",)."""
    return tuple(_NON_WORD.sub(" ", _fold(text)).split())


@dataclass(frozen=True)
class Tokens:
    """A message as words, each with the index of its clause (for denial scope)."""

    words: tuple[str, ...]
    clauses: tuple[int, ...]

    @staticmethod
    def of(text: str) -> Tokens:
        out_words: list[str] = []
        out_clauses: list[int] = []
        for index, clause in enumerate(_CLAUSE_BREAK.split(_fold(text))):
            for word in _NON_WORD.sub(" ", clause.replace("*", " ")).split():
                out_words.append(word)
                out_clauses.append(index)
        return Tokens(tuple(out_words), tuple(out_clauses))


def _word_matches(pattern: str, word: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


@dataclass(frozen=True)
class Phrase:
    parts: tuple[tuple[str, ...], ...]
    source: str

    @staticmethod
    def parse(source: str) -> Phrase:
        parts = tuple(w for w in (words(part) for part in source.split("+")) if w)
        return Phrase(parts, source)

    @property
    def weight(self) -> int:
        """Longer phrases are more specific: they win over shorter ones."""
        return sum(len(word.rstrip("*")) for part in self.parts for word in part)


@dataclass(frozen=True)
class Denials:
    phrases: tuple[tuple[str, ...], ...]

    def deny(self, tokens: Tokens, start: int) -> bool:
        clause = tokens.clauses[start]
        first = start
        while first > 0 and start - first < NEGATION_WINDOW and tokens.clauses[first - 1] == clause:
            first -= 1
        window = tokens.words[first:start]
        return any(window[i : i + len(neg)] == neg for neg in self.phrases for i in range(len(window) - len(neg) + 1))


def _part_found(part: tuple[str, ...], tokens: Tokens, denials: Denials) -> bool:
    size = len(part)
    for start in range(len(tokens.words) - size + 1):
        if all(_word_matches(part[j], tokens.words[start + j]) for j in range(size)) and not denials.deny(
            tokens, start
        ):
            return True
    return False


def found(phrase: Phrase, tokens: Tokens, denials: Denials) -> bool:
    """True when every part of the phrase is in the message and none of them is denied."""
    return bool(phrase.parts) and all(_part_found(part, tokens, denials) for part in phrase.parts)


@lru_cache(maxsize=4096)
def compile_phrase(source: str) -> Phrase:
    return Phrase.parse(source)


# no leading \s*: tried at every position of a long run of spaces, it would be quadratic
_OUT_OF_TEN = re.compile(r"(?:/|\bout of|\bof)\s*10\b")
# a number standing on its own: not the digits of a link ("tg://user?id=1") or of a word
_NUMBER = re.compile(r"(?<![\w=/?&:#.])(?>\d+(?:\.\d+)?)(?![\w/])")


def pain_number(text: str, number_words: dict[str, int]) -> int | None:
    """The pain score (0-10) in a message such as "7", "about 6/10", "six or seven": the highest one."""
    folded = _OUT_OF_TEN.sub(" ", _fold(text))
    found_numbers = [float(m.group(0)) for m in _NUMBER.finditer(folded)]
    found_numbers += [number_words[w] for w in words(folded) if w in number_words]
    in_range = [n for n in found_numbers if 0 <= n <= 10]
    if not in_range:
        return None
    highest = max(in_range)
    return int(highest) if highest == int(highest) else int(highest) + 1
