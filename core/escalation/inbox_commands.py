"""``/managers``: where a community's cases go. ``/managers here`` makes this chat the
inbox; on Telegram, where the group is the community, ``/managers link`` gives a one-time
code and ``/managers here CODE`` in another chat, on any platform, makes that chat it."""

from __future__ import annotations

import secrets

from townsquare.core.actions import SendMessage
from townsquare.core.capabilities import Capability
from townsquare.core.commands import Invocation
from townsquare.core.escalation.common import Services, audit, community_translator, privately
from townsquare.core.escalation.store import LinkCode
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _
from townsquare.core.inbox import managers_inbox, set_managers_inbox
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.text import bold, code, compose

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


async def here_command(services: Services, invocation: Invocation, ctx: Context) -> None:
    """``/managers here [CODE]``."""
    value = invocation.args.get("code")
    if isinstance(value, str) and value:
        await _here_with_code(services, ctx, ctx.tr, value.strip().upper())
    else:
        await _here(services, ctx, ctx.tr)


async def show(ctx: Context, tr: Translator) -> None:
    """``/managers``: where the cases go."""
    inbox = await managers_inbox(ctx) if ctx.event.community is not None else None
    if inbox is None:
        ctx.respond(
            tr(
                _(
                    "No managers' inbox yet: managers get cases privately. Send "
                    "/managers here in the chat that should receive them."
                )
            )
        )
        return
    platform = ctx.bots[inbox.bot].platform
    ctx.respond(
        tr(
            _("The managers' inbox is chat {channel} of bot {bot} ({platform})."),
            channel=inbox.channel.id,
            bot=inbox.bot,
            platform=platform,
        )
    )


async def _here(services: Services, ctx: Context, tr: Translator) -> None:
    event = ctx.event
    community, channel = event.community, event.channel
    if community is None or channel is None or channel.is_direct:
        ctx.respond(
            tr(
                _(
                    "Send /managers link in the community first, then "
                    "/managers here CODE in this chat."
                )
            )
        )
        return
    await set_managers_inbox(ctx, community, ctx.bot.name, channel)
    store = services.store(ctx.tx)
    if event.actor is not None:
        await audit(store, ctx, None, event.actor, "inbox", community=community, note=channel.id)
    ctx.respond(
        tr(
            _("This chat is now the managers' inbox of {community}."),
            community=community.title or community.id,
        )
    )


async def link(services: Services, ctx: Context, tr: Translator) -> None:
    event = ctx.event
    community, channel, actor = event.community, event.channel, event.actor
    if community is None or channel is None or actor is None or channel.is_direct:
        ctx.respond(tr(_("Send /managers link in the community's chat.")))
        return
    policy = await services.policy_of(ctx, community)
    value = "".join(secrets.choice(CODE_ALPHABET) for _index in range(8))
    await services.store(ctx.tx).create_link_code(
        LinkCode(
            code=value,
            platform=community.platform,
            bot=ctx.bot.name,
            community_id=community.id,
            community_title=community.title,
            channel_id=channel.id,
            thread_id=channel.thread_id,
            created_by=actor.user_id,
            expires_at=ctx.now + policy.link_code_ttl,
        ),
        ctx.now,
    )
    minutes = max(1, int(policy.link_code_ttl.total_seconds() // 60))
    privately(
        ctx,
        tr,
        compose(
            tr(
                _(
                    "Send {command} in the chat (on any platform) that should receive "
                    "the reports of {community}. The code works once, for {minutes} min."
                )
            ),
            command=code(f"/managers here {value}"),
            community=community.title or community.id,
            minutes=str(minutes),
        ),
        note_refusal=False,  # the reply below already says what to do
    )
    if not (ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL)):
        ctx.reply(
            tr(
                _(
                    "I sent you a one-time code privately. Nothing arrived? Start a "
                    "private chat with me first, then send /managers link again."
                )
            )
        )


async def _here_with_code(services: Services, ctx: Context, tr: Translator, value: str) -> None:
    event = ctx.event
    channel, actor = event.channel, event.actor
    if channel is None or actor is None:
        return
    store = services.store(ctx.tx)
    found = await store.take_link_code(value, ctx.now)
    if found is None:
        ctx.respond(
            tr(
                _(
                    "This code is unknown, used or expired. Send /managers link in the "
                    "community again."
                )
            )
        )
        return
    origin = CommunityRef(found.platform, found.community_id, title=found.community_title)
    await set_managers_inbox(ctx, origin, ctx.bot.name, channel)
    await audit(
        store, ctx, None, actor, "inbox", community=origin, note=f"{ctx.bot.name}:{channel.id}"
    )
    name = found.community_title or found.community_id
    ctx.respond(tr(_("This chat is now the managers' inbox of {community}."), community=name))
    if found.bot not in ctx.bots:
        return
    origin_tr = await community_translator(ctx, origin)
    ctx.emit(
        SendMessage(
            bot=found.bot,
            channel=ChannelRef(found.channel_id, thread_id=found.thread_id),
            text=compose(
                origin_tr(
                    _(
                        "{manager} linked a managers' inbox for this community "
                        "({platform}); reports now go there."
                    )
                ),
                manager=bold(actor.display_name),
                platform=ctx.bot.platform,
            ),
        )
    )
