"""A protocol-faithful fake of the Telegram Bot API on 127.0.0.1."""
