"""The Slack emulator (bot/devtools/emulator) behaves like Slack's Web API when driven by the real slack_sdk client."""

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.emulator import METHODS, SlackEmulator

pytest_plugins = ["tests.emulator.fixtures"]  # the `slack` and `slack_client` fixtures

TS = re.compile(r"^\d{10}\.\d{6}$")


async def error_of(call) -> str:
    """The Slack error code of an API call that must fail."""
    with pytest.raises(SlackApiError) as info:
        await call
    return info.value.response["error"]


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(title: str = "Deal", blocks: int = 1) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [section("x")] * blocks}


@pytest.fixture
def people(slack: SlackEmulator) -> SlackEmulator:
    slack.add_user("U1", "alice", tz="America/Los_Angeles", real_name="Alice Adams", email="alice@example.com")
    slack.add_user("U2", "bob")
    slack.add_user("U3", "carol", tz="Asia/Shanghai")
    return slack


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def clocked() -> AsyncIterator[tuple[SlackEmulator, FakeClock]]:
    clock = FakeClock()
    emulator = SlackEmulator(clock=clock)
    await emulator.start()
    try:
        yield emulator, clock
    finally:
        await emulator.stop()


# ---- auth, users --------------------------------------------------------------------------------


async def test_auth_test_and_tokens(slack, slack_client):
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.api_url == slack.base_url + "/api/"
    me = await slack_client.auth_test()
    assert me["user_id"] == "UBOT"
    assert me["bot_id"] == "BBOT"
    assert me["team_id"] == "T0001"
    assert {"url", "team", "user"} <= set(me.data)

    assert await error_of(AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url).auth_test()) == "invalid_auth"
    assert await error_of(AsyncWebClient(base_url=slack.api_url).auth_test()) == "not_authed"
    assert await error_of(slack_client.api_call("deals.explode")) == "unknown_method"
    assert [c.error for c in slack.calls] == [None, "invalid_auth", "not_authed", "unknown_method"]

    # Slack also takes the token as a form parameter.
    async with (
        aiohttp.ClientSession() as http,
        http.post(slack.api_url + "auth.test", data={"token": slack.bot_token}) as resp,
    ):
        assert (await resp.json())["ok"] is True


async def test_users_info_and_lookup(people, slack_client):
    alice = (await slack_client.users_info(user="U1"))["user"]
    assert alice["tz"] == "America/Los_Angeles"
    assert alice["tz_offset"] in (-28800, -25200)
    assert alice["tz_label"] in ("Pacific Standard Time", "Pacific Daylight Time")
    assert alice["is_bot"] is False
    assert alice["profile"]["real_name"] == "Alice Adams"
    assert (await slack_client.users_info(user="U3"))["user"]["tz_offset"] == 8 * 3600
    assert (await slack_client.users_info(user="UBOT"))["user"]["is_bot"] is True
    assert await error_of(slack_client.users_info(user="UNOPE")) == "user_not_found"

    assert (await slack_client.users_lookupByEmail(email="alice@example.com"))["user"]["id"] == "U1"
    assert await error_of(slack_client.users_lookupByEmail(email="x@example.com")) == "users_not_found"


# ---- conversations.create -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("a" * 81, "invalid_name_maxlength"),
        ("Acme", "invalid_name_specials"),
        ("acme deal", "invalid_name_specials"),
        ("acme.deal", "invalid_name_specials"),
        ("déal", "invalid_name_specials"),
        ("#acme", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("_", "invalid_name_punctuation"),
    ],
)
async def test_create_rejects_bad_names(slack, slack_client, name, error):
    assert await error_of(slack_client.conversations_create(name=name)) == error
    assert slack.channels == {}


@pytest.mark.parametrize("name", ["a" * 80, "acme-q3_2024", "x", "9", "-acme-"])
async def test_create_accepts_good_names(slack_client, name):
    assert (await slack_client.conversations_create(name=name))["channel"]["name"] == name


async def test_create_response_and_state(slack, slack_client):
    joined = []
    slack.on_member_joined.append(lambda *event: joined.append(event))
    public = (await slack_client.conversations_create(name="deal-acme"))["channel"]
    private = (await slack_client.conversations_create(name="deal-globex", is_private=True))["channel"]

    assert (public["id"], private["id"]) == ("C0001", "C0002")
    assert public["is_private"] is False and private["is_private"] is True
    for obj in (public, private):
        assert obj["creator"] == "UBOT"
        assert obj["is_member"] is True
        assert obj["is_archived"] is False
        assert isinstance(obj["created"], int)
    channel = slack.channels["C0002"]
    assert (channel.name, channel.is_private, channel.creator, channel.members) == (
        "deal-globex",
        True,
        "UBOT",
        {"UBOT"},
    )
    assert joined == []  # the creator does not "join"


async def test_name_taken_includes_archived_channels(slack, slack_client):
    first = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    assert await error_of(slack_client.conversations_create(name="deal-acme")) == "name_taken"
    assert await error_of(slack_client.conversations_create(name="deal-acme", is_private=True)) == "name_taken"

    await slack_client.conversations_archive(channel=first)
    assert slack.channels[first].is_archived
    assert await error_of(slack_client.conversations_create(name="deal-acme")) == "name_taken"

    slack.add_channel("general", members=["U1"])  # made by a human
    assert await error_of(slack_client.conversations_create(name="general")) == "name_taken"
    assert len(slack.channels) == 2


# ---- membership -------------------------------------------------------------------------------


async def test_invite_errors_and_partial_failure(people, slack_client):
    slack = people
    events = []

    async def hook(channel_id, user_id, inviter):
        await asyncio.sleep(0)
        events.append((channel_id, user_id, inviter))

    slack.on_member_joined.append(hook)
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]

    assert await error_of(slack_client.conversations_invite(channel="C9999", users="U1")) == "channel_not_found"
    assert await error_of(slack_client.conversations_invite(channel=cid, users="UBOT")) == "cant_invite_self"
    assert await error_of(slack_client.conversations_invite(channel=cid, users="UNOPE")) == "user_not_found"
    assert events == []

    ok = await slack_client.conversations_invite(channel=cid, users=["U1", "U2"])
    assert ok["channel"]["id"] == cid
    assert events == [(cid, "U1", "UBOT"), (cid, "U2", "UBOT")]
    assert await error_of(slack_client.conversations_invite(channel=cid, users="U1,U2")) == "already_in_channel"

    # A partial failure answers with the error only, yet the valid users are invited.
    with pytest.raises(SlackApiError) as info:
        await slack_client.conversations_invite(channel=cid, users="UNOPE,U3")
    assert info.value.response["error"] == "user_not_found"
    assert info.value.response["errors"] == [{"user": "UNOPE", "ok": False, "error": "user_not_found"}]
    assert slack.channels[cid].members == {"UBOT", "U1", "U2", "U3"}
    assert events[-1] == (cid, "U3", "UBOT")

    outside = slack.add_channel("watercooler", members=["U1"])
    assert await error_of(slack_client.conversations_invite(channel=outside.id, users="U2")) == "not_in_channel"
    secret = slack.add_channel("secret", is_private=True, members=["U1"])
    assert await error_of(slack_client.conversations_invite(channel=secret.id, users="U2")) == "channel_not_found"

    await slack_client.conversations_archive(channel=cid)
    assert await error_of(slack_client.conversations_invite(channel=cid, users="U3")) == "is_archived"
    assert slack.channels[outside.id].members == {"U1"}


async def test_join_members_and_add_member(people, slack_client):
    slack = people
    events = []
    slack.on_member_joined.append(lambda *event: events.append(event))
    lobby = slack.add_channel("lobby", members=["U1", "U2"])
    secret = slack.add_channel("secret", is_private=True, members=["U1"])

    joined = await slack_client.conversations_join(channel=lobby.id)
    assert joined["channel"]["is_member"] is True and "warning" not in joined
    assert events == [(lobby.id, "UBOT", None)]
    again = await slack_client.conversations_join(channel=lobby.id)
    assert again["warning"] == "already_in_channel"
    assert again["response_metadata"]["warnings"] == ["already_in_channel"]
    assert await error_of(slack_client.conversations_join(channel=secret.id)) == "channel_not_found"

    await slack.add_member(lobby.id, "U3", inviter="U1")  # a human adds someone
    assert events[-1] == (lobby.id, "U3", "U1")

    first = await slack_client.conversations_members(channel=lobby.id, limit=3)
    assert first["members"] == ["U1", "U2", "U3"]
    cursor = first["response_metadata"]["next_cursor"]
    second = await slack_client.conversations_members(channel=lobby.id, limit=3, cursor=cursor)
    assert second["members"] == ["UBOT"]
    assert second["response_metadata"]["next_cursor"] == ""
    info = await slack_client.conversations_info(channel=lobby.id, include_num_members=True)
    assert info["channel"]["num_members"] == 4
    assert await error_of(slack_client.conversations_members(channel=lobby.id, cursor="bm9wZQ==")) == "invalid_cursor"


async def test_remove_member_fires_the_left_hooks_once_and_conversations_members_follows(people, slack_client):
    slack = people
    left = []
    slack.on_member_left.append(lambda *event: left.append(event))
    lobby = slack.add_channel("lobby", members=["U1", "U2", "UBOT"])

    await slack.remove_member(lobby.id, "U2")  # a human leaves (member_left_channel)
    assert left == [(lobby.id, "U2")]
    await slack.remove_member(lobby.id, "U2")  # not in it any more: no second event
    assert left == [(lobby.id, "U2")]
    assert (await slack_client.conversations_members(channel=lobby.id))["members"] == ["U1", "UBOT"]


async def test_list_types_archived_and_pagination(people, slack_client):
    slack = people
    ids = [(await slack_client.conversations_create(name=f"deal-{i}"))["channel"]["id"] for i in range(5)]
    private = (await slack_client.conversations_create(name="deal-private", is_private=True))["channel"]["id"]
    hidden = slack.add_channel("not-ours", is_private=True, members=["U1"])
    await slack_client.conversations_archive(channel=ids[0])

    names = []
    async for page in await slack_client.conversations_list(limit=2):
        assert len(page["channels"]) <= 2
        names += [c["id"] for c in page["channels"]]
    assert names == ids

    active = await slack_client.conversations_list(exclude_archived=True, types="public_channel,private_channel")
    listed = [c["id"] for c in active["channels"]]
    assert listed == [*ids[1:], private]
    assert hidden.id not in listed
    assert await error_of(slack_client.conversations_list(types="nope")) == "invalid_types"


async def test_topic_purpose_archive_unarchive(people, slack_client):
    slack = people
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    topic = await slack_client.conversations_setTopic(channel=cid, topic="Stage: demo")
    assert topic["channel"]["topic"]["value"] == "Stage: demo"
    assert slack.channels[cid].topic == "Stage: demo"
    await slack_client.conversations_setTopic(channel=cid, topic="t" * 250)
    assert await error_of(slack_client.conversations_setTopic(channel=cid, topic="t" * 251)) == "too_long"
    assert slack.channels[cid].topic == "t" * 250
    await slack_client.conversations_setPurpose(channel=cid, purpose="Acme renewal")
    assert slack.channels[cid].purpose == "Acme renewal"
    assert await error_of(slack_client.conversations_setPurpose(channel=cid, purpose="p" * 251)) == "too_long"

    outside = slack.add_channel("lobby", members=["U1"])
    assert await error_of(slack_client.conversations_setTopic(channel=outside.id, topic="x")) == "not_in_channel"

    assert await error_of(slack_client.conversations_unarchive(channel=cid)) == "not_archived"
    await slack_client.conversations_archive(channel=cid)
    assert await error_of(slack_client.conversations_archive(channel=cid)) == "already_archived"
    assert await error_of(slack_client.conversations_setTopic(channel=cid, topic="x")) == "is_archived"
    assert await error_of(slack_client.conversations_setPurpose(channel=cid, purpose="x")) == "is_archived"
    assert await error_of(slack_client.conversations_join(channel=cid)) == "is_archived"
    assert (await slack_client.conversations_info(channel=cid))["channel"]["is_archived"] is True
    await slack_client.conversations_unarchive(channel=cid)
    assert slack.channels[cid].is_archived is False


async def test_open_dm_is_stable_and_postable(people, slack_client):
    slack = people
    opened = await slack_client.conversations_open(users="U1")
    assert opened["channel"] == {"id": "D0001"}
    again = await slack_client.conversations_open(users=["U1"], return_im=True)
    assert again["already_open"] is True
    assert again["channel"]["id"] == "D0001" and again["channel"]["user"] == "U1"
    assert (await slack_client.conversations_open(users="U2"))["channel"]["id"] == "D0002"
    assert slack.ims == {"U1": "D0001", "U2": "D0002"}
    assert await error_of(slack_client.conversations_open(users="UNOPE")) == "user_not_found"

    posted = await slack_client.chat_postMessage(channel="D0001", text="Your deal moved")
    assert posted["channel"] == "D0001"
    by_user_id = await slack_client.chat_postMessage(channel="U1", text="Also to the user id")
    assert by_user_id["channel"] == "D0001"
    assert [m.text for m in slack.messages["D0001"]] == ["Your deal moved", "Also to the user id"]


# ---- chat.* -----------------------------------------------------------------------------------


async def test_post_message_rules(people, slack_client):
    slack = people
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    secret = slack.add_channel("secret", is_private=True, members=["U1"])
    lobby = slack.add_channel("lobby", members=["U1"])

    first = await slack_client.chat_postMessage(channel=cid, text="hello", blocks=[section("hello")])
    second = await slack_client.chat_postMessage(channel=cid, text="x" * 40_000)
    assert TS.match(first["ts"]) and second["ts"] > first["ts"]
    assert first["message"]["text"] == "hello" and first["message"]["user"] == "UBOT"
    assert first["message"]["bot_id"] == "BBOT"
    assert first["message"]["blocks"] == [section("hello")]

    # A private channel needs membership; a public one does not (chat:write.public).
    assert await error_of(slack_client.chat_postMessage(channel=secret.id, text="hi")) == "not_in_channel"
    await slack.add_member(secret.id, "UBOT")
    await slack_client.chat_postMessage(channel=secret.id, text="hi")
    await slack_client.chat_postMessage(channel=lobby.id, text="hi")

    assert await error_of(slack_client.chat_postMessage(channel="C9999", text="hi")) == "channel_not_found"
    assert await error_of(slack_client.chat_postMessage(channel="deal-acme", text="hi")) == "channel_not_found"
    assert await error_of(slack_client.chat_postMessage(channel=cid, text="x" * 40_001)) == "msg_too_long"
    with pytest.warns(UserWarning, match="`text` argument is missing"):  # slack_sdk's own nudge
        assert await error_of(slack_client.chat_postMessage(channel=cid, text="", blocks=[])) == "no_text"
    too_many = [section(str(i)) for i in range(51)]
    assert await error_of(slack_client.chat_postMessage(channel=cid, text="x", blocks=too_many)) == "invalid_blocks"
    await slack_client.chat_postMessage(channel=cid, text="x", blocks=too_many[:50])

    await slack_client.conversations_archive(channel=cid)
    assert await error_of(slack_client.chat_postMessage(channel=cid, text="hi")) == "is_archived"
    assert len(slack.messages[cid]) == 3  # failed calls stored nothing
    assert [m.text for m in slack.messages[secret.id]] == ["hi"]


async def test_ephemeral_messages(people, slack_client):
    slack = people
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    await slack_client.conversations_invite(channel=cid, users="U1")

    assert await error_of(slack_client.chat_postEphemeral(channel=cid, user="U2", text="psst")) == "user_not_in_channel"
    sent = await slack_client.chat_postEphemeral(channel=cid, user="U1", text="only you", blocks=[section("b")])
    assert TS.match(sent["message_ts"])
    [stored] = slack.messages[cid]
    assert (stored.ts, stored.ephemeral_to, stored.text) == (sent["message_ts"], "U1", "only you")

    update = slack_client.chat_update(channel=cid, ts=sent["message_ts"], text="changed")
    assert await error_of(update) == "cant_update_message"
    assert stored.text == "only you"
    assert (await slack_client.conversations_history(channel=cid))["messages"] == []
    assert await error_of(slack_client.chat_getPermalink(channel=cid, message_ts=sent["message_ts"])) == (
        "message_not_found"
    )


async def test_update_message(people, slack_client):
    slack = people
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    posted = await slack_client.chat_postMessage(channel=cid, text="Stage: lead", blocks=[section("lead")])

    updated = await slack_client.chat_update(channel=cid, ts=posted["ts"], text="Stage: won")
    assert (updated["ts"], updated["text"]) == (posted["ts"], "Stage: won")
    [msg] = slack.messages[cid]
    assert msg.text == "Stage: won" and msg.blocks == [section("lead")]  # blocks left out are kept
    assert msg.edited is not None and msg.edited["user"] == "UBOT"
    await slack_client.chat_update(channel=cid, ts=posted["ts"], text="Stage: won", blocks=[section("won")])
    assert msg.blocks == [section("won")]

    assert await error_of(slack_client.chat_update(channel=cid, ts="1.000001", text="x")) == "message_not_found"
    human = slack.add_message(cid, "U1", "I wrote this")
    assert await error_of(slack_client.chat_update(channel=cid, ts=human.ts, text="x")) == "cant_update_message"


async def test_history_permalink_and_threads(people, slack_client):
    slack = people
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    tss = [(await slack_client.chat_postMessage(channel=cid, text=f"m{i}"))["ts"] for i in range(5)]
    reply = await slack_client.chat_postMessage(channel=cid, text="in thread", thread_ts=tss[0])

    seen = []
    async for page in await slack_client.conversations_history(channel=cid, limit=2):
        seen += [m["text"] for m in page["messages"]]
    assert seen == ["m4", "m3", "m2", "m1", "m0"]  # newest first, thread replies left out
    parent = (await slack_client.conversations_history(channel=cid, oldest=tss[0], inclusive=True))["messages"][-1]
    assert parent["reply_count"] == 1 and parent["latest_reply"] == reply["ts"]
    assert await error_of(slack_client.conversations_history(channel=cid, cursor="garbage!")) == "invalid_cursor"

    link = await slack_client.chat_getPermalink(channel=cid, message_ts=tss[1])
    assert link["permalink"] == f"https://emulated.slack.com/archives/{cid}/p{tss[1].replace('.', '')}"
    reply_link = (await slack_client.chat_getPermalink(channel=cid, message_ts=reply["ts"]))["permalink"]
    assert reply_link.endswith(f"?thread_ts={tss[0]}&cid={cid}")

    lobby = slack.add_channel("lobby", members=["U1"])
    assert await error_of(slack_client.conversations_history(channel=lobby.id)) == "not_in_channel"


async def test_pins(people, slack_client):
    slack = people
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    card = (await slack_client.chat_postMessage(channel=cid, text="Deal card"))["ts"]

    await slack_client.pins_add(channel=cid, timestamp=card)
    assert slack.channels[cid].pins == [card]
    assert await error_of(slack_client.pins_add(channel=cid, timestamp=card)) == "already_pinned"
    assert await error_of(slack_client.pins_add(channel=cid, timestamp="1.000001")) == "message_not_found"
    [item] = (await slack_client.pins_list(channel=cid))["items"]
    assert item["type"] == "message" and item["created_by"] == "UBOT"
    assert item["message"]["ts"] == card and item["message"]["pinned_to"] == [cid]

    lobby = slack.add_channel("lobby", members=["U1"])
    human = slack.add_message(lobby.id, "U1", "hi")
    assert await error_of(slack_client.pins_add(channel=lobby.id, timestamp=human.ts)) == "not_in_channel"
    await slack_client.pins_remove(channel=cid, timestamp=card)
    assert slack.channels[cid].pins == []


# ---- views ------------------------------------------------------------------------------------


async def test_views(people, slack_client):
    slack = people
    opened = (await slack_client.views_open(trigger_id="123.456.abc", view=modal()))["view"]
    assert opened["id"] == "V0001" and opened["root_view_id"] == "V0001"
    assert slack.views["V0001"]["title"]["text"] == "Deal"

    assert await error_of(slack_client.views_open(trigger_id="expired", view=modal())) == "expired_trigger_id"
    assert await error_of(slack_client.views_open(trigger_id="", view=modal())) == "invalid_arguments"
    with pytest.raises(SlackApiError) as info:
        await slack_client.views_open(trigger_id="1.2.3", view=modal(blocks=101))
    assert info.value.response["error"] == "invalid_arguments"
    assert "100" in info.value.response["response_metadata"]["messages"][0]
    await slack_client.views_open(trigger_id="1.2.3", view=modal(blocks=100))

    updated = (await slack_client.views_update(view_id="V0001", view=modal("Edited"), hash=opened["hash"]))["view"]
    assert updated["id"] == "V0001" and updated["hash"] != opened["hash"]
    assert await error_of(slack_client.views_update(view_id="V0001", view=modal(), hash=opened["hash"])) == (
        "hash_conflict"
    )
    assert await error_of(slack_client.views_update(view_id="V9999", view=modal())) == "not_found"

    # Trigger ids minted by the emulator know their user and view, expire and are single-use.
    trigger = slack.trigger_id("U1", view_id="V0001")
    pushed = (await slack_client.views_push(trigger_id=trigger, view=modal("Step 2")))["view"]
    assert (pushed["root_view_id"], pushed["previous_view_id"]) == ("V0001", "V0001")
    assert await error_of(slack_client.views_push(trigger_id=trigger, view=modal())) == "exchanged_trigger_id"
    await slack_client.views_push(trigger_id=slack.trigger_id("U1", view_id=pushed["id"]), view=modal("Step 3"))
    over = slack_client.views_push(trigger_id=slack.trigger_id("U1", view_id="V0001"), view=modal("Step 4"))
    assert await error_of(over) == "push_limit_reached"

    home = (await slack_client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("Deals")]}))["view"]
    assert slack.home_views == {"U1": home["id"]}
    again = await slack_client.views_publish(user_id="U1", view={"type": "home", "blocks": []}, hash=home["hash"])
    assert again["view"]["id"] == home["id"]
    assert await error_of(slack_client.views_publish(user_id="U1", view=modal())) == "invalid_arguments"
    assert await error_of(slack_client.views_publish(user_id="UNOPE", view={"type": "home", "blocks": []})) == (
        "user_not_found"
    )


async def test_trigger_expires_after_three_seconds(clocked):
    slack, clock = clocked
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    trigger = slack.trigger_id("UBOT")
    clock.now += 3.5
    assert await error_of(client.views_open(trigger_id=trigger, view=modal())) == "expired_trigger_id"


# ---- files, response_url ----------------------------------------------------------------------


async def test_file_upload_v2_flow(people, slack_client):
    slack = people
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    done = await slack_client.files_upload_v2(
        content="name,amount\nacme,100\n",
        filename="pipeline.csv",
        title="Pipeline",
        channel=cid,
        initial_comment="Export",
    )
    assert done["file"]["id"] == "F0001"
    assert done["file"]["title"] == "Pipeline" and done["file"]["name"] == "pipeline.csv"
    stored = slack.files["F0001"]
    assert stored.content == b"name,amount\nacme,100\n" and stored.completed and stored.channels == [cid]
    [message] = slack.messages[cid]
    assert message.files == ["F0001"] and message.text == "Export"
    assert [c.method for c in slack.calls] == [
        "conversations.create",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]

    url = await slack_client.files_getUploadURLExternal(filename="a.txt", length=3)
    assert url["upload_url"] == f"{slack.base_url}/upload/v1/{url['file_id']}"
    # Completing before the bytes were uploaded fails.
    files = [{"id": url["file_id"], "title": "a"}]
    assert await error_of(slack_client.files_completeUploadExternal(files=files)) == "file_not_found"


async def test_response_url_records_posts(slack):
    url = slack.response_url()
    assert url == f"{slack.base_url}/hooks/R0001"
    webhook = AsyncWebhookClient(url)
    sent = await webhook.send(text="Saved", response_type="ephemeral", replace_original=True)
    assert (sent.status_code, sent.body) == (200, "ok")
    await webhook.send_dict({"delete_original": True})
    assert [r["url_key"] for r in slack.responses] == ["R0001", "R0001"]
    assert slack.responses[0]["body"] == {"text": "Saved", "response_type": "ephemeral", "replace_original": True}
    assert slack.responses[1]["body"] == {"delete_original": True}

    keyed = AsyncWebhookClient(slack.response_url("deal-42"))
    for _ in range(5):
        assert (await keyed.send(text="again")).status_code == 200
    assert (await keyed.send(text="sixth use")).status_code == 404  # 5 uses per URL, like Slack
    assert slack.responses[-1]["error"] == "used_url"


# ---- transports -------------------------------------------------------------------------------


async def test_json_form_and_query_arguments(people, slack_client):
    slack = people
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    headers = {"Authorization": f"Bearer {slack.bot_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        form = {"channel": cid, "text": "form", "blocks": json.dumps([section("f")])}
        async with http.post(slack.api_url + "chat.postMessage", data=form) as resp:
            assert (await resp.json())["ok"] is True
        async with http.post(slack.api_url + "conversations.invite", json={"channel": cid, "users": ["U1"]}) as resp:
            assert (await resp.json())["ok"] is True
        async with http.get(slack.api_url + "conversations.info", params={"channel": cid}) as resp:
            assert (await resp.json())["channel"]["id"] == cid
        bad_json = {"data": b"{oops", "headers": {"Content-Type": "application/json"}}
        async with http.post(slack.api_url + "chat.postMessage", **bad_json) as resp:
            assert (await resp.json())["error"] == "invalid_json"
    assert slack.messages[cid][0].blocks == [section("f")]
    assert slack.calls_to("chat.postMessage")[0].args["blocks"] == [section("f")]  # decoded for inspection
    assert "U1" in slack.channels[cid].members


def test_every_required_method_is_implemented():
    required = {
        "auth.test", "users.info", "users.lookupByEmail", "conversations.create", "conversations.info",
        "conversations.list", "conversations.invite", "conversations.members", "conversations.setTopic",
        "conversations.setPurpose", "conversations.archive", "conversations.unarchive", "conversations.join",
        "conversations.open", "conversations.history", "chat.postMessage", "chat.postEphemeral", "chat.update",
        "chat.getPermalink", "pins.add", "pins.list", "views.open", "views.update", "views.push",
        "views.publish", "files.getUploadURLExternal", "files.completeUploadExternal",
    }  # fmt: skip
    assert required <= set(METHODS)


# ---- fault injection --------------------------------------------------------------------------


async def test_fail_with_error_then_recover(slack, slack_client):
    slack.fail("chat.postMessage", error="fatal_error", times=2)
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]  # other methods unaffected
    assert await error_of(slack_client.chat_postMessage(channel=cid, text="a")) == "fatal_error"
    assert await error_of(slack_client.chat_postMessage(channel=cid, text="b")) == "fatal_error"
    await slack_client.chat_postMessage(channel=cid, text="c")
    assert [m.text for m in slack.messages[cid]] == ["c"]
    assert [(c.ok, c.status, c.error) for c in slack.calls_to("chat.postMessage")] == [
        (False, 200, "fatal_error"),
        (False, 200, "fatal_error"),
        (True, 200, None),
    ]

    slack.fail(None, error="internal_error")  # any method
    assert await error_of(slack_client.auth_test()) == "internal_error"
    with pytest.raises(ValueError):
        slack.fail("chat.postmessage")  # typo guard


async def test_fail_429_and_5xx(slack, slack_client):
    slack.fail("auth.test", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        await slack_client.auth_test()
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7"
    assert info.value.response["error"] == "ratelimited"

    slack.fail("auth.test", status=503)
    with pytest.raises(SlackApiError) as info:
        await slack_client.auth_test()
    assert info.value.response.status_code == 503
    assert slack.calls[-1].status == 503
    await slack_client.auth_test()


async def test_rate_limit_retry_handler_retries_then_succeeds(slack):
    client = AsyncWebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail("chat.postMessage", retry_after=0)
    started = time.monotonic()
    cid = (await client.conversations_create(name="deal-acme"))["channel"]["id"]
    posted = await client.chat_postMessage(channel=cid, text="hello")
    assert posted["ok"] is True
    assert time.monotonic() - started < 2
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]
    assert [m.text for m in slack.messages[cid]] == ["hello"]


async def test_connection_drop(slack):
    no_retry = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[])
    slack.fail("auth.test", connection_error=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await no_retry.auth_test()
    assert (slack.calls[-1].status, slack.calls[-1].error) == (0, "connection_dropped")

    retrying = AsyncWebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[AsyncConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.01))],
    )
    slack.fail("conversations.create", connection_error=True)
    cid = (await retrying.conversations_create(name="deal-acme"))["channel"]["id"]
    assert [c.status for c in slack.calls_to("conversations.create")] == [0, 200]

    # process=True: Slack did the work but the answer was lost -> a naive retry duplicates it.
    slack.fail("chat.postMessage", connection_error=True, process=True)
    await retrying.chat_postMessage(channel=cid, text="card")
    assert [m.text for m in slack.messages[cid]] == ["card", "card"]


async def test_faults_on_upload_and_response_url(slack, slack_client):
    slack.fail("file_upload", status=500)
    with pytest.raises(SlackRequestError, match="status: 500"):
        await slack_client.files_upload_v2(content="x", filename="x.txt")
    assert slack.files["F0001"].content is None

    slack.fail("response_url", status=404, error="expired_url")
    webhook = AsyncWebhookClient(slack.response_url())
    assert (await webhook.send(text="late")).status_code == 404
    assert (await webhook.send(text="again")).status_code == 200
    assert [r["body"]["text"] for r in slack.responses] == ["again"]


async def test_failing_hook_is_recorded_not_swallowed(people, slack_client):
    slack = people

    def broken(channel_id, user_id, inviter):
        raise RuntimeError("harness bug")

    slack.on_member_joined.append(broken)
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]
    await slack_client.conversations_invite(channel=cid, users="U1")  # the API call itself succeeds
    assert [str(e) for e in slack.errors] == ["harness bug"]
    slack.errors.clear()  # the `slack` fixture fails any test that leaves errors behind


async def test_outage(slack, slack_client):
    slack.outage(True)
    for call in (slack_client.auth_test(), slack_client.conversations_create(name="deal-acme")):
        with pytest.raises(SlackApiError) as info:
            await call
        assert info.value.response.status_code == 503
    assert slack.channels == {}
    slack.outage(False)
    await slack_client.conversations_create(name="deal-acme")
    assert [c.status for c in slack.calls] == [503, 503, 200]


async def test_tier_limits(clocked):
    slack, clock = clocked
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    for i in range(21):  # off by default
        await client.conversations_create(name=f"deal-{i}")

    slack.tier_limits(True)  # conversations.create is Tier 2: 20 per minute
    for i in range(20):
        clock.now += 1
        await client.conversations_create(name=f"tiered-{i}")
    with pytest.raises(SlackApiError) as info:
        await client.conversations_create(name="tiered-20")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "41"
    clock.now += 41
    await client.conversations_create(name="tiered-20")

    # chat.postMessage: 1 per second per channel.
    await client.chat_postMessage(channel="C0001", text="a")
    assert await error_of(client.chat_postMessage(channel="C0001", text="b")) == "ratelimited"
    await client.chat_postMessage(channel="C0002", text="other channel")
    clock.now += 1
    await client.chat_postMessage(channel="C0001", text="c")
    await client.auth_test()  # special tier: not limited
    slack.tier_limits(False)
    await client.chat_postMessage(channel="C0001", text="d")


# ---- waiting ----------------------------------------------------------------------------------


async def test_wait_for(slack, slack_client):
    cid = (await slack_client.conversations_create(name="deal-acme"))["channel"]["id"]

    async def later():
        await asyncio.sleep(0.05)
        await slack_client.chat_postMessage(channel=cid, text="done")

    task = asyncio.create_task(later())
    await slack.wait_for(lambda: bool(slack.messages[cid]), timeout=1)
    await task

    def card_pinned() -> bool:
        return bool(slack.channels[cid].pins)

    with pytest.raises(AssertionError) as info:
        await slack.wait_for(card_pinned, timeout=0.05)
    assert "card_pinned" in str(info.value)
    assert "chat.postMessage [200 ok]" in str(info.value)
