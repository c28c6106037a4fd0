"""/history's chart and /report's PDF for a runner with twelve weeks of history (issue 17): what the runner
and their physiotherapist get, drawn, read back and looked at as pixels."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pypdfium2  # PDF page to pixels from a pip wheel: CI needs nothing from apt (no poppler's pdftoppm)
import pytest
from PIL import Image
from pypdf import PdfReader

from bot.app import command_menu
from bot.console import Console
from bot.dispatch import Dispatcher
from bot.outbox import _read, render
from bot.pictures import draw
from bot.store import Change, SqliteStore
from content import Content
from flows.conversation import Conversation
from flows.events import ShowHistory, ShowReport
from flows.markup import plain, rich
from flows.pictures import Chart, Report
from flows.replies import Reply
from tests.chat import Chat
from tests.plan_play import START, start_plan
from tests.twelve_weeks import DAYS, twelve_weeks

A4_POINTS = (595, 842)
A4_AT_150_DPI = (1240, 1754)  # 210 x 297 mm


@pytest.fixture(scope="module")
def runner(content: Content) -> Chat:
    return twelve_weeks(content)


def _picture(replies: list[Reply]) -> Chart | Report:
    pictured = [r.picture for r in replies if r.picture is not None]
    assert len(pictured) == 1
    return pictured[0]


def _non_blank(image: Image.Image) -> float:
    """The share of pixels that are not white."""
    grey = image.convert("L")
    return sum(grey.histogram()[:240]) / (grey.width * grey.height)


def test_history_sends_a_phone_sized_chart_then_the_words(runner: Chat) -> None:
    replies = runner.send(ShowHistory()).replies
    assert replies[0].picture is not None and replies[0].picture.kind == "chart"
    assert "Plan started 2 Mar" in replies[1].text, "the text summary stays, for screen readers"
    image = Image.open(io.BytesIO(draw(replies[0].picture)))
    assert image.format == "PNG"
    assert image.size == (1080, 1350), "portrait, full width on a phone"
    assert _non_blank(image) > 0.03, "lines, bars and words drawn"


def test_chart_holds_every_check_in_the_phases_and_the_running(runner: Chat) -> None:
    chart = _picture(runner.send(ShowHistory()).replies)
    assert isinstance(chart, Chart)
    assert len(chart.pain) == len(runner.record.checkins) > 60
    assert [m.label for m in chart.phases][:2] == ["Calm the tendon", "Heavy, slow strength"]
    assert chart.milestones, "tests passed are marked"
    assert len(chart.volume) == DAYS // 7 + 1 and sum(w.runs for w in chart.volume) > 12


def test_report_is_one_page_of_searchable_text_with_every_section(runner: Chat, content: Content) -> None:
    report = _picture(runner.send(ShowReport()).replies)
    pdf = PdfReader(io.BytesIO(draw(report)))
    assert len(pdf.pages) == 1
    text = " ".join(pdf.pages[0].extract_text().split())
    words = content.strings.report
    for heading in (
        words.triage,
        words.warning_signs,
        words.outcome,
        words.phases,
        words.adherence,
        words.runs,
        words.milestones,
        words.scores,
        words.chart,
    ):
        assert heading in text, heading
    assert "not a diagnosis" in text
    assert "Answered on 2 Mar 2026" in text and "How did the pain begin?" in text
    assert "Proximal hamstring tendinopathy" in text
    assert "Calm the tendon: 2 Mar 2026 to" in text and "(current)" in text
    assert "check-ins:" in text and "done" in text
    assert "Week of 2 Mar:" in text
    assert "Sit-bone score" in text


def test_report_page_as_pixels_is_a4_and_not_blank(runner: Chat) -> None:
    report = _picture(runner.send(ShowReport()).replies)
    page = pypdfium2.PdfDocument(draw(report))[0]
    assert (round(page.get_width()), round(page.get_height())) == A4_POINTS
    image = page.render(scale=150 / 72).to_pil()
    assert all(abs(got - want) <= 1 for got, want in zip(image.size, A4_AT_150_DPI, strict=True)), image.size
    assert _non_blank(image) > 0.02, "text and the chart on the page"


def test_a_warning_sign_is_in_the_report_with_its_day(content: Content) -> None:
    chat = start_plan(content, "tendon")
    chat.today = START + timedelta(days=3)
    chat.say("my calf is swollen since the long flight")
    chat.today = START + timedelta(days=4)
    report = _picture(chat.send(ShowReport()).replies)
    assert isinstance(report, Report)
    signs = next(s for s in report.sections if s.heading == content.strings.report.warning_signs)
    assert signs.lines[0].startswith("5 Mar 2026: "), signs.lines


def test_no_history_gets_words_not_an_empty_chart(content: Content) -> None:
    nothing = Chat(content)
    assert nothing.send(ShowHistory()).replies == [Reply(rich(content.strings.history_empty))]
    assert nothing.send(ShowReport()).replies == [Reply(rich(content.strings.report.empty))]
    started = start_plan(content, "tendon")  # a plan, but no check-in yet
    assert started.send(ShowHistory()).replies == [Reply(rich(content.strings.history_empty))]
    report = _picture(started.send(ShowReport()).replies)
    assert isinstance(report, Report) and report.chart is None


def test_the_outbox_keeps_a_picture_as_its_description(runner: Chat) -> None:
    replies = runner.send(ShowHistory()).replies
    (stored, _) = render(replies)
    read, picture = _read(stored), replies[0].picture
    assert read.text == replies[0].text
    assert read.picture is not None and picture is not None
    assert draw(read.picture) == draw(picture), "drawn the same from what the outbox keeps"


async def test_terminal_chat_writes_the_chart_and_the_report_here(
    tmp_path: Path, runner: Chat, content: Content
) -> None:
    store = SqliteStore(tmp_path / "chat.sqlite3")
    await store.open()
    state: Conversation = runner.state
    change = Change(data=state.model_dump_json(), state="idle", consented=True, facts=runner.record.facts)
    await store.apply(0, None, lambda _: (change, None))
    written: list[str] = []
    console = Console(Dispatcher(store, content), written.append, folder=tmp_path)
    await console.send("/history")
    await console.send("/report")
    await store.close()
    chart, report = tmp_path / "thigh-coach-history.png", tmp_path / "thigh-coach-report.pdf"
    assert chart.read_bytes().startswith(b"\x89PNG") and report.read_bytes().startswith(b"%PDF")
    out = "\n".join(written)
    assert str(chart) in out and str(report) in out
    assert plain(rich(content.strings.report.caption)) in out


def test_report_is_in_the_command_menu_and_the_help(content: Content) -> None:
    assert "report" in [c.command for c in command_menu(content)]
    assert "/report" in content.strings.help and "/history" in content.strings.help


def test_the_bots_own_process_loads_no_drawing_library() -> None:
    """Pictures are drawn in spawned processes: matplotlib and fpdf2 in the bot's own would roughly
    double its memory (bench.reminders) for code it never runs."""
    probe = "import sys, bot.app, bot.cli; print(sorted({'matplotlib', 'fpdf'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent
    )
    assert loaded.stdout.strip() == "[]"
