"""The ``interaction_id`` of Slack events: what a private answer needs, in the outbox row.

A slash command, a press or a shortcut can be answered privately through its
``response_url`` (it works where the bot is not a member; Slack accepts five posts to it
within 30 minutes), and a form needs the press's ``trigger_id`` for ``views.open``. Kept
in one process's memory, these would be lost to every other process that claims the
outbox row (several ``townsquare run`` on one PostgreSQL) and to the next start after a
crash. So the adapter writes them into the event's ``interaction_id``, an opaque string
that features copy into the actions they emit, and any process decodes it again.

The encoding is compact JSON: ``t`` the ``trigger_id``, ``r`` the ``response_url``, ``at``
when Slack sent it (Unix seconds, so a delivering process can tell an expired URL without
trying it). An id that is not such JSON is a bare ``trigger_id`` (a form submission, which
has no ``response_url``, or a row written before this encoding existed).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

RESPONSE_URL_SECONDS = 30 * 60
"""How long Slack honours a ``response_url``."""


@dataclass(frozen=True, slots=True)
class Interaction:
    trigger_id: str
    response_url: str | None = None
    issued_at: float | None = None

    def response_url_valid(self, now: float | None = None) -> bool:
        """True while the ``response_url`` may still be used (unknown age: try it)."""
        if not self.response_url:
            return False
        if self.issued_at is None:
            return True
        return (time.time() if now is None else now) - self.issued_at < RESPONSE_URL_SECONDS


def encode(trigger_id: str, response_url: str | None, issued_at: float) -> str:
    """The ``interaction_id`` of an interaction Slack sent at ``issued_at``."""
    if not response_url:
        return trigger_id
    return json.dumps(
        {"t": trigger_id, "r": response_url, "at": int(issued_at)}, separators=(",", ":")
    )


def decode(interaction_id: str | None) -> Interaction:
    """What :func:`encode` wrote; a bare trigger id for anything else (never raises)."""
    text = interaction_id or ""
    if text.startswith("{"):
        try:
            fields = json.loads(text)
        except ValueError:
            fields = None
        if isinstance(fields, dict) and isinstance(fields.get("t"), str):
            url = fields.get("r")
            at = fields.get("at")
            return Interaction(
                trigger_id=fields["t"],
                response_url=url if isinstance(url, str) and url else None,
                issued_at=float(at) if isinstance(at, int | float) else None,
            )
    return Interaction(trigger_id=text)
