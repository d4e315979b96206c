"""What the privacy tests look for: every row of every table that names a member.

The columns are found from the metadata, not listed by hand, so a table a feature adds
later is scanned too: every text column (user ids, names, keys such as ``person:7``),
every JSON column (read as text: delivery payloads, facts, evidence), and every integer
column that holds person ids (``person``, ``person_id``, ``giver``, ``receiver``,
``merged_into``, and ``id`` of ``people_persons``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncConnection

from townsquare.storage.schema import metadata

PERSON_COLUMNS = {"person", "person_id", "giver", "receiver", "merged_into"}


@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    value: Any


def _needles(user_ids: set[str], names: set[str], persons: set[int]) -> list[str]:
    found = [*user_ids, *names]
    found += [json.dumps(value) for value in [*user_ids, *names]]
    found += [f"person:{person}" for person in persons]
    return found


async def naming(
    connection: AsyncConnection, user_ids: set[str], names: set[str], persons: set[int]
) -> list[Hit]:
    """Every (table, column, value) that names one of the ids, names or persons."""
    hits: list[Hit] = []
    needles = _needles(user_ids, names, persons)
    keys = [f"person:{p}" for p in persons] + [json.dumps(name)[1:-1] for name in names]
    for table in metadata.sorted_tables:
        rows = (await connection.execute(select(table))).all()
        for column in table.columns:
            kind = column.type
            person_column = column.name in PERSON_COLUMNS or (
                table.name == "people_persons" and column.name == "id"
            )
            for row in rows:
                value = row._mapping[column.name]
                if value is None:
                    continue
                if isinstance(kind, JSON):
                    text = json.dumps(value)
                    quoted = [needle for needle in needles if needle.startswith('"')]
                    if any(needle in text for needle in [*quoted, *keys]):
                        hits.append(Hit(table.name, column.name, value))
                elif isinstance(kind, String | Text):
                    text = str(value)
                    if (
                        text in user_ids
                        or text in names
                        or text in {f"person:{p}" for p in persons}
                        or text in {f"p{p}" for p in persons}
                    ) or any(f":{u}" in text or f"{u}:" in text for u in user_ids):
                        hits.append(Hit(table.name, column.name, value))
                elif isinstance(kind, Integer) and person_column and value in persons:
                    hits.append(Hit(table.name, column.name, value))
    return hits
