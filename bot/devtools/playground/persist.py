"""The local Slack's state beside the database, so a restarted playground shows the same channels and
messages as the deals it remembers (JSON, never pickle: the file is data, not code)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.devtools.emulator import Channel, Message, SlackEmulator, User

VERSION = 1


def dump(slack: SlackEmulator, offset: timedelta) -> dict[str, Any]:
    def channel(c: Channel) -> dict[str, Any]:
        data = dataclasses.asdict(c)
        data["members"] = sorted(c.members)
        return data

    return {
        "version": VERSION,
        "clock_offset_seconds": offset.total_seconds(),
        "users": [dataclasses.asdict(u) for u in slack.users.values()],
        "channels": [channel(c) for c in slack.channels.values()],
        "messages": {cid: [dataclasses.asdict(m) for m in ms] for cid, ms in slack.messages.items()},
        "ims": slack.ims,
        "counters": slack._counters,
        "last_ts_us": slack._last_ts_us,
    }


def restore(slack: SlackEmulator, data: dict[str, Any]) -> timedelta:
    """Load a dump into a fresh emulator; returns the clock offset it was saved with."""
    if data.get("version") != VERSION:
        return timedelta(0)
    slack.users = {u["id"]: User(**u) for u in data["users"]}
    channels = {}
    for raw in data["channels"]:
        raw = dict(raw, members=set(raw["members"]), pinned_by={k: tuple(v) for k, v in raw["pinned_by"].items()})
        channels[raw["id"]] = Channel(**raw)
    slack.channels = channels
    slack.messages = {cid: [Message(**m) for m in ms] for cid, ms in data["messages"].items()}
    slack.ims = dict(data["ims"])
    slack._counters = dict(data["counters"])
    slack._last_ts_us = int(data["last_ts_us"])
    return timedelta(seconds=float(data.get("clock_offset_seconds", 0)))


def load(path: Path, slack: SlackEmulator) -> timedelta:
    try:
        return restore(slack, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return timedelta(0)  # no file, or one we cannot read: start with an empty workspace


def save(path: Path, slack: SlackEmulator, offset: timedelta) -> None:
    """Write-then-rename: a crash never leaves half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(dump(slack, offset), ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


def forget(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
