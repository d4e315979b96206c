"""The core's answers to interactions, delivered from any process (see
:mod:`adapters.discord.interactions` for how the token carries them).

A private answer never becomes public: once the token carries nothing (15 minutes, or the
interaction was never acknowledged) ``SendEphemeral`` goes to the member by direct
message, and if they do not accept those it fails with
:class:`~core.errors.PermanentDeliveryError`. A toast that comes too late is dropped with
a log line (the press was acknowledged when it arrived); a form that can no longer open
(the press was acknowledged, or is older than 3 seconds) becomes its ``fallback_text``,
the typed command, as an ephemeral follow-up.
"""

from __future__ import annotations

import logging

import aiohttp
import discord

from townsquare.adapters.discord import outbound
from townsquare.adapters.discord.errors import delivery_error
from townsquare.adapters.discord.interactions import InteractionRef, Kind, Responder
from townsquare.adapters.discord.rest import Rest
from townsquare.core.actions import AnswerButton, AskText, SendEphemeral
from townsquare.core.errors import DirectMessageRefused, PermanentDeliveryError
from townsquare.core.ports import Delivered

log = logging.getLogger(__name__)


class Answers:
    """Private answers, toasts and forms of one bot."""

    def __init__(self, bot: str, responder: Responder, rest: Rest) -> None:
        self.bot = bot
        self.responder = responder
        self.rest = rest

    async def ephemeral(self, action: SendEphemeral) -> Delivered:
        """Privately through the interaction; once its token carries nothing, by direct
        message; never in the channel (see the module docstring)."""
        what = f"ephemeral answer to {action.user_id}"
        ref = InteractionRef.decode(action.interaction_id)
        if ref is not None:
            mentions = outbound.allowed_mentions(action.text)
            try:
                if await self.responder.private(ref, outbound.render(action.text), mentions):
                    return Delivered()
            except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
                raise delivery_error(error, what) from error
        log.info(
            "bot %s: the interaction of a private answer to %s is expired or unknown; sending "
            "it by direct message",
            self.bot,
            action.user_id,
        )
        try:
            if action.channel.is_direct:
                return await self.rest.post(action.channel, action.text)
            dm = await self.rest.direct_channel(action.user_id)
            return await self.rest.post(dm, action.text)
        except DirectMessageRefused as error:
            raise PermanentDeliveryError(
                f"bot {self.bot}: a private answer to member {action.user_id} cannot be "
                "delivered: its interaction expired (15 minutes) and the member does not "
                f"accept direct messages ({error})"
            ) from error

    async def button(self, action: AnswerButton) -> Delivered:
        """A toast: an ephemeral follow-up to the (already acknowledged) press, or the
        ephemeral first response of one that may open a form."""
        ref = InteractionRef.decode(action.interaction_id)
        if ref is None:
            log.info("bot %s: button answer for an unknown interaction; dropped", self.bot)
            return Delivered()
        if not action.toast.strip():
            if ref.kind is Kind.FORM_PRESS:
                await self.responder.acknowledge(ref)
            return Delivered()
        await self.toast(ref, action.toast, f"button answer {ref.id}")
        return Delivered()

    async def toast(self, ref: InteractionRef, text: str, what: str) -> None:
        """``text`` privately to whoever pressed; an expired interaction is logged (the
        press was acknowledged when it arrived), not retried."""
        try:
            sent = await self.responder.private(ref, [outbound.toast(text)], {"parse": []})
        except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
            raise delivery_error(error, what) from error
        if not sent:
            log.info("bot %s: interaction %s expired before %s", self.bot, ref.id, what)

    async def form(self, action: AskText) -> Delivered:
        """Open the form as the press's first response; once the press was acknowledged
        (the core answered after :data:`ANSWER_WINDOW`, the button was not marked
        ``asks_text``, 3 seconds passed) a modal is impossible, so the member gets the
        form's ``fallback_text`` as an ephemeral follow-up."""
        ref = InteractionRef.decode(action.interaction_id)
        if ref is None:
            log.info("bot %s: form for an unknown interaction not opened", self.bot)
            return Delivered()
        modal = outbound.form_modal(action).to_dict()
        if await self.responder.form(ref, modal):
            return Delivered()
        log.info(
            "bot %s: interaction %s was acknowledged before its form; hint sent instead",
            self.bot,
            ref.id,
        )
        await self.toast(ref, action.fallback_text, f"form hint {ref.id}")
        return Delivered()
