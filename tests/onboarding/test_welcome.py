"""Greetings through the real runtime: once per newcomer, templates checked at
``/welcome set`` and rendered with names as spans, private greetings, channels, clean-up,
goodbyes, rules and languages."""

from __future__ import annotations

from dataclasses import replace

from tests.onboarding.support import ALICE, SLACK_LIKE, harness, joined, left, typed
from tests.support import COMMUNITY, member
from townsquare.core.actions import DeleteMessage, SendDirect, SendMessage
from townsquare.core.errors import DirectMessageRefused
from townsquare.core.refs import Actor, ChannelRef, PlatformRole
from townsquare.core.text import Style
from townsquare.storage.store import SqlStore

BOB = member("Bob")


async def test_a_newcomer_is_greeted_once(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.submit(joined("Bob"), joined("Bob"))  # the same join reported twice
        (greeting,) = h.greetings()
        assert greeting.text.plain() == "Welcome to Test Square, @Bob!"
        assert greeting.channel.id == "general"
        spans = [span for span in greeting.text.spans if span.style is Style.MENTION]
        assert [(span.user_id, span.text) for span in spans] == [("bob", "Bob")]
        await h.submit(left("Bob"), joined("Bob"))  # a real rejoin is greeted again
        assert len(h.greetings()) == 2


async def test_bot_accounts_are_greeted_only_when_configured(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.join("Robo", bot=True)
        assert h.greetings() == []
        await h.typed("/welcome bots on")
        assert h.last() == "Bot accounts are greeted too."
        await h.join("Droid", bot=True)
        assert h.greetings()[-1].text.plain() == "Welcome to Test Square, @Droid!"


async def test_a_template_round_trips_and_renders_names_as_spans(sqlite_url: str) -> None:
    template = 'Hi {mention}! Say "hello" to {community} — {{not a var}}, member #{member_count}'
    async with harness(sqlite_url) as h:
        await h.join("Zed")
        await h.typed("/welcome set " + template)
        assert h.last() == (
            "Greeting saved. Preview:\n"
            'Hi @Alice! Say "hello" to Test Square — {not a var}, member #1'
        )
        await h.typed("/welcome show")
        assert f"Template: {template}" in h.last()
        hostile = "<b>{name}</b> @everyone"
        await h.join(hostile)
        greeting = h.greetings()[-1]
        assert greeting.text.plain() == (
            f'Hi @{hostile}! Say "hello" to Test Square — {{not a var}}, member #2'
        )
        (name_span,) = [span for span in greeting.text.spans if hostile in span.text]
        assert name_span.style is Style.MENTION and name_span.text == hostile


async def test_a_bad_template_is_refused_with_the_reason(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        cases = {
            "/welcome set Hi {nmae}!": "Unknown variable {nmae}. You can use {name}, {mention},",
            "/welcome set Hi {name": "A “{” is never closed (near “Hi {name”)",
            "/welcome set Hi name}!": "A “}” has no opening brace",
            "/welcome set Hi {name:>10}": "Write {name} without formatting",
            "/welcome set {}": "Unknown variable {}.",
        }
        for command, reason in cases.items():
            await h.typed(command)
            assert h.last().startswith("This template cannot be used: " + reason), h.last()
        await h.typed("/welcome set")
        assert h.last().startswith("Missing <template>")
        await h.join("Bob")
        assert h.greetings()[-1].text.plain() == "Welcome to Test Square, @Bob!"


async def test_a_template_failing_at_render_time_falls_back_and_managers_hear_once(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        store: SqlStore = h.runtime.store
        async with store.transaction() as tx:  # e.g. written by an older version
            await tx.set_setting(COMMUNITY, "welcome_template", "Hi {nobody}", h.clock.now)
        await h.join("Bob")
        h.clock.advance(60)
        await h.join("Carol")
        assert [g.text.plain() for g in h.greetings()] == [
            "Welcome to Test Square, @Bob!",
            "Welcome to Test Square, @Carol!",
        ]
        notices = [text for text in h.messages() if "cannot be used" in text]
        assert notices == [
            "The welcome template cannot be used: Unknown variable {nobody}. You can use "
            "{name}, {mention}, {community}, {member_count}, {rules}. The default greeting "
            "was sent instead; fix it with /welcome set."
        ]


async def test_private_greetings_and_a_refused_private_message(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/welcome dm only")
        assert h.last() == (
            "Newcomers are greeted privately (in the channel when the platform refuses)."
        )
        await h.join("Bob")
        (direct,) = h.performed(SendDirect)
        assert direct.user_id == "bob" and direct.fallback_channel == ChannelRef("general")
        assert h.greetings() == []
        h.adapter.failures.append(DirectMessageRefused("the member closed private messages"))
        await h.join("Carol")
        assert h.greetings() == []
        assert h.last() == "@Carol Welcome to Test Square, @Carol!"  # the mention fallback
        await h.typed("/welcome dm on")
        h.clock.advance(60)
        await h.join("Dan")
        assert h.performed(SendDirect)[-1].fallback_channel is None, "the channel has it too"
        assert h.greetings()[-1].text.plain() == "Welcome to Test Square, @Dan!"
        await h.typed("/welcome dm sometimes")
        assert h.last() == "Choose on, only or off."


async def test_welcome_off_channel_here_clean_and_goodbye(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/welcome off")
        await h.join("Bob")
        assert h.greetings() == []
        await h.typed("/welcome on")
        lobby = replace(typed("/welcome channel here", ALICE), channel=ChannelRef("lobby"))
        await h.submit(lobby)
        assert h.last() == "Newcomers are greeted in this channel."
        await h.typed("/welcome clean on")
        await h.join("Carol")
        h.clock.advance(60)
        await h.join("Dan")
        first, second = h.greetings()
        assert first.channel.id == second.channel.id == "lobby"
        (deleted,) = h.performed(DeleteMessage)
        assert deleted.key == first.key and first.key != second.key
        await h.submit(left("Dan"))
        assert not [text for text in h.messages() if text.startswith("Goodbye")]
        await h.typed("/welcome goodbye on")
        await h.submit(left("Carol"), left("Dan", removed=True))
        assert [t for t in h.messages() if t.startswith("Goodbye")] == ["Goodbye, Carol."]
        await h.typed("/welcome show")
        shown = h.last()
        assert "Where: channel lobby" in shown and "Goodbye messages: on" in shown
        assert "Delete the previous greeting: on" in shown


async def test_managers_only(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/welcome set Hi {name}", who=BOB)
        assert h.last() == "Sorry, only managers can use /welcome set."
        await h.typed("/rules set Be kind", who=BOB)
        assert h.last() == "Sorry, only managers can use /rules set."
        await h.typed("/lang it", who=BOB)
        assert h.last() == "Sorry, only managers can use /lang."


async def test_rules_and_template_variables(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/rules", who=BOB)
        assert h.last() == "There are no rules yet."
        await h.typed("/rules set 1. Be kind.\n2. No <b>spam</b>.")
        assert h.last() == "Rules saved. Members see them with /rules."
        await h.typed("/rules show", who=BOB)
        assert h.last() == "Rules of Test Square:\n1. Be kind.\n2. No <b>spam</b>."
        await h.typed("/welcome set {name} is member {member_count}. Rules: {rules}")
        await h.join("Bob", "Carol")
        assert h.greetings()[-1].text.plain() == (
            "Carol is member 2. Rules: 1. Be kind.\n2. No <b>spam</b>."
        )
        await h.typed("/rules clear")
        await h.typed("/rules", who=BOB)
        assert h.last() == "There are no rules yet."


async def test_language_of_the_community(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/lang")
        assert h.last() == "Language: English. Change it with /lang en, /lang it or /lang ru."
        await h.typed("/lang xx")
        assert h.last() == "Unknown language xx. Choose en, it or ru."
        await h.typed("/lang it")
        assert h.last() == "D'ora in poi parlo Italiano."
        await h.join("Bob")
        assert h.greetings()[-1].text.plain() == "Diamo il benvenuto a @Bob in Test Square!"
        await h.typed("/lang ru")
        assert h.last() == "Теперь я говорю на языке: Русский."
        h.clock.advance(60)
        await h.join("Carol")
        assert h.greetings()[-1].text.plain() == "Добро пожаловать в Test Square, @Carol!"
        await h.typed("/settings")
        assert "locale: ru" in h.last()


async def test_slack_team_join_waits_for_the_first_channel(sqlite_url: str) -> None:
    async with harness(sqlite_url, SLACK_LIKE) as h:
        team_join = replace(joined("Bob"), channel=None)
        await h.submit(team_join)
        assert h.greetings() == []
        await h.submit(replace(joined("Bob", channel=ChannelRef("C042")), channel_only=True))
        await h.submit(replace(joined("Bob", channel=ChannelRef("C077")), channel_only=True))
        (greeting,) = h.greetings()
        assert greeting.channel.id == "C042", "another channel: not again"
        await h.typed("/welcome goodbye on")
        await h.submit(replace(left("Bob"), channel=ChannelRef("C042"), channel_only=True))
        await h.submit(replace(joined("Bob", channel=ChannelRef("C099")), channel_only=True))
        assert len(h.greetings()) == 1, "leaving a channel is not leaving the workspace"
        assert not [text for text in h.messages() if text.startswith("Goodbye")]
        await h.typed("/settings")
        assert "1 member known" in h.last()


async def test_managers_joining_are_greeted_but_never_gated(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/verify on")
        admin = Actor("mo", "Mo", platform_role=PlatformRole.ADMIN)
        await h.submit(replace(joined("Mo"), member=admin, actor=admin))
        (greeting,) = h.greetings()
        assert greeting.buttons == () and "accept" not in greeting.text.plain()
        assert not [a for a in h.adapter.performed if type(a).__name__ == "RestrictMember"]
        assert isinstance(greeting, SendMessage)


async def test_the_configured_default_language(sqlite_url: str) -> None:
    async with harness(sqlite_url, defaults={"locale": "ru"}) as h:
        await h.join("Bob")
        assert h.greetings()[-1].text.plain() == "Добро пожаловать в Test Square, @Bob!"
        await h.typed("/rules")
        assert h.last() == "Правил пока нет."
