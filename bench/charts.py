"""Drawing /history's chart and /report's PDF: the time per runner, and how long the event loop stalls
while 50 runners with twelve weeks of history ask for both at once (it must stay within 50 ms).

First the drawing alone (the drawing processes) and, as a control, a pool of the same size running jobs
that only burn a core as long (what the machine itself does to the loop); then the whole path: the real
PTB application on a SQLite file with the in-process fake Bot API, each update dispatched, its picture
stored in the outbox as a description, drawn and sent, with the start-up heap frozen out of the collector
as `thigh-coach run` does (unfrozen, one full pass over it stalled the loop 115-290 ms); then the same runners
asking for /plan, which draws nothing, for comparison.
A ticker task asks to wake every millisecond and records the longest gap between its wake-ups.
Run: python -m bench.charts [RUNNERS]
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.app import freeze_start_up
from bot.pictures import Stored, drawn
from bot.pictures.chart import chart_png
from bot.pictures.report import report_pdf
from bot.services import installed
from bot.store import Change
from content import load_content
from flows.events import ShowHistory, ShowReport
from flows.pictures import Chart, Report
from tests.bot_fixture import running_bot
from tests.chat import Chat
from tests.fake_bot_api import message_update
from tests.twelve_weeks import twelve_weeks

RUNNERS = 50
STALL_LIMIT_MS = 50.0
TICK = 0.001
SAMPLES = 5
IDLE_SECONDS = 3.0

P = TypeVar("P", Chart, Report)


def _timed_ms(draw: Callable[[P], bytes], picture: P, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        draw(picture)
        times.append((time.perf_counter() - started) * 1e3)
    return times


class Ticker:
    """Wakes every millisecond; the longest gap between wake-ups is the loop's longest stall."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def longest(self) -> float:
        return max(self.gaps, default=0.0)

    @property
    def p99(self) -> float:
        ordered = sorted(self.gaps)
        return ordered[int(len(ordered) * 0.99)] if ordered else 0.0

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            self.gaps.append(now - last - TICK)
            last = now

    def __enter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def _stall_of(work: Awaitable[object]) -> tuple[float, Ticker]:
    """(seconds the work took, the loop's wake-ups meanwhile)."""
    started = time.perf_counter()
    with Ticker() as ticker:
        await work
    return time.perf_counter() - started, ticker


async def _through_the_bot(chat: Chat, runners: int, commands: tuple[str, ...]) -> tuple[float, Ticker]:
    """Every runner sends the commands at once to the real application; every reply is sent."""
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder) / "bench.sqlite3", run_scheduler=False) as (app, api):
            store = installed(app).store
            change = Change(data=chat.state.model_dump_json(), state="idle", consented=True, facts=chat.record.facts)
            for user in range(1, runners + 1):
                await store.apply(user, None, lambda _: (change, None))
            freeze_start_up()  # as run_bot does: full collector passes would otherwise walk start-up's heap
            updates = [message_update(app.bot, u, c) for u in range(1, runners + 1) for c in commands]
            took = await _stall_of(asyncio.gather(*(app.process_update(update) for update in updates)))
            if "/report" in commands:
                sent = [c.method for c in api.calls]
                assert sent.count("sendPhoto") == sent.count("sendDocument") == runners
            return took


def burn(seconds: float, size: int) -> bytes:
    """A job that only keeps a core busy, then returns as many bytes as a picture: the control."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        pass
    return bytes(size)


async def _control(jobs: int, seconds: float, size: int) -> tuple[float, Ticker]:
    """The same number of jobs in a process pool of the same size, drawing nothing."""
    pool = ProcessPoolExecutor(max(1, (os.cpu_count() or 2) - 1), mp_context=multiprocessing.get_context("spawn"))
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(pool, burn, 0.0, 0)
        return await _stall_of(asyncio.gather(*(loop.run_in_executor(pool, burn, seconds, size) for _ in range(jobs))))
    finally:
        pool.shutdown()


def _verdict(ticker: Ticker) -> str:
    stall = ticker.longest * 1e3
    verdict = "within" if stall <= STALL_LIMIT_MS else "OVER"
    return f"{stall:.1f} ms ({verdict} {STALL_LIMIT_MS:.0f} ms); 99% of wake-ups within {ticker.p99 * 1e3:.1f} ms"


async def at_once(runners: int) -> None:
    content = load_content()
    chat = twelve_weeks(content)
    chart = chat.send(ShowHistory()).replies[0].picture
    report = chat.send(ShowReport()).replies[0].picture
    assert isinstance(chart, Chart) and isinstance(report, Report)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    chart_png(chart)  # the first drawing loads fonts: not a runner's time
    charts, reports = _timed_ms(chart_png, chart, SAMPLES), _timed_ms(report_pdf, report, SAMPLES)
    print(f"one runner, twelve weeks ({len(chart.pain)} check-ins), median of {SAMPLES}:")
    print(f"  chart {statistics.median(charts):.0f} ms, report (chart included) {statistics.median(reports):.0f} ms")

    _, floor = await _stall_of(asyncio.sleep(IDLE_SECONDS))
    print(f"the event loop idle for {IDLE_SECONDS:.0f} s (this machine's noise): longest stall {_verdict(floor)}")
    await drawn(chart)  # the drawing process starts and loads matplotlib once, not per runner
    # as the outbox hands them over: the stored descriptions
    stored = [Stored(p.kind, p.model_dump(mode="json")) for p in (chart, report)]
    seconds, stall = await _stall_of(asyncio.gather(*(drawn(p) for _ in range(runners) for p in stored)))
    print(f"{runners} runners' charts and reports drawn at once (the drawing processes):")
    print(f"  {seconds:.1f} s in all; the event loop's longest stall {_verdict(stall)}")
    each = seconds / (2 * runners)
    size = (len(await drawn(chart)) + len(await drawn(report))) // 2
    seconds, stall = await _control(2 * runners, each, size)
    print(f"  control: as many jobs that only burn a core for {each * 1e3:.0f} ms each and return {size} bytes:")
    print(f"  {seconds:.1f} s in all; the event loop's longest stall {_verdict(stall)}")

    seconds, stall = await _through_the_bot(chat, runners, ("/history", "/report"))
    print(f"{runners} runners send /history and /report at once (PTB, SQLite, outbox, fake Bot API):")
    print(f"  {seconds:.1f} s in all; the event loop's longest stall {_verdict(stall)}")
    seconds, stall = await _through_the_bot(chat, runners, ("/plan", "/plan"))
    print("  for comparison, the same runners sending /plan twice (no picture at all):")
    print(f"  {seconds:.1f} s in all; the event loop's longest stall {_verdict(stall)}")


def main() -> None:
    runners = int(sys.argv[1]) if len(sys.argv) > 1 else RUNNERS
    asyncio.run(at_once(runners))


if __name__ == "__main__":
    main()
