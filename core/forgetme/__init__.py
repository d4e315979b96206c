"""``/forgetme`` and the daily retention job (:mod:`core.forgetme.feature`)."""
