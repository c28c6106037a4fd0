"""Nothing a runner wrote reaches a log, at any level, and library chatter stays out of INFO."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure
from content import Content
from tests.answer_sets import ANSWER_SETS
from tests.chat import Chat

SECRET = "my secret diary: tingling in my little toe"


@pytest.fixture(params=["text", "json"])
def log_style(request: pytest.FixtureRequest) -> Iterator[str]:
    yield str(request.param)
    logging.basicConfig(force=True, handlers=[logging.NullHandler()])


def test_exception_messages_never_reach_the_log(log_style: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure("DEBUG", log_style)
    try:
        raise ValueError(f"Input should be a valid integer, input_value={SECRET!r}")
    except ValueError:
        logging.getLogger("bot.handlers.errors").exception("error while handling update 7")
    written = capsys.readouterr().err
    assert "error while handling update 7" in written and "ValueError" in written
    assert "secret diary" not in written


def test_library_log_arguments_never_reach_the_log(log_style: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure("DEBUG", log_style)
    update = {"update_id": 5, "message": {"text": SECRET}}
    logging.getLogger("telegram.ext.Updater").critical("Error while parsing updates! Received data was %r", update)
    logging.getLogger("telegram._bot").debug("Getting updates: %s", [update])
    written = capsys.readouterr().err
    assert "Error while parsing updates" in written
    assert "secret diary" not in written


def test_transitions_chatter_stays_out_of_info(content: Content, capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "text")
    chat = Chat(content)
    for question, value in ANSWER_SETS["overuse_mileage_jump"][1].items():
        assert chat.question == question
        chat.tap(value)
    assert "transitions" not in capsys.readouterr().err
    logging.basicConfig(force=True, handlers=[logging.NullHandler()])
