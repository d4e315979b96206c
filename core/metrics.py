"""In-process counters: failures are logged *and* counted, so an operator can see trends."""

from __future__ import annotations

from collections import Counter


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()

    def inc(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def __getitem__(self, name: str) -> int:
        return self.counters[name]

    def snapshot(self) -> dict[str, int]:
        return dict(self.counters)
