"""A fake Slack Web API and correctly signed inbound requests, on 127.0.0.1."""
