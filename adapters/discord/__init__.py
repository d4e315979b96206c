"""Discord adapter (discord.py 2): gateway events in, REST calls out.

Operator checklist (what the bot needs from Discord):

* Developer portal -> your application -> Bot: copy the token into the config
  (``token = "${DISCORD_BOT_TOKEN}"``) and turn on the privileged intents
  "Server Members Intent" (joins and leaves) and "Message Content Intent" (FAQ
  auto-answers; set ``message_content = false`` to run without it). Without them Discord
  closes the gateway with 4014 and the bot stops with a message naming the toggle.
* Invite the bot with the scopes ``bot`` and ``applications.commands`` (the slash commands
  and the "Report to managers" message menu are registered in every guild at start, or with
  ``townsquare discord sync CONFIG``) and the permissions Send Messages, Read Message
  History, Manage Messages (delete), Moderate Members (mute as a timeout, at most 28 days)
  and Kick Members (removal).
* Managers are the guild owner, members with Administrator, Manage Server or Manage
  Messages, and the ``[defaults] managers`` identities (``discord:USER_ID``).
* Large bots: ``shards = N`` and ``shard_ids = [...]`` split the bot over processes; each
  registers the commands in the guilds it serves. Any process of the bot may deliver any
  outbox row, interaction answers included: the interaction's token travels in the row.

Modules: :mod:`.config` (TOML keys), :mod:`.client` (discord.py set-up, start errors,
command registration), :mod:`.gateway` (every dispatch to the sink, or stored as
rejected), :mod:`.inbound` (gateway -> core events), :mod:`.receipt` (interactions stored,
then acknowledged), :mod:`.interactions` and :mod:`.answers` (answers through the token,
from any process), :mod:`.outbound` (core text and actions -> REST payloads), :mod:`.rest`
(REST calls, idempotent sends, errors), :mod:`.slash` (command specs -> application
commands and back to argv), :mod:`.transport` (the adapter).
"""
