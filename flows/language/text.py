"""A typed message as words in sentences and clauses, the unit every reading works on.

Words are folded (lower case, no accents, no apostrophes: "Can't" -> "cant"), spelling-corrected towards
the content's own vocabulary, and stemmed ("bowels" and "bowel" are one word). Each word knows its
sentence and its clause, because what a runner denies, imagines or reports of someone else reaches only
as far as the clause that says so.

Clauses end at a full stop, a question mark, a semicolon or a new line, at a word that turns the sentence
("but", "although") and at a comma or "and"/"or" that is followed by a new subject ("..., my bladder").
Within a clause, segments are separated by every comma, "and" and "or": a list ("no numbness, tingling or
weakness") keeps a denial going; a segment with its own verb ("..., groin feels numb") stops it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# sentence ends: . ! ? followed by a space or the end, a semicolon, a new line
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)|[;\n\r]+|\s[-–—]\s")
_PIECE = re.compile(r"[a-z0-9]+|,")
_APOSTROPHES = re.compile(r"['’‘`´]")
_JOINERS = frozenset({",", "and", "or", "plus", "so", "then", "n", "&"})


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed: "Can't" -> "cant", "Fièvre" -> "fievre"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", plain).replace("&", " and ").replace("/", " ")


def words(text: str) -> tuple[str, ...]:
    """The folded words of a text, punctuation dropped."""
    return tuple(w for w in _PIECE.findall(fold(text)) if w != ",")


@dataclass(frozen=True, slots=True)
class Token:
    word: str  # folded, spelling-corrected
    stem: str
    sentence: int
    clause: int
    segment: int
    # clauses joined by a pronoun ("my calf hurts and it's swollen") share a group: the parts of a
    # phrase may sit in different clauses of one group
    group: int


@dataclass(frozen=True)
class Message:
    tokens: tuple[Token, ...]
    questions: frozenset[int]  # sentences that end with a question mark
    verb_segments: frozenset[int]  # segments that hold a verb of their own
    comma_segments: frozenset[int]  # segments that begin after a comma (not after "and" or "or")
    question_clauses: frozenset[int] = frozenset()  # clauses of a question that open with a question word


@dataclass(frozen=True)
class Grammar:
    """The few word classes clause splitting needs (content: language.yaml)."""

    subjects: frozenset[str]  # words that start a new clause after a comma or "and"
    pronouns: frozenset[str]  # subjects that point back ("it", "they"): the clause stays in the group
    adverbs: frozenset[str]  # words looked past to find that subject ("now it's swollen")
    turns: frozenset[str]  # words that always start a new clause: "but", "although"
    verbs: frozenset[str]  # verbs that give a segment a predicate of its own
    shorthand: dict[str, str]  # "cnt" -> "cant", "w/o" -> "without"
    joined: dict[tuple[str, str], str]  # ("can", "not") -> "cant": one way to write each contraction
    question_words: frozenset[str]  # a question clause that opens with one ("is it a clot?") asks, not tells
    emoji: dict[str, str]  # "🤒" -> "fever": read as the words they stand for


def _sentences(folded: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    start = 0
    for match in _SENTENCE_END.finditer(folded):
        out.append((folded[start : match.start()], "?" in match.group(0)))
        start = match.end()
    out.append((folded[start:], False))
    return [(s, q) for s, q in out if s.strip()]


_NUMBER_UNIT = re.compile(r"\d+|[a-z]+")


def _pieces(sentence: str, grammar: Grammar) -> list[str]:
    """Words and commas; text-speak expanded, a number parted from its unit ("8kg" -> "8 kg"), and a
    contraction written one way ("can not", "cannot" -> "cant")."""
    pieces: list[str] = []
    for piece in _PIECE.findall(sentence):
        if piece in grammar.shorthand:
            pieces.extend(grammar.shorthand[piece].split())
        elif piece[0].isdigit() and not piece.isdigit():
            pieces.extend(_NUMBER_UNIT.findall(piece))
        elif pieces and (pieces[-1], piece) in grammar.joined:
            pieces[-1] = grammar.joined[(pieces[-1], piece)]
        else:
            pieces.append(piece)
    return pieces


class _Builder:
    """Numbers sentences, clauses, segments and groups as the words come."""

    def __init__(self, grammar: Grammar, correct: Callable[[str], str], stem: Callable[[str], str]) -> None:
        self.grammar, self.correct, self.stem = grammar, correct, stem
        self.tokens: list[Token] = []
        self.verb_segments: set[int] = set()
        self.comma_segments: set[int] = set()
        self.sentence = self.clause = self.segment = self.group = -1

    def start_sentence(self, index: int, subject: str) -> None:
        self.sentence, self.clause, self.segment = index, self.clause + 1, self.segment + 1
        if not (self.tokens and subject in self.grammar.pronouns):
            self.group += 1

    def joiner(self, piece: str, following: str, subject: str) -> None:
        """A comma or "and" ends the segment; with a new subject after it, the clause too."""
        if not self.tokens or self.tokens[-1].segment != self.segment:
            return
        self.segment += 1
        if piece == ",":
            self.comma_segments.add(self.segment)
        if following in self.grammar.subjects:
            self.clause += 1
            if subject not in self.grammar.pronouns:
                self.group += 1

    def word(self, piece: str, subject: str) -> None:
        grammar = self.grammar
        if piece in grammar.turns and self.tokens and self.tokens[-1].clause == self.clause:
            self.clause, self.segment = self.clause + 1, self.segment + 1
            if subject not in grammar.pronouns:
                self.group += 1
        word = self.correct(piece)
        if word in grammar.verbs:
            self.verb_segments.add(self.segment)
        self.tokens.append(Token(word, self.stem(word), self.sentence, self.clause, self.segment, self.group))


def _subject(pieces: list[str], start: int, grammar: Grammar) -> str:
    """The first word from `start` that is not a joiner or an adverb: the subject of what follows."""
    return next((p for p in pieces[start:] if p not in _JOINERS and p not in grammar.adverbs), "")


def read_message(text: str, grammar: Grammar, correct: Callable[[str], str], stem: Callable[[str], str]) -> Message:
    """Split a message into tokens with their sentence, clause, segment and group."""
    builder = _Builder(grammar, correct, stem)
    questions: set[int] = set()
    if grammar.emoji:
        text = "".join(f" {grammar.emoji[ch]} " if ch in grammar.emoji else ch for ch in text)
    for sentence_index, (sentence, is_question) in enumerate(_sentences(fold(text))):
        if is_question:
            questions.add(sentence_index)
        pieces = _pieces(sentence, grammar)
        builder.start_sentence(sentence_index, _subject(pieces, 0, grammar))
        for index, piece in enumerate(pieces):
            if piece in _JOINERS:
                following = next((p for p in pieces[index + 1 :] if p not in _JOINERS), "")
                builder.joiner(piece, following, _subject(pieces, index + 1, grammar))
                if piece == ",":
                    continue
            builder.word(piece, _subject(pieces, index + 1, grammar))
    tokens = tuple(builder.tokens)
    opening: dict[int, str] = {}
    for token in tokens:
        opening.setdefault(token.clause, token.word)
    asking = {t.clause for t in tokens if t.sentence in questions and opening[t.clause] in grammar.question_words}
    return Message(
        tokens,
        frozenset(questions),
        frozenset(builder.verb_segments),
        frozenset(builder.comma_segments),
        frozenset(asking),
    )
