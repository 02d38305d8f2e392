"""A local Slack Web API emulator: the scenario tests and `dealroom playground` talk to it instead of Slack.

    emu = SlackEmulator()
    await emu.start()                      # emu.base_url = "http://127.0.0.1:PORT"
    # then point slack_sdk's web client at it: token=emu.bot_token, base_url=emu.api_url

State (`users`, `channels`, `messages`, `ims`, `views`, `responses`, `files`, `calls`) is plain data in
`state.py`; failing on purpose in `faults.py`; the HTTP routes in `web_api.py`; the Web API methods in
`methods/` (one module per family: auth and users, conversations, chat, pins, views, files), with the
shapes they answer in `shapes.py`; Socket Mode in `socket.py`; `SlackEmulator` itself in `server.py`.
"""

from bot.devtools.emulator.server import METHODS, SlackEmulator
from bot.devtools.emulator.state import Call, Channel, File, Message, SlackError, User

__all__ = ["METHODS", "Call", "Channel", "File", "Message", "SlackEmulator", "SlackError", "User"]
