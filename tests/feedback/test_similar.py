"""The per-scope index of ideas stays complete when ideas commit out of id order (several
processes on PostgreSQL) and when a transaction that read an idea rolls back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from townsquare.core.feedback.similar import SimilarIdeas


class Rows:
    """What ``texts_since`` sees: the committed ideas of one scope."""

    def __init__(self) -> None:
        self.ideas: dict[int, str] = {}
        self.reads: list[int] = []

    async def texts_since(self, scope: str, after_id: int) -> list[tuple[int, str]]:
        self.reads.append(after_id)
        return sorted((i, t) for i, t in self.ideas.items() if i > after_id)


def committed(callbacks: list[Callable[[], None]]) -> Callable[[Callable[[], None]], None]:
    return callbacks.append


async def test_an_idea_committed_after_a_higher_id_is_still_found() -> None:
    rows, similar = Rows(), SimilarIdeas()
    store: Any = rows
    after: list[Callable[[], None]] = []
    rows.ideas[11] = "Export invoices as CSV files"  # #10 is still being written elsewhere
    index = await similar.current(store, "s", "en", committed(after))
    for callback in after:
        callback()
    assert index.confirmed == 11
    rows.ideas[10] = "A dark mode for the mobile app"  # committed late
    index = await similar.current(store, "s", "en", committed(after))
    assert [m.id for m in index.search("dark mode for the app please", 3)][:1] == [10]
    assert rows.reads[-1] == 0  # read from behind the confirmed id


async def test_a_rolled_back_read_is_read_again() -> None:
    rows, similar = Rows(), SimilarIdeas()
    store: Any = rows
    rows.ideas[1] = "Calendar sync with Google"
    never: list[Callable[[], None]] = []
    index = await similar.current(store, "s", "en", committed(never))  # rolled back
    assert index.confirmed == 0 and index.seen == 1
    rows.ideas[1] = "Voice messages in threads"  # the id used again by another idea
    index = await similar.current(store, "s", "en", committed(never))
    assert [m.id for m in index.search("voice messages", 3)] == [1]
    assert not index.search("calendar sync google", 3)
