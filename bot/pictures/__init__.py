"""Pictures a flow described (flows/pictures.py), drawn when they are sent, off the event loop."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import TypeAdapter

from flows.pictures import Chart, Picture, Report

FILE_NAMES = {"chart": "thigh-coach-history.png", "report": "thigh-coach-report.pdf"}
_PICTURE: TypeAdapter[Picture] = TypeAdapter(Picture)


@dataclass(frozen=True)
class Stored:
    """A picture's description as the outbox keeps it (parsed JSON). It is validated where it is drawn:
    twelve weeks take a few milliseconds to validate, and fifty of those in one turn of the event loop
    would stall every other runner (measured: bench.charts)."""

    kind: Literal["chart", "report"]
    data: dict[str, Any]


def draw(picture: Chart | Report | Stored) -> bytes:
    """The picture as PNG (a chart) or PDF (a report) bytes. Slow: call `drawn` from async code."""
    # imported here, in the drawing processes: the bot's own never draws, and matplotlib and fpdf2
    # would be most of its memory (import bot.app: 130 MiB RSS with them, 70 MiB without)
    from bot.pictures.chart import chart_png
    from bot.pictures.report import report_pdf

    described = _PICTURE.validate_python(picture.data) if isinstance(picture, Stored) else picture
    return chart_png(described) if isinstance(described, Chart) else report_pdf(described)


@cache
def _drawing() -> ProcessPoolExecutor:
    """Processes, not threads: matplotlib holds the interpreter lock in long C stretches (a thread stalled
    the event loop by ~290 ms, bench.charts). One core is left to the event loop. Started at the first
    picture, with "spawn": a fresh interpreter, not a fork of one with threads and a running loop."""
    workers = max(1, (os.cpu_count() or 2) - 1)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


async def drawn(picture: Chart | Report | Stored) -> bytes:
    """`draw` in a drawing process: other runners' updates go on meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_drawing(), draw, picture)
