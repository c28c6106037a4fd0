"""What a runner means by the symptoms they name: now and theirs, or denied, imagined, past, someone else's.

In the spirit of ConText (Harkema et al., J Biomed Inform 2009): trigger phrases from content
(language.yaml) open a scope, and a symptom inside a scope takes that scope's meaning.
- denial before ("no", "without", "I don't have"): to the end of the clause, carried through a list
  ("no numbness, tingling or weakness") but not into a segment with its own verb ("no back pain,
  groin feels numb");
- denial after ("bladder and bowels are fine"): back over its own segment and any verbless segments
  joined to it by "and"/"or", never back over a comma; a denied denial ("not normal") says the opposite;
- uncertainty ("not sure", "no idea if") cancels a denial in its clause: when in doubt, it counts;
- hypothetical ("what if", "in case", "risk of"), someone else ("my dad", "a friend"): to the end of the clause;
- asking ("could it be", "worried about"): to the end of the clause, for the name of a condition only;
- past ("last year", "years ago", "used to"): the whole clause, before or after; resolved ("it's gone
  now", "went away"): the whole sentence;
- pseudo-triggers ("feels as if", "can't ... without") hold a trigger word that is not one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Flag, auto

from flows.language.phrases import Phrase, Span, occurrences
from flows.language.text import Message


class Meaning(Flag):
    NOW = 0
    DENIED = auto()
    HYPOTHETICAL = auto()
    PAST = auto()
    OTHER_PERSON = auto()
    ASKING = auto()  # a condition named in a question is asked about, not reported
    UNCERTAIN = auto()  # cancels DENIED


AFTER_REACH = 6  # a trailing "fine" reaches back this many words at most


@dataclass(frozen=True)
class Triggers:
    deny_before: tuple[Phrase, ...]
    deny_after: tuple[Phrase, ...]
    uncertain: tuple[Phrase, ...]
    hypothetical: tuple[Phrase, ...]
    asking: tuple[Phrase, ...]
    past: tuple[Phrase, ...]
    resolved: tuple[Phrase, ...]
    other_person: tuple[Phrase, ...]
    pseudo: tuple[Phrase, ...]
    first_person: frozenset[str]
    pronouns: frozenset[str]
    adverbs: frozenset[str]
    verbs: frozenset[str]
    light_verbs: frozenset[str]
    prepositions: frozenset[str]
    bare_denials: frozenset[str]


@dataclass(frozen=True)
class Marks:
    """Per token: its meaning, and where the denials that reach it start."""

    meanings: tuple[Meaning, ...]
    denied_by: tuple[frozenset[int], ...]
    denial_starts: frozenset[int] = frozenset()  # where a denial word starts ("no" in "no tingling")


def _spans(message: Message, phrases: tuple[Phrase, ...], pseudo: set[int], gap: int = 0) -> list[Span]:
    """Where each trigger is found, leaving out triggers that are part of a pseudo-trigger."""
    found = []
    for phrase in phrases:
        for spans in occurrences(phrase, message, gap=gap):  # trigger words stand together
            first, last = spans[0][0], spans[-1][1]
            if not pseudo & set(range(first, last + 1)):
                found.append((first, last))
    return found


# Why C901 is allowed here: one reading of a message whose helpers (forward, whole, speaks_of_self) share its tokens,
# triggers and denial starts as closures, which mccabe counts into this function; making them a class is a
# change of its own, to be made against tests/test_understanding_corpus.py, not squeezed in here
def read_marks(message: Message, triggers: Triggers) -> Marks:  # noqa: C901
    tokens = message.tokens
    meanings = [Meaning.NOW] * len(tokens)
    denied_by: list[set[int]] = [set() for _ in tokens]
    pseudo = {
        index
        for phrase in triggers.pseudo
        for spans in occurrences(phrase, message, gap=0)
        for first, last in spans
        for index in range(first, last + 1)
    }

    def speaks_of_self(index: int) -> bool:
        """A first-person word that makes the runner the subject again ("my friends carried me"), not a
        possessive after a preposition ("a guy in my club")."""
        word = tokens[index].word
        after_preposition = index > 0 and tokens[index - 1].word in triggers.prepositions
        return word in triggers.first_person and not (word == "my" and after_preposition)

    def predicate_denied(trigger_end: int) -> bool:
        """A denial of a verb ("never lets go", "didn't help") rather than of things ("no numbness, tingling or
        weakness", "I don't have numbness, tingling"): it does not carry on through a list."""
        segment = tokens[trigger_end].segment
        return any(
            t.segment == segment and t.word in triggers.verbs and t.word not in triggers.light_verbs
            for t in tokens[trigger_end + 1 :]
        )

    def forward(trigger_end: int, stop_at_verbs: bool = False, stop_at_me: bool = False, unit: str = "clause") -> range:
        """After a trigger, to the end of its clause or clause group (with denials, only through verbless
        list segments; with someone else, only until the runner speaks of themselves: "my friends carried me")."""
        start = trigger_end + 1
        if start >= len(tokens) or getattr(tokens[start], unit) != getattr(tokens[trigger_end], unit):
            return range(0)
        scope, segment = getattr(tokens[start], unit), tokens[trigger_end].segment
        if stop_at_verbs and tokens[start].segment != segment:
            return range(0)  # "no, it stays": a bare "no" answers; it does not deny what follows
        carries = not (stop_at_verbs and predicate_denied(trigger_end))
        end = start
        while end < len(tokens) and getattr(tokens[end], unit) == scope:
            token = tokens[end]
            if stop_at_me and speaks_of_self(end):
                break
            if stop_at_verbs and token.segment != segment and not carries:
                break
            if stop_at_verbs and token.segment != segment:
                pronoun_led = tokens[end].word in triggers.pronouns or (
                    tokens[end].word in ("and", "but")
                    and end + 1 < len(tokens)
                    and tokens[end + 1].word in triggers.pronouns
                )
                # "no numbness or tingles": a list joined by "or" stays denied, even a word that can be a verb
                listed = tokens[end].word in ("or", "nor")
                if token.segment in message.verb_segments and end not in denial_starts and not (pronoun_led or listed):
                    break
                segment = token.segment
            end += 1
        return range(start, end)

    def whole(index: int, unit: str) -> range:
        key = getattr(tokens[index], unit)
        members = [i for i, t in enumerate(tokens) if getattr(t, unit) == key]
        return range(members[0], members[-1] + 1)

    denials = _spans(message, triggers.deny_before, pseudo)
    denial_starts = {start for start, _ in denials}
    denial_ends = {end for _, end in denials}
    for start, end in denials:
        for index in forward(end, stop_at_verbs=True):
            denied_by[index].add(start)
    for start, end in _spans(message, triggers.deny_after, pseudo):
        if not denial_ends & {start - 1, start - 2}:  # "not normal", "isn't fine": something is wrong
            for index in _back(message, start, end):
                denied_by[index].add(start)
    for meaning, phrases, gap in (
        (Meaning.HYPOTHETICAL, triggers.hypothetical, 0),
        (Meaning.OTHER_PERSON, triggers.other_person, 2),  # "our old club coach"
        (Meaning.ASKING, triggers.asking, 0),
    ):
        other = meaning == Meaning.OTHER_PERSON
        for start, end in _spans(message, phrases, pseudo, gap):
            # someone as the subject ("my neighbour's calf swelled, turned out a DVT") is followed through
            # their story; someone as an object ("caught my grandson and felt a rip") only to the next verb
            subject = other and all(
                tokens[i].word in triggers.adverbs for i in range(start) if tokens[i].clause == tokens[start].clause
            )
            # the trigger's own words too ("do I need crutches"); for someone else, on through the clause
            # group while "it" still speaks of them ("my brother had a fever and it was an infection"),
            # but not into a new verb phrase ("caught my grandson and felt something rip")
            scope = forward(end, stop_at_verbs=other and not subject, stop_at_me=other, unit="group")
            if not other:  # the imagined ends with its sentence ("if my pee went dark, go in. it's gone dark")
                sentence = tokens[end].sentence
                scope = range(scope.start, next((i for i in scope if tokens[i].sentence != sentence), scope.stop))
            for index in (*range(start, end + 1), *scope):
                meanings[index] |= meaning
    for meaning, phrases, unit in (
        (Meaning.UNCERTAIN, triggers.uncertain, "clause"),
        (Meaning.PAST, triggers.past, "clause"),
        (Meaning.PAST, triggers.resolved, "sentence"),
    ):
        for start, _ in _spans(message, phrases, pseudo):
            for index in whole(start, unit):
                meanings[index] |= meaning
    # "fever? nope.": a bare denial answering a question sentence denies that sentence
    for sentence in message.questions:
        reply = [i for i, t in enumerate(tokens) if t.sentence == sentence + 1]
        if reply and all(tokens[i].word in triggers.bare_denials for i in reply):
            for index, token in enumerate(tokens):
                if token.sentence == sentence:
                    denied_by[index].add(reply[0])
    return Marks(tuple(meanings), tuple(frozenset(d) for d in denied_by), frozenset(denial_starts))


def _back(message: Message, start: int, end: int) -> range:
    """A trailing denial's reach: its own segment, and verbless segments joined by "and"/"or"; standing
    alone after a comma ("on both sides, no problem"), the segment before it too."""
    tokens = message.tokens
    clause, segment = tokens[start].clause, tokens[start].segment
    alone = segment in message.comma_segments and (start == 0 or tokens[start - 1].segment != segment)
    alone = alone and (end + 1 >= len(tokens) or tokens[end + 1].segment != segment)
    first = start
    for index in range(start - 1, max(-1, start - 1 - AFTER_REACH), -1):
        token = tokens[index]
        if token.clause != clause:
            break
        if token.segment != segment:
            crossing_comma = segment in message.comma_segments
            if (crossing_comma and not alone) or (token.segment in message.verb_segments and not alone):
                break
            alone = False  # a lone denial reaches back over one segment only
            segment = token.segment
        first = index
    return range(first, start)


def meaning_at(marks: Marks, spans: Sequence[Span]) -> Meaning:
    """What a match means, read at the first word of each of its parts.

    Any part denied denies the match, but a denial counts only when it starts outside the match: a
    symptom that holds a denial word ("not able to walk", "don't feel the urge to pee") is not denied by
    itself, while a denial word inside a part ("my heart isn't racing") denies it. Imagined, past or
    someone else's only when every part is ("a tight thigh, worse when my physio stretches it" is mine).
    """
    starts = {first for first, _ in spans}
    shared = ~Meaning.NOW
    denied = False
    for first, last in spans:
        shared &= marks.meanings[first]
        # a denial word is not itself denied by one before it ("not numb, no tingling" answers "no")
        if first not in marks.denial_starts:
            denied = denied or bool(marks.denied_by[first] - starts)
        inside = set(range(first + 1, last + 1))
        denied = denied or any(marks.denied_by[i] & inside for i in inside)
    if denied and Meaning.UNCERTAIN not in shared:
        shared |= Meaning.DENIED
    return shared & ~Meaning.UNCERTAIN
