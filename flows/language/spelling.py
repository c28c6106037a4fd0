"""Misspellings mended towards the content's own vocabulary, never away from real English words.

A word is changed only when it is not an English word (the SymSpell English frequency dictionary,
82,765 words) and one of the content's words is within a small edit distance (optimal string alignment,
so "bowles" -> "bowels" is one edit). Real words stay as they are: "ladder" never becomes "bladder".
The distance is computed by rapidfuzz; see docs/understanding.md for how this was chosen and measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

MIN_LENGTH = 4  # shorter typed words have too many neighbours to guess safely


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English dictionary shipped with symspellpy (word and count per line)."""
    text = files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


def allowed_edits(word: str) -> int:
    return 1 if len(word) <= 6 else 2


def _by_initial(words: Iterable[str]) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for word in sorted(w for w in words if len(w) >= MIN_LENGTH - 1 and w.isalpha()):
        table.setdefault(word[0], []).append(word)
    return table


class Speller:
    """Mends slips towards `first` (symptom words), and failing that towards `second` (other words)."""

    def __init__(self, first: Iterable[str], second: Iterable[str] = ()) -> None:
        first, second = frozenset(first), frozenset(second)
        self._known = english_words() | first | second
        self._tiers = (_by_initial(first), _by_initial(second - first))
        self._cache: dict[str, str] = {}

    def correct(self, word: str) -> str:
        """The vocabulary word meant by a misspelling, or the word itself."""
        found = self._cache.get(word)
        if found is not None:
            return found
        found = word
        if len(word) >= MIN_LENGTH and word.isalpha() and word not in self._known:
            for tier in self._tiers:
                # typing slips rarely hit the first letter: "alot" must not become "clot"
                targets = tier.get(word[0], ())
                near = process.extract(word, targets, scorer=OSA.distance, score_cutoff=allowed_edits(word), limit=8)
                if near:
                    # among the nearest, the one sharing most letters: "chils" is "chills", not "child"
                    closest = min(distance for _, distance, _ in near)
                    found = max((w for w, d, _ in near if d == closest), key=lambda w: fuzz.ratio(word, w))
                    break
        if len(self._cache) < 50_000:  # typed words repeat; a bound keeps hostile input from growing it
            self._cache[word] = found
        return found
