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


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _substitute(template: str, values: dict[str, str]) -> str:
    """Each {name} of the template replaced once, in one pass: a value that itself holds "{count}"
    (an admin's broadcast text) stays as it was written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), rich(template))


def fill(template: str, **values: object) -> str:
    """A content text (escaped, with its tags) with {name} placeholders filled by escaped values.

    Only the given names are replaced, so a stray brace in content can never raise.
    """
    return _substitute(template, {name: html.escape(str(value), quote=False) for name, value in values.items()})


def fill_markup(template: str, **values: str) -> str:
    """Like `fill`, for values that are already markup (a bold phase name, say)."""
    return _substitute(template, values)
