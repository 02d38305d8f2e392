"""`dealroom playground`: the bot, a local Slack (bot.emulator) and a web page that plays Slack's client,
in one process on 127.0.0.1 (SPEC section 11)."""
