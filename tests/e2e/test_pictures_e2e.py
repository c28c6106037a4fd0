"""End to end (issue 17): /history's chart arrives as a photo and /report's PDF as a document, uploaded to
the Bot API peer (sendPhoto, sendDocument); before any check-in, words instead of an empty chart."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from content import load_content
from flows.markup import plain, rich
from tests.answer_sets import ANSWER_SETS
from tests.e2e.harness import NEEDS_NODE, BotProcess, Message, Peer, Runner, node_available
from tests.e2e.test_conversation_e2e import SCREEN, checkin_question, plan_answer, triage

pytestmark = pytest.mark.skipif(not node_available(), reason=NEEDS_NODE)

CONTENT = load_content()
STRINGS = CONTENT.strings


async def _upload(http: httpx.AsyncClient, token: str, file_id: str) -> bytes:
    response = await http.get("/client/document", params={"token": token, "fileId": file_id})
    response.raise_for_status()
    return response.content


async def check_in_a_good_day(runner: Runner) -> None:
    """A good day, by buttons: done, 2/10 during, 1/10 this morning, the plan's steps passed."""
    await runner.send("/checkin")
    for answer in ("Done", "2", "1"):
        await runner.tap(await checkin_question(runner), answer)
    while True:
        question = await checkin_question(runner)
        answer = plan_answer(question)
        await runner.tap(question, answer)
        if answer == SCREEN.answers[0].label:
            return


async def test_history_chart_and_report_arrive_as_photo_and_document(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-03-02T08:00:00+00:00")
    own = BotProcess(peer, tmp_path, extra_env={"TEST_CLOCK_FILE": str(clock)}).start()
    try:
        runner = Runner(peer, own.token, 17, http)
        await triage(runner, ANSWER_SETS["tendinopathy_sit_bone_sitting"][1], typed=False)
        offer = await runner.expect_keyboard(STRINGS.plan_start_button)
        await runner.tap(offer, STRINGS.plan_start_button)
        await runner.expect(STRINGS.today_heading, STRINGS.reminder_zone_question[:25])

        await runner.send("/history")  # no check-in yet: words, not an empty chart
        await runner.expect(plain(rich(STRINGS.history_empty)))

        clock.write_text("2026-03-03T18:00:00+00:00")
        await check_in_a_good_day(runner)
        await runner.send("/history")
        fresh: list[Message] = await runner.wait(
            lambda ms: any("photo" in m for m in ms) and any("Plan started" in m.get("text", "") for m in ms)
        )
        photo = next(m for m in fresh if "photo" in m)
        assert photo["caption"] == plain(rich(STRINGS.chart.caption))
        assert (photo["photo"][0]["width"], photo["photo"][0]["height"]) == (1080, 1350)
        png = await _upload(http, own.token, photo["photo"][0]["file_id"])
        assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24]) == (1080, 1350)
        words = next(m for m in fresh if "Plan started" in m.get("text", ""))
        assert fresh.index(photo) < fresh.index(words), "the chart, then the same in words"

        await runner.send("/report")
        fresh = await runner.wait(lambda ms: any("document" in m for m in ms))
        document = next(m for m in fresh if "document" in m)
        assert document["document"]["file_name"] == "thigh-coach-report.pdf"
        assert document["caption"] == plain(rich(STRINGS.report.caption))
        pdf = PdfReader(io.BytesIO(await _upload(http, own.token, document["document"]["file_id"])))
        text = pdf.pages[0].extract_text()
        assert len(pdf.pages) == 1
        assert STRINGS.report.title in text and "Proximal hamstring tendinopathy" in text
        uploads = [c["method"] for c in peer.calls(own.token) if c["method"] in ("sendPhoto", "sendDocument")]
        assert uploads == ["sendPhoto", "sendDocument"], "each sent once, as an upload"
    finally:
        own.stop()
