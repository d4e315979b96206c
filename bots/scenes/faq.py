"""The FAQ: Alice adds entries, members ask in their own words (and in Italian and
Russian), the bot answers on its own, a question it cannot answer surfaces for Alice, who
turns it into an entry. The console has no buttons, so votes are typed."""

from __future__ import annotations

from townsquare.bots.scenes import Step

SCENE = [
    Step("", "note", "Alice fills the FAQ; members ask in their own words."),
    Step(
        "Alice",
        "say",
        '/faq add "How do I reset my password?" "Settings → Account → Reset password."',
    ),
    Step("Alice", "say", '/faq add "Come reimposto la password?" Impostazioni → Account.'),
    Step("Alice", "say", '/faq add "Как поменять пароль?" "Настройки → Аккаунт → Пароль."'),
    Step("Bob", "say", "How can I reset my password?"),
    Step("Bob", "say", "/faq helpful 1"),
    Step("Carol", "say", "come posso reimpostare la password"),
    Step("Dave", "say", "как сменить пароль"),
    Step("Carol", "say", "how are you all?"),
    Step("Dave", "say", "where do we park our bikes?"),
    Step("Bob", "say", "/faq where is the bike parking"),
    Step("Alice", "say", "/faq unanswered"),
    Step("Alice", "say", '/faq add "Where can I park my bike?" "In the courtyard, by the gate."'),
    Step("Dave", "say", "where can I park a bike?"),
    Step("Alice", "say", "/faq list"),
]
