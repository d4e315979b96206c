"""Interactions as they arrive: mapped, stored, then acknowledged.

Discord gives 3 seconds to acknowledge an interaction. The adapter hands the event to the
sink first and defers (an ephemeral "thinking" placeholder for a command, a silent update
for a press) once the sink returned. If storing takes longer than :data:`ACK_DEADLINE`
after the interaction's creation it defers anyway, so the answers that follow still
have a token to use; if storing then fails, the member is told to try again. If storing
fails in time, that notice is the first response instead of a deferral.

Forms are the exception: a modal must be an interaction's *first* response, which a
deferral rules out, so a press on a button marked ``asks_text`` (its ``custom_id``
starts with :data:`~adapters.discord.outbound.ASKS_TEXT_MARK`) is not deferred: it is
deferred only if no first answer came within the adapter's ``answer_window`` (the
modal, or a toast, may come from any process). A submitted modal is deferred like a
press. Buttons carry the core's ``Button.data`` as ``custom_id`` and are handled without
discord.py views, so they work after a restart.

A command's placeholder nobody answered is removed after ``placeholder_timeout``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp
import discord

from townsquare.adapters.discord import inbound, outbound, slash
from townsquare.adapters.discord.gateway import CURRENT, Intake
from townsquare.adapters.discord.interactions import InteractionRef, Kind, Responder
from townsquare.core.events import Event
from townsquare.core.waiting import wait_event

log = logging.getLogger(__name__)

ACK_DEADLINE = 2.5
"""Seconds after an interaction's creation by which it is acknowledged, stored or not
yet (Discord allows 3; the deferral itself takes a round trip)."""
RESTARTING_NOTICE = "The bot is restarting; please try again in a minute."
NOT_STORED_NOTICE = "Sorry, that did not go through; please try again."
STALE_COMMAND_NOTICE = "This menu entry is no longer available."


class Host(Protocol):
    """What receipt needs from the adapter (tests tune the two windows on it)."""

    bot: str
    commands: slash.SlashCommands
    intake: Intake
    responder: Responder
    answer_window: float
    placeholder_timeout: float

    def guild(self, guild_id: int | None) -> discord.Guild | None: ...

    def spawn(self, coroutine: Awaitable[Any]) -> None: ...


class Receipt:
    def __init__(self, host: Host) -> None:
        self.host = host

    def _interaction_event(
        self, interaction: discord.Interaction
    ) -> tuple[Event | None, Kind] | None:
        """The event of an interaction and how to acknowledge it; (None, kind) for one
        of an older version of the bot (answered with a notice), None for kinds the bot
        never asks for (select menus, autocomplete)."""
        guild = self.host.guild(interaction.guild_id)
        ref = InteractionRef(interaction.id, Kind.PRESS, interaction.token)
        match interaction.type:
            case discord.InteractionType.component:
                data: Mapping[str, Any] = interaction.data or {}
                form = outbound.pressed_data(str(data.get("custom_id", "")))[1]
                kind = Kind.FORM_PRESS if form else Kind.PRESS
                ref = InteractionRef(interaction.id, kind, interaction.token)
                event = inbound.button_pressed(interaction, bot=self.host.bot, guild=guild, ref=ref)
                return None if event is None else (event, kind)
            case discord.InteractionType.modal_submit:
                kind = Kind.PRESS if interaction.message is not None else Kind.COMMAND
                ref = InteractionRef(interaction.id, kind, interaction.token)
                event = inbound.form_submitted(interaction, bot=self.host.bot, guild=guild, ref=ref)
                return event, kind
            case discord.InteractionType.application_command:
                ref = InteractionRef(interaction.id, Kind.COMMAND, interaction.token)
                data = interaction.data or {}
                command_type = data.get("type", slash.CHAT_INPUT)
                if command_type == slash.CHAT_INPUT:
                    name, argv = self.host.commands.invocation(data)
                    return inbound.command_issued(
                        interaction, name, argv, bot=self.host.bot, guild=guild, ref=ref
                    ), Kind.COMMAND
                menu = slash.MESSAGE_MENUS.get(str(data.get("name")))
                if command_type == slash.MESSAGE_MENU and menu is not None:
                    return inbound.report_from_menu(
                        interaction, menu, bot=self.host.bot, guild=guild, ref=ref
                    ), Kind.COMMAND
                return None, Kind.COMMAND
            case _:
                return None

    async def handle(self, interaction: discord.Interaction) -> None:
        """Store the interaction, then acknowledge it (see the module docstring)."""
        mapped: tuple[Event | None, Kind | None] | None
        try:
            mapped = self._interaction_event(interaction)
        except Exception as error:
            current = CURRENT.get()  # the whole dispatch, when it is the one being handled
            raw = current[1] if current is not None else interaction.data
            mapped = self.host.intake.rejected("INTERACTION_CREATE", raw, error), None
        if mapped is None:
            return
        event, kind = mapped
        ref = InteractionRef(interaction.id, kind or Kind.PRESS, interaction.token)
        if not self.host.intake.accepting:
            await self.host.responder.refuse(ref, RESTARTING_NOTICE)
            return
        if event is None:  # an entry or modal registered by an older version of the bot
            await self.host.responder.refuse(ref, STALE_COMMAND_NOTICE)
            return
        if kind is None:  # rejected: stored for the operator, the member hears nothing
            await self.host.intake.emit(event)
            return
        self.host.responder.pending.add(ref)
        if kind is Kind.FORM_PRESS:
            age = (datetime.now(UTC) - interaction.created_at).total_seconds()
            window = min(self.host.answer_window, max(0.0, ACK_DEADLINE - age))
            self.host.spawn(self._answer_window(ref, window))
        stored = asyncio.ensure_future(self.host.intake.submit(event))
        deadline = ACK_DEADLINE - (datetime.now(UTC) - interaction.created_at).total_seconds()
        done, _ = await asyncio.wait({stored}, timeout=max(0.0, deadline))
        acknowledge = kind is not Kind.FORM_PRESS and (not done or stored.exception() is None)
        if acknowledge and await self.host.responder.acknowledge(ref) and kind is Kind.COMMAND:
            self.host.spawn(self._expire_placeholder(ref))
        try:
            await stored
        except Exception as error:
            log.error(
                "bot %s: %s %s was not stored: %s", self.host.bot, event.kind, event.event_id, error
            )
            await self._tell_not_stored(ref)

    async def _tell_not_stored(self, ref: InteractionRef) -> None:
        try:
            await self.host.responder.refuse(ref, NOT_STORED_NOTICE)
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            log.debug("bot %s: could not tell interaction %s: %s", self.host.bot, ref.id, error)

    async def _answer_window(self, ref: InteractionRef, window: float) -> None:
        """Defer a press that may open a form if nothing answered it within ``window``."""
        pending = self.host.responder.pending.get(ref)
        if pending is None or await wait_event(pending.responded, window):
            return
        await self.host.responder.acknowledge(ref)

    async def _expire_placeholder(self, ref: InteractionRef) -> None:
        """Remove a "thinking" placeholder nobody answered.

        A command whose feature replies only by other means (a direct message, a post in
        the managers' channel) would otherwise show "thinking..." until Discord declares
        it failed. Removing it is safe for late answers: an ephemeral one then arrives as an
        ephemeral follow-up, a public one goes to the channel anyway."""
        await asyncio.sleep(self.host.placeholder_timeout)
        await self.host.responder.remove_placeholder(ref)
