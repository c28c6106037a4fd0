"""Pictures a flow described (flows/pictures.py), drawn when they are sent, off the event loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bot.pictures.chart import chart_png
from bot.pictures.report import report_pdf
from flows.pictures import Chart, Report

# one drawing at a time: matplotlib shares font and text caches between figures, and on two cores a second
# drawing thread would only take turns with the first for the interpreter lock
_DRAWING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pictures")

FILE_NAMES = {"chart": "thigh-coach-history.png", "report": "thigh-coach-report.pdf"}


def draw(picture: Chart | Report) -> bytes:
    """The picture as PNG (a chart) or PDF (a report) bytes. Slow: call `drawn` from async code."""
    return chart_png(picture) if isinstance(picture, Chart) else report_pdf(picture)


async def drawn(picture: Chart | Report) -> bytes:
    """`draw` in the drawing thread: other runners' updates go on meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_DRAWING, draw, picture)
