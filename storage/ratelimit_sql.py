"""The statements behind :class:`storage.ratelimit.SqlSlots` (PostgreSQL only).

``rate_slots`` has one row per limit key: its theoretical next time (``next_at``), when
its latest message goes (``last_at``), how many slots it handed out (``seq``) and, for
each of its last ``count`` slots, the slot's time (``recent[seq % count]``).
``rate_answers`` has, per key and place in that window, when the platform answered the
message of that slot (``seq``): kept apart so that recording an answer never waits for
the lock of a bot's row, which every reservation of the bot takes.

Times are seconds since the epoch on the database's clock.
"""

from __future__ import annotations

from sqlalchemy import text

NOW = "extract(epoch FROM clock_timestamp())::float8"


def _place(row: str, prefix: str) -> str:
    """The place, in the key's window, of its next slot and of the slot ``count`` back."""
    return f"({row}.seq % CAST(:{prefix}_count AS bigint))"


def _slot_back(row: str, prefix: str) -> str:
    """The slot ``count`` slots before the key's next one (NULL: none yet)."""
    return f"{row}.recent[{_place(row, prefix)} + 1]"


def _answer_back(row: str, prefix: str) -> str:
    """When the message of that slot was answered (NULL: not yet)."""
    return f"""(SELECT a.answered_at FROM rate_answers AS a
        WHERE a.key = {row}.key AND a.place = {_place(row, prefix)}
          AND a.seq = {row}.seq - CAST(:{prefix}_count AS bigint))"""


def _window(row: str, prefix: str) -> str:
    """When the key's window lets its next message go: ``window`` after the message
    ``count`` slots back was answered, or counted as arrived (``:lost`` after its slot);
    0 for no constraint. Meaningless while that message is pending (:func:`_pending`)."""
    back, answer = _slot_back(row, prefix), _answer_back(row, prefix)
    window = f"CAST(:{prefix}_window AS float8)"
    return f"""CASE WHEN {window} <= 0 OR {back} IS NULL THEN 0
        ELSE coalesce({answer}, {back} + CAST(:lost AS float8)) + {window} END"""


def _pending(row: str, prefix: str) -> str:
    """Whether the message ``count`` slots back is neither answered nor lost yet."""
    back, answer = _slot_back(row, prefix), _answer_back(row, prefix)
    return f"""coalesce(
        CAST(:{prefix}_window AS float8) > 0 AND {back} + CAST(:lost AS float8) > {NOW}
        AND {answer} IS NULL,
        false
    )"""


def _paced(row: str, prefix: str) -> str:
    return f"greatest({row}.next_at - CAST(:{prefix}_tolerance AS float8), {NOW})"


_BOT_AT = f"""greatest({_paced("b", "bot")}, {_window("b", "bot")},
    b.last_at + CAST(:bot_spacing AS float8))"""
"""When the bot's next message may go: its pace, its window, and a little after its
latest one."""

_CHAT_FREE = "coalesce((SELECT free_at FROM chat), 0)"

RESERVE = text(
    f"""
WITH chat AS (
    SELECT greatest(c.next_at - CAST(:chat_tolerance AS float8), {_window("c", "chat")})
               AS free_at,
           {_pending("c", "chat")} AS pending,
           {_slot_back("c", "chat")} + CAST(:lost AS float8) AS expires
    FROM rate_slots AS c WHERE c.key = :chat
),
bot AS (
    UPDATE rate_slots AS b
    SET (next_at, last_at, seq, recent[{_place("b", "bot")} + 1]) = (
        SELECT greatest(b.next_at, s.paced) + CAST(:bot_interval AS float8), s.send_at,
               b.seq + 1, s.send_at
        FROM (
            SELECT t.paced, greatest(t.paced, {_window("b", "bot")},
                                     b.last_at + CAST(:bot_spacing AS float8),
                                     {_CHAT_FREE}) AS send_at
            FROM (SELECT {_paced("b", "bot")} AS paced) AS t
        ) AS s
    )
    WHERE b.key = :bot
      AND NOT {_pending("b", "bot")}
      AND NOT coalesce((SELECT pending FROM chat), false)
      AND {_CHAT_FREE} <= {_BOT_AT} + CAST(:bot_defer AS float8)
    RETURNING b.last_at AS send_at, b.seq - 1 AS seq, {NOW} AS now
),
chat_slot AS (
    INSERT INTO rate_slots AS c (key, next_at, last_at, seq, recent)
    SELECT :chat, send_at + CAST(:chat_interval AS float8), send_at, 1, ARRAY[send_at]
    FROM bot WHERE :chat <> ''
    ON CONFLICT (key) DO UPDATE
    SET (next_at, last_at, seq, recent[{_place("c", "chat")} + 1]) = (
        greatest(c.next_at, excluded.last_at) + CAST(:chat_interval AS float8),
        excluded.last_at,
        c.seq + 1,
        excluded.last_at
    )
    RETURNING c.seq - 1 AS seq
)
SELECT (SELECT send_at FROM bot) AS send_at, (SELECT seq FROM bot) AS bot_seq,
       (SELECT seq FROM chat_slot) AS chat_seq,
       coalesce((SELECT now FROM bot), {NOW}) AS now,
       (SELECT {_pending("b", "bot")} FROM rate_slots AS b WHERE b.key = :bot) AS bot_pending,
       (SELECT {_BOT_AT} FROM rate_slots AS b WHERE b.key = :bot) AS bot_free,
       coalesce((SELECT pending FROM chat), false) AS chat_pending,
       (SELECT free_at FROM chat) AS chat_free, (SELECT expires FROM chat) AS chat_expires
"""
)
"""A slot for one message (:meth:`core.ratelimit.SlotBook.reserve`), in one statement.
The bot's slot is computed where its row is updated, after its lock was granted: a
process that waited for another's update gets a slot counted from when its own was
written, not from before the wait; the database's clock is read there too. The last
columns say why nothing was reserved, read from before that wait (the bot's row may have
moved on since: its window may be full now though it was not then)."""

ANSWERED = text(
    """
INSERT INTO rate_answers (key, place, seq, answered_at)
SELECT * FROM unnest(
    CAST(:keys AS varchar[]), CAST(:places AS integer[]), CAST(:seqs AS bigint[]),
    CAST(:answered AS float8[])
)
ON CONFLICT (key, place) DO UPDATE
SET seq = excluded.seq, answered_at = excluded.answered_at
WHERE rate_answers.seq <= excluded.seq
"""
)
"""The answers to several messages, one row per key and place of their slots."""

ENSURE = text("INSERT INTO rate_slots (key, next_at) VALUES (:key, 0) ON CONFLICT (key) DO NOTHING")

PAUSE = text(
    f"""
INSERT INTO rate_slots (key, next_at)
VALUES (:key, {NOW} + CAST(:hold AS float8))
ON CONFLICT (key) DO UPDATE SET next_at = greatest(rate_slots.next_at, excluded.next_at)
"""
)

PRUNE_SLOTS = text(f"DELETE FROM rate_slots WHERE next_at < {NOW} - CAST(:idle AS float8)")
PRUNE_ANSWERS = text(f"DELETE FROM rate_answers WHERE answered_at < {NOW} - CAST(:idle AS float8)")
