"""Cases, notices and answers speak the community's language (Italian, Russian)."""

from __future__ import annotations

from tests.escalation.support import Clock, Place, adapter, person, running, take
from tests.harness import play
from townsquare.core.actions import SendDirect, SendMessage
from townsquare.core.i18n import Translator
from townsquare.core.refs import PlatformRole


async def test_a_russian_community_gets_russian_cases_and_notices(sqlite_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(
        sqlite_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999", detectors=[]
    ) as rt:
        async with rt.store.transaction() as tx:
            await tx.set_setting(group.community, "locale", "ru", clock.now)
        rude = group.say(person("Mallory"), "rude")
        await play(
            rt,
            rude,
            group.command("report", who=person("Bob"), reply_to=rude),
            group.command("warn", "флуд", who=person("Alice", PlatformRole.ADMIN), reply_to=rude),
        )
        done = take(tg)
        (thanks,) = [a for a in done if isinstance(a, SendDirect)]
        assert thanks.text.plain() == "Спасибо, менеджеры получили вашу жалобу (дело №1)."
        card = next(a for a in done if isinstance(a, SendMessage) and a.key)
        assert card.text.plain().startswith("🟡 Дело №1 · низкая · открыто")
        assert "Жалоба от 1 участника: Bob" in card.text.plain()
        assert [b.label for row in card.buttons for b in row][:2] == ["Взять", "Решить"]
        notice = next(a for a in done if isinstance(a, SendMessage) and not a.key)
        assert notice.text.plain() == "@Mallory получает предупреждение (1/3). Причина: флуд"


def test_plural_forms() -> None:
    ru, it = Translator("ru"), Translator("it")
    assert [ru.plural("{n} report", "{n} reports", n) for n in (1, 3, 5, 21)] == [
        "1 жалоба",
        "3 жалобы",
        "5 жалоб",
        "21 жалоба",
    ]
    assert it.plural("{n} active warning", "{n} active warnings", 2) == "2 ammonimenti attivi"
