"""The FAQ feature through the real runtime, pipeline, outbox and SQL store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.conftest import migrate
from tests.faq.support import (
    ALICE,
    BOB,
    CONSOLE,
    DISCORD_NO_CONTENT,
    Chat,
    pressed,
    running,
    said,
    typed,
)
from tests.support import COMMUNITY, member
from townsquare.core.actions import SendEphemeral, SendMessage
from townsquare.core.faq.index import Indexes
from townsquare.core.faq.store import NewEntry
from townsquare.core.matching.matcher import LexicalMatcher
from townsquare.core.refs import CommunityRef
from townsquare.storage.database import create_engine
from townsquare.storage.faq import SqlFaqStore
from townsquare.storage.faq_models import FaqCooldownRow
from townsquare.storage.store import SqlStore

SEED = [
    '/faq add "How do I reset my password?" "Settings → Account → Reset password."',
    '/faq add "Come reimposto la password?" Impostazioni → Account → Reimposta.',
    '/faq add "Как поменять пароль?" "Настройки → Аккаунт → Сменить пароль."',
    '/faq add "Where is the office?" "Via Roma 1, second floor."',
]


async def seed(chat: Chat) -> None:
    replies = await chat.texts(*(typed(line, ALICE) for line in SEED))
    assert replies == [f"FAQ entry #{n} added." for n in range(1, len(SEED) + 1)]


async def test_members_get_answers_managers_see_hits_votes_and_gaps(database_url: str) -> None:
    await migrate(database_url)
    async with running(database_url) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        await seed(chat)

        (answer,) = await chat.messages(typed("/faq How can I reset my password"))
        assert answer.text.plain() == (
            "💡 How do I reset my password?\nSettings → Account → Reset password."
        )
        assert [[b.data for b in row] for row in answer.buttons] == [["faq:1:y", "faq:1:n"]]

        # auto-answers in the three languages, each once per channel within the cooldown
        for question, entry in [
            ("come posso reimpostare la password?", 2),
            ("как сменить пароль", 3),
            ("where's the office?", 4),
        ]:
            (auto,) = await chat.messages(said(question))
            assert auto.buttons[0][0].data == f"faq:{entry}:y", question
            assert auto.reply_to is not None
        assert await chat.messages(said("where is the office?")) == []
        assert await chat.messages(said("how are you?"), said("good morning!")) == []

        # votes: a press, a repeat, a change of mind, another member
        assert await chat.toasts(pressed("faq:4:y")) == ["Thanks for the feedback!"]
        assert await chat.toasts(pressed("faq:4:y")) == ["You already said that; thanks."]
        assert await chat.toasts(pressed("faq:4:n")) == ["Thanks for the feedback!"]
        assert await chat.toasts(pressed("faq:4:y", member("Carol"))) == [
            "Thanks for the feedback!"
        ]

        # two phrasings of one unknown question count as one, asked twice
        assert await chat.texts(said("where do we park the bikes?")) == []
        assert await chat.texts(typed("/faq where is the bike parking")) == [
            "I have no answer to that yet; I noted the question for the managers."
        ]
        (listing,) = await chat.texts(typed("/faq list", ALICE))
        assert listing.splitlines() == [
            "FAQ: 4 entries",
            "#1 How do I reset my password? — 1 hit · 👍 0 · 👎 0",
            "#2 Come reimposto la password? — 1 hit · 👍 0 · 👎 0",
            "#3 Как поменять пароль? — 1 hit · 👍 0 · 👎 0",
            "#4 Where is the office? — 1 hit · 👍 1 · 👎 1",
        ]
        (gaps,) = await chat.texts(typed("/faq unanswered", ALICE))
        assert "2× where is the bike parking (#1, last asked" in gaps

        # answering it makes it disappear from the list
        await chat.texts(typed('/faq add "Where can I park my bike?" "In the courtyard."', ALICE))
        assert await chat.texts(typed("/faq unanswered", ALICE)) == ["No unanswered questions."]
        (auto,) = await chat.messages(said("where can we park bikes?"))
        assert "In the courtyard." in auto.text.plain()


async def test_did_you_mean_edit_remove_and_duplicates(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        await seed(chat)
        (choices,) = await chat.messages(typed("/faq password"))
        assert choices.text.plain().startswith("Did you mean:\n#1 How do I reset my password?")
        assert [row[0].data for row in choices.buttons][:2] == ["faq:1:s", "faq:2:s"]
        assert [row[0].fallback for row in choices.buttons][:2] == ["/faq 1", "/faq 2"]
        shown = [a for a in await chat.send(pressed("faq:2:s")) if isinstance(a, SendMessage)]
        assert "Impostazioni → Account → Reimposta." in shown[0].text.plain()

        assert await chat.texts(typed('/faq add "how do i reset my password" "again"', ALICE)) == [
            'Entry #1 already asks that. Change its answer with /faq edit 1 "...".'
        ]
        assert await chat.texts(
            typed('/faq edit 1 --question "How do I change my password?" Use the app.', ALICE)
        ) == ["FAQ entry #1 updated."]
        assert await chat.texts(typed("/faq #1")) == [
            "💡 How do I change my password?\nUse the app."
        ]
        assert await chat.texts(typed("/faq remove 4", ALICE)) == [
            "FAQ entry #4 removed: Where is the office?"
        ]
        assert await chat.texts(typed("/faq 4")) == ["There is no FAQ entry #4."]
        assert await chat.toasts(pressed("faq:4:y")) == ["This FAQ entry no longer exists."]
        assert await chat.messages(said("where is the office?")) == []
        assert await chat.texts(typed("/faq edit 99 x", ALICE)) == ["There is no FAQ entry #99."]
        assert await chat.texts(typed('/faq add "" "x"', ALICE)) == ["The question is empty."]
        assert await chat.texts(typed("/faq", BOB)) == [
            "Ask with /faq <question>.\nThe FAQ has 3 entries."
        ]


async def test_members_are_refused_manager_subcommands(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        await seed(chat)
        for line, shown in [
            ('/faq add "Q?" "A"', "/faq add"),
            ("/faq edit 1 new", "/faq edit"),
            ("/faq remove 1", "/faq remove"),
            ("/faq list", "/faq list"),
            ("/faq unanswered", "/faq unanswered"),
            ("/faq dismiss 1", "/faq dismiss"),
            ("/faq auto off", "/faq auto"),
        ]:
            assert await chat.texts(typed(line, BOB)) == [
                f"Sorry, only managers can use {shown}."
            ], line
        assert await chat.texts(typed("/faq 1", BOB)) != []
        assert await chat.texts(typed("/faq helpful 1", BOB)) == ["Thanks for the feedback!"]
        assert await chat.texts(typed("/faq nothelpful 1", BOB)) == ["Thanks for the feedback!"]
        (help_text,) = await chat.texts(typed("/help faq", BOB))
        assert "/faq [question]" in help_text and "/faq add" not in help_text
        (help_text,) = await chat.texts(typed("/help faq", ALICE))
        assert "/faq add <question> <answer>" in help_text
        (listing,) = await chat.texts(typed("/faq list", ALICE))
        assert "#1 How do I reset my password? — 1 hit · 👍 0 · 👎 1" in listing
        # a quoted question that starts with a subcommand name is a search
        assert await chat.texts(typed('/faq "list of passwords"', BOB)) != [
            "Sorry, only managers can use /faq list."
        ]


async def test_console_has_no_buttons_so_answers_show_commands_that_work(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, CONSOLE) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        await seed(chat)
        (auto,) = await chat.messages(said("How can I reset my password?"))
        assert auto.buttons == ()
        assert auto.text.plain().endswith(
            "\n\n👍 Helpful: /faq helpful 1\n👎 Not helpful: /faq nothelpful 1"
        )
        assert await chat.texts(typed("/faq helpful 1")) == ["Thanks for the feedback!"]
        (listing,) = await chat.texts(typed("/faq list", ALICE))
        assert "#1 How do I reset my password? — 1 hit · 👍 1 · 👎 0" in listing


async def test_without_message_content_only_slash_commands_and_mentions_answer(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, DISCORD_NO_CONTENT) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        await seed(chat)
        assert await chat.send(said("")) == [], "Discord blanks what the bot may not read"
        assert await chat.texts(typed("/faq unanswered", ALICE)) == ["No unanswered questions."]
        assert len(await chat.messages(typed("/faq reset password"))) == 1
        (answer,) = await chat.messages(said("<@777> How can I reset my password?"))
        assert answer.buttons[0][0].data == "faq:1:y", "a mention's text is delivered"
        assert await chat.texts(typed("/faq auto on", ALICE)) == [
            "Automatic FAQ answers are on, but this bot cannot read ordinary messages on "
            "this platform: it answers /faq and messages that mention it."
        ]
        (settings,) = await chat.texts(typed("/settings", ALICE))
        assert "FAQ auto-answers only when it is mentioned" in settings


async def test_auto_answers_can_be_switched_off(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        await seed(chat)
        assert await chat.texts(typed("/faq auto off", ALICE)) == [
            "Automatic FAQ answers are off; /faq still works."
        ]
        assert await chat.send(said("How can I reset my password?")) == []
        assert len(await chat.messages(typed("/faq reset password"))) == 1
        assert await chat.texts(typed("/faq auto on", ALICE)) == ["Automatic FAQ answers are on."]
        assert len(await chat.messages(said("How can I reset my password?"))) == 1


async def test_cooldown_is_stored_and_survives_a_restart(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        await seed(chat)
        assert len(await chat.messages(said("How can I reset my password?"))) == 1
    async with running(sqlite_url) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        assert await chat.messages(said("how do I reset my password?")) == []
        past = datetime.now(UTC) - timedelta(hours=1)
        async with runtime.store.engine.begin() as connection:
            await connection.execute(update(FaqCooldownRow).values(answered_at=past))
        assert len(await chat.messages(said("how do I reset my password?"))) == 1


async def test_italian_community_is_answered_in_italian(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, adapter):
        async with runtime.store.transaction() as tx:
            await tx.set_setting(COMMUNITY, "locale", "it", datetime.now(UTC))
        chat = Chat(runtime, adapter)
        assert await chat.texts(typed(SEED[1], ALICE)) == ["Voce FAQ #1 aggiunta."]
        (auto,) = await chat.messages(said("come posso reimpostare la password"))
        assert [b.label for b in auto.buttons[0]] == ["👍 Utile", "👎 Non utile"]
        assert await chat.texts(typed("/faq orari della biblioteca")) == [
            "Non ho ancora una risposta; ho annotato la domanda per i gestori."
        ]


async def test_private_answers_to_managers_where_the_platform_has_them(sqlite_url: str) -> None:
    from dataclasses import replace

    async with running(sqlite_url) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        event = replace(typed('/faq add "Q one?" "A one"', ALICE), interaction_id="slash-1")
        (reply,) = await chat.send(event)
        assert isinstance(reply, SendEphemeral) and reply.text.plain() == "FAQ entry #1 added."


# -- the in-memory index and the database ------------------------------------------------

OTHER = CommunityRef("memory", "elsewhere")


async def test_index_follows_other_processes_and_ignores_rolled_back_writes(
    database_url: str,
) -> None:
    await migrate(database_url)
    engines = [create_engine(database_url), create_engine(database_url)]
    here, there = (SqlStore(engine) for engine in engines)
    indexes = Indexes(LexicalMatcher)
    now = datetime.now(UTC)

    async def questions() -> set[str]:
        async with here.transaction() as tx:
            index = await indexes.get(SqlFaqStore(tx), COMMUNITY, "en")
            return {entry.question for entry in index.entries.values()}

    async def write(store: SqlStore, question: str, *, fail: bool = False) -> None:
        async with store.transaction() as tx:
            faq = SqlFaqStore(tx)
            revision = await faq.bump(COMMUNITY, now)
            await faq.add(COMMUNITY, [NewEntry(question, "answer")], revision.number, now)
            if fail:
                # the index sees the uncommitted entry, then the transaction is undone
                index = await indexes.get(faq, COMMUNITY, "en")
                assert question in {e.question for e in index.entries.values()}
                raise RuntimeError("rolled back")

    try:
        assert await questions() == set()
        await write(there, "Where is the office?")  # "another process"
        assert await questions() == {"Where is the office?"}
        assert (indexes.stats.builds, indexes.stats.patches) == (1, 1)

        with pytest.raises(RuntimeError):
            await write(here, "Never committed?", fail=True)
        # another writer reuses the revision number the rolled-back write had
        await write(there, "When is the meetup?")
        assert await questions() == {"Where is the office?", "When is the meetup?"}
        assert indexes.stats.builds == 2, "a reused revision number with another token rebuilds"

        async with there.transaction() as tx:
            faq = SqlFaqStore(tx)
            revision = await faq.bump(COMMUNITY, now)
            assert await faq.remove(COMMUNITY, 1, revision.number, now)
        assert await questions() == {"When is the meetup?"}
        assert indexes.stats.builds == 2 and indexes.stats.patches == 3
        async with here.transaction() as tx:
            index = await indexes.get(SqlFaqStore(tx), OTHER, "en")
            assert index.entries == {}, "communities never share entries"
    finally:
        for engine in engines:
            await engine.dispose()


async def test_russian_community_is_answered_in_russian_with_plurals(sqlite_url: str) -> None:
    async with running(sqlite_url) as (runtime, adapter):
        async with runtime.store.transaction() as tx:
            await tx.set_setting(COMMUNITY, "locale", "ru", datetime.now(UTC))
        chat = Chat(runtime, adapter)
        assert await chat.texts(typed(SEED[2], ALICE), typed(SEED[3], ALICE)) == [
            "Запись FAQ #1 добавлена.",
            "Запись FAQ #2 добавлена.",
        ]
        (auto,) = await chat.messages(said("как сменить пароль"))
        assert [b.label for b in auto.buttons[0]] == ["👍 Полезно", "👎 Бесполезно"]
        assert await chat.toasts(pressed("faq:1:y")) == ["Спасибо за отзыв!"]
        assert await chat.texts(typed("/faq")) == [
            "Спрашивайте так: /faq <question>.\nВ FAQ 2 записи."
        ]
        (listing,) = await chat.texts(typed("/faq list", ALICE))
        assert listing.splitlines() == [
            "FAQ: 2 записи",
            "#1 Как поменять пароль? — 1 обращение · 👍 1 · 👎 0",
            "#2 Where is the office? — 0 обращений · 👍 0 · 👎 0",
        ]
        assert await chat.texts(typed("/faq где парковка для велосипедов")) == [
            "У меня пока нет ответа; я записал вопрос для модераторов."
        ]


async def test_the_index_is_built_once_then_patched_never_rebuilt_per_message(
    sqlite_url: str,
) -> None:
    from townsquare.core.faq.feature import Faq

    async with running(sqlite_url) as (runtime, adapter):
        (feature,) = [f for f in runtime.features if isinstance(f, Faq)]
        stats = feature.indexes.stats
        chat = Chat(runtime, adapter)
        await seed(chat)
        # built (empty) for the first add; each later add patches in the one before it
        assert (stats.builds, stats.patches) == (1, 3)
        for number in range(10):
            await chat.send(said(f"how can I reset my password? ({number})"))
        # the first question patches in the last add; the others use the index as it is
        assert (stats.builds, stats.patches, stats.hits) == (1, 4, 9)
        await chat.send(typed("/faq edit 4 Via Roma 2.", ALICE), typed("/faq remove 3", ALICE))
        (answer,) = await chat.messages(typed("/faq where is the office"))
        assert answer.text.plain().endswith("Via Roma 2.")
        assert (stats.builds, stats.patches) == (1, 5), "one patch brings in the edit and removal"
