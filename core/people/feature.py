"""``/link`` and ``/unlink``: one person, several platform accounts.

How it works for a member:

* ``/link`` (anywhere) sends the caller, privately, a fresh one-time code and the list of
  their linked accounts: an ephemeral answer to a Discord or Slack slash command, the
  chat itself in a private chat, else a direct message (with a short public "I sent you
  a code privately" in the group, which never shows the code). Where nothing private is
  possible the bot says so and issues no code. A new code replaces the caller's earlier
  unused one.
* ``/link CODE`` typed by the member's account on another platform joins the two accounts
  into one person and says so privately; the account the code was sent to is told
  privately too ("... if that was not you, /unlink ..."), so a link nobody asked for
  never goes unnoticed. A typed ``/link CODE`` in a group is deleted where the bot may.
* ``/unlink <platform>`` takes that platform's account out of the caller's person: it
  becomes a person of its own, and is told so privately.

The rules (:mod:`core.people.rules`): a code is 8 characters from a look-alike-free
alphabet, drawn from :mod:`secrets`, stored hashed, valid 10 minutes, used once. Only
someone who saw the private message can type it: the code is what proves the typer owns
the account it was sent to, and nothing else does, so it is never shown in public, and
guessing is cut off: 5 wrong codes within 10 minutes lock the typing account out of
``/link CODE`` for 30 minutes, right code or not, and a refused attempt never uses up
the code it named. The account that got a code cannot use it itself. Unknown, used and
expired codes get the same answer, so nobody learns which codes exist.

Two persons with several accounts each join whole, unless they would then hold two
accounts of one platform: that is refused with the platform named (``/unlink`` it
first), and the code stays valid for its 10 minutes. The typer's person is merged into
the code's person; data other features keyed by the merged id stays reachable through
:meth:`core.persons.PersonDirectory.aliases`. An unlinked account starts as a new person:
what was recorded for the person stays with the person.

Every answer goes only to the caller where the platform allows, in the community's
language; names are plain text spans, never markup or mentions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from townsquare.core.actions import DeleteMessage, SendDirect, SendEphemeral
from townsquare.core.capabilities import Capability
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.facts.people import PersonsLinked
from townsquare.core.features import Context, Feature, command
from townsquare.core.i18n import Translator, _, translator
from townsquare.core.people import rules
from townsquare.core.people.store import Account, PeopleStore
from townsquare.core.persons import account_platform
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.refs import Actor
from townsquare.core.text import Text, TextLike, as_text, bold, code, compose, join, lines

LINK = CommandSpec(
    "link",
    _("Link your accounts on several platforms (a one-time code)"),
    params=(
        Param("code", _("the code /link sent you on another platform"), required=False, rest=True),
    ),
)
UNLINK = CommandSpec(
    "unlink",
    _("Undo the link of one of your accounts"),
    params=(Param("platform", _("telegram, discord or slack")),),
)

StoreFactory = Callable[[Any], PeopleStore]


class People(KeepsPersonalData, Feature):
    name = "people"

    def __init__(self, store: StoreFactory) -> None:
        self.store = store

    @command(LINK)
    async def link(self, invocation: Invocation, ctx: Context) -> None:
        actor = ctx.event.actor
        if actor is None or actor.is_bot:
            return
        tr = ctx.tr
        typed = invocation.args.get("code")
        if isinstance(typed, str) and typed.strip():
            await self._use(typed, actor, ctx, tr)
        else:
            await self._issue(actor, ctx, tr)

    @command(UNLINK)
    async def unlink(self, invocation: Invocation, ctx: Context) -> None:
        actor = ctx.event.actor
        if actor is None or actor.is_bot:
            return
        tr = ctx.tr
        store = self.store(ctx.tx)
        me = await self._me(actor, ctx)
        accounts = await store.accounts(me.person_id)
        wanted = account_platform(str(invocation.args["platform"]).strip())
        if len(accounts) < 2:
            _privately(ctx, tr, tr(_("Your account is not linked to any other. /link links one.")))
            return
        target = next((a for a in accounts if a.platform == wanted), None)
        if target is None:
            _privately(
                ctx,
                tr,
                lines(
                    tr(
                        _("None of your linked accounts is on {platform}."),
                        platform=rules.platform_name(wanted[:32]),
                    ),
                    listing(accounts, me, tr),
                ),
            )
            return
        await store.detach(target.platform, target.user_id, ctx.now)
        remaining = [a for a in accounts if a != target]
        if (target.platform, target.user_id) == (me.platform, me.user_id):
            answer = compose(
                tr(_("This {platform} account is no longer linked to your other accounts.")),
                platform=rules.platform_name(me.platform),
            )
        else:
            answer = lines(
                compose(
                    tr(_("Unlinked your {platform} account {name}.")),
                    platform=rules.platform_name(target.platform),
                    name=bold(target.display_name),
                ),
                listing(remaining, me, tr),
            )
            self._tell(
                ctx,
                target,
                tr,
                compose(
                    tr(
                        _(
                            "Your {platform} account is no longer linked to the {other} "
                            "account {name}."
                        )
                    ),
                    platform=rules.platform_name(target.platform),
                    other=rules.platform_name(me.platform),
                    name=bold(me.display_name),
                ),
            )
        _privately(ctx, tr, answer)

    # -- /link: a new code ------------------------------------------------------------------

    async def _issue(self, actor: Actor, ctx: Context, tr: Translator) -> None:
        channel = ctx.event.channel
        direct = channel is not None and channel.is_direct
        ephemeral = ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL)
        if not (direct or ephemeral or ctx.can(Capability.DIRECT_MESSAGES)):
            ctx.respond(
                tr(
                    _(
                        "I cannot send you anything privately on this platform, so I give no "
                        "code here: send /link to me on another platform."
                    )
                )
            )
            return
        store = self.store(ctx.tx)
        me = await self._me(actor, ctx)
        value = rules.new_code()
        await store.issue_code(
            code_hash=rules.code_hash(value),
            platform=me.platform,
            user_id=me.user_id,
            bot=ctx.bot.name,
            locale=tr.language,
            expires_at=ctx.now + rules.CODE_TTL,
            now=ctx.now,
        )
        minutes = int(rules.CODE_TTL.total_seconds() // 60)
        text = lines(
            compose(
                tr(
                    _(
                        "Your one-time code: {code}. On your account on another platform, "
                        "send {command} within {minutes} minutes. Never give it to anyone."
                    )
                ),
                code=code(rules.shown_code(value)),
                command=code(f"/link {rules.shown_code(value)}"),
                minutes=str(minutes),
            ),
            listing(await store.accounts(me.person_id), me, tr),
        )
        if direct or ephemeral:
            _privately(ctx, tr, text)
            return
        ctx.emit(
            SendDirect(
                bot=ctx.bot.name,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=text,
            )
        )
        ctx.reply(
            tr(
                _(
                    "I sent you a one-time code privately. Nothing arrived? Start a private "
                    "chat with me first, then send /link again."
                )
            )
        )

    # -- /link CODE ------------------------------------------------------------------------

    async def _use(self, typed: str, actor: Actor, ctx: Context, tr: Translator) -> None:
        store = self.store(ctx.tx)
        platform = account_platform(ctx.event.platform)
        self._hide_command(ctx)
        attempts = await store.attempts(platform, actor.user_id)
        if rules.locked(attempts, ctx.now):
            assert attempts.locked_until is not None
            _privately(ctx, tr, _locked_out(attempts.locked_until, tr))
            return
        value = rules.normalize(typed)
        if value is None:
            _privately(
                ctx,
                tr,
                tr(
                    _(
                        "That is not a link code: a code has 8 letters and digits, like "
                        "ABCD-2345. Send /link to get one."
                    )
                ),
            )
            return
        found = await store.find_code(rules.code_hash(value))
        if found is None or found.used_at is not None or found.expires_at <= ctx.now:
            attempts = rules.after_failure(attempts, ctx.now)
            await store.set_attempts(platform, actor.user_id, attempts)
            answer: TextLike = tr(
                _("This code is unknown, used or expired. Send /link on your other account.")
            )
            if rules.locked(attempts, ctx.now):
                assert attempts.locked_until is not None
                answer = lines(answer, _locked_out(attempts.locked_until, tr))
            _privately(ctx, tr, answer)
            return
        if (found.platform, found.user_id) == (platform, actor.user_id):
            channel = ctx.event.channel
            if channel is not None and not channel.is_direct and ctx.interaction_id is None:
                await store.void_code(found.id, ctx.now)  # it was shown in a group
            _privately(
                ctx,
                tr,
                tr(
                    _(
                        "This code is for your account on another platform: send it there, "
                        "not from this account."
                    )
                ),
            )
            return
        me = await self._me(actor, ctx)
        issuer = await store.find_account(found.platform, found.user_id)
        if issuer is None:  # the account a code was sent to is never removed; defensive
            return
        theirs = await store.accounts(issuer.person_id)
        mine = await store.accounts(me.person_id)
        decision = rules.plan_link(
            (issuer.platform, issuer.user_id),
            issuer.person_id,
            [a.platform for a in theirs],
            (me.platform, me.user_id),
            me.person_id,
            [a.platform for a in mine],
        )
        if decision.plan is rules.Plan.CONFLICT:
            assert decision.platform is not None
            name = rules.platform_name(decision.platform)
            _privately(
                ctx,
                tr,
                tr(
                    _(
                        "Both sides already have a {platform} account, and a person has one "
                        "account per platform. Send /unlink {key} on one side first; the code "
                        "keeps working until it expires."
                    ),
                    platform=name,
                    key=decision.platform,
                ),
            )
            return
        if not await store.use_code(found.id, ctx.now):
            _privately(
                ctx,
                tr,
                tr(_("This code is unknown, used or expired. Send /link on your other account.")),
            )
            return
        await store.clear_attempts(platform, actor.user_id)
        if decision.plan is rules.Plan.ALREADY:
            _privately(
                ctx, tr, lines(tr(_("These accounts are already linked.")), listing(mine, me, tr))
            )
            return
        await store.merge(issuer.person_id, me.person_id, ctx.now)
        community = ctx.event.community
        ctx.publish(
            PersonsLinked(
                platform=community.platform if community is not None else ctx.event.platform,
                community_id=community.id if community is not None else None,
                at=ctx.now,
                keep=issuer.person_id,
                merged=me.person_id,
            )
        )
        joined = await store.accounts(issuer.person_id)
        _privately(
            ctx,
            tr,
            lines(
                compose(
                    tr(_("Linked: this {platform} account and your {other} account {name}.")),
                    platform=rules.platform_name(me.platform),
                    other=rules.platform_name(issuer.platform),
                    name=bold(issuer.display_name),
                ),
                listing(joined, me, tr),
            ),
        )
        theirs_tr = translator(found.locale)
        self._tell(
            ctx,
            issuer,
            theirs_tr,
            compose(
                theirs_tr(
                    _(
                        "Your {platform} account is now linked with the {other} account "
                        "{name}. If that was not you, send /unlink {key}."
                    )
                ),
                platform=rules.platform_name(issuer.platform),
                other=rules.platform_name(me.platform),
                name=bold(me.display_name),
                key=me.platform,
            ),
        )

    # -- shared steps ------------------------------------------------------------------------

    async def _me(self, actor: Actor, ctx: Context) -> Account:
        return await self.store(ctx.tx).account(
            account_platform(ctx.event.platform),
            actor.user_id,
            actor.display_name,
            ctx.bot.name,
            ctx.now,
        )

    def _tell(self, ctx: Context, account: Account, tr: Translator, text: Text) -> None:
        """A private message to another account of the person, through the bot that last
        saw it (none if that bot is not configured any more)."""
        if account.bot in ctx.bots:
            ctx.emit(
                SendDirect(
                    bot=account.bot,
                    user_id=account.user_id,
                    display_name=account.display_name,
                    text=text,
                )
            )

    def _hide_command(self, ctx: Context) -> None:
        """Delete a typed ``/link CODE`` in a group, so the code does not stay on show."""
        event = ctx.event
        channel = event.channel
        message = getattr(event, "message", None)
        if (
            message is not None
            and channel is not None
            and not channel.is_direct
            and ctx.interaction_id is None
            and ctx.can(Capability.DELETE)
        ):
            ctx.emit(DeleteMessage(bot=ctx.bot.name, message=message))


def listing(accounts: Sequence[Account], me: Account, tr: Translator) -> Text:
    """The caller's linked accounts, one a line (their own marked)."""
    if len(accounts) < 2:
        return as_text(tr(_("No other account is linked to this one yet.")))
    rows: list[TextLike] = [bold(tr(_("Your linked accounts:")))]
    for account in accounts:
        row = compose(
            "{platform}: {name}",
            platform=rules.platform_name(account.platform),
            name=account.display_name or account.user_id,
        )
        if (account.platform, account.user_id) == (me.platform, me.user_id):
            row = join([row, tr(_("(this account)"))], " ")
        rows.append(row)
    return lines(*rows)


def _locked_out(until: datetime, tr: Translator) -> Text:
    return compose(
        tr(_("Too many wrong codes: /link with a code works again for you from {when}.")),
        when=tr.moment(until),
    )


def _privately(ctx: Context, tr: Translator, text: TextLike) -> None:
    """Answer only the caller: the private chat itself, an ephemeral answer to a slash
    command, else a direct message; where the direct message is refused the chat gets a
    note naming nobody. A platform with nothing private gets the answer in the chat."""
    event = ctx.event
    actor, channel = event.actor, event.channel
    if actor is None:
        return
    if channel is not None and channel.is_direct:
        ctx.reply(text)
    elif ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL) and channel:
        ctx.emit(
            SendEphemeral(
                bot=ctx.bot.name,
                channel=channel,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text(text),
                interaction_id=ctx.interaction_id,
            )
        )
    elif ctx.can(Capability.DIRECT_MESSAGES):
        ctx.emit(
            SendDirect(
                bot=ctx.bot.name,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text(text),
                fallback_channel=channel,
                fallback_text=as_text(
                    tr(
                        _(
                            "I could not answer someone here privately. To get my answers, "
                            "open a private chat with me (press Start there), then try again."
                        )
                    )
                ),
            )
        )
    else:
        ctx.respond(text)
