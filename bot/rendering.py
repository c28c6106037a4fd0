"""Flow replies as Telegram messages: HTML text within 4096 characters, inline keyboards."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from bot.callback_data import encode
from bot.pictures import Stored
from flows.markup import plain
from flows.pictures import Chart, Report
from flows.replies import Reply

MESSAGE_LIMIT = 4096


def _pieces(text: str, separator: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in text.split(separator):
        candidate = f"{current}{separator}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = piece
    if current:
        chunks.append(current)
    return chunks


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at paragraph boundaries, then at lines; a single over-long line is cut as plain text.

    Content keeps its <b>/<i> tags within a paragraph, so splitting between paragraphs or lines
    never tears a tag apart. The rare hard cut drops the markup instead of breaking it.
    """
    chunks: list[str] = []
    for paragraph_chunk in _pieces(text, "\n\n", limit):
        if len(paragraph_chunk) <= limit:
            chunks.append(paragraph_chunk)
            continue
        for line_chunk in _pieces(paragraph_chunk, "\n", limit):
            if len(line_chunk) <= limit:
                chunks.append(line_chunk)
                continue
            flat = plain(line_chunk)
            step = limit // 2  # escaping can double the length of a piece
            chunks.extend(html.escape(flat[i : i + step], quote=False) for i in range(0, len(flat), step))
    return chunks


# an inline keyboard in the JSON form the Bot API takes
Keyboard = dict[str, Any]


def keyboard(reply: Reply) -> Keyboard | None:
    """The reply's buttons as Telegram takes them: built as JSON at once, since they are stored in the
    outbox as JSON (PTB's InlineKeyboardMarkup objects, built only to be turned back into JSON, were a
    tenth of an update's time)."""
    if not reply.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": button.label, "callback_data": encode(button.event)} for button in row] for row in reply.buttons
        ]
    }


@dataclass(frozen=True)
class Message:
    """One Telegram message: HTML text, or a picture (drawn when sent) with the text as its caption."""

    text: str
    markup: Keyboard | None = None
    picture: Chart | Report | Stored | None = None


def messages(reply: Reply) -> list[Message]:
    """The reply as one or more messages; the keyboard goes with the last one. A caption is one message
    (content keeps captions within Telegram's 1024 characters)."""
    if reply.picture is not None:
        return [Message(reply.text, keyboard(reply), reply.picture)]
    chunks = split_text(reply.text)
    return [Message(chunk, keyboard(reply) if index == len(chunks) - 1 else None) for index, chunk in enumerate(chunks)]


def answered(question_html: str, label: str) -> str:
    """The tapped question as it reads afterwards: the question and the choice made."""
    return f"{question_html}\n\n✅ <b>{html.escape(label, quote=False)}</b>"
