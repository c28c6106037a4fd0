"""/history's chart as a PNG sized for a phone held upright: pain on top, weekly running below."""

from __future__ import annotations

import io
from datetime import timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from flows.pictures import Chart

# 1080 x 1350 px: the portrait size Telegram shows full width on a phone without cropping
WIDTH_INCHES, HEIGHT_INCHES, DPI = 7.2, 9.0, 150
FONT = 16  # points at 150 dpi: 33 px, about as large as the chat's own text once the photo is shown on a phone
DURING, MORNING, PHASE, MILESTONE, VOLUME = "#d62728", "#1f77b4", "#7f7f7f", "#2ca02c", "#9467bd"


def chart_png(chart: Chart) -> bytes:
    """Draw the chart. A Figure of its own (no pyplot): safe in a worker thread, nothing global kept."""
    words = chart.words
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    pain, running = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    days = [p.day for p in chart.pain]
    pain.plot(days, [p.during for p in chart.pain], color=DURING, marker="o", markersize=3, label=words.during)
    pain.plot(days, [p.morning for p in chart.pain], color=MORNING, marker="s", markersize=3, label=words.morning)
    pain.set_ylim(-0.5, 11.5)
    pain.set_yticks(range(0, 11, 2))
    pain.set_ylabel(words.pain_axis, fontsize=FONT)
    pain.set_title(words.title, fontsize=FONT + 3, loc="left")
    pain.grid(axis="y", alpha=0.3)
    for mark in chart.phases[1:]:  # the first phase is where the plan began, not a change
        pain.axvline(mark.day, color=PHASE, linestyle="--", linewidth=1)
    for mark in chart.phases:
        pain.annotate(
            mark.label,
            (mark.day, 10.6),
            rotation=90,
            fontsize=FONT - 3,
            color=PHASE,
            va="top",
            ha="right",
            xytext=(-2, 0),
            textcoords="offset points",
        )
    if chart.milestones:
        pain.scatter(
            [m.day for m in chart.milestones],
            [11] * len(chart.milestones),
            marker="*",
            s=160,
            color=MILESTONE,
            label=words.milestone,
            zorder=3,
        )
    pain.legend(loc="center left", fontsize=FONT - 2, framealpha=0.9)
    weeks = [w.week + timedelta(days=3) for w in chart.volume]  # each bar in the middle of its week
    running.bar(weeks, [w.minutes for w in chart.volume], width=6, color=VOLUME)
    running.set_ylabel(words.volume_axis, fontsize=FONT)
    # a date every other week, written as the text reply writes it ("2 Mar")
    ticks = [w.week for w in chart.volume[::2]]
    running.set_xticks(ticks, [f"{d.day} {d:%b}" for d in ticks])
    for axes in (pain, running):
        axes.tick_params(labelsize=FONT - 2)
        axes.spines[["top", "right"]].set_visible(False)
    running.tick_params(axis="x", labelrotation=45)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
