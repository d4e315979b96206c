"""Button rows laid out for one platform's limits: one pure function, every platform.

Features say what they mean with :data:`~core.actions.ButtonRows`: each row is a *group*
in reading order (a poll's options, then its Retract button). They do not know which
platform shows the message: the managers' inbox may be a Slack channel for a Telegram
group, and a row may wait in the outbox while the deployment changes. So the adapter that
renders a message passes the rows, with the :class:`ButtonLimits` it declares for its
platform, to :func:`layout` just before building the native payload. The core holds the
rules and no platform's numbers; each adapter holds its numbers and no rules.

:func:`layout` keeps the reading order of every button, and the last group stays last:

1. a group is broken into as few balanced rows as fit the platform's buttons per row and
   its comfortable row width (rows of equal-looking buttons: ``size * longest label``;
   a label alone on its row always fits);
2. if that makes more rows than a message may carry (Discord's 5), the last group keeps
   its own rows and the buttons before it are spread evenly over the rows left (ten poll
   options become rows of 3, 3, 2, 2 above Retract); failing that, every button is spread
   over all the rows;
3. labels longer than the platform takes are cut with ``…``.

A set of buttons no layout can fit (more buttons than a message holds, a payload longer
than the platform takes) raises :class:`LayoutError`, a permanent delivery error:
retrying cannot make it fit, so the worker gives up at once and tells whoever caused it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from townsquare.core.actions import Button, ButtonRows
from townsquare.core.errors import PermanentDeliveryError


class LayoutError(PermanentDeliveryError, ValueError):
    """The buttons cannot be shown on this platform however they are arranged."""


@dataclass(frozen=True, slots=True)
class ButtonLimits:
    """What one message of a platform can carry, as the platform publishes it, plus how
    wide a row may comfortably be (``row_width``: characters of labels, a phone screen)."""

    rows: int
    """Rows of buttons a message may carry (Discord action rows, Slack actions blocks)."""
    per_row: int
    """Buttons one row may carry."""
    buttons: int
    """Buttons one message may carry in all."""
    data_bytes: int
    """Bytes of a button's payload (UTF-8)."""
    label: int
    """Characters of a label."""
    row_width: int
    """Soft limit: a row of ``n`` buttons is comfortable while ``n * longest label`` stays
    within it (a label alone on its row always is)."""

    def __post_init__(self) -> None:
        for name in ("rows", "per_row", "buttons", "data_bytes", "label", "row_width"):
            if getattr(self, name) < 1:
                raise ValueError(f"ButtonLimits.{name} must be at least 1")

    @property
    def capacity(self) -> int:
        """The most buttons one message can show."""
        return min(self.buttons, self.rows * self.per_row)


def layout(rows: ButtonRows, limits: ButtonLimits) -> ButtonRows:
    """``rows`` (groups in reading order) as rows the platform accepts; see the module
    docstring. Raises :class:`LayoutError` when no arrangement fits."""
    groups = [tuple(_clip(button, limits) for button in row) for row in rows if row]
    everything = [button for group in groups for button in group]
    if len(everything) > limits.capacity:
        raise LayoutError(
            f"{len(everything)} buttons do not fit one message here (at most {limits.capacity})"
        )
    for button in everything:
        size = len(button.data.encode())
        if not 1 <= size <= limits.data_bytes:
            raise LayoutError(
                f"button {button.label!r}: data must be 1-{limits.data_bytes} bytes, got {size}"
            )
    wrapped = [list(_wrap(group, limits)) for group in groups]
    if sum(len(lines) for lines in wrapped) <= limits.rows:
        return tuple(line for lines in wrapped for line in lines)
    last = wrapped[-1]
    before = [button for group in groups[:-1] for button in group]
    room = limits.rows - len(last)
    if before and room >= 1 and len(before) <= room * limits.per_row:
        return (*_spread(before, min(room, len(before))), *last)
    return _spread(everything, min(limits.rows, len(everything)))


def _clip(button: Button, limits: ButtonLimits) -> Button:
    if len(button.label) <= limits.label:
        return button
    return replace(button, label=button.label[: limits.label - 1] + "…")


def _wrap(group: Sequence[Button], limits: ButtonLimits) -> ButtonRows:
    """The fewest balanced rows of ``group`` within ``per_row`` and ``row_width``."""
    longest = max(len(button.label) for button in group)
    for count in range(1, len(group) + 1):
        size = -(-len(group) // count)
        if size <= limits.per_row and (size == 1 or size * longest <= limits.row_width):
            return _spread(group, count)
    raise AssertionError("one button a row always fits")  # pragma: no cover


def _spread(buttons: Sequence[Button], count: int) -> ButtonRows:
    """``buttons`` in order over ``count`` rows whose sizes differ by at most one, the
    longer rows first (10 over 4: 3, 3, 2, 2)."""
    size, extra = divmod(len(buttons), count)
    result: list[tuple[Button, ...]] = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        result.append(tuple(buttons[start:end]))
        start = end
    return tuple(result)
