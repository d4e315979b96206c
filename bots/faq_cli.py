"""``townsquare faq import|export CONFIG FILE --community PLATFORM:ID``.

Files are CSV (a header with ``question`` and ``answer`` columns; other columns are
ignored, so an export imports back) or YAML (a list of ``{question, answer}`` mappings, or
``{entries: [...]}``), chosen by extension. ``-`` exports to standard output.

Import checks every row first and reports each bad one with its line (CSV) or its
position and line (YAML); if any row is bad nothing is written. What is wrong with a row
is what ``/faq add`` would refuse, decided by the same service
(:mod:`core.faq.service`): a rule broken, or the question of an earlier row asked again
(the same normalised question in the community's language). A good file is written in
one transaction with one FAQ revision, so a running bot sees all of it or none of it, and
other processes pick it up on their next question (see :mod:`core.faq.index`). A row
asking what an entry already asks updates that entry's answer.
Files of :data:`PROGRESS_MIN` rows or more show a progress bar on standard error.

``--community`` is ``PLATFORM:ID`` (``telegram:-1001234``, ``discord:<guild id>``,
``slack:<team id>``, ``console:town``); a bot name from CONFIG works as the platform too.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, assert_never

from townsquare.bots.config import Config
from townsquare.core.faq.index import Indexes
from townsquare.core.faq.service import FaqEntries, Invalid, Repeated, check_rows
from townsquare.core.faq.store import NewEntry
from townsquare.core.i18n import DEFAULT_LANGUAGE
from townsquare.core.matching.matcher import LexicalMatcher
from townsquare.core.refs import CommunityRef
from townsquare.core.settings import language_of

PROGRESS_MIN = 200
CHUNK = 200
PLATFORMS = ("telegram", "discord", "slack", "console", "memory")


class FaqFileError(ValueError):
    """The file cannot be imported; ``problems`` lists every bad row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Row:
    where: str
    """``line 7`` or ``entry 3``: how the operator finds the row."""
    question: str
    answer: str


def add_faq_parser(commands: Any) -> None:
    """Register ``faq import`` and ``faq export`` on the CLI's subcommands."""
    faq = commands.add_parser("faq", help="import or export a community's FAQ (CSV or YAML)")
    actions = faq.add_subparsers(dest="faq_command", required=True, metavar="ACTION")
    for name, help_text in (
        ("import", "add entries from FILE (all or nothing)"),
        ("export", "write the entries to FILE ('-' for standard output)"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("config")
        action.add_argument("file")
        action.add_argument(
            "--community", required=True, metavar="PLATFORM:ID", help="e.g. telegram:-1001234"
        )
        action.add_argument("--format", choices=("csv", "yaml"), help="default: by extension")


def community_of(text: str, config: Config) -> CommunityRef:
    platform, sep, community_id = text.partition(":")
    if not sep or not platform or not community_id:
        raise ValueError(f"--community {text!r}: expected PLATFORM:ID, e.g. telegram:-1001234")
    bots = {bot.name: bot.platform for bot in config.bots}
    platform = bots.get(platform, platform)
    if platform.startswith("telegram"):
        platform = "telegram"  # both Telegram backends report communities as "telegram"
    if platform not in PLATFORMS:
        known = ", ".join(PLATFORMS[:4])
        raise ValueError(f"--community {text!r}: unknown platform {platform!r} ({known})")
    return CommunityRef(platform, community_id)


def file_format(path: str, given: str | None) -> str:
    if given:
        return given
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ValueError(f"{path}: use a .csv, .yaml or .yml file, or --format csv|yaml")


# -- reading ------------------------------------------------------------------------------


def read_rows(text: str, fmt: str, language: str = DEFAULT_LANGUAGE) -> list[Row]:
    """Parse and check every row; raise :class:`FaqFileError` naming each bad one."""
    rows, problems = _parse_csv(text) if fmt == "csv" else _parse_yaml(text)
    found = check_rows([(row.question, row.answer) for row in rows], language)
    for number, problem in found.items():
        row = rows[number]
        match problem:
            case Invalid():
                problems.append(f"{row.where}: {problem.english()}")
            case Repeated(first):
                problems.append(f"{row.where}: the same question as {rows[first].where}")
            case _:
                assert_never(problem)
    if problems:
        raise FaqFileError(sorted(problems, key=_position))
    if not rows:
        raise FaqFileError(["the file has no entries"])
    return rows


def _position(problem: str) -> int:
    """Problems are listed in file order: ``line 7: ...`` by its number."""
    match = re.match(r"(?:line|entry) (\d+)", problem)
    return int(match.group(1)) if match else 0


def _parse_csv(text: str) -> tuple[list[Row], list[str]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return [], ["the file is empty"]
    except csv.Error as error:
        return [], [f"line 1: {error}"]
    names = [name.strip().lower().lstrip("\ufeff") for name in header]
    if "question" not in names or "answer" not in names:
        return [], ["line 1: the header needs a 'question' and an 'answer' column"]
    q, a = names.index("question"), names.index("answer")
    rows: list[Row] = []
    problems: list[str] = []
    line = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"line {reader.line_num}: {error}")
            break
        where = f"line {line + 1}" if reader.line_num == line + 1 else f"line {reader.line_num}"
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) <= max(q, a):
            problems.append(f"{where}: expected {len(names)} columns, found {len(values)}")
            continue
        rows.append(Row(where, values[q].strip(), values[a].strip()))
    return rows, problems


def _parse_yaml(text: str) -> tuple[list[Row], list[str]]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return [], [f"not valid YAML: {error}"]
    if isinstance(data, dict) and "entries" in data:
        data = data["entries"]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], ["expected a list of entries (question and answer), or 'entries:' with one"]
    lines = _yaml_item_lines(text)
    rows: list[Row] = []
    problems: list[str] = []
    for number, item in enumerate(data, 1):
        where = f"entry {number}"
        if number - 1 < len(lines):
            where += f" (line {lines[number - 1]})"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a mapping with 'question' and 'answer'")
            continue
        missing = [key for key in ("question", "answer") if key not in item]
        if missing:
            problems.append(f"{where}: missing {' and '.join(repr(key) for key in missing)}")
            continue
        question, answer = item["question"], item["answer"]
        if not isinstance(question, str | int | float) or not isinstance(answer, str | int | float):
            problems.append(f"{where}: 'question' and 'answer' must be text")
            continue
        rows.append(Row(where, str(question).strip(), str(answer).strip()))
    return rows, problems


def _yaml_item_lines(text: str) -> list[int]:
    """The line each entry of the list starts on, so an operator finds a bad one."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if isinstance(node, yaml.MappingNode):
        node = next(
            (value for key, value in node.value if getattr(key, "value", None) == "entries"),
            None,
        )
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


# -- progress -----------------------------------------------------------------------------


class Progress:
    """A progress bar on a terminal; on a pipe or a log, a line every 10 %."""

    def __init__(self, total: int, label: str, stream: TextIO, *, enabled: bool) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream
        self.enabled = enabled
        self.done = 0
        self._tty = stream.isatty()
        self._last_decile = -1

    def advance(self, count: int) -> None:
        self.done = min(self.total, self.done + count)
        if not self.enabled:
            return
        share = self.done / self.total
        if self._tty:
            filled = int(share * 30)
            bar = "#" * filled + "-" * (30 - filled)
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r{self.label} [{bar}] {share:4.0%} {self.done}/{self.total}{end}")
        else:
            decile = int(share * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(f"{self.label}: {share:.0%} ({self.done}/{self.total})\n")
        self.stream.flush()


# -- database -----------------------------------------------------------------------------


@asynccontextmanager
async def _database(url: str, config_path: str) -> AsyncIterator[Any]:
    """The store over a migrated database (SQLite is upgraded here, as at start)."""
    from townsquare.storage.database import create_engine, is_sqlite
    from townsquare.storage.migrate import ensure_current
    from townsquare.storage.store import SqlStore

    engine = create_engine(url)
    try:
        await ensure_current(engine, auto_upgrade=is_sqlite(url), config_path=config_path)
        yield SqlStore(engine)
    finally:
        await engine.dispose()


async def community_language(store: Any, community: CommunityRef, default: str) -> str:
    """The community's language (``/lang``, else ``[defaults] locale``): questions are
    compared in it, as ``/faq add`` compares them."""
    async with store.transaction() as tx:
        return language_of(await tx.settings(community), default).language


async def import_rows(
    store: Any,
    community: CommunityRef,
    rows: Sequence[Row],
    *,
    language: str,
    progress: Progress,
) -> tuple[int, int]:
    """Write ``rows`` (checked by :func:`read_rows`) in one transaction through the FAQ's
    service; ``(added, updated)``."""
    from townsquare.storage.faq import SqlFaqStore

    async with store.transaction() as tx:
        entries = FaqEntries(SqlFaqStore(tx), Indexes(LexicalMatcher), language)
        return await entries.put_many(
            community,
            [NewEntry(row.question, row.answer) for row in rows],
            datetime.now(UTC),
            chunk=CHUNK,
            progress=progress.advance,
        )


async def export_entries(url: str, community: CommunityRef, *, config_path: str) -> list[Any]:
    from townsquare.storage.faq import SqlFaqStore

    async with _database(url, config_path) as database, database.transaction() as tx:
        store = SqlFaqStore(tx)
        total = await store.count(community)
        return list(await store.stats(community, offset=0, limit=max(total, 1)))


def render_export(stats: Sequence[Any], fmt: str) -> str:
    records = [
        {
            "id": row.entry.id,
            "question": row.entry.question,
            "answer": row.entry.answer,
            "hits": row.hits,
            "helpful": row.helpful,
            "not_helpful": row.not_helpful,
        }
        for row in stats
    ]
    if fmt == "yaml":
        import yaml

        dumped: str = yaml.safe_dump(records, allow_unicode=True, sort_keys=False)
        return dumped
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["id", "question", "answer", "hits", "helpful", "not_helpful"]
    )
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8-sig")


def _write(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


async def run_faq(
    args: argparse.Namespace,
    config: Config,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    progress: bool | None = None,
) -> int:
    """The ``faq`` subcommand; returns the exit status (0 ok, 1 bad file, 2 usage)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        community = community_of(args.community, config)
        fmt = file_format(args.file, args.format) if args.file != "-" else args.format or "csv"
    except ValueError as error:
        print(f"error: {error}", file=err)
        return 2
    url = config.storage.url
    if args.faq_command == "export":
        stats = await export_entries(url, community, config_path=args.config)
        text = render_export(stats, fmt)
        if args.file == "-":
            out.write(text)
        else:
            _write(args.file, text)
            print(f"{len(stats)} entries written to {args.file}", file=out)
        return 0
    try:
        text = _read(args.file)
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: cannot read {args.file}: {error}", file=err)
        return 2
    async with _database(url, args.config) as store:
        language = await community_language(store, community, config.defaults.locale)
        try:
            rows = read_rows(text, fmt, language)
        except FaqFileError as error:
            shown = error.problems[:50]
            for problem in shown:
                print(f"{args.file}: {problem}", file=err)
            if len(error.problems) > len(shown):
                print(f"... and {len(error.problems) - len(shown)} more", file=err)
            print(f"nothing imported: {len(error.problems)} problem(s)", file=err)
            return 1
        enabled = progress if progress is not None else len(rows) >= PROGRESS_MIN
        bar = Progress(len(rows), "importing", err, enabled=enabled)
        added, updated = await import_rows(store, community, rows, language=language, progress=bar)
    unchanged = len(rows) - added - updated
    print(
        f"{added} added, {updated} updated, {unchanged} unchanged "
        f"({community.platform}:{community.id})",
        file=out,
    )
    return 0
