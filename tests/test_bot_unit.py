"""The Telegram shell through real PTB dispatching and an in-process Bot API (no network)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import bot.dispatch
from bot.callback_data import LIMIT, decode, encode
from bot.rendering import split_text
from bot.services import App, installed
from content import Content
from flows.events import Back, Choose, WarningSigns
from flows.markup import plain
from flows.outcome import with_flags
from tests.answer_sets import ANSWER_SETS
from tests.bot_fixture import running_bot
from tests.fake_bot_api import STICKER, FakeBotApi, Sent, callback_update, member_update, message_update


async def test_start_consent_and_first_question(tmp_path: Path, content: Content) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        await app.process_update(message_update(app.bot, 5, "/start"))
        prompt = api.sent(5)[-1]
        assert "not a diagnosis" in prompt.text
        await app.process_update(callback_update(app.bot, 5, prompt, content.strings.consent_button))
        edits = [c for c in api.calls if c.method == "editMessageText"]
        assert edits and edits[-1].text.endswith(f"✅ <b>{content.strings.consent_button}</b>")
        question = api.sent(5)[-1]
        assert content.questions["onset"].text in question.text
        assert all(len(b["callback_data"].encode()) <= LIMIT for b in question.buttons)


async def test_command_menu_is_set(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (_, api):
        menu = [c for c in api.calls if c.method == "setMyCommands"]
        assert len(menu) == 1


async def test_blocked_user_becomes_inactive_and_start_reactivates(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        await app.process_update(message_update(app.bot, 7, "/start"))
        store = installed(app).store
        api.blocked.add(7)
        await app.process_update(message_update(app.bot, 7, "/help"))
        assert not (await store.load(7)).active
        api.blocked.clear()
        await app.process_update(message_update(app.bot, 7, "/start"))
        assert (await store.load(7)).active


async def test_my_chat_member_kicked_marks_inactive(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, _):
        await app.process_update(message_update(app.bot, 8, "/start"))
        await app.process_update(member_update(app.bot, 8, "kicked"))
        assert not (await installed(app).store.load(8)).active
        await app.process_update(member_update(app.bot, 8, "member"))
        assert (await installed(app).store.load(8)).active


async def test_an_error_is_told_politely_and_the_place_is_kept(
    tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        await app.process_update(message_update(app.bot, 9, "/start"))
        await app.process_update(message_update(app.bot, 9, "yes"))
        before = await installed(app).store.load(9)

        def broken(*args: object) -> None:
            raise RuntimeError("a bug in a flow")

        monkeypatch.setattr(bot.dispatch, "handle", broken)
        await app.process_update(message_update(app.bot, 9, "gradually"))
        assert api.sent(9)[-1].text == content.strings.error
        assert await installed(app).store.load(9) == before


async def test_unreadable_button_is_treated_as_stale(tmp_path: Path, content: Content) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        await app.process_update(message_update(app.bot, 10, "/start"))
        await app.process_update(message_update(app.bot, 10, "yes"))
        question = api.sent(10)[-1]
        forged = type(question)(question.method, {**question.params})
        forged.params["reply_markup"] = {"inline_keyboard": [[{"text": "Old", "callback_data": "zz|old"}]]}
        await app.process_update(callback_update(app.bot, 10, forged, "Old"))
        assert plain(api.sent(10)[-1].text).startswith(content.strings.stale_answer)


async def test_sticker_gets_a_pointer_and_a_caption_is_read(tmp_path: Path, content: Content) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        await app.process_update(message_update(app.bot, 11, "/start"))
        sticker = STICKER
        await app.process_update(message_update(app.bot, 11, sticker=sticker))
        assert plain(api.sent(11)[-2].text) == content.strings.unsupported_message
        assert content.strings.consent_button in [b["text"] for b in api.sent(11)[-1].buttons]
        photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
        await app.process_update(message_update(app.bot, 11, photo=photo, caption="I can't feel my groin at all"))
        assert plain(with_flags(content, content.flags["cauda_equina"].advice)) in plain(api.sent(11)[-1].text)


def test_every_content_button_fits_callback_data(content: Content) -> None:
    for question in content.triage.questions:
        for answer in question.answers:
            for event in (
                Choose(2**31, question.id, answer.value),
                Back(2**31, question.id),
                WarningSigns(2**31, question.id),
            ):
                data = encode(event)
                assert len(data.encode()) <= LIMIT
                assert decode(data) == event


@pytest.mark.parametrize("data", ["", "c|x|q|v", "c|1|q", "w", "b|1|q|extra", "🙂"])
def test_garbage_callback_data_decodes_to_nothing(data: str) -> None:
    assert decode(data) is None


def test_long_replies_split_at_paragraphs_within_the_limit() -> None:
    paragraphs = [f"<b>Part {i}</b> " + "word " * 150 for i in range(30)]
    text = "\n\n".join(paragraphs)
    chunks = split_text(text)
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert "\n\n".join(chunks) == text
    assert all(c.count("<b>") == c.count("</b>") for c in chunks)


def test_one_huge_line_is_cut_without_breaking_markup() -> None:
    chunks = split_text("<b>" + "x" * 10_000 + "</b> & more")
    assert all(len(c) <= 4096 and "<b>" not in c for c in chunks)
    assert plain("".join(chunks)) == "x" * 10_000 + " & more"


async def tap(app: App, api: FakeBotApi, user: int, label: str, message: Sent | None = None) -> list[Sent]:
    """Tap a button of the last message with buttons (or of `message`); returns what was sent."""
    target = message or next(s for s in reversed(api.sent(user)) if s.buttons)
    before = len(api.sent(user))
    await app.process_update(callback_update(app.bot, user, target, label))
    return api.sent(user)[before:]


async def test_taps_telegram_calls_too_old_still_get_their_turn(tmp_path: Path, content: Content) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        api.taps_too_old = True
        await app.process_update(message_update(app.bot, 12, "/start"))
        first = await tap(app, api, 12, content.strings.consent_button)
        assert content.questions["onset"].text in first[-1].text
        assert content.strings.error not in "".join(s.text for s in first)
        for question, value in ANSWER_SETS["overuse_mileage_jump"][1].items():
            label = next(a.label for a in content.questions[question].answers if a.value == value)
            replies = await tap(app, api, 12, label)
        assert content.strings.triage_finished in plain("\n".join(s.text for s in replies))
        await app.process_update(message_update(app.bot, 12, "/delete"))
        await tap(app, api, 12, content.strings.delete_yes)
        assert (await installed(app).store.load(12)).data is None, "the data is gone"


async def test_double_taps_start_one_triage_and_delete_once(tmp_path: Path, content: Content) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        await app.process_update(message_update(app.bot, 13, "/start"))
        welcome = api.sent(13)[-1]
        await tap(app, api, 13, content.strings.consent_button, welcome)
        again = await tap(app, api, 13, content.strings.consent_button, welcome)
        assert content.questions["onset"].text in again[-1].text
        stored = json.loads((await installed(app).store.load(13)).data or "{}")
        assert stored["triage"]["session"] == 1, "one triage, not two"

        await app.process_update(message_update(app.bot, 13, "/delete"))
        confirm = api.sent(13)[-1]
        await tap(app, api, 13, content.strings.delete_yes, confirm)
        second = await tap(app, api, 13, content.strings.delete_yes, confirm)
        assert content.strings.error not in "".join(s.text for s in second)


async def test_a_late_tap_after_the_outcome_shows_the_outcome_again(tmp_path: Path, content: Content) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        await app.process_update(message_update(app.bot, 14, "/start"))
        await tap(app, api, 14, content.strings.consent_button)
        expected, answers = ANSWER_SETS["overuse_mileage_jump"]
        last = None
        for question, value in answers.items():
            last = next(s for s in reversed(api.sent(14)) if s.buttons)
            label = next(a.label for a in content.questions[question].answers if a.value == value)
            await tap(app, api, 14, label, last)
        assert last is not None
        again = plain("\n".join(s.text for s in await tap(app, api, 14, label, last)))
        assert content.pattern_by_id[expected].name in again
        assert content.strings.triage_finished.split(".")[0] in again
        assert content.strings.stale_answer not in again


async def test_a_command_with_its_argument_works_in_one_go(tmp_path: Path, content: Content) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        await app.process_update(message_update(app.bot, 15, "/start"))
        await tap(app, api, 15, content.strings.consent_button)
        for question, value in ANSWER_SETS["overuse_mileage_jump"][1].items():
            await tap(app, api, 15, next(a.label for a in content.questions[question].answers if a.value == value))
        await tap(app, api, 15, content.strings.plan_start_button)
        await app.process_update(message_update(app.bot, 15, "/log 5 km in 32 min"))
        assert plain(api.sent(15)[-1].text).startswith("Logged: 5.0 km in 32 min.")


async def test_replies_telegram_could_not_take_go_out_at_the_next_message_or_start_up(
    tmp_path: Path, content: Content
) -> None:
    database = tmp_path / "b.sqlite3"
    async with running_bot(database) as (app, api):
        await app.process_update(message_update(app.bot, 16, "/start"))
        consent = api.sent(16)[-1]
        api.unreachable = True  # the network fails as the runner consents: the first question cannot go out
        await app.process_update(callback_update(app.bot, 16, consent, content.strings.consent_button))
        api.unreachable = False
        before = len(api.sent(16))
        await app.process_update(message_update(app.bot, 16, "it came on gradually"))
        owed_first = api.sent(16)[before:]
        assert content.questions["onset"].text in owed_first[0].text, "the owed question comes first"
        assert len(owed_first) > 1, "and then the answer to what they wrote"
        api.unreachable = True  # again, as they answer the next question
        await tap(app, api, 16, owed_first[-1].buttons[0]["text"])
        asked = [s.text for s in api.sent(16)]
    async with running_bot(database) as (app, api):  # a restart, and the runner writes nothing
        deadline = asyncio.get_running_loop().time() + 10
        while not api.sent(16):
            assert asyncio.get_running_loop().time() < deadline, "the owed reply never went out at start-up"
            await asyncio.sleep(0.01)  # the start-up flush runs beside the updates: wait for its send
        owed = api.sent(16)[0]
        assert owed.buttons and owed.text not in asked, "the next question, owed since before the restart"
