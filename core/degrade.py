"""Capability fallbacks: where a platform cannot do something, say so visibly.

Applied to every emitted action before it enters the outbox, using the capabilities of the
bot that will deliver it. Nothing is dropped silently: a fallback is either a visible
message or a logged warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from townsquare.core.actions import (
    MAX_FILE_BYTES,
    Action,
    AnswerButton,
    AskText,
    ButtonRows,
    CancelScheduledEvent,
    CreateScheduledEvent,
    CrosspostMessage,
    DeleteMessage,
    EditMessage,
    GiveRole,
    PinMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
    TakeRole,
    UnpinMessage,
    UnrestrictMember,
    UpdateScheduledEvent,
)
from townsquare.core.capabilities import Capability
from townsquare.core.i18n import DEFAULT_LANGUAGE, Translator, _, translator
from townsquare.core.text import Text, as_text, code, compose, lines, mention, plain

log = logging.getLogger(__name__)


def buttons_as_text(buttons: ButtonRows) -> Text:
    """Numbered choices with the command to type, for platforms without buttons."""
    entries = [
        compose("{label}: {command}", label=button.label, command=code(button.fallback))
        for row in buttons
        for button in row
        if button.fallback
    ]
    return lines(*entries) if entries else Text()


def _with_fallback_buttons(text: Text, buttons: ButtonRows) -> Text:
    choices = buttons_as_text(buttons)
    return lines(text, "", choices) if choices else text


def degrade(
    action: Action, capabilities: frozenset[Capability], tr: Translator | None = None
) -> list[Action]:
    """What to send instead of ``action`` on a platform with ``capabilities``; sentences
    the fallback adds are in ``tr``'s language (the community's; English by default).

    One rule per case, tried in order; an action no rule rewrites is sent as it is."""
    tr = tr or translator(DEFAULT_LANGUAGE)
    match action:
        case AskText() if Capability.FORMS not in capabilities:
            # No forms (Telegram, the console): the press is answered with the private hint
            # the feature wrote, as an alert the member has to dismiss.
            return [
                AnswerButton(
                    bot=action.bot,
                    interaction_id=action.interaction_id,
                    toast=action.fallback_text,
                    alert=True,
                    channel=action.channel,
                    user_id=action.user_id,
                )
            ]
        case SendFile() if len(action.data) > MAX_FILE_BYTES:
            return degrade(_file_as_message(action, _too_large(action, tr)), capabilities, tr)
        case SendFile() if Capability.FILES not in capabilities:
            return degrade(_file_as_message(action, file_as_text(action, tr)), capabilities, tr)
        case SendMessage() | SendDirect() | EditMessage() if (
            action.buttons and Capability.BUTTONS not in capabilities
        ):
            text = _with_fallback_buttons(action.text, action.buttons)
            return degrade(_replace_text(action, text), capabilities, tr)
        case SendEphemeral() if Capability.EPHEMERAL not in capabilities:
            direct = SendDirect(
                bot=action.bot,
                user_id=action.user_id,
                display_name=action.display_name,
                text=action.text,
                fallback_channel=action.channel,
            )
            return degrade(direct, capabilities, tr)
        case SendDirect() if Capability.DIRECT_MESSAGES not in capabilities:
            return _direct_in_channel(action)
        case RestrictMember() | UnrestrictMember() | RemoveMember() if (
            _MODERATION_NEEDS[type(action)] not in capabilities
        ):
            return _moderation_notice(action, tr)
        case GiveRole() | TakeRole() if not _ROLE_CAPABILITIES & capabilities:
            return _role_notice(action)
        case (
            EditMessage() | DeleteMessage() | PinMessage() | UnpinMessage() | CrosspostMessage()
        ) if _NEEDS[type(action)] not in capabilities:
            return _skipped(action)
        case CreateScheduledEvent() | UpdateScheduledEvent() | CancelScheduledEvent() if (
            Capability.SCHEDULED_EVENTS not in capabilities
        ):
            return []  # a mirror where the platform has one; the event itself is posted
        case _:
            return [action]


_NEEDS: dict[type, Capability] = {
    EditMessage: Capability.EDIT,
    DeleteMessage: Capability.DELETE,
    PinMessage: Capability.PIN,
    UnpinMessage: Capability.PIN,
    CrosspostMessage: Capability.CROSSPOST,
}
"""What a change to a posted message needs; without it the change is skipped."""


def _skipped(
    action: EditMessage | DeleteMessage | PinMessage | UnpinMessage | CrosspostMessage,
) -> list[Action]:
    """A change the platform cannot make to a message, logged (a publication only where
    some channel could have followers: elsewhere there is nobody to publish to)."""
    if not isinstance(action, CrosspostMessage):
        what = {
            "edit_message": "edit",
            "delete_message": "delete",
            "pin_message": "pin",
            "unpin_message": "unpin",
        }
        verb = what[action.kind]
        log.warning(
            "bot %s cannot %s messages; %s of %s skipped", action.bot, verb, verb, action.key
        )
    return []


_MODERATION_NEEDS = {
    RestrictMember: Capability.RESTRICT,
    UnrestrictMember: Capability.RESTRICT,
    RemoveMember: Capability.REMOVE,
}


def _too_large(action: SendFile, tr: Translator) -> Text:
    """The notice sent instead of a file over :data:`MAX_FILE_BYTES`."""
    log.warning(
        "bot %s: file %s has %d bytes, more than %d; a notice is sent instead",
        action.bot,
        action.filename,
        len(action.data),
        MAX_FILE_BYTES,
    )
    notice = compose(
        tr(_("The file {name} is too large to send ({size} MB; at most {limit} MB).")),
        name=code(action.filename),
        size=f"{len(action.data) / 1_048_576:.1f}",
        limit=str(MAX_FILE_BYTES // 1_048_576),
    )
    return lines(action.caption, notice) if action.caption else notice


def _direct_in_channel(action: SendDirect) -> list[Action]:
    """A private message where the platform has none: in its fallback channel, mentioning
    the member (or the anonymous fallback text the feature wrote), else dropped."""
    if action.fallback_channel is None:
        log.warning("bot %s cannot send direct messages; message dropped", action.bot)
        return []
    if action.fallback_text is not None:  # the member stays anonymous in the channel
        return [
            SendMessage(bot=action.bot, channel=action.fallback_channel, text=action.fallback_text)
        ]
    return [
        SendMessage(
            bot=action.bot,
            channel=action.fallback_channel,
            text=compose("{who} ", who=mention(action.user_id, action.display_name)) + action.text,
            buttons=action.buttons,
        )
    ]


def file_as_text(action: SendFile, tr: Translator | None = None) -> Text:
    """A file for a platform that cannot receive files: its caption, then its name and
    text (the adapter splits long texts at the platform's limit). A file that is not text
    becomes a notice naming it."""
    tr = tr or translator(DEFAULT_LANGUAGE)
    try:
        content = action.data.decode("utf-8")
    except UnicodeDecodeError:
        content = None
    if content is None or "\x00" in content:
        body = compose(
            tr(_("({name}: this platform cannot receive files, and it is not text.)")),
            name=code(action.filename),
        )
    else:
        # Line ends as messages have them (a CSV file keeps its CRLF; a message shows "\n").
        text = content.replace("\r\n", "\n").rstrip("\n")
        body = lines(code(action.filename), plain(text))
    return lines(action.caption, body) if action.caption else body


def _file_as_message(action: SendFile, text: Text) -> SendMessage | SendDirect:
    if action.user_id is not None:
        return SendDirect(
            bot=action.bot,
            user_id=action.user_id,
            display_name=action.display_name,
            text=text,
            fallback_channel=action.fallback_channel,
        )
    assert action.channel is not None
    return SendMessage(bot=action.bot, channel=action.channel, text=text)


_MODERATION_NOTICES = {
    RestrictMember: _(
        "This platform does not let me mute members, so managers need to do it by hand."
    ),
    UnrestrictMember: _(
        "This platform does not let me unmute members, so managers need to do it by hand."
    ),
    RemoveMember: _(
        "This platform does not let me remove members, so managers need to do it by hand."
    ),
}
"""Whole sentences, not one with the verb filled in: word order differs by language."""


def _moderation_notice(
    action: RestrictMember | UnrestrictMember | RemoveMember, tr: Translator
) -> list[Action]:
    log.warning("bot %s cannot %s; managers are told instead", action.bot, action.kind)
    if action.channel is None:
        return []
    notice = tr(_MODERATION_NOTICES[type(action)])
    return [SendMessage(bot=action.bot, channel=action.channel, text=as_text(notice))]


_ROLE_CAPABILITIES = frozenset({Capability.ROLES, Capability.USER_GROUPS})


def _role_notice(action: GiveRole | TakeRole) -> list[Action]:
    """A role the platform cannot give (Telegram: members have no roles, and nobody is
    made an administrator to carry a title): the managers' notice the feature attached,
    else a log line. Never an error: a role reward there is a level shown in ``/rank``."""
    if action.on_failure is None:
        log.info(
            "bot %s has no member roles; %s %s for %s skipped",
            action.bot,
            action.kind,
            action.role_id,
            action.user_id,
        )
        return []
    log.info("bot %s has no member roles; managers are told of %s", action.bot, action.kind)
    return [replace(action.on_failure, on_failure=None, on_give_up=None)]


def _replace_text(action: SendMessage | SendDirect | EditMessage, text: Text) -> Action:
    return replace(action, text=text, buttons=())


def degrade_all(
    actions: Iterable[Action],
    capabilities_of: dict[str, frozenset[Capability]],
    tr: Translator | None = None,
) -> list[Action]:
    result: list[Action] = []
    for action in actions:
        capabilities = capabilities_of.get(action.bot)
        if capabilities is None:
            log.error("action for unknown bot %r dropped: %s", action.bot, action.kind)
            continue
        result.extend(degrade(action, capabilities, tr))
    return result
