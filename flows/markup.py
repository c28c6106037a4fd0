"""Replies are written in a tiny HTML subset (<b>, <i>) that Telegram and the console both read."""

from __future__ import annotations

import html
import re
from functools import lru_cache

_ALLOWED = re.compile(r"&lt;(/?)(b|i)&gt;")
_TAG = re.compile(r"</?(?:b|i)>")


@lru_cache(maxsize=8192)  # content texts repeat for every runner; escaping them once is enough
def rich(text: str) -> str:
    """Escape a content text for HTML while keeping its <b> and <i> tags."""
    return _ALLOWED.sub(r"<\1\2>", html.escape(text, quote=False))


def bold(text: str) -> str:
    return f"<b>{html.escape(text, quote=False)}</b>"


def plain(markup: str) -> str:
    """The reply as plain text, for the console and for logs of what the user saw."""
    return html.unescape(_TAG.sub("", markup))


def fill(template: str, **values: object) -> str:
    """A content text (escaped, with its tags) with {name} placeholders filled by escaped values.

    Only the given names are replaced, so a stray brace in content can never raise.
    """
    text = rich(template)
    for name, value in values.items():
        text = text.replace("{" + name + "}", html.escape(str(value), quote=False))
    return text


def fill_markup(template: str, **values: str) -> str:
    """Like `fill`, for values that are already markup (a bold phase name, say)."""
    text = rich(template)
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text
