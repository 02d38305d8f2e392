"""An in-repo Slack Web API emulator for scenario tests and the playground.

    emu = SlackEmulator()
    await emu.start()                      # emu.base_url = "http://127.0.0.1:PORT"
    client = AsyncWebClient(token=emu.bot_token, base_url=emu.api_url)

State (`users`, `channels`, `messages`, `ims`, `views`, `responses`, `files`, `calls`) is plain data in
`tests.emulator.state`; the HTTP app and the Web API methods are in `tests.emulator.server`.
The pytest fixtures `slack` and `slack_client` are in `tests.emulator.fixtures`.
"""

from tests.emulator.server import METHODS, SlackEmulator
from tests.emulator.state import Call, Channel, File, Message, SlackError, User

__all__ = ["METHODS", "Call", "Channel", "File", "Message", "SlackEmulator", "SlackError", "User"]
