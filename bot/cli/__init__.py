"""`dealroom`, the one command (SPEC section 1): the top of the import graph. It dispatches to the bot
(bot.wiring), the operator commands (bot.ops) and, for `playground` only, the development tools
(bot.devtools), so that nothing the running bot imports reaches the emulator or the playground."""

from bot.cli.dealroom import main

__all__ = ["main"]
