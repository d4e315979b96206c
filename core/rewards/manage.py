"""What managers run: ``/levels`` (show, ``set``, ``role``, ``channel``, ``announce``)
(``/xp`` is :mod:`core.rewards.adjust`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.persons import account_platform
from townsquare.core.rewards import rules
from townsquare.core.rewards.earning import schedule_weekly, weekly_key
from townsquare.core.rewards.levels import role_capable
from townsquare.core.rewards.services import forget_settings
from townsquare.core.rewards.settings import DAY, Announce, RewardsSettings
from townsquare.core.roles_ref import parse_role_ref
from townsquare.core.text import TextLike, bold, code, compose, lines

MAX_LEVEL = 1000
NO_ROLES = _(
    "Members of this platform have no roles I can give: levels show in /rank and in the "
    "level-up announcements."
)

Parse = Callable[[str, RewardsSettings], Any]


class Refused(ValueError):
    """A value ``/levels set`` cannot take; ``str()`` is the sentence (a template)."""

    def __init__(self, sentence: str, **values: object) -> None:
        super().__init__(sentence)
        self.sentence, self.values = sentence, values


def _whole(low: int, high: int) -> Parse:
    def parse(raw: str, _settings: RewardsSettings) -> int:
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            raise Refused(_("Give a whole number from {low} to {high}."), low=low, high=high)
        return int(raw)

    return parse


def _seconds(high: int) -> Parse:
    def parse(raw: str, _settings: RewardsSettings) -> int:
        seconds = rules.parse_seconds(raw)
        if seconds is None or seconds > high:
            raise Refused(
                _("Give a duration like 60s, 5m or 12h, at most {most}."),
                most=rules.shown_seconds(high),
            )
        return seconds

    return parse


def _switch(raw: str, _settings: RewardsSettings) -> bool:
    word = raw.lower()
    if word not in ("on", "off"):
        raise Refused(_("Give on or off."))
    return word == "on"


def _choice(kind: type[rules.Curve] | type[rules.RoleMode]) -> Parse:
    def parse(raw: str, _settings: RewardsSettings) -> Any:
        try:
            return kind(raw.lower())
        except ValueError:
            raise Refused(
                _("Give one of: {choices}."), choices=", ".join(c.value for c in kind)
            ) from None

    return parse


def _xp_min(raw: str, settings: RewardsSettings) -> int:
    value = _whole(0, rules.MAX_XP_PER_MESSAGE)(raw, settings)
    if value > settings.xp_max:
        raise Refused(_("xp_min cannot be above xp_max ({n})."), n=settings.xp_max)
    return int(value)


def _xp_max(raw: str, settings: RewardsSettings) -> int:
    value = _whole(0, rules.MAX_XP_PER_MESSAGE)(raw, settings)
    if value < settings.xp_min:
        raise Refused(_("xp_max cannot be below xp_min ({n})."), n=settings.xp_min)
    return int(value)


KEYS: dict[str, Parse] = {
    "enabled": _switch,
    "xp_min": _xp_min,
    "xp_max": _xp_max,
    "cooldown": _seconds(DAY),
    "curve": _choice(rules.Curve),
    "level_xp": _whole(1, 1_000_000),
    "min_length": _whole(0, 200),
    "thanks": _switch,
    "thanks_cooldown": _seconds(30 * DAY),
    "xp_faq": _whole(0, 10_000),
    "xp_report": _whole(0, 10_000),
    "xp_event": _whole(0, 10_000),
    "weekly": _switch,
    "role_mode": _choice(rules.RoleMode),
}
"""``/levels set`` keys (besides ``multiplier``, which is the channel's)."""


async def _update(ctx: Context, **values: Any) -> None:
    await ctx.update_settings(RewardsSettings, **values)
    forget_settings(ctx)


async def show(ctx: Context) -> None:
    tr = ctx.tr
    s = await ctx.settings(RewardsSettings)
    state = tr(_("on")) if s.enabled else tr(_("off"))
    where = {
        Announce.CHANNEL: tr(_("where the member wrote")),
        Announce.HERE: tr(_("in the chosen channel")),
        Announce.DM: tr(_("privately")),
        Announce.OFF: tr(_("not announced")),
    }[s.announce]
    roles = [
        compose(tr(_("level {level}: role {role}"), level=level, role="{role}"), role=code(role_id))
        for level, role_id in sorted(s.role_table().items())
    ]
    parts: list[TextLike] = [
        bold(tr(_("Levels ({state})"), state=state)),
        tr(
            _("XP per message: {low}–{high}, at most once every {cooldown}"),
            low=s.xp_min,
            high=s.xp_max,
            cooldown=rules.shown_seconds(s.cooldown),
        ),
        tr(
            _("Curve: {curve} (level_xp {step}); messages need {n} letters"),
            curve=s.curve.value,
            step=s.level_xp,
            n=s.min_length,
        ),
        tr(
            _("Thank-you replies: {state}; one member's thanks to another count once every {t}"),
            state=tr(_("on")) if s.thanks else tr(_("off")),
            t=rules.shown_seconds(s.thanks_cooldown),
        ),
        tr(
            _("XP for a helpful FAQ answer {faq}, a useful report {report}, an event {event}"),
            faq=s.xp_faq,
            report=s.xp_report,
            event=s.xp_event,
        ),
        tr(
            _("Level-ups: {where}; weekly top post: {weekly}"),
            where=where,
            weekly=tr(_("on")) if s.weekly else tr(_("off")),
        ),
        tr(_("Role rewards ({mode}):"), mode=s.role_mode.value) if roles else "",
        *roles,
        tr(_("Channels without XP: {n}"), n=len(s.quiet_channels or ())),
        tr(
            _("Change one with /levels set <key> <value>; keys: {keys}, multiplier"),
            keys=", ".join(KEYS),
        ),
    ]
    ctx.respond(lines(*(part for part in parts if part)))


async def set_key(ctx: Context, key: str, raw: str) -> None:
    tr = ctx.tr
    key = key.lower().replace("-", "_")
    settings = await ctx.settings(RewardsSettings)
    if key == "multiplier":
        await _multiplier(ctx, raw, settings)
        return
    parse = KEYS.get(key)
    if parse is None:
        ctx.respond(
            tr(
                _("There is no setting {key}; keys: {keys}."),
                key=key[:32],
                keys=", ".join([*KEYS, "multiplier"]),
            )
        )
        return
    try:
        value = parse(raw.strip(), settings)
    except Refused as refused:
        ctx.respond(tr(refused.sentence, **refused.values))
        return
    await _update(ctx, **{key: value})
    if key == "weekly":
        await _weekly(ctx, bool(value))
    shown = value.value if hasattr(value, "value") else value
    if isinstance(value, bool):
        shown = tr(_("on")) if value else tr(_("off"))
    elif key in ("cooldown", "thanks_cooldown"):
        shown = rules.shown_seconds(int(value))
    ctx.respond(tr(_("{key} is now {value}."), key=key, value=shown))


async def _weekly(ctx: Context, on: bool) -> None:
    community = ctx.community
    key = weekly_key(community.platform, community.id)
    if not on:
        await ctx.tx.cancel_job(key)
        return
    channel = ctx.event.channel
    assert channel is not None
    await schedule_weekly(ctx, community.platform, community.id, channel.id)


_NUMBER = re.compile(r"\d{1,2}(?:[.,]\d{1,2})?")


async def _multiplier(ctx: Context, raw: str, settings: RewardsSettings) -> None:
    tr = ctx.tr
    channel = ctx.event.channel
    assert channel is not None
    text = raw.strip().lower().removeprefix("x").removesuffix("x")
    if not _NUMBER.fullmatch(text) or float(text.replace(",", ".")) > rules.MAX_MULTIPLIER:
        ctx.respond(tr(_("Give a multiplier from 0 to {most}, like 1.5."), most=10))
        return
    value = float(text.replace(",", "."))
    multipliers = dict(settings.multipliers or {})
    if value == 1:
        multipliers.pop(channel.id, None)
    else:
        multipliers[channel.id] = value
    await _update(ctx, multipliers=multipliers or None)
    ctx.respond(tr(_("Messages in this channel now earn {n}× XP."), n=f"{value:g}"))


async def channel(ctx: Context, state: str) -> None:
    tr = ctx.tr
    channel = ctx.event.channel
    assert channel is not None
    try:
        on = _switch(state, await ctx.settings(RewardsSettings))
    except Refused as refused:
        ctx.respond(tr(refused.sentence, **refused.values))
        return
    settings = await ctx.settings(RewardsSettings)
    quiet = [c for c in (settings.quiet_channels or ()) if c != channel.id]
    if not on:
        quiet.append(channel.id)
    await _update(ctx, quiet_channels=quiet or None)
    ctx.respond(
        tr(_("Messages in this channel earn XP again."))
        if on
        else tr(_("Messages in this channel no longer earn XP."))
    )


async def announce(ctx: Context, where: str) -> None:
    tr = ctx.tr
    channel = ctx.event.channel
    assert channel is not None
    match where.lower():
        case "here":
            await _update(ctx, announce=Announce.HERE, announce_channel=channel.id)
            ctx.respond(tr(_("Level-ups and the weekly top post are announced in this channel.")))
        case "dm":
            await _update(ctx, announce=Announce.DM, announce_channel=None)
            ctx.respond(tr(_("Level-ups are announced to each member privately.")))
        case "off":
            await _update(ctx, announce=Announce.OFF, announce_channel=None)
            ctx.respond(tr(_("Level-ups are not announced.")))
        case _:
            ctx.respond(tr(_("Choose here, dm or off: /levels announce here")))


async def role(ctx: Context, raw_level: str, raw_role: str) -> None:
    tr = ctx.tr
    if not role_capable(ctx, ctx.bot.name):
        ctx.respond(tr(NO_ROLES))
        return
    if not (raw_level.isascii() and raw_level.isdigit()) or not 1 <= int(raw_level) <= MAX_LEVEL:
        ctx.respond(tr(_("Give a level from 1 to {high}."), high=MAX_LEVEL))
        return
    level = int(raw_level)
    settings = await ctx.settings(RewardsSettings)
    roles = dict(settings.roles or {})
    if raw_role.strip().lower() == "off":
        roles.pop(str(level), None)
        await _update(ctx, roles=roles or None)
        ctx.respond(tr(_("Level {level} no longer gives a role."), level=level))
        return
    role_id = parse_role_ref(raw_role, account_platform(ctx.event.platform))
    if role_id is None:
        ctx.respond(tr(_("Name the role with a mention or its id, or say off.")))
        return
    roles[str(level)] = role_id
    await _update(ctx, roles=roles)
    ctx.respond(
        compose(
            tr(_("Level {level} now gives the role {role}."), level=level, role="{role}"),
            role=code(role_id),
        )
    )
