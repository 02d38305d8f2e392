"""The app manifest against Slack's own manifest JSON Schema (tests/data/manifest.schema.1.0.0.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.wiring.manifest import BOT_EVENTS, BOT_SCOPES, build_manifest, render_manifest

DATA = Path(__file__).resolve().parent.parent / "data"
PUBLIC_URL = "https://dealroom.example.com"

# The Web API methods the bot calls, mapped to the bot scope each one needs for public
# and for private channels (shared/slack/limits.md section 4; Slack method pages, "Bot tokens").
REQUIRED_SCOPES = {
    "commands",  # the /deal slash command
    "chat:write",  # chat.postMessage / postEphemeral / update
    "chat:write.public",  # post to public channels without joining
    "channels:manage",  # conversations.create/invite/setTopic/setPurpose/archive/unarchive (public)
    "groups:write",  # the same for private channels
    "channels:read",  # conversations.info/members (public); member_joined_channel, member_left_channel
    "groups:read",  # the same for private channels
    "channels:join",  # conversations.join
    "pins:write",  # pins.add
    "users:read",  # users.info
    "im:write",  # conversations.open (DMs)
    "files:write",  # files.getUploadURLExternal / completeUploadExternal
}
# Scopes the bot must not ask for: it never reads Slack message history, e-mails or user tokens.
FORBIDDEN_SCOPES = {
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
    "users:read.email",
    "channels:write",  # user-token scope; bots use channels:manage
    "admin",
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads((DATA / "manifest.schema.1.0.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(validator: jsonschema.protocols.Validator, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def _request_urls(obj: Any, path: str = "") -> list[str]:
    """Every key path that holds a URL-like setting (url, request_url, …_url)."""
    found: list[str] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            here = f"{path}.{key}" if path else key
            if key == "url" or key.endswith("_url"):
                found.append(here)
            found.extend(_request_urls(value, here))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            found.extend(_request_urls(value, f"{path}[{i}]"))
    return found


# -- the schema itself and its own examples ---------------------------------------------------------


def test_schema_is_draft7(schema: dict[str, Any], validator: jsonschema.protocols.Validator) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert isinstance(validator, jsonschema.Draft7Validator)


def test_schema_accepts_its_valid_example(validator: jsonschema.protocols.Validator) -> None:
    example = json.loads((DATA / "manifest.v1.valid.example.json").read_text(encoding="utf-8"))
    assert _errors(validator, example) == []


def test_schema_rejects_its_invalid_example(validator: jsonschema.protocols.Validator) -> None:
    example = json.loads((DATA / "manifest.v1.invalid.example.json").read_text(encoding="utf-8"))
    errors = list(validator.iter_errors(example))
    assert errors, "the invalid example must not validate"
    assert any(e.validator == "additionalProperties" and "bad_param" in e.message for e in errors)


def test_schema_rejects_unknown_keys_in_our_manifest(validator: jsonschema.protocols.Validator) -> None:
    manifest = build_manifest(public_url=PUBLIC_URL)
    manifest["settings"]["bad_param"] = False
    assert _errors(validator, manifest)


# -- our manifest ------------------------------------------------------------------------------------


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket"])
def test_manifest_validates_against_slack_schema(validator: jsonschema.protocols.Validator, socket_mode: bool) -> None:
    manifest = build_manifest(public_url=PUBLIC_URL, socket_mode=socket_mode)
    assert _errors(validator, manifest) == []


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket"])
def test_yaml_round_trips_to_the_same_dict(validator: jsonschema.protocols.Validator, socket_mode: bool) -> None:
    text = render_manifest(public_url=PUBLIC_URL, socket_mode=socket_mode)
    loaded = yaml.safe_load(text)
    assert loaded == build_manifest(public_url=PUBLIC_URL, socket_mode=socket_mode)
    assert _errors(validator, loaded) == []
    # key order is kept (sort_keys=False): display_information first, as in Slack's own examples
    assert text.startswith("display_information:")


def test_yaml_keeps_unicode_literal() -> None:
    text = render_manifest(public_url=PUBLIC_URL, app_name="Dealroom 商机")
    assert "Dealroom 商机" in text
    assert yaml.safe_load(text)["display_information"]["name"] == "Dealroom 商机"


def test_http_mode_request_urls() -> None:
    manifest = build_manifest(public_url=PUBLIC_URL)
    url = f"{PUBLIC_URL}/slack/events"
    (command,) = manifest["features"]["slash_commands"]
    assert command["url"] == url
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": url}
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert sorted(_request_urls(manifest)) == [
        "features.slash_commands[0].url",
        "settings.event_subscriptions.request_url",
        "settings.interactivity.request_url",
    ]


@pytest.mark.parametrize(
    "public_url",
    ["https://dealroom.example.com/", "https://dealroom.example.com//", " https://dealroom.example.com "],
)
def test_public_url_trailing_slash_and_spaces(public_url: str) -> None:
    manifest = build_manifest(public_url=public_url)
    assert manifest["settings"]["event_subscriptions"]["request_url"] == f"{PUBLIC_URL}/slack/events"
    assert "//slack" not in render_manifest(public_url=public_url)


def test_public_url_with_path_prefix() -> None:
    manifest = build_manifest(public_url="https://example.com/dealroom/")
    assert manifest["settings"]["interactivity"]["request_url"] == "https://example.com/dealroom/slack/events"


def test_public_url_without_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="public_url"):
        build_manifest(public_url="dealroom.example.com")


def test_socket_mode_omits_every_request_url() -> None:
    manifest = build_manifest(public_url=PUBLIC_URL, socket_mode=True)
    assert _request_urls(manifest) == []
    assert "/slack/events" not in render_manifest(public_url=PUBLIC_URL, socket_mode=True)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/deal"
    assert command["should_escape"] is True


def test_socket_mode_does_not_need_a_valid_public_url() -> None:
    assert build_manifest(public_url="", socket_mode=True)["settings"]["socket_mode_enabled"] is True


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket"])
def test_deal_command(socket_mode: bool) -> None:
    commands = build_manifest(public_url=PUBLIC_URL, socket_mode=socket_mode)["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/deal"]
    (command,) = commands
    assert command["should_escape"] is True
    assert command["description"]
    for word in ("new", "stage", "note", "help"):
        assert re.search(rf"\b{word}\b", command["usage_hint"])


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket"])
def test_bot_events(socket_mode: bool) -> None:
    events = build_manifest(public_url=PUBLIC_URL, socket_mode=socket_mode)["settings"]["event_subscriptions"]
    assert {"member_joined_channel", "member_left_channel", "app_home_opened"} <= set(events["bot_events"])
    assert len(events["bot_events"]) == len(set(events["bot_events"]))
    # member_left_channel reaches the app only with channels:read (public) and groups:read (private)
    scopes = build_manifest(public_url=PUBLIC_URL, socket_mode=socket_mode)["oauth_config"]["scopes"]["bot"]
    assert {"channels:read", "groups:read"} <= set(scopes)


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket"])
def test_bot_scopes(socket_mode: bool) -> None:
    scopes = build_manifest(public_url=PUBLIC_URL, socket_mode=socket_mode)["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}, "a bot-only app asks for no user scopes"
    bot = scopes["bot"]
    assert len(bot) == len(set(bot))
    assert set(bot) == REQUIRED_SCOPES
    assert not set(bot) & FORBIDDEN_SCOPES
    assert tuple(bot) == BOT_SCOPES


def test_features_and_settings() -> None:
    manifest = build_manifest(public_url=PUBLIC_URL)
    features = manifest["features"]
    assert features["bot_user"] == {"display_name": "Dealroom", "always_online": True}
    assert features["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_display_information() -> None:
    info = build_manifest(public_url=PUBLIC_URL)["display_information"]
    assert info["name"] == "Dealroom"
    assert 1 <= len(info["description"]) <= 140
    # the schema spells this constraint "regex" (not "pattern"), so jsonschema does not enforce it
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", info["background_color"])
    assert build_manifest(public_url=PUBLIC_URL, app_name="Deals")["display_information"]["name"] == "Deals"


def test_build_manifest_returns_fresh_dicts() -> None:
    first = build_manifest(public_url=PUBLIC_URL)
    first["oauth_config"]["scopes"]["bot"].append("admin")
    first["settings"]["event_subscriptions"]["bot_events"].clear()
    second = build_manifest(public_url=PUBLIC_URL)
    assert "admin" not in second["oauth_config"]["scopes"]["bot"]
    assert second["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)


def test_every_event_the_app_listens_to_is_subscribed() -> None:
    """An event missing from the manifest never reaches its listener (Slack sends only subscribed ones)."""
    handlers = Path(__file__).resolve().parents[2] / "handlers"
    listened = {name for path in handlers.glob("*.py")
                for name in re.findall(r"@app\.event\(\"([a-z_]+)\"\)", path.read_text(encoding="utf-8"))}
    assert "member_left_channel" in listened
    assert listened <= set(BOT_EVENTS)
