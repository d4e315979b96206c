"""The draw: who wins, as a pure function anyone can recompute with the standard library.

A giveaway gets a secret seed when it is created; its post shows the seed's SHA-256 (the
commitment), so the seed cannot be chosen after the entries are in. At the deadline the
winners are picked from the sorted entrant keys with HMAC-SHA256(seed, "round:index"),
and the result post reveals the seed. Anyone with the seed and the entry list can check
that the posted hash is the seed's and that the recipe gives the same winners (the
README's "Giveaways" section has the recipe as a few lines of Python)::

    pool = sorted(set(entrants) - set(excluded))
    for index in range(min(count, len(pool))):
        digest = hmac.new(seed.encode(), f"{round}:{index}".encode(), "sha256").digest()
        winners.append(pool.pop(int.from_bytes(digest, "big") % len(pool)))

A reroll is round 2, 3, ...: the same recipe over the entrants less every earlier
winner. Taking a 256-bit number modulo the pool size is uniform to within
``len(pool) / 2**256``, nothing a giveaway can notice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

SEED_BYTES = 32


def new_seed() -> str:
    """A fresh secret seed: 64 hexadecimal characters."""
    return secrets.token_hex(SEED_BYTES)


def commitment(seed: str) -> str:
    """What the post shows before the draw: the SHA-256 of the seed's text, in hex."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def pick(seed: str, round_number: int, index: int, size: int) -> int:
    """The position in a pool of ``size`` that pick ``index`` of round ``round_number``
    takes."""
    message = f"{round_number}:{index}".encode("ascii")
    digest = hmac.new(seed.encode("ascii"), message, hashlib.sha256).digest()
    return int.from_bytes(digest, "big") % size


def draw(
    seed: str,
    entrants: Iterable[str],
    count: int,
    round_number: int = 1,
    excluded: Collection[str] = (),
) -> tuple[str, ...]:
    """The winners of round ``round_number``: ``count`` entrant keys (fewer if fewer
    entered), none of ``excluded`` (the earlier rounds' winners), in the order drawn."""
    pool = sorted(set(entrants) - set(excluded))
    winners: list[str] = []
    for index in range(min(count, len(pool))):
        winners.append(pool.pop(pick(seed, round_number, index, len(pool))))
    return tuple(winners)


@dataclass(frozen=True, slots=True)
class Round:
    """One draw of a giveaway: the first at the deadline (or ``/giveaway end``), then one
    per ``/giveaway reroll``."""

    number: int
    count: int
    """How many winners were asked for."""
    winners: tuple[str, ...]
    """Entrant keys, in the order drawn."""


def next_round(seed: str, entrants: Iterable[str], rounds: Sequence[Round], count: int) -> Round:
    """The round after ``rounds``: ``count`` winners among those who have not won yet."""
    earlier = {key for drawn in rounds for key in drawn.winners}
    number = max((drawn.number for drawn in rounds), default=0) + 1
    return Round(number, count, draw(seed, entrants, count, number, earlier))


def verify(seed: str, entrants: Collection[str], rounds: Sequence[Round]) -> list[int]:
    """The numbers of the rounds whose stored winners the recipe does not give (an empty
    list: every round checks out)."""
    wrong: list[int] = []
    earlier: set[str] = set()
    for drawn in sorted(rounds, key=lambda r: r.number):
        if draw(seed, entrants, drawn.count, drawn.number, earlier) != drawn.winners:
            wrong.append(drawn.number)
        earlier.update(drawn.winners)
    return wrong
