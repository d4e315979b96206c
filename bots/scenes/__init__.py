"""Scenes of ``townsquare demo``: one module per feature, played in the order of
:data:`bots.demo.SCRIPT`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    who: str
    kind: str  # join | leave | say | reply | press | react | note | wait (seconds)
    text: str = ""
