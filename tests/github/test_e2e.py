"""GitHub end to end through ``townsquare run`` with aiogram against the Telegram fake and
the web side on loopback, ``[feedback.github]`` pointed at the GitHub fake:

* ``/feedback issue 1`` (a manager) opens one GitHub issue with the idea's text and votes,
  and the manager is told its link privately; a member may not;
* the issue closed as completed (a signed webhook delivery to ``/hooks/github``) marks the
  idea done on the board, and every backer is told privately, once;
* a badly signed delivery is refused (401) and a replayed one ignored (200), changing
  nothing;
* a process killed while GitHub was opening the issue leaves no second issue: the next
  start finds the one the killed process opened.
"""

from __future__ import annotations

import asyncio
import re

from tests.fakes.github.server import SECRET
from tests.fakes.telegram import payloads as p
from tests.github.town import GROUP, GithubTown
from tests.github.town import town as town
from tests.rewards.town import telegram_user

OLGA = p.ADMIN
ALICE = telegram_user(2001, "Alice")
BOB = telegram_user(2002, "Bob")
IDEA = "A dark mode for the mobile app, please"


def private(town: GithubTown, user: dict[str, object]) -> list[str]:
    return town.sent_to(int(str(user["id"])))


async def seen(town: GithubTown, chat: int, words: str) -> list[str]:
    """Once the bot sent ``chat`` a message containing ``words``: those messages."""
    return await town.wait(lambda: [t for t in town.sent_to(chat) if words in t])


async def an_idea_with_two_votes(town: GithubTown) -> None:
    await town.says(OLGA, "/feedback board here")
    await seen(town, GROUP, "This channel is now the feedback board")
    await town.says(ALICE, f"/feedback {IDEA}")
    await seen(town, int(str(ALICE["id"])), "Your idea is #1")
    await town.says(BOB, "/feedback vote 1")
    await seen(town, GROUP, "Voted for #1: 2 votes now.")
    await town.wait(lambda: "2 votes" in board_text(town))


def board_text(town: GithubTown) -> str:
    """The idea's board message as it reads now (its last edit)."""
    edits = [str(c.get("text")) for c in town.telegram.called("editMessageText")]
    return edits[-1] if edits else ""


async def test_an_issue_closed_on_github_marks_the_idea_done_and_tells_its_backers(
    town: GithubTown,
) -> None:
    await town.start(town.write_config())
    await town.wait_log("GitHub: acme/app is reachable")
    await an_idea_with_two_votes(town)

    await town.says(BOB, "/feedback issue 1")
    await seen(town, GROUP, "Sorry, only managers can use /feedback issue.")
    await town.says(OLGA, "/feedback issue 1")
    (issue,) = await town.github.wait_for_issues(1)
    assert issue["title"] == IDEA
    assert f"```text\n{IDEA}\n```" in issue["body"] and "**2 votes**" in issue["body"]
    assert re.search(r"\[idea #1\]\(https://t\.me/c/1234567890/\d+\)", issue["body"]), issue
    told = await town.wait(lambda: [t for t in private(town, OLGA) if "GitHub issue #1" in t])
    assert told == ["GitHub issue #1 is open for idea #1."]

    # A delivery signed with another secret, or not at all: 401, nothing changes.
    payload = town.github.close_issue(1, "completed")
    status, _body, _ = await town.github.deliver(
        town.hook_url, payload, secret="not-the-webhook-secret-at-all"
    )
    assert status == 401
    status, _body, _ = await town.github.deliver(town.hook_url, payload, secret=None)
    assert status == 401
    assert "Done" not in board_text(town)

    status, body, delivery = await town.github.deliver(town.hook_url, payload)
    assert (status, body) == (200, '{"ok": "stored"}')
    await town.wait(lambda: "Done" in board_text(town))
    for backer in (ALICE, BOB):
        notices = await town.wait(
            lambda backer=backer: [t for t in private(town, backer) if "new status" in t],
            timeout=30,
        )
        assert len(notices) == 1 and "Done" in notices[0] and IDEA in notices[0], notices

    # GitHub's Redeliver (or a replay of the captured request): ignored, nobody told again.
    status, body, _ = await town.github.deliver(town.hook_url, payload, delivery=delivery)
    assert (status, body) == (200, '{"ignored": "replay"}')
    await town.says(OLGA, "/feedback 1")
    (details,) = await seen(town, GROUP, "→ Done: https://github.com/acme/app/issues/1")
    assert details.startswith("💡 #1 2 votes · Done"), details
    log = await town.stop()
    for backer in (ALICE, BOB):
        assert len([t for t in private(town, backer) if "new status" in t]) == 1
    assert town.github.token not in log and SECRET not in log
    assert len(town.github.issues) == 1


async def test_a_process_killed_while_github_opened_the_issue_opens_no_second_one(
    town: GithubTown,
) -> None:
    config = town.write_config()
    await town.start(config)
    await an_idea_with_two_votes(town)
    town.github.hang_after_create = True  # GitHub makes the issue; its answer never comes
    await town.says(OLGA, "/feedback issue 1")
    await town.github.wait_for_issues(1)
    assert town.process is not None
    town.process.kill()  # SIGKILL, with the request in flight
    await town.process.wait()
    town.github.hang_after_create = False

    await town.start(config)
    told = await town.wait(lambda: [t for t in private(town, OLGA) if "GitHub issue #1" in t])
    assert told == ["GitHub issue #1 is open for idea #1."]
    await asyncio.wait_for(town.stop(), 60)
    assert len(town.github.issues) == 1, "the restarted process found the issue by its marker"
    assert town.github.called("GET", "/issues"), "it looked for the issue before posting"
    assert not town.github.called("POST", "/issues"), "and posted nothing (the hung one aside)"
