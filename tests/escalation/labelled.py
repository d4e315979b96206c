"""A small labelled set for the lexicon detector: (language, text, is a reply, conflict?).

Positives are hostile messages aimed at someone, including disguised ones (leetspeak,
spaced letters, a Latin letter inside a Cyrillic word). Negatives include the traps a
word list falls into: self-deprecation, technical "kill", words that share a stem with an
insult ("stupendo", "тупик"), and insults aimed at nobody.
"""

from __future__ import annotations

LABELLED: list[tuple[str, str, bool, bool]] = [
    # English: conflicts
    ("en", "you are an idiot", False, True),
    ("en", "shut up, nobody cares about your opinion", False, True),
    ("en", "u r a m0r0n", False, True),
    ("en", "I will kill you if you post that again", False, True),
    ("en", "kys", True, True),
    ("en", "what a pathetic loser you are", False, True),
    ("en", "go to hell", True, True),
    ("en", "I know where you live.", False, True),
    ("en", "You're such a d u m b a s s", False, True),
    ("en", "STUPID!!! you never listen", False, True),
    ("en", "clown", True, True),
    ("en", "I'll find you and you'll regret it", False, True),
    # English: not conflicts
    ("en", "I felt like an idiot when I missed the bus", False, False),
    ("en", "This bug is killing me", False, False),
    ("en", "Can you kill the process on port 8080?", True, False),
    ("en", "Shut down the server before the update", False, False),
    ("en", "That movie was stupid fun", False, False),
    ("en", "You did a great job, thanks!", True, False),
    ("en", "I'm dead tired", False, False),
    ("en", "the trash collection is on Monday", False, False),
    ("en", "Are you going to the meetup?", False, False),
    ("en", "you can't be serious, that idea is stupid", True, False),
    # Italian: conflicts
    ("it", "sei un idiota", False, True),
    ("it", "stai zitto, cretino", False, True),
    ("it", "ti ammazzo se lo rifai", False, True),
    ("it", "vaffanculo", True, True),
    ("it", "sei proprio uno stronzo", False, True),
    ("it", "so dove abiti", False, True),
    ("it", "che pagliaccio che sei", False, True),
    ("it", "fai schifo", True, True),
    ("it", "imbecille!", True, True),
    ("it", "sei un c0gl10ne", False, True),
    ("it", "sei un'idiota", False, True),
    # Italian: not conflicts
    ("it", "mi sento un idiota, ho dimenticato le chiavi", False, False),
    ("it", "domani c'è la riunione alle 10", False, False),
    ("it", "grazie mille per l'aiuto!", True, False),
    ("it", "questo codice è stupendo", True, False),
    ("it", "hai visto la partita ieri?", False, False),
    ("it", "ti mando il file stasera", True, False),
    ("it", "che giornata scema", False, False),
    ("it", "sei pronto per la gita?", False, False),
    ("it", "l'ignoranza è un problema della società", False, False),
    ("it", "tu sei un genio", True, False),
    # Russian: conflicts
    ("ru", "ты идиот", False, True),
    ("ru", "заткнись уже", True, True),
    ("ru", "я тебя убью", False, True),
    ("ru", "ты тупой что ли?", True, True),
    ("ru", "иди на хрен", True, True),
    ("ru", "сдохни", True, True),
    ("ru", "ты просто ничтожество", False, True),
    ("ru", "ты дeбил", False, True),  # a Latin "e" inside
    ("ru", "тебе конец, понял?", False, True),
    ("ru", "урод", True, True),
    ("ru", "ну ты и клоун", True, True),
    ("ru", "ТЫ ИДИОООТ", False, True),
    # Russian: not conflicts
    ("ru", "я вчера был таким дураком", False, False),
    ("ru", "спасибо за помощь", True, False),
    ("ru", "во сколько встреча?", False, False),
    ("ru", "ты придешь завтра?", True, False),
    ("ru", "этот фильм убил меня своей скукой", False, False),
    ("ru", "тупик в конце улицы", False, False),
    ("ru", "козел отпущения", False, False),
    ("ru", "вы молодцы!", True, False),
    ("ru", "давай созвонимся вечером", False, False),
    ("ru", "ёлки, опять дождь", False, False),
]
