"""Watch words: mentions of watched words and phrases reach the managers' inbox as an
hourly digest, and spikes at once (:mod:`core.watch.feature`)."""
