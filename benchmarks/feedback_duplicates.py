"""Duplicate detection on the feedback board at 10,000 ideas.

    .venv/bin/python -m benchmarks.feedback_duplicates [--ideas 10000] [--queries 1000]
                                                       [--rounds 5]

A synthetic scope of ``--ideas`` ideas in English, Italian and Russian ("Add dark mode to
the mobile app", "Aggiungere l'esportazione delle fatture in CSV", ...) is indexed the way
the feature does it (:class:`core.feedback.similar.ScopeIndex` over the FAQ's
:class:`~core.matching.LexicalMatcher`). Each timed query is what happens before an idea is
filed: the search for the 3 nearest ideas and the confidence threshold
(:data:`core.feedback.rules.SIMILAR_SCORE`). Queries are paraphrases of existing ideas
(another opener, words reordered, a quarter with a typo) and new ideas that match nothing.

Per-query CPU time (``time.process_time``, so another process's burst on the shared machine
does not count); after one warm-up pass (stems and BM25 weights cached), ``--rounds``
rounds, and for each the p99; the report prints that p99's min, median and max over the
rounds, the p50, and how often a paraphrase found its original.

``--rare`` gives every idea a word no other idea has (a vocabulary that grows with the
board, the worst case for the typo expansion, which scans the known words of similar
length).

Goal: p99 ≤ 2 ms at 10,000 ideas.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from townsquare.core.feedback import rules
from townsquare.core.feedback.similar import ScopeIndex
from townsquare.core.matching import LexicalMatcher

LANGUAGES: dict[str, dict[str, list[str]]] = {
    "en": {
        "openers": ["Add", "Please add", "It would be great to have", "Could you add", "We need"],
        "things": [
            "dark mode",
            "an export of invoices as CSV",
            "a calendar sync with Google",
            "two-factor login",
            "push notifications for replies",
            "a search in old messages",
            "custom emoji",
            "a weekly digest email",
            "offline reading",
            "a bigger font option",
            "voice messages",
            "a shared shopping list",
            "read receipts",
            "scheduled posts",
            "polls with images",
            "a public roadmap",
            "bulk invitations",
            "profile badges",
            "a night schedule",
            "file previews",
        ],
        "places": [
            "in the mobile app",
            "on the website",
            "for team admins",
            "in the desktop client",
            "on Android",
            "on iPhone",
            "for guests",
            "in the dashboard",
            "for every channel",
            "in settings",
        ],
    },
    "it": {
        "openers": ["Aggiungere", "Per favore aggiungete", "Sarebbe utile avere", "Vorrei"],
        "things": [
            "la modalità scura",
            "l'esportazione delle fatture in CSV",
            "la sincronizzazione del calendario",
            "l'accesso a due fattori",
            "le notifiche delle risposte",
            "la ricerca nei vecchi messaggi",
            "un riepilogo settimanale",
            "la lettura offline",
            "i messaggi vocali",
            "i sondaggi con immagini",
            "gli inviti multipli",
            "le anteprime dei file",
        ],
        "places": [
            "nell'app",
            "sul sito",
            "per gli amministratori",
            "su Android",
            "per gli ospiti",
            "nel pannello",
            "nelle impostazioni",
        ],
    },
    "ru": {
        "openers": ["Добавьте", "Пожалуйста, добавьте", "Хотелось бы", "Нужна"],
        "things": [
            "тёмную тему",
            "экспорт счетов в CSV",
            "синхронизацию календаря",
            "двухфакторный вход",
            "уведомления об ответах",
            "поиск по старым сообщениям",
            "еженедельную рассылку",
            "чтение без сети",
            "голосовые сообщения",
            "опросы с картинками",
            "массовые приглашения",
            "предпросмотр файлов",
        ],
        "places": [
            "в мобильном приложении",
            "на сайте",
            "для администраторов",
            "на Android",
            "для гостей",
            "в панели",
            "в настройках",
        ],
    },
}
DETAILS = {
    "en": "quickly safely nightly weekly colourful accessible keyboard touch gestures "
    "history archive filters labels folders reminders widgets shortcuts templates themes "
    "contrast privacy backups sharing comments reactions mentions threads drafts",
    "it": "velocemente sicuro notturno settimanale colorato accessibile tastiera gesti "
    "cronologia archivio filtri etichette cartelle promemoria scorciatoie modelli temi",
    "ru": "быстро безопасно ночью еженедельно ярко доступно клавиатура жесты история архив "
    "фильтры метки папки напоминания ярлыки шаблоны темы",
}
"""Words that make each idea a little different (two of them per idea), so a board of
10,000 has many near neighbours and a vocabulary of a real one's size."""


def ideas(count: int, rng: random.Random, rare: bool = False) -> list[tuple[str, str]]:
    """``count`` ideas as (language, text): an opener, a thing, a place and two details,
    so a scope has many near neighbours, as a real board does."""
    made: list[tuple[str, str]] = []
    languages = list(LANGUAGES)
    number = 0
    while len(made) < count:
        language = languages[number % len(languages)]
        words = LANGUAGES[language]
        thing = rng.choice(words["things"])
        place = rng.choice(words["places"])
        detail = " ".join(rng.sample(DETAILS[language].split(), 2))
        if rare:  # a word no other idea has: the vocabulary grows with the board
            detail += f" tag{number}"
        made.append((language, f"{rng.choice(words['openers'])} {thing} {place} ({detail})"))
        number += 1
    return made


def typo(text: str, rng: random.Random) -> str:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) > 5]
    if not long:
        return text
    i = rng.choice(long)
    word = words[i]
    j = rng.randrange(1, len(word) - 1)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def core(language: str, text: str) -> str:
    """An idea without its opener and details: what a duplicate asks for too."""
    body = text
    for opener in sorted(LANGUAGES[language]["openers"], key=len, reverse=True):
        if body.startswith(opener + " "):
            body = body[len(opener) + 1 :]
            break
    return body.rsplit(" (", 1)[0]


def paraphrase(language: str, text: str, rng: random.Random) -> str:
    words = LANGUAGES[language]
    body = core(language, text)
    opener = rng.choice(words["openers"])
    said = f"{opener} {body}"
    return typo(said, rng) if rng.random() < 0.25 else said


def fresh(rng: random.Random) -> str:
    return rng.choice(
        [
            "Let members pick a profile colour for their nickname",
            "Un gioco a quiz il venerdì sera per tutta la comunità",
            "Конкурс рисунков для участников сообщества весной",
            "A keyboard shortcut to jump to the latest unread thread",
        ]
    )


def detect(index: ScopeIndex, text: str) -> list[int]:
    """What the feature does before filing: the nearest ideas above the threshold."""
    return [
        match.id
        for match in index.search(text, rules.SIMILAR_LIMIT)
        if match.score >= rules.SIMILAR_SCORE
    ]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument(
        "--rare", action="store_true", help="give every idea a word no other idea has"
    )
    options = parser.parse_args()
    rng = random.Random(options.seed)
    scope = ideas(options.ideas, rng, options.rare)
    index = ScopeIndex(LexicalMatcher("en"))
    started = time.process_time()
    for number, (_language, text) in enumerate(scope, 1):
        index.add(number, text)
    built = time.process_time() - started
    queries: list[tuple[str, int | None]] = []
    for _ in range(options.queries):
        if rng.random() < 0.8:
            number = rng.randrange(1, options.ideas + 1)
            language, text = scope[number - 1]
            queries.append((paraphrase(language, text, rng), number))
        else:
            queries.append((fresh(rng), None))
    for text, _wanted in queries:  # warm-up: stems and weights cached
        detect(index, text)
    p99s: list[float] = []
    p50s: list[float] = []
    found = 0
    asked = 0
    for _round in range(options.rounds):
        samples: list[float] = []
        for text, wanted in queries:
            start = time.process_time()
            hits = detect(index, text)
            samples.append(time.process_time() - start)
            if wanted is not None and _round == 0:
                asked += 1
                want = core(*scope[wanted - 1])
                found += any(core(*scope[h - 1]) == want for h in hits)
        p99s.append(percentile(samples, 0.99))
        p50s.append(percentile(samples, 0.5))
    ms = 1000.0
    print(f"{options.ideas} ideas indexed in {built:.2f} s CPU; {options.queries} queries a round")
    print(
        f"p99 per query over {options.rounds} rounds: min {min(p99s) * ms:.3f} ms, "
        f"median {statistics.median(p99s) * ms:.3f} ms, max {max(p99s) * ms:.3f} ms "
        f"(goal ≤ 2 ms: {'met' if statistics.median(p99s) <= 0.002 else 'NOT met'})"
    )
    print(
        f"p50 per query: min {min(p50s) * ms:.3f} ms, median "
        f"{statistics.median(p50s) * ms:.3f} ms, max {max(p50s) * ms:.3f} ms"
    )
    print(
        f"paraphrases offered their idea (or a twin asking the same): {found / max(asked, 1):.1%}"
    )


if __name__ == "__main__":
    main()
