"""The Web API methods the emulator implements, one module per family; importing this package
registers them all in `METHODS` (bot.devtools.emulator.api)."""

from bot.devtools.emulator.api import METHODS
from bot.devtools.emulator.methods import auth_users, chat, conversations, files, pins, views

__all__ = ["METHODS", "auth_users", "chat", "conversations", "files", "pins", "views"]
