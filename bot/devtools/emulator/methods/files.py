"""files.*: the two-step external upload (an upload URL, then complete and share)."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.api import Args, api_method
from bot.devtools.emulator.checks import invalid, post_target
from bot.devtools.emulator.shapes import file_obj
from bot.devtools.emulator.state import File, SlackError, Workspace


@api_method("files.getUploadURLExternal")
def files_get_upload_url_external(ws: Workspace, a: Args) -> dict[str, Any]:
    filename = a.get("filename")
    if not filename:
        raise invalid("[ERROR] missing required field: filename")
    if a.get("length") is None:
        raise invalid("[ERROR] missing required field: length")
    length = a.number("length", 0)
    if length < 1:
        raise invalid("[ERROR] must be greater than 0: length")
    file = File(
        id=ws.next_id("F"),
        name=filename,
        length=length,
        user=ws.bot_user_id,
        created=int(ws.now()),
        title=filename,
        alt_txt=a.get("alt_txt"),
        snippet_type=a.get("snippet_type"),
    )
    ws.files[file.id] = file
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/v1/{file.id}", "file_id": file.id}


@api_method("files.completeUploadExternal")
def files_complete_upload_external(ws: Workspace, a: Args) -> dict[str, Any]:
    entries = a.json("files", "invalid_arguments")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) and e.get("id") for e in entries):
        raise invalid("[ERROR] missing required field: files")
    files = []
    for entry in entries:
        file = ws.files.get(str(entry["id"]))
        if file is None or file.content is None or file.completed:
            raise SlackError("file_not_found")
        files.append((file, entry.get("title")))
    channel_id = a.get("channel_id")
    channel_ids = list(dict.fromkeys(([channel_id] if channel_id else []) + a.ids("channels")))
    thread_ts = a.get("thread_ts")
    if thread_ts and len(channel_ids) > 1:
        raise invalid("[ERROR] thread_ts requires exactly one channel")
    targets = [post_target(ws, cid) for cid in channel_ids]
    initial_comment = a.get("initial_comment")
    blocks = None if initial_comment else a.json("blocks", "invalid_blocks_format")

    for file, title in files:
        file.completed = True
        if title:
            file.title = str(title)
    for ch in targets:
        ws.post(
            ch,
            user=ws.bot_user_id,
            text=initial_comment or "",
            blocks=blocks,
            thread_ts=thread_ts,
            files=[f.id for f, _ in files],
        )
        for file, _ in files:
            file.channels.append(ch.id)
    return {"ok": True, "files": [file_obj(ws, f) for f, _ in files]}

