"""Word lists for English, Italian and Russian: stop words, question openers, small talk.

All entries are in normalised form (case-folded, Latin accents removed, ``ё`` as ``е``),
because they are compared after :func:`core.matching.text.fold`. Stop words include the
filler of questions ("how do I", "come posso", "как мне"): two phrasings of one question
differ mostly there, so dropping it is what lets paraphrases meet.
"""

from __future__ import annotations


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _set(
        """
        a about above after again against all am an and any anybody anyone anything
        are aren as at be because been before being below between both but by can
        cannot could couldn did didn do does doesn doing don down during each else
        ever few for from further get gets getting got had hadn has hasn have haven
        having he her here hers herself him himself his how however i if in into is
        isn it its itself just know let like ll m may me might mine more most much
        must mustn my myself need needs no nor not now of off often on once one only
        or other ought our ours ourselves out over own please pls plz re really s
        same shall shan she should shouldn so some somebody someone something still
        such t tell than thank thanks that the their theirs them themselves then
        there these they this those through thx to too under until up us ve very via
        want wanna was wasn way we were weren what whatever when where whether which
        while who whom whose why will with won would wouldn y yes you your yours
        yourself yourselves hi hello hey guys folks anybody everyone
        """
    ),
    "it": _set(
        """
        a ad al alla alle allo agli ai anche ancora avere avete aveva avevo abbiamo
        ha hai hanno ho c che chi ci cio col come con contro cosa cose cui da dagli
        dai dal dalla dalle dallo de degli dei del della delle dello dentro di dire
        dove dov e ed era erano eravamo essere fa fai fanno fare faccio gia gli
        grazie ha i il in io la le lei li lo loro lui ma me mi mia mie miei mio ne
        nei nel nella nelle nello no noi non nostra nostre nostri nostro o ogni per
        perche piu po poi posso possiamo possono potete potrei potrebbe potresti puo
        puoi qua qual quale quali qualcuno qualcosa quando quanta quante quanti
        quanto quella quelle quelli quello questa queste questi questo qui se sei si
        sia siamo siete sono sta stai stanno stato sto su sua sue sui sul sulla
        sulle sullo suo suoi ti tra tu tua tue tuo tuoi tutti tutto un una uno vi
        voi vorrei vuoi vuole salve ciao buongiorno sapete sai sapreste sapresti
        dovrei devo deve serve bisogna per favore
        """
    ),
    "ru": _set(
        """
        а без более бы был была были было быть в вам вас весь во вот все всего всех
        вы где да даже для до его ее если есть еще же за здесь и из или им их к как
        какая какие каким какое какой когда кто ли либо мне много может можно мой
        моя мы на надо нам нас не него нее нет ни них но ну о об однако он она они
        оно от очень по под при про с со так также такой там те тем то того тоже той
        только том ты у уже хотя чего чей чем что чтобы чье эта эти это этот я мой
        мои моего свой свою себе себя сейчас нужно хочу хотим хотел хотела могу
        можем сможет подскажите скажите пожалуйста кто-нибудь кто-то где-то как-то
        всем привет здравствуйте спасибо куда откуда зачем почему сколько вообще тут
        ребята народ
        """
    ),
}

QUESTION_OPENERS: dict[str, frozenset[str]] = {
    "en": _set(
        """
        how what whats where when why who whom whose which can could is are am do
        does did should shall will would may might has have was were isn aren doesn
        don didn wasn anyone anybody
        """
    ),
    "it": _set(
        """
        come cosa che chi dove dov quando perche quale quali qual quanto quanta
        quanti quante posso possiamo puoi puo c qualcuno sapete sai esiste
        """
    ),
    "ru": _set(
        """
        как что где когда почему зачем кто какой какая какое какие каким сколько
        можно куда откуда чем чей разве неужели подскажите скажите есть
        """
    ),
}

QUESTION_PARTICLES = frozenset({"ли"})
"""Words that make a question anywhere in a sentence (Russian ``ли``)."""

_SMALL_TALK_TEXT = """
    how are you|how are you doing|how r u|how is it going|hows it going|how s it going|
    how are things|how was your day|how was your weekend|how is everyone|how are you all|
    what s up|whats up|sup|what are you doing|what are you up to|anyone here|anybody here|
    is anyone here|are you there|you there|are you a bot|who are you|what is your name|
    how old are you|good morning|good night|thank you|thanks|
    come stai|come va|come state|come andiamo|tutto bene|tutto ok|che fai|che fate|ci sei|
    c e qualcuno|ce qualcuno|che succede|come ti chiami|sei un bot|chi sei|buongiorno|
    come e andata|come va la vita|
    как дела|как ты|как вы|как жизнь|как сам|как сама|что нового|как поживаешь|
    как поживаете|ты тут|ты здесь|кто здесь|кто тут|есть кто|есть кто нибудь|
    как настроение|что делаешь|что делаете|ты бот|кто ты|как тебя зовут|как прошел день|
    как выходные|как прошли выходные
    """
SMALL_TALK = frozenset(
    phrase.strip() for phrase in _SMALL_TALK_TEXT.replace("\n", "").split("|") if phrase.strip()
)
"""Whole messages (normalised, punctuation dropped) that are social, never FAQ questions."""

RUSSIAN_PREFIXES: tuple[str, ...] = (
    "пере",
    "пред",
    "разо",
    "рас",
    "раз",
    "при",
    "про",
    "под",
    "над",
    "вз",
    "вс",
    "вы",
    "за",
    "из",
    "ис",
    "на",
    "об",
    "от",
    "по",
    "до",
    "со",
    "с",
    "у",
    "о",
    "в",
)
"""Verbal prefixes, longest first. ``сменить`` and ``поменять`` share the root ``мен``:
Russian paraphrases often differ only in a perfective prefix, which stemming keeps."""
