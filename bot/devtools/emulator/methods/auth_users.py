"""auth.test, users.info, users.lookupByEmail."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.api import Args, api_method
from bot.devtools.emulator.shapes import user_obj
from bot.devtools.emulator.state import SlackError, Workspace


@api_method("auth.test")
def auth_test(ws: Workspace, a: Args) -> dict[str, Any]:
    return {
        "ok": True,
        "url": ws.team_url,
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


@api_method("users.info")
def users_info(ws: Workspace, a: Args) -> dict[str, Any]:
    user = ws.users.get(a.get("user") or "")
    if user is None:
        raise SlackError("user_not_found")
    obj = user_obj(ws, user)
    if a.flag("include_locale"):
        obj["locale"] = "en-US"
    return {"ok": True, "user": obj}


@api_method("users.lookupByEmail")
def users_lookup_by_email(ws: Workspace, a: Args) -> dict[str, Any]:
    email = (a.get("email") or "").lower()
    user = next((u for u in ws.users.values() if u.email and u.email.lower() == email), None)
    if user is None:
        raise SlackError("users_not_found")
    return {"ok": True, "user": user_obj(ws, user)}

