"""One package per platform, each laid out the same way:

``config.py``   the bot's TOML keys (pydantic, no SDK import, so ``townsquare check`` works
                without the platform's extra installed)
``inbound.py``  pure functions: native update -> core events
``outbound.py`` pure functions: core text/actions -> native API arguments
``transport.py`` the adapter class: connects the SDK, feeds the sink, performs actions
"""
