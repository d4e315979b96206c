"""Role rewards on Slack: a :class:`~core.actions.GiveRole` adds the member to a user
group (``S...``), a :class:`~core.actions.TakeRole` takes them out.

Slack has no call that adds or removes one member: ``usergroups.users.update`` replaces
the whole list. So the adapter reads the list (``usergroups.users.list``), changes it and
writes it back, and does nothing when the member already is (or is not) in it, which makes
a repeated delivery harmless. Role actions of one community share one outbox lane
(:func:`storage.outbox.lane_of`), so the bot's own changes to a group never interleave;
a manager editing the same group in that instant could still lose their edit.

Slack refuses to empty a group through ``usergroups.users.update``; taking the last member
out disables the group instead (``usergroups.disable``), as Slack says to. The list is read
without ``include_disabled``, so a disabled group reads as empty (what the fake answers;
an error for it is taken the same way), and giving such a group a member enables it first
(``usergroups.enable``) with that one member: a disabled group's old list is not carried
back, since nobody kept a role through it.

User groups need a paid plan (``paid_teams_only``), the ``usergroups:read`` and
``usergroups:write`` scopes (``missing_scope``) and a workspace whose settings let the bot
change groups (``permission_denied``). These are refusals
(:func:`adapters.slack.errors.translate_error`): the delivery worker sends the action's
``on_failure`` notice to managers instead of retrying.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from townsquare.core.actions import GiveRole, TakeRole
from townsquare.core.errors import PermanentDeliveryError
from townsquare.core.ports import Delivered
from townsquare.core.roles_ref import is_slack_group_id

log = logging.getLogger(__name__)


async def change_group(client: AsyncWebClient, bot: str, action: GiveRole | TakeRole) -> Delivered:
    """Add or remove ``action.user_id`` in the user group ``action.role_id``."""
    group = action.role_id
    if not is_slack_group_id(group):
        raise PermanentDeliveryError(f"{group!r} is not a Slack user group id (S...)")
    team = action.community.id or None
    users = await _members(client, group, team)
    member = action.user_id
    if isinstance(action, GiveRole):
        if member in users:
            return Delivered()
        if not users:
            await _enable(client, bot, group, team)
        await client.usergroups_users_update(usergroup=group, users=[*users, member], team_id=team)
        return Delivered()
    if member not in users:
        return Delivered()
    remaining = [user for user in users if user != member]
    if remaining:
        await client.usergroups_users_update(usergroup=group, users=remaining, team_id=team)
    else:
        log.info("bot %s: %s loses its last member, so it is disabled", bot, group)
        await client.usergroups_disable(usergroup=group, team_id=team)
    return Delivered()


def _passes(error: SlackApiError) -> bool:
    """A 429 or a 5xx: raised on, so the delivery worker retries the whole change."""
    status = int(error.response.status_code)
    return status == 429 or status >= 500


async def _members(client: AsyncWebClient, group: str, team: str | None) -> list[str]:
    """The group's members; none for a disabled group (``no_such_subteam`` without
    ``include_disabled``); any other refusal is raised (no scope, no paid plan)."""
    try:
        listed = await client.usergroups_users_list(usergroup=group, team_id=team)
    except SlackApiError as error:
        if _passes(error) or error.response.get("error") != "no_such_subteam":
            raise
        return []
    return [str(user) for user in listed.get("users") or []]


async def _enable(client: AsyncWebClient, bot: str, group: str, team: str | None) -> None:
    """Enable a group before its first member: one the bot disabled when it took its last
    member out. A refusal here is not final: the update that follows tells whether the
    bot may change the group at all (a new, enabled group may answer with an error here,
    and a group that does not exist fails there with ``no_such_subteam``)."""
    try:
        await client.usergroups_enable(usergroup=group, team_id=team)
    except SlackApiError as error:
        if _passes(error):
            raise
        log.info(
            "bot %s: usergroups.enable of %s answered %s; adding the member anyway",
            bot,
            group,
            error.response.get("error"),
        )
