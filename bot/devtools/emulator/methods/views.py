"""views.*: modals (open, push, update, with trigger ids that expire) and the Home tab (publish)."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.api import Args, api_method
from bot.devtools.emulator.checks import invalid
from bot.devtools.emulator.state import (
    MODAL_STACK_MAX,
    TRIGGER_TTL_SECONDS,
    VIEW_BLOCKS_MAX,
    SlackError,
    Trigger,
    Workspace,
)


def _trigger(ws: Workspace, a: Args) -> Trigger | None:
    """Check trigger_id.  Triggers minted by `Workspace.trigger_id` expire and are single-use."""
    trigger_id = a.get("trigger_id")
    if not trigger_id:
        raise invalid("[ERROR] missing required field: trigger_id")
    if trigger_id == "expired":
        raise SlackError("expired_trigger_id")
    trigger = ws.triggers.get(trigger_id)
    if trigger is None:
        return None  # fabricated by a test: accepted, nothing known about it
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if ws.now() - trigger.issued_at > TRIGGER_TTL_SECONDS:
        raise SlackError("expired_trigger_id")
    return trigger


def _view_arg(ws: Workspace, a: Args, types: tuple[str, ...], current_id: str | None = None) -> dict[str, Any]:
    view = a.json("view", "invalid_arguments")
    if not isinstance(view, dict):
        raise invalid("[ERROR] missing required field: view")
    if view.get("type") not in types:
        raise invalid(f"[ERROR] must be one of {', '.join(types)} [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise invalid("[ERROR] missing required field: blocks [json-pointer:/view]")
    if len(blocks) > VIEW_BLOCKS_MAX:
        raise invalid(f"[ERROR] no more than {VIEW_BLOCKS_MAX} items allowed [json-pointer:/view/blocks]")
    if view["type"] == "modal":
        title = (view.get("title") or {}).get("text")
        if not title:
            raise invalid("[ERROR] missing required field: title [json-pointer:/view]")
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text") or ""
            if len(text) > 24:
                raise invalid(f"[ERROR] must be less than 25 characters [json-pointer:/view/{key}/text]")
    if len(view.get("private_metadata") or "") > 3000:
        raise invalid("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]")
    external_id = view.get("external_id")
    if external_id and any(v.get("external_id") == external_id and vid != current_id for vid, v in ws.views.items()):
        raise SlackError("duplicate_external_id")
    return view


def _store_view(
    ws: Workspace, view: dict[str, Any], view_id: str, *, root: str | None, previous: str | None
) -> dict[str, Any]:
    is_modal = view["type"] == "modal"
    obj = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view["type"],
        "blocks": view["blocks"],
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(ws.now())}.{ws.next_number('hash'):08x}",
        "title": view.get("title"),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": view.get("close") if is_modal else None,
        "submit": view.get("submit") if is_modal else None,
        "previous_view_id": previous,
        "root_view_id": root or view_id,
        "app_id": ws.app_id,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    ws.views[view_id] = obj
    return obj


@api_method("views.open")
def views_open(ws: Workspace, a: Args) -> dict[str, Any]:
    trigger = _trigger(ws, a)
    view = _view_arg(ws, a, ("modal",))
    view_id = ws.next_id("V")
    obj = _store_view(ws, view, view_id, root=None, previous=None)
    ws.modal_stacks[view_id] = [view_id]
    ws.view_users[view_id] = trigger.user if trigger else None
    if trigger:
        trigger.used = True
    return {"ok": True, "view": obj}


@api_method("views.push")
def views_push(ws: Workspace, a: Args) -> dict[str, Any]:
    trigger = _trigger(ws, a)
    view = _view_arg(ws, a, ("modal",))
    root = previous = None
    if trigger and trigger.view_id in ws.views:
        root = ws.views[trigger.view_id]["root_view_id"]
        stack = ws.modal_stacks.setdefault(root, [root])
        if len(stack) >= MODAL_STACK_MAX:
            raise SlackError("push_limit_reached")
        previous = stack[-1]
    view_id = ws.next_id("V")
    obj = _store_view(ws, view, view_id, root=root, previous=previous)
    ws.modal_stacks.setdefault(obj["root_view_id"], []).append(view_id)
    ws.view_users[view_id] = trigger.user if trigger else None
    if trigger:
        trigger.used = True
    return {"ok": True, "view": obj}


@api_method("views.update")
def views_update(ws: Workspace, a: Args) -> dict[str, Any]:
    view_id, external_id = a.get("view_id"), a.get("external_id")
    if not view_id and not external_id:
        raise invalid("[ERROR] either view_id or external_id is required")
    if view_id:
        current = ws.views.get(view_id)
    else:
        current = next((v for v in ws.views.values() if v.get("external_id") == external_id), None)
    if current is None:
        raise SlackError("not_found")
    view = _view_arg(ws, a, (current["type"],), current_id=current["id"])
    expected_hash = a.get("hash")
    if expected_hash and expected_hash != current["hash"]:
        raise SlackError("hash_conflict")
    obj = _store_view(ws, view, current["id"], root=current["root_view_id"], previous=current["previous_view_id"])
    return {"ok": True, "view": obj}


@api_method("views.publish")
def views_publish(ws: Workspace, a: Args) -> dict[str, Any]:
    user_id = a.get("user_id")
    if not user_id:
        raise invalid("[ERROR] missing required field: user_id")
    if user_id not in ws.users:
        raise SlackError("user_not_found")
    view = _view_arg(ws, a, ("home",), current_id=ws.home_views.get(user_id))
    current = ws.views.get(ws.home_views.get(user_id, ""))
    expected_hash = a.get("hash")
    if expected_hash and current and expected_hash != current["hash"]:
        raise SlackError("hash_conflict")
    view_id = current["id"] if current else ws.next_id("V")
    obj = _store_view(ws, view, view_id, root=None, previous=None)
    ws.home_views[user_id] = view_id
    ws.view_users[view_id] = user_id
    return {"ok": True, "view": obj}

