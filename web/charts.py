"""Charts drawn on the page: a day series as inline SVG, computed here and written by
the templates (``_chart.html``).

No script and no ``style`` attribute (the Content-Security-Policy forbids both): the
geometry is SVG attributes, the colours are classes of ``style.css``. Each chart is an
``img`` with a ``<title>`` and a description, each bar or point has its own ``<title>``
(the day and its number), and the page shows the same numbers in a table beneath.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 200
LEFT = 40
"""Room for the scale's labels."""
BOTTOM = 24
"""Room for the first and last day's labels."""
TOP = 10


@dataclass(frozen=True, slots=True)
class Mark:
    """One day: its bar (``x``, ``y``, ``width``, ``height``) or point (``cx``, ``y``)."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True, slots=True)
class Chart:
    marks: tuple[Mark, ...]
    top: int
    """The scale's top value (a round number at or above the highest)."""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: int = HEIGHT - BOTTOM
    """The y of zero."""

    @property
    def points(self) -> str:
        """The marks' points joined, for a ``<polyline>``."""
        return " ".join(f"{mark.cx},{mark.y}" for mark in self.marks)

    @property
    def middle(self) -> float:
        return round((self.base + TOP) / 2, 1)


def nice_top(highest: int) -> int:
    """The smallest of 1, 2, 5 times a power of ten that is at least ``highest`` (and 1
    for an empty chart), so the scale reads at a glance."""
    if highest <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= highest:
                return step * factor
        step *= 10


def chart(days: Sequence[tuple[str, int]]) -> Chart:
    """The bars (or points) of ``(label, value)`` per day, oldest first."""
    top = nice_top(max((value for _label, value in days), default=0))
    base = HEIGHT - BOTTOM
    inner = WIDTH - LEFT - 4
    slot = inner / max(len(days), 1)
    gap = min(2.0, slot / 4)
    marks = []
    for index, (label, value) in enumerate(days):
        height = round((base - TOP) * value / top, 1)
        marks.append(
            Mark(
                label=label,
                value=value,
                x=round(LEFT + index * slot + gap / 2, 1),
                y=round(base - height, 1),
                width=round(slot - gap, 1),
                height=height,
            )
        )
    return Chart(tuple(marks), top)
