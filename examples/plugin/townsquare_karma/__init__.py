"""Karma for townsquare: an example feature package (see the README next to it)."""

from __future__ import annotations

from townsquare_karma.facts import KarmaGiven
from townsquare_karma.feature import Karma

__all__ = ["Karma", "KarmaGiven"]
