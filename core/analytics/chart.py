"""The ``/stats`` chart: messages per day as bars, people who wrote as a line, a PNG.

matplotlib is imported here, inside :func:`chart_png`, and nowhere at start: it takes
longer to import than the rest of townsquare, and only a chart needs it.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from townsquare.core.analytics.metrics import series
from townsquare.core.analytics.store import Window


def chart_png(window: Window, title: str, messages: str, active: str) -> bytes:
    """The period's chart, labelled with the (translated) ``title`` and series names."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI

    days = series(window)
    when: Any = [date.fromordinal(day.day) for day in days]  # matplotlib dates
    figure = Figure(figsize=(8, 3.6), dpi=100)
    axes = figure.add_subplot()
    axes.bar(when, [day.messages for day in days], color="#8fb3d9", label=messages)
    line_axes = axes.twinx()
    line_axes.plot(when, [day.active for day in days], color="#d9534f", label=active)
    line_axes.set_ylim(bottom=0)
    axes.set_title(title)
    axes.set_ylabel(messages)
    line_axes.set_ylabel(active)
    figure.autofmt_xdate()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
