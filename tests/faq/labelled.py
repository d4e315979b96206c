"""A small multilingual FAQ with paraphrases, questions it cannot answer, and small talk.

``PARAPHRASES`` maps a paraphrase to the index (in ``ENTRIES``) of the entry it asks for;
``UNANSWERABLE`` are real questions no entry answers; ``CHATTER`` is small talk and
ordinary remarks that must never be auto-answered.
"""

from __future__ import annotations

ENTRIES: list[tuple[str, str]] = [
    # English
    ("How do I reset my password?", "Settings → Account → Reset password."),
    ("Where is the office?", "Via Roma 1, second floor."),
    ("When does the meetup start?", "Every Thursday at 19:00."),
    ("Is the office open on weekends?", "No, Monday to Friday only."),
    ("How do I delete my account?", "Write to support@example.org."),
    ("Can I bring my dog to the office?", "Yes, dogs are welcome."),
    ("How do I join the Discord server?", "Use the invite link in the pinned message."),
    ("What payment methods do you accept?", "Cards and bank transfer."),
    # Italian
    ("Come reimposto la password?", "Impostazioni → Account → Reimposta password."),
    ("Dove si trova l'ufficio?", "Via Roma 1, secondo piano."),
    ("Quanto costa l'abbonamento annuale?", "120 euro all'anno."),
    ("Come posso disdire l'abbonamento?", "Dalla pagina Abbonamento, pulsante Disdici."),
    ("Posso pagare con PayPal?", "Sì, PayPal è accettato."),
    ("A che ora apre la biblioteca?", "Alle 9."),
    # Russian
    ("Как поменять пароль?", "Настройки → Аккаунт → Сменить пароль."),
    ("Где находится офис?", "Виа Рома 1, второй этаж."),
    ("Сколько стоит годовая подписка?", "120 евро в год."),
    ("Как отменить подписку?", "На странице подписки, кнопка «Отменить»."),
    ("Можно ли оплатить картой?", "Да, принимаем карты."),
    ("Когда начинается встреча?", "Каждый четверг в 19:00."),
]

PARAPHRASES: dict[str, int] = {
    # the three pairs the issue names
    "How can I reset my password": 0,
    "come posso reimpostare la password": 8,
    "как сменить пароль": 14,
    # English
    "how to reset password?": 0,
    "I forgot my pasword, how do I reset it?": 0,
    "where's the office?": 1,
    "where is your ofice located?": 1,
    "what time does the meetup start?": 2,
    "are you open on the weekend?": 3,
    "how can I delete my account?": 4,
    "can I delete my acount": 4,
    "can I bring a dog?": 5,
    "how to join the discord?": 6,
    "which payment methods are accepted?": 7,
    # Italian
    "dove è l'ufficio?": 9,
    "quanto costa l'abbonamento?": 10,
    "come disdico l'abbonamento?": 11,
    "si può pagare con paypal?": 12,
    "quando apre la biblioteca?": 13,
    "come si reimposta la password?": 8,
    # Russian
    "как изменить пароль?": 14,
    "где офис?": 15,
    "сколько стоит подписка на год?": 16,
    "как отменить подписку": 17,
    "можно оплатить картой?": 18,
    "когда начнется встреча?": 19,
}

UNANSWERABLE: list[str] = [
    "where can I park my bike?",
    "who is the new moderator?",
    "is there a vegetarian menu?",
    "c'è un parcheggio per le bici?",
    "chi è il nuovo moderatore?",
    "есть ли парковка для велосипедов?",
    "кто новый модератор?",
]

CHATTER: list[str] = [
    "how are you?",
    "how was your weekend?",
    "what's up?",
    "good morning everyone",
    "thanks a lot!",
    "lol",
    "anyone here?",
    "I love this community",
    "see you on thursday",
    "my password manager is great",
    "the office looks nice today",
    "come va?",
    "come stai?",
    "tutto bene?",
    "buongiorno a tutti",
    "ci vediamo in ufficio",
    "как дела?",
    "как жизнь?",
    "что нового?",
    "всем привет",
    "офис сегодня красивый",
    "спасибо большое",
    "ok",
    "👍",
]
