"""The Slack emulator lives in `bot.emulator` (the playground ships it); this keeps `tests.emulator` imports working.

The pytest fixtures `slack` and `slack_client` are in `tests.emulator.fixtures`.
"""

import sys

from bot.devtools.emulator import METHODS, Call, Channel, File, Message, SlackEmulator, SlackError, User
from bot.devtools.emulator import server as _server
from bot.devtools.emulator import socket as _socket
from bot.devtools.emulator import state as _state

# `from tests.emulator.state import …` (and .server, .socket) in tests written before the move
for _name, _module in (("server", _server), ("socket", _socket), ("state", _state)):
    sys.modules[f"{__name__}.{_name}"] = _module

__all__ = ["METHODS", "Call", "Channel", "File", "Message", "SlackEmulator", "SlackError", "User"]
