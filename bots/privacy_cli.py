"""``townsquare privacy export CONFIG --member platform:id [--output FILE]``.

Writes everything stored about one member as JSON: every running feature's part
(:meth:`core.features.Feature.export_person`) and the spine's (the roster, delivery rows
and facts naming them), for the person the account belongs to with every linked
account. It only reads: an account nobody has seen is exported as what it is (nothing),
and no person is created for it. Operator mistakes (a malformed ``--member``, a file
that cannot be written, a database that is not there) get one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from townsquare.bots.config import Config, sqlite_path
from townsquare.core.persons import account_platform
from townsquare.core.privacy import Account, Subject

PLATFORMS = ("telegram", "discord", "slack", "console")


def add_privacy_parser(commands: Any) -> None:
    privacy = commands.add_parser("privacy", help="what is stored about one member")
    actions = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    action = actions.add_parser("export", help="write everything stored about a member as JSON")
    action.add_argument("config")
    action.add_argument(
        "--member", required=True, metavar="PLATFORM:ID", help="e.g. telegram:12345"
    )
    action.add_argument("--output", metavar="FILE", help="default: standard output")


def member_of(text: str, config: Config) -> Account:
    platform, sep, user_id = text.partition(":")
    if not sep or not platform.strip() or not user_id.strip():
        raise ValueError(f"--member {text!r}: expected PLATFORM:ID, e.g. telegram:12345")
    bots = {bot.name: bot.platform for bot in config.bots}
    family = account_platform(bots.get(platform, platform))
    if family not in PLATFORMS:
        known = ", ".join(PLATFORMS)
        raise ValueError(f"--member {text!r}: unknown platform {platform!r} ({known})")
    return Account(family, user_id.strip())


async def subject_for(tx: Any, account: Account) -> Subject:
    """The account's person with every linked account, without creating anything."""
    from townsquare.storage.people import SqlPersonDirectory

    directory = SqlPersonDirectory()
    found = await directory.persons_of(tx, account.platform, [account.user_id], create=False)
    person = found.get(account.user_id)
    if person is None:
        return Subject(accounts=(account,))
    aliases = await directory.aliases(tx, person)
    accounts = {account}
    names: set[str] = set()
    for platform, user_id, name in await directory.accounts(tx, aliases):
        accounts.add(Account(platform, user_id))
        if name:
            names.add(name)
    ordered = tuple(sorted(accounts, key=lambda a: (a.platform, a.user_id)))
    return Subject(accounts=ordered, person_ids=aliases, names=frozenset(names))


async def run_privacy(
    args: argparse.Namespace,
    config: Config,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        account = member_of(args.member, config)
    except ValueError as error:
        print(f"error: {error}", file=err)
        return 2
    url = config.storage.url
    file = sqlite_path(url)
    if file is not None and not os.path.exists(file):  # noqa: ASYNC240
        print(f"error: no database at {file}; nothing is stored about anyone yet", file=err)
        return 2
    from townsquare.bots.runtime import configured_features
    from townsquare.core.forgetme.feature import export
    from townsquare.storage.database import create_engine, describe_connection_error
    from townsquare.storage.migrate import ensure_current
    from townsquare.storage.privacy import SqlPrivacyStore
    from townsquare.storage.store import SqlStore

    features = configured_features(config)
    engine = create_engine(url, connect_args={"timeout": 10})
    try:
        try:
            await ensure_current(engine, auto_upgrade=False, config_path=args.config)
            store = SqlStore(engine)
            async with store.transaction() as tx:
                subject = await subject_for(tx, account)
                found = await export(features, SqlPrivacyStore(tx), subject, tx)
        except Exception as error:
            reason = describe_connection_error(error, url)
            if reason is None:
                raise
            print(f"{args.config}: storage.url: {reason}", file=err)
            return 2
    finally:
        await engine.dispose()
    document = {
        "member": f"{account.platform}:{account.user_id}",
        "accounts": [f"{a.platform}:{a.user_id}" for a in subject.accounts],
        "persons": sorted(subject.person_ids),
        "exported_at": datetime.now(UTC).isoformat(),
        "data": found,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if not args.output or args.output == "-":
        out.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as handle:  # noqa: ASYNC230
            handle.write(text)
    except OSError as error:
        print(f"error: cannot write {args.output}: {error.strerror or error}", file=err)
        return 2
    tables = sum(len(part) for part in found.values())
    print(f"{args.output}: {tables} tables about {len(subject.accounts)} account(s)", file=out)
    return 0
