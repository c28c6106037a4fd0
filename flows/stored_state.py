"""The conversation as stored: a JSON document that names its schema version, read through one
upgrade function per version step, then validated whole.

Change `Conversation` in a way an older document would not validate against, and you add a version:
raise `VERSION`, append the step that rewrites a document of the version before (a dict, pure), and
add fixtures of the old shape under tests/data/state/v<old>/ (tests/test_stored_state.py loads
every one of them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from flows.conversation import VERSION, Conversation

Document = dict[str, Any]


def _from_0(document: Document) -> Document:
    """Version 0, written before states were versioned, is version 1 without its version."""
    return document


# UPGRADES[n] turns a document of version n into one of version n + 1
UPGRADES: tuple[Callable[[Document], Document], ...] = (_from_0,)
# what every document of the current version starts with (the version is the model's first field)
_CURRENT = f'{{"schema_version":{VERSION},'


class Unreadable(Exception):
    """A stored state that cannot be read; `reason` says where and how, never what the runner wrote."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def dump(state: Conversation) -> str:
    return state.model_dump_json()


def load(text: str) -> Conversation:
    """The stored state, upgraded to the current version and validated; Unreadable if it cannot be."""
    try:
        if text.startswith(_CURRENT):  # nearly every load: no upgrade, pydantic reads the JSON itself
            return Conversation.model_validate_json(text)
        return Conversation.model_validate(upgraded(json.loads(text)))
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not JSON ({exc.msg} at character {exc.pos})") from None
    except ValidationError as exc:
        # the error's locations and kinds only: its input values may be the runner's own words
        where = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['type']}" for e in exc.errors())
        raise Unreadable(f"invalid ({where})") from None


def upgraded(document: object) -> Document:
    """A document of any earlier version, rewritten step by step to the current one."""
    if not isinstance(document, dict):
        raise Unreadable(f"not a JSON object but {type(document).__name__}")
    version = document.pop("schema_version", 0)
    if not isinstance(version, int) or not 0 <= version <= VERSION:
        raise Unreadable(f"schema version {version!r}, this bot reads 0 to {VERSION}")
    for step in UPGRADES[version:]:
        document = step(document)
    return document
