"""The rules gate through the real runtime: muted on join, released by the member's own
press (or ``/accept`` where there are no buttons), removed or left muted at the durable
deadline, tracked only where the platform cannot mute (Slack)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.onboarding.support import (
    CONSOLE_LIKE,
    DISCORD_LIKE,
    SLACK_LIKE,
    Harness,
    harness,
    joined,
    left,
    pressed,
    typed,
)
from tests.support import member
from townsquare.core.actions import (
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendMessage,
    UnrestrictMember,
)
from townsquare.core.onboarding import gate
from townsquare.core.refs import ChannelRef

BOB, CAROL = member("Bob"), member("Carol")


def muted(h: Harness) -> list[str]:
    return [action.user_id for action in h.performed(RestrictMember)]


def unmuted(h: Harness) -> list[str]:
    return [action.user_id for action in h.performed(UnrestrictMember)]


def removed(h: Harness) -> list[str]:
    return [action.user_id for action in h.performed(RemoveMember)]


async def test_muted_until_the_member_presses_their_own_button(database_url: str) -> None:
    async with harness(database_url) as h:
        await h.typed("/verify on")
        assert h.last() == (
            "Verification: on (newcomers are muted until they accept the rules)\n"
            "Without acceptance after 10m they are removed.\n"
            "Set the rules newcomers accept with /rules set."
        )
        await h.typed("/rules set Be kind. No ads.")
        await h.join("Bob")
        assert muted(h) == ["bob"]
        (greeting,) = h.greetings()
        assert greeting.text.plain() == (
            "Welcome to Test Square, @Bob!\n\n"
            "Please read the rules and accept them to start writing.\n\n"
            "Rules:\nBe kind. No ads."
        )
        ((button,),) = greeting.buttons
        assert (button.label, button.data, button.fallback) == (
            "I accept the rules",
            "onb:acc:bob",
            "/accept",
        )
        await h.press(button.data, CAROL)
        assert h.toasts() == ["This button is not for you."] and unmuted(h) == []
        await h.press(button.data, BOB)
        assert unmuted(h) == ["bob"]
        await h.press(button.data, BOB)
        assert h.toasts()[1:] == [
            "Thank you! You can write now.",
            "You have already accepted the rules.",
        ]
        assert await h.fire(3600) == 0, "the deadline was cancelled"
        assert removed(h) == []


async def test_a_configured_role_gates_instead_of_a_mute(sqlite_url: str) -> None:
    """Discord: ``/verify role`` gives newcomers a role until they accept; changing it
    moves the newcomers already waiting over, so none keeps a stale role or timeout."""
    async with harness(sqlite_url, DISCORD_LIKE) as h:
        await h.typed("/verify on")
        await h.typed("/verify role <@&555>")
        assert h.last().startswith(
            "Verification: on (newcomers get the role 555 until they accept)\n"
            "Without acceptance after 10m they are removed."
        )
        await h.typed("/settings")
        assert "verify_role: 555" in h.last()
        await h.join("Bob")
        (restrict,) = h.performed(RestrictMember)
        assert (restrict.user_id, restrict.role_id) == ("bob", "555")
        await h.press("onb:acc:bob", BOB)
        (release,) = h.performed(UnrestrictMember)
        assert (release.user_id, release.role_id) == ("bob", "555")
        assert h.toasts() == ["Thank you! You can write now."]

        await h.join("Carol")
        h.clear()
        await h.typed("/verify role 777")
        assert [(a.user_id, a.role_id) for a in h.performed(UnrestrictMember)] == [("carol", "555")]
        assert [(a.user_id, a.role_id) for a in h.performed(RestrictMember)] == [("carol", "777")]
        h.clear()
        await h.typed("/verify role off")
        assert h.last().startswith("Verification: on (newcomers are muted until they accept")
        assert [(a.user_id, a.role_id) for a in h.performed(UnrestrictMember)] == [("carol", "777")]
        assert [(a.user_id, a.role_id) for a in h.performed(RestrictMember)] == [("carol", None)]
        await h.typed("/verify role Moderators")
        assert h.last() == "Name the role as a mention (@Role) or by its id, or off."
        await h.fire(600)
        assert removed(h) == ["carol"]

        await h.typed("/verify role 888")
        await h.join("Dan")
        h.clear()
        await h.typed("/verify off")
        assert h.last() == "Verification is off; 1 newcomer waiting was let in."
        assert [(a.user_id, a.role_id) for a in h.performed(UnrestrictMember)] == [("dan", "888")]


async def test_platforms_without_roles_refuse_a_gate_role(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/verify on")
        await h.typed("/verify role 555")
        assert h.last() == "This platform has no roles to give: newcomers are muted instead."
        await h.join("Bob")
        assert [a.role_id for a in h.performed(RestrictMember)] == [None]


async def test_the_deadline_removes_or_leaves_muted(database_url: str) -> None:
    async with harness(database_url) as h:
        await h.typed("/verify on")
        await h.typed("/verify timeout 2m")
        assert "Without acceptance after 2m they are removed." in h.last()
        await h.join("Dan")
        assert await h.fire(119) == 0
        assert await h.fire(2) == 1
        assert removed(h) == ["dan"]
        (removal,) = h.performed(RemoveMember)
        assert removal.channel == ChannelRef("general")
        await h.submit(left("Dan", removed=True), joined("Dan"))  # back again: a new deadline
        assert await h.fire(121) == 1
        assert removed(h) == ["dan", "dan"]

        await h.typed("/verify then stay")
        assert "Without acceptance after 2m they are left muted." in h.last()
        await h.join("Erin")
        assert await h.fire(121) == 1
        assert removed(h) == ["dan", "dan"] and unmuted(h) == []
        await h.typed("/accept", who=member("Erin"))
        assert h.last() == "The time to accept the rules has passed; please ask a manager."

        await h.typed("/verify timeout off")
        assert "No deadline: they stay muted until they accept." in h.last()
        await h.join("Finn")
        assert await h.fire(7 * 86400) == 0
        await h.typed("/verify timeout soon")
        assert h.last() == "Give a time between 1m and 7d, like 10m, 2h or 1d, or off."


async def test_leaving_cancels_the_deadline_and_verify_off_lets_everyone_in(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/verify on")
        await h.join("Bob")
        h.clock.advance(60)
        await h.join("Carol", "Dan")
        await h.submit(left("Dan"))
        await h.typed("/verify off")
        assert h.last() == "Verification is off; 2 newcomers waiting were let in."
        assert sorted(unmuted(h)) == ["bob", "carol"]
        assert await h.fire(3600) == 0
        await h.join("Erin")
        assert muted(h) == ["bob", "carol", "dan"], "no gate any more"


async def test_slack_tracks_acceptance_and_says_so(sqlite_url: str) -> None:
    async with harness(sqlite_url, SLACK_LIKE) as h:
        await h.typed("/verify on")
        assert h.last().startswith("Verification: tracked only (this platform cannot mute")
        await h.typed("/settings")
        assert "verify: tracked" in h.last()
        await h.typed("/welcome show")
        assert "Verification: tracked only" in h.last()
        await h.join("Bob")
        assert muted(h) == [] and removed(h) == []
        notices = [text for text in h.messages() if "managers need to do it by hand" in text]
        assert notices == [], "no 'cannot mute' notice per join: the gate says it is tracked"
        (greeting,) = h.greetings()
        assert "Please read the rules and accept them." in greeting.text.plain()
        await h.press("onb:acc:bob", BOB)
        assert h.toasts() == ["Thank you for accepting the rules."]
        assert await h.fire(3600) == 0


async def test_without_buttons_the_accept_command_is_offered_and_works(sqlite_url: str) -> None:
    async with harness(sqlite_url, CONSOLE_LIKE) as h:
        await h.typed("/verify on")
        await h.join("Bob")
        (greeting,) = h.greetings()
        assert greeting.buttons == ()
        assert greeting.text.plain().endswith("I accept the rules: /accept")
        await h.typed("/accept", who=CAROL)
        assert h.last() == "There is nothing for you to accept."
        await h.typed("/accept", who=BOB)
        assert h.last() == "Thank you! You can write now."
        assert unmuted(h) == ["bob"]


async def test_a_private_greeting_carries_the_community_in_its_button(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/verify on")
        await h.typed("/welcome dm only")
        await h.join("Bob")
        (direct,) = h.performed(SendDirect)
        ((button,),) = direct.buttons
        assert button.data == "onb:acc:bob@c1"
        press = pressed(button.data, BOB)
        from dataclasses import replace

        await h.submit(replace(press, community=None, channel=ChannelRef("dm", is_direct=True)))
        assert unmuted(h) == ["bob"]


async def test_welcome_off_still_shows_the_gate(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/welcome off")
        await h.typed("/verify on")
        await h.join("Bob")
        (greeting,) = h.greetings()
        assert greeting.text.plain().startswith("@Bob\n\nPlease read the rules")
        assert isinstance(greeting, SendMessage) and greeting.buttons


@given(
    user=st.text(min_size=1, max_size=80).filter(lambda s: "@" not in s),
    community=st.one_of(st.none(), st.text(min_size=1, max_size=40)),
)
def test_button_data_fits_telegram_and_decodes(user: str, community: str | None) -> None:
    data = gate.accept_data(user, community)
    assert 1 <= len(data.encode()) <= 64
    decoded = gate.AcceptButton.parse(data)
    assert decoded is not None
    if decoded.user_id is not None:
        assert decoded.user_id == user
    if decoded.community_id is not None:
        assert decoded.community_id == community


def test_timeouts() -> None:
    assert gate.parse_timeout("10m") is not None and gate.parse_timeout("10 M") is not None
    assert gate.parse_timeout("30s") is None, "shorter than a minute"
    assert gate.parse_timeout("8d") is None
    assert gate.format_timeout(600) == "10m" and gate.format_timeout(5400) == "90m"
    accept = gate.AcceptButton
    assert accept.parse("poll:1:2") is None and accept.parse("onb:acc:") is None
    for posted in ("onb:acc", "onb:acc:bob", "onb:acc:bob@c1", "onb:acc:123@-100456"):
        assert accept.parse(posted) is not None, "buttons already in chats keep working"
    assert accept.parse("onb:acc:bob@c1") == accept("bob", "c1")
    assert typed("/accept").name == "accept" and joined("X").member.user_id == "x"
