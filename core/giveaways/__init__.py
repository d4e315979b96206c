"""Giveaways: a prize, an Enter button, a fair draw anyone can check (:mod:`.draw`)."""
