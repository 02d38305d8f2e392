"""Block Kit builders (bot/blocks) and ids: content, escaping, and Slack's limits with hostile data."""

from __future__ import annotations

import contextlib
import json
import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import SectionBlock

from bot.blocks import cards, modals, replies, text, timeline
from bot.blocks.ids import (
    ActionId,
    BlockId,
    CallbackId,
    deal_value,
    history_value,
    parse_deal_value,
    parse_history_value,
)
from bot.blocks.text import Message, Mrkdwn
from models.deals.snapshots import DealSnapshot, FollowUpInfo, StageChangeInfo, StageInfo, TimelineItem
from models.values import format_amount, format_when
from tests.blocklimits import (
    all_strings,
    assert_message_within_limits,
    assert_no_broadcast,
    assert_view_within_limits,
    mrkdwn_strings,
    total_block_text,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

STAGES = tuple(
    StageInfo(key, name, i + 1, prob, closed)
    for i, (key, name, prob, closed) in enumerate(
        [
            ("lead", "Lead", 10, None),
            ("qualified", "Qualified", 20, None),
            ("discovery", "Discovery", 30, None),
            ("proposal", "Proposal", 50, None),
            ("negotiation", "Negotiation", 70, None),
            ("won", "Won", 100, "won"),
            ("lost", "Lost", 0, "lost"),
        ]
    )
)
BY_KEY = {s.key: s for s in STAGES}

LONG = "Lorem ipsum dolor sit amet " * 150  # ~4,000 chars
HOSTILE = [
    "x" * 4000,
    LONG,
    "<!channel> urgent",
    "<!here|here> <!everyone> <!subteam^S123|sales>",
    "ping <@U123> and <#C999|general>",
    "<http://evil.example|click me>",
    "*bold* _it_ ~s~ `code` ```block```",
    "&amp; &lt; & < > &",
    "\u202eevil override\u202c and \u2066isolate",
    "zero\u200bwidth\u200djoiner\ufeff",
    "emoji 🎉👩‍👩‍👧‍👦🇨🇳 :tada:",
    "华为云 Cloud 项目，预算十五万",
    "עסקה בעברית مرحبا",
    "line1\nline2\r\nline3\u2028line4",
    "\x00\x07 control \x1b[31m",
    "",
    "   ",
    "{0} {title} %s",
    "a\ud800b lone surrogate",
]


def stage(key: str) -> StageInfo:
    return BY_KEY[key]


def make_deal(**overrides: Any) -> DealSnapshot:
    base = DealSnapshot(
        number=42,
        title="Acme pilot",
        customer="Acme Corp",
        amount=Decimal("150000"),
        stage=stage("proposal"),
        stages=STAGES,
        owner_id="U0OWNER1",
        close_at=NOW + timedelta(days=30),
        source="referral",
        score=8,
        score_band="high",
        channel_id="C0DEAL42",
        custom_fields={"discount": "20", "floor": "80k"},
        collaborator_ids=("U0COLL01", "U0COLL02"),
        next_followup=FollowUpInfo(id=1, due_at=NOW + timedelta(days=1), text="call the CFO", owner_id="U0OWNER1"),
        lost_reason=None,
        created_at=NOW - timedelta(days=10),
        updated_at=NOW,
    )
    return replace(base, **overrides)


def bare_deal() -> DealSnapshot:
    """Every optional field None/empty."""
    return DealSnapshot(
        number=7,
        title="",
        customer=None,
        amount=None,
        stage=stage("lead"),
        stages=(),
        owner_id="",
        close_at=None,
        source=None,
        score=None,
        score_band=None,
        channel_id=None,
    )


def items(n: int, text_of: Any = lambda i: f"note {i}") -> list[TimelineItem]:
    return [
        TimelineItem(
            at=NOW - timedelta(minutes=i),
            actor_id=None if i % 5 == 0 else f"U{i:07d}",
            kind="note",
            text=text_of(i),
        )
        for i in range(n)
    ]


def hostile_deal(s: str) -> DealSnapshot:
    """A deal with ``s`` in every user-controlled text field."""
    return make_deal(
        title=s,
        customer=s,
        source=s,
        custom_fields={f"{s[:50]}{i}": s for i in range(3)},
        next_followup=FollowUpInfo(id=1, due_at=NOW, text=s, owner_id="U0OWNER1", overdue=True),
        lost_reason=s,
    )


OUR_TOKEN = re.compile(r"<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+)>")


def only_our_tokens(obj: Any) -> None:
    """Every ``<`` left in mrkdwn starts a mention we made from a valid id: user text can never
    add markup (and every ``&`` starts one of the three entities). plain_text is literal."""
    for s in mrkdwn_strings(obj) if not isinstance(obj, str) else [obj]:
        rest = OUR_TOKEN.sub("", s)
        assert "<" not in rest and ">" not in rest, s[:300]
        assert re.sub(r"&(amp|lt|gt);", "", rest).count("&") == 0, s[:300]


def check(msg: Message) -> Message:
    assert isinstance(msg, Message)
    assert_message_within_limits(msg)
    assert_no_broadcast(msg)
    only_our_tokens(msg)
    json.dumps(msg.as_kwargs())
    return msg


def check_view(view: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(view, dict)
    assert_view_within_limits(view)
    assert_no_broadcast(view)
    only_our_tokens(view)
    return view


def texts(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(all_strings(blocks))


def buttons(msg: Message) -> list[dict[str, Any]]:
    return [el for b in msg.blocks if b["type"] == "actions" for el in b["elements"]]


def field_texts(msg: Message) -> list[str]:
    return [f["text"] for b in msg.blocks if b["type"] == "section" for f in b.get("fields") or []]


def user_text_is_inert(msg: Message | dict[str, Any], *, mentions: bool = False) -> None:
    """The hostile mention/link tokens from user text never appear raw in mrkdwn, and control /
    bidi-override characters appear nowhere. With ``mentions`` (timeline entries, which name people),
    a mention may stay, reduced to its id: nothing but a valid id becomes markup."""
    for s in mrkdwn_strings(msg):
        if mentions:
            only_our_tokens(s)
        else:
            assert "<@U123>" not in s
        assert "<#C999|general>" not in s
        assert "<http://evil.example" not in s
    for s in all_strings(msg):
        assert "\u202e" not in s and "\x00" not in s and "\ud800" not in s


# ----------------------------------------------------------------------------------------------
# ids


def test_id_values_are_stable_short_and_unique() -> None:
    assert ActionId.NEXT_STAGE == "deal_next_stage"
    assert ActionId.LOG_NOTE == "deal_log_note"
    assert ActionId.HISTORY_PAGE == "deal_history_page"
    assert ActionId.OPEN_CHANNEL == "deal_open_channel"
    assert CallbackId.NEW_DEAL == "deal_new_modal"
    assert CallbackId.LOG_NOTE == "deal_note_modal"
    for enum in (ActionId, CallbackId, BlockId):
        values = [m.value for m in enum]
        assert len(set(values)) == len(values)
        assert all(0 < len(v) <= 40 for v in values)
    assert {b.name for b in BlockId} == {
        "TITLE", "CUSTOMER", "AMOUNT", "CLOSE", "SOURCE", "NOTE_TEXT", "NOTE_VIA", "NOTE_NEXT",
        "REJECT_REASON",
    }  # fmt: skip
    assert (ActionId.APPROVE, ActionId.REJECT) == ("approval_approve", "approval_reject")
    assert CallbackId.REJECT_APPROVAL == "approval_reject_modal"


def test_button_values_round_trip() -> None:
    assert deal_value(42) == "42"
    assert parse_deal_value("42") == 42
    assert history_value(42, 3) == "42:3"
    assert parse_history_value("42:3") == (42, 3)


@pytest.mark.parametrize("bad", ["", "x", "42:", ":3", "42:x", "-1:2", "0", "4 2", "٤٢", "42:3:4", "1e3"])
def test_bad_button_values_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_history_value(bad) if ":" in bad else parse_deal_value(bad)


@given(st.text(max_size=30))
def test_parsing_button_values_only_raises_value_error(value: str) -> None:
    for parse in (parse_deal_value, parse_history_value):
        with contextlib.suppress(ValueError):
            parse(value)


# ----------------------------------------------------------------------------------------------
# text.py


def test_escape_replaces_the_three_control_characters() -> None:
    assert text.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert text.escape("a &amp; b") == "a &amp;amp; b"  # input is plain text, never pre-escaped
    assert text.escape(None) == ""
    assert text.escape(42) == "42"
    assert isinstance(text.escape("x"), Mrkdwn)


def test_escape_leaves_words_and_formatting_alone() -> None:
    # Plain @here/@channel do not notify in Web API messages; *bold* is cosmetic. See text.py.
    assert text.escape("@here @channel *bold* 华为 🎉") == "@here @channel *bold* 华为 🎉"


def test_escape_drops_controls_bidi_overrides_and_lone_surrogates_keeps_joiners() -> None:
    assert text.escape("a\u202eb\u2066c\x00d\x1be\ud800f") == "abcdef"
    family = "👩\u200d👩\u200d👧"
    assert text.escape(family) == family
    assert text.escape("RTL \u200f mark") == "RTL \u200f mark"
    assert text.escape("a\r\nb\rc\u2028d") == "a\nb\nc\nd"


def test_mrkdwn_passes_through_escape() -> None:
    m = Mrkdwn("<@U1> *hi*")
    assert text.escape(m) is m
    assert text.fmt("{} said {}", m, "<b>") == "<@U1> *hi* said &lt;b&gt;"
    assert text.join(", ", [m, "&"]) == "<@U1> *hi*, &amp;"


def test_escape_with_limit_never_splits_an_entity() -> None:
    out = text.escape("<" * 100, 10)
    assert out == "&lt;&lt;…"
    assert len(text.escape("a&b" * 1000, 2000)) <= 2000


def test_truncate() -> None:
    assert text.truncate("hello", 10) == "hello"
    assert text.truncate("hello world", 6) == "hello…"
    assert text.truncate("hello", 0) == ""
    assert text.truncate("hello", 1) == "…"
    assert text.truncate(None, 5) == ""
    assert text.truncate("a👩\u200d👩 b", 4).endswith("…")


def test_clip_keeps_tokens_and_entities_whole() -> None:
    assert text.clip("hello <@U12345> there", 12) == "hello…"
    assert text.clip("hello &amp; there", 9) == "hello…"
    assert text.clip("short", 10) == "short"


def test_user_and_channel_mentions_only_for_valid_ids() -> None:
    assert text.user("U0123ABC") == "<@U0123ABC>"
    assert text.user("W0123ABC") == "<@W0123ABC>"
    assert text.user("<!channel>") == "&lt;!channel&gt;"
    assert text.user("u123") == "u123"
    assert text.user(None) == ""
    assert text.channel("C0123") == "<#C0123>"
    assert text.channel("G0123") == "<#G0123>"
    assert text.channel("<!here>") == "&lt;!here&gt;"
    assert text.channel(None) == ""


def test_escape_keep_mentions_and_defuse() -> None:
    out = text.escape_keep_mentions("held by <@U1> in <#C2|deal-42> <!here> <http://x> & <b>")
    assert out == "held by <@U1> in <#C2|deal-42> &lt;!here&gt; &lt;http://x&gt; &amp; &lt;b&gt;"
    assert text.defuse("<@U1> <!channel> <!subteam^S1|x>") == "<@U1> &lt;!channel&gt; &lt;!subteam^S1|x&gt;"


def test_formatting_goes_through_models_values() -> None:
    assert text.fmt_amount(Decimal("150000")) == format_amount(Decimal("150000"), "en")
    assert text.fmt_amount(Decimal("150000"), "zh-CN") == format_amount(Decimal("150000"), "zh-CN")
    assert text.fmt_amount(None) == "—"
    assert text.fmt_date(NOW, TZ, "en") == format_when(NOW, TZ, "en")
    assert text.fmt_date(NOW.replace(tzinfo=None), TZ) == format_when(NOW, TZ, "en")
    assert text.fmt_date(None, TZ) == "—"


def test_words_come_from_the_catalogue_and_fall_back_to_english() -> None:
    assert text.tr("Customer", "zh-CN") == "客户"
    assert text.tr("Customer", "zh_CN") == "客户"
    assert text.tr("Customer", "fr") == "Customer"
    assert text.tr("and {n} more", "en", n=3) == "and 3 more"
    assert text.mtr("in {channel}", "zh-CN", channel=text.channel("C1")) == "频道 <#C1>"
    assert text.mtr("in {channel}", "en", channel="<!here>") == "in &lt;!here&gt;"
    # the template's own angle brackets are text, never a Slack <…> token
    assert text.mtr("use `/deal lost <reason>` & {n}", "en", n=2) == "use `/deal lost &lt;reason&gt;` &amp; 2"


@given(st.text(max_size=600), st.integers(min_value=0, max_value=400))
def test_escape_and_truncate_respect_limits(s: str, limit: int) -> None:
    assert len(text.truncate(s, limit)) <= limit
    escaped = text.escape(s, limit)
    assert len(escaped) <= limit
    assert "<" not in escaped and ">" not in escaped
    # every & starts a complete entity
    assert escaped.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").count("&") == 0
    if len(text.escape(s)) <= limit:
        assert escaped == text.escape(s)


# ----------------------------------------------------------------------------------------------
# deal_card


def test_deal_card_ordinary() -> None:
    msg = check(cards.deal_card(make_deal(), tz=TZ))
    assert msg.text == "D-42 Acme pilot — Proposal, 150,000"
    header = {"type": "header", "text": {"type": "plain_text", "text": "D-42 · Acme pilot", "emoji": True}}
    assert msg.blocks[0] == header
    fields = field_texts(msg)
    assert "*Customer*\nAcme Corp" in fields
    assert "*Amount*\n150,000" in fields
    assert "*Stage*\nProposal · 4/7 · 50%" in fields
    assert "*Owner*\n<@U0OWNER1>" in fields
    assert "*Score*\n8 · high" in fields
    assert "*Source*\nreferral" in fields
    assert f"*Close date*\n{format_when(NOW + timedelta(days=30), TZ)}" in fields
    assert f"*Next follow-up*\n{format_when(NOW + timedelta(days=1), TZ)} — call the CFO" in fields
    assert "*Collaborators*\n<@U0COLL01>, <@U0COLL02>" in fields
    assert "*discount*\n20" in fields and "*floor*\n80k" in fields
    progress = next(b for b in msg.blocks if b["type"] == "context")["elements"][0]["text"]
    assert progress == "Lead → Qualified → Discovery → *Proposal* → Negotiation → Won / Lost"
    nxt, note = buttons(msg)
    assert (nxt["action_id"], nxt["value"], nxt["style"]) == ("deal_next_stage", "42", "primary")
    assert "Negotiation" in nxt["text"]["text"]
    assert (note["action_id"], note["value"]) == ("deal_log_note", "42")


def test_deal_card_in_chinese() -> None:
    msg = check(cards.deal_card(make_deal(), tz=TZ, locale="zh-CN"))
    assert "*客户*\nAcme Corp" in field_texts(msg)
    assert "*金额*\n15万" in field_texts(msg)
    assert msg.text.endswith("15万")


@pytest.mark.parametrize("key", ["negotiation", "won", "lost"])
def test_no_next_stage_button_when_closed_or_at_last_open_stage(key: str) -> None:
    msg = check(cards.deal_card(make_deal(stage=stage(key), lost_reason="budget cut"), tz=TZ))
    assert [b["action_id"] for b in buttons(msg)] == ["deal_log_note"]


def test_closed_deal_lines() -> None:
    won = check(cards.deal_card(make_deal(stage=stage("won")), tz=TZ))
    assert "*Won 🎉*" in texts(won.blocks)
    lost = check(cards.deal_card(make_deal(stage=stage("lost"), lost_reason="went with <!here> rival"), tz=TZ))
    assert "*Lost — went with &lt;!here&gt; rival*" in texts(lost.blocks)
    assert "*Lost*" in texts(check(cards.deal_card(make_deal(stage=stage("lost")), tz=TZ)).blocks)


def test_deal_card_with_nothing_optional() -> None:
    msg = check(cards.deal_card(bare_deal(), tz=TZ))
    assert msg.blocks[0]["text"]["text"] == "D-7"
    assert msg.text == "D-7 — Lead"
    fields = field_texts(msg)
    assert "*Next follow-up*\nnone" in fields
    assert "*Customer*\n—" in fields and "*Amount*\n—" in fields and "*Score*\n—" in fields
    assert "*Stage*\nLead · 10%" in fields
    assert not any(f.startswith("*Collaborators*") for f in fields)
    assert [b["action_id"] for b in buttons(msg)] == ["deal_log_note"]  # no pipeline known


def test_deal_card_with_30_custom_fields_and_500_collaborators() -> None:
    deal = make_deal(
        custom_fields={f"field{i}": "v" * 3000 for i in range(30)},
        collaborator_ids=tuple(f"U{i:08d}" for i in range(500)),
    )
    msg = check(cards.deal_card(deal, tz=TZ))
    custom = [b for b in msg.blocks if b["type"] == "section" and b.get("fields")][1]["fields"]
    assert len(custom) == 10
    assert custom[-1]["text"].endswith("+21 more")
    collab = next(f for f in field_texts(msg) if f.startswith("*Collaborators*"))
    assert len(collab) <= 2000 and "more" in collab


def test_custom_fields_exactly_ten_are_all_shown() -> None:
    msg = check(cards.deal_card(make_deal(custom_fields={f"k{i}": "v" for i in range(10)}), tz=TZ))
    assert "*k9*\nv" in field_texts(msg)


@pytest.mark.parametrize("s", HOSTILE)
def test_deal_card_hostile(s: str) -> None:
    msg = check(cards.deal_card(hostile_deal(s), tz=TZ))
    user_text_is_inert(msg)
    assert len(msg.blocks[0]["text"]["text"]) <= 150
    check(cards.deal_card(replace(hostile_deal(s), stage=stage("lost")), tz=TZ, locale="zh-CN"))


def test_hostile_ids_and_stage_names_do_not_break_the_card() -> None:
    weird = tuple(replace(st_, name="<!channel> " + "N" * 500) for st_ in STAGES)
    deal = make_deal(
        owner_id="<!channel>",
        collaborator_ids=("<@U1>", "U0OK"),
        stage=weird[3],
        stages=weird,
        score_band="unknown",
        amount=Decimal("1E+60"),
    )
    msg = check(cards.deal_card(deal, tz=TZ))
    assert "*Owner*\n&lt;!channel&gt;" in field_texts(msg)


def test_user_text_is_escaped_exactly_once_everywhere() -> None:
    deal = make_deal(title="R&D <x>", customer="R&D <x>")
    entry = TimelineItem(at=NOW, actor_id="U0A", kind="note", text="R&D <x>")
    info = StageChangeInfo(deal=deal, from_stage=stage("discovery"), to_stage=stage("proposal"), actor_id="U1", at=NOW)
    outputs = [
        cards.deal_card(deal, tz=TZ),
        cards.stage_change_card(info, tz=TZ, for_feed=True),
        cards.welcome_card(deal, [entry], tz=TZ, has_more=False),
        timeline.timeline_page(deal, [entry], page=1, has_more=False, tz=TZ),
        replies.deal_list_reply([deal], tz=TZ, title="Deals"),
        replies.error_reply("R&D <x>", "R&D <x>", locale="en"),
        replies.help_reply("R&D <x>"),
    ]
    for msg in outputs:
        check(msg)
        joined = "\n".join(mrkdwn_strings(msg))
        assert "R&amp;D &lt;x&gt;" in joined, joined
        assert "&amp;amp;" not in joined and "&amp;lt;" not in joined
    assert cards.deal_card(deal, tz=TZ).blocks[0]["text"]["text"] == "D-42 · R&D <x>"  # plain_text is literal
    assert "R&amp;D &lt;x&gt;" in json.dumps(modals.log_note_modal(42, "R&D <x>"))
    assert cards.welcome_card(bare_deal(), [], tz=TZ, has_more=False).blocks[0]["text"]["text"].startswith(
        ":wave: Welcome to *D-7*"
    )
    assert check(cards.stage_change_card(change(None, "lead", deal={"title": ""}), tz=TZ)).blocks[0]["text"][
        "text"
    ].endswith("\n*D-42*")


# ----------------------------------------------------------------------------------------------
# channel topic


def test_channel_topic() -> None:
    assert cards.channel_topic(make_deal()) == "Stage: Proposal · Amount: 150,000 · Owner: <@U0OWNER1>"
    assert cards.channel_topic(make_deal(), "zh-CN") == "阶段：Proposal · 金额：15万 · 负责人：<@U0OWNER1>"
    assert cards.channel_topic(bare_deal()) == "Stage: Lead"


@pytest.mark.parametrize("s", HOSTILE)
def test_channel_topic_is_at_most_250_chars(s: str) -> None:
    weird = replace(stage("proposal"), name=s)
    topic = cards.channel_topic(make_deal(stage=weird, amount=Decimal("9" * 200)))
    assert len(topic) <= 250
    assert "<!" not in topic


# ----------------------------------------------------------------------------------------------
# stage-change card


def change(frm: str | None, to: str, **kw: Any) -> StageChangeInfo:
    deal = make_deal(stage=stage(to), lost_reason=kw.pop("lost_reason", None), **kw.pop("deal", {}))
    return StageChangeInfo(
        deal=deal, from_stage=stage(frm) if frm else None, to_stage=stage(to), actor_id="U0ACTOR1", at=NOW, **kw
    )


@pytest.mark.parametrize(
    ("frm", "to", "kw", "headline", "fallback"),
    [
        ("discovery", "proposal", {}, "Stage changed: *Discovery* → *Proposal*", "Stage changed: Discovery → Proposal"),
        ("negotiation", "proposal", {"backward": True}, "Moved back: *Negotiation* → *Proposal*", "Moved back"),
        ("lost", "proposal", {}, "Reopened: *Lost* → *Proposal*", "Reopened: Lost → Proposal"),
        ("negotiation", "won", {}, "*Won 🎉*", "Won 🎉"),
        ("negotiation", "lost", {"lost_reason": "price"}, "*Lost* — price", "Lost"),
        (None, "lead", {}, "Stage set: *Lead*", "Stage set: Lead"),
    ],
)
def test_stage_change_card_kinds(frm: str | None, to: str, kw: dict[str, Any], headline: str, fallback: str) -> None:
    msg = check(cards.stage_change_card(change(frm, to, **kw), tz=TZ))
    first = msg.blocks[0]["text"]["text"]
    assert first.startswith(headline)
    assert "*D-42* · Acme pilot" in first
    assert msg.text.startswith("D-42 Acme pilot: ") and fallback in msg.text
    fields = field_texts(msg)
    assert "*By*\n<@U0ACTOR1>" in fields
    assert f"*Probability*\n{stage(to).probability}%" in fields
    assert "*Amount*\n150,000" in fields
    assert "<#C0DEAL42>" not in texts(msg.blocks)  # only the feed variant links the channel
    assert buttons(msg) == []


def test_stage_change_card_for_the_feed_links_the_channel() -> None:
    msg = check(cards.stage_change_card(change("discovery", "proposal"), tz=TZ, for_feed=True))
    assert "in <#C0DEAL42>" in msg.blocks[0]["text"]["text"]
    (btn,) = buttons(msg)
    assert btn["action_id"] == "deal_open_channel" and btn["url"].endswith("channel=C0DEAL42")
    no_channel = change("discovery", "proposal", deal={"channel_id": None})
    msg = check(cards.stage_change_card(no_channel, tz=TZ, for_feed=True))
    assert "<#" not in texts(msg.blocks) and buttons(msg) == []


@pytest.mark.parametrize("s", HOSTILE)
def test_stage_change_card_hostile(s: str) -> None:
    deal = replace(hostile_deal(s), stage=stage("lost"), channel_id="<!channel>")
    info = StageChangeInfo(deal=deal, from_stage=stage("proposal"), to_stage=stage("lost"), actor_id=s, at=NOW)
    for feed in (False, True):
        msg = check(cards.stage_change_card(info, tz=TZ, locale="zh-CN", for_feed=feed))
        user_text_is_inert(msg)


# ----------------------------------------------------------------------------------------------
# timeline


def test_timeline_page_lines_newest_first() -> None:
    entries = items(6)
    random.Random(1).shuffle(entries)
    msg = check(timeline.timeline_page(make_deal(), entries, page=1, has_more=False, tz=TZ, locale="en"))
    body = next(b for b in msg.blocks if b["type"] == "section")["text"]["text"]
    lines = body.split("\n")
    assert lines[0] == f"`{format_when(NOW, TZ)}` Dealroom note 0"
    assert lines[1] == f"`{format_when(NOW - timedelta(minutes=1), TZ)}` <@U0000001> note 1"
    assert [line.rsplit(" ", 1)[1] for line in lines] == [str(i) for i in range(6)]
    assert buttons(msg) == []
    assert msg.blocks[0]["text"]["text"] == "History · D-42 · Acme pilot"


def test_timeline_paging_buttons() -> None:
    deal = make_deal()

    def values(page: int, has_more: bool) -> list[tuple[str, str]]:
        msg = check(timeline.timeline_page(deal, items(3), page=page, has_more=has_more, tz=TZ, locale="en"))
        return [(b["text"]["text"], b["value"]) for b in buttons(msg)]

    assert values(1, True) == [("Older →", "42:2")]
    assert values(3, True) == [("← Newer", "42:2"), ("Older →", "42:4")]
    assert values(2, False) == [("← Newer", "42:1")]
    assert values(1, False) == []


def test_timeline_escapes_entries_keeps_mentions_and_keeps_them_on_one_line() -> None:
    entry = TimelineItem(at=NOW, actor_id="U0A", kind="note", text="<!channel> <@U123|ana> <http://x>\n*bold*")
    msg = check(timeline.timeline_page(make_deal(), [entry], page=1, has_more=False, tz=TZ, locale="en"))
    body = msg.blocks[1]["text"]["text"]
    assert body.endswith("<@U0A> &lt;!channel&gt; <@U123> &lt;http://x&gt; *bold*")


def test_timeline_empty() -> None:
    msg = check(timeline.timeline_page(bare_deal(), [], page=1, has_more=False, tz=TZ, locale="zh-CN"))
    assert "暂无记录。" in texts(msg.blocks)


def test_a_full_page_of_4000_char_notes_is_shown_whole() -> None:
    entries = items(timeline.PAGE_SIZE, lambda i: "x" * 4000)
    msg = check(timeline.timeline_page(make_deal(), entries, page=1, has_more=True, tz=TZ, locale="en"))
    sections = [b for b in msg.blocks if b["type"] == "section"]
    assert sum(s["text"]["text"].count("\n") + 1 for s in sections) == timeline.PAGE_SIZE
    assert "not shown" not in texts(msg.blocks)


@pytest.mark.parametrize("s", HOSTILE)
def test_200_hostile_timeline_items(s: str) -> None:
    entries = items(200, lambda i: s)
    msg = check(timeline.timeline_page(hostile_deal(s), entries, page=5, has_more=True, tz=TZ, locale="en"))
    user_text_is_inert(msg, mentions=True)
    assert len(msg.blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in msg.blocks if b["type"] == "section")
    assert "more entries on this page are not shown" in texts(msg.blocks)


# ----------------------------------------------------------------------------------------------
# welcome card


def test_welcome_card() -> None:
    msg = check(cards.welcome_card(make_deal(), items(8), tz=TZ, locale="en", has_more=True))
    assert msg.blocks[0]["text"]["text"].startswith(":wave: Welcome to *D-42 · Acme pilot*")
    assert "Latest activity" in texts(msg.blocks)
    assert "note 7" in texts(msg.blocks)
    (btn,) = buttons(msg)
    assert (btn["action_id"], btn["value"], btn["text"]["text"]) == ("deal_history_page", "42:1", "Full history")
    assert "Welcome to D-42 Acme pilot" in msg.text


def test_welcome_card_without_history() -> None:
    msg = check(cards.welcome_card(bare_deal(), [], tz=TZ, locale="zh-CN", has_more=False))
    assert "欢迎加入" in msg.text


@pytest.mark.parametrize("s", HOSTILE)
def test_welcome_card_hostile(s: str) -> None:
    deal = replace(hostile_deal(s), custom_fields={f"k{i}": s for i in range(30)})
    msg = check(cards.welcome_card(deal, items(200, lambda i: s), tz=TZ, locale="en", has_more=True))
    user_text_is_inert(msg, mentions=True)


# ----------------------------------------------------------------------------------------------
# modals


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_new_deal_modal() -> None:
    view = check_view(modals.new_deal_modal(channel_id="C0123", initial_title="Acme"))
    assert view["type"] == "modal"
    assert view["callback_id"] == "deal_new_modal"
    assert view["title"]["text"] == "New deal"
    assert json.loads(view["private_metadata"]) == {"channel_id": "C0123"}
    blocks = inputs(view)
    assert list(blocks) == ["title", "customer", "amount", "close", "source"]
    assert blocks["title"]["optional"] is False
    assert blocks["title"]["element"]["initial_value"] == "Acme"
    assert all(blocks[k]["optional"] is True for k in ("customer", "amount", "close", "source"))
    assert "15万" in blocks["amount"]["hint"]["text"]
    assert "in 3w" in blocks["close"]["element"]["placeholder"]["text"]
    for block_id, block in blocks.items():
        assert block["element"]["action_id"] == block_id


@pytest.mark.parametrize("s", HOSTILE)
def test_new_deal_modal_hostile(s: str) -> None:
    view = check_view(modals.new_deal_modal(channel_id=s or None, initial_title=s, locale="zh-CN"))
    user_text_is_inert(view)
    meta = json.loads(view["private_metadata"])
    assert meta["channel_id"] is None


def test_new_deal_modal_without_channel() -> None:
    view = check_view(modals.new_deal_modal(channel_id=None))
    assert json.loads(view["private_metadata"]) == {"channel_id": None}
    assert "initial_value" not in inputs(view)["title"]["element"]


def test_log_note_modal() -> None:
    view = check_view(modals.log_note_modal(42, "Acme <!channel> pilot"))
    assert view["callback_id"] == "deal_note_modal"
    assert view["title"]["text"] == "Log note"
    assert json.loads(view["private_metadata"]) == {"deal": 42}
    blocks = inputs(view)
    assert list(blocks) == ["note_text", "note_via", "note_next"]
    note = blocks["note_text"]
    assert note["optional"] is False and note["element"]["multiline"] is True
    via = [o["value"] for o in blocks["note_via"]["element"]["options"]]
    assert via == ["call", "email", "meeting", "demo", "chat"]
    assert blocks["note_via"]["optional"] is True and blocks["note_next"]["optional"] is True
    assert "Acme &lt;!channel&gt; pilot" in texts(view["blocks"])


@pytest.mark.parametrize("s", HOSTILE)
def test_log_note_modal_hostile(s: str) -> None:
    user_text_is_inert(check_view(modals.log_note_modal(10**12, s, locale="zh-CN")))


def test_reading_a_submission() -> None:
    view = {
        "private_metadata": '{"deal": 42}',
        "state": {
            "values": {
                "note_text": {"note_text": {"type": "plain_text_input", "value": "  called  "}},
                "note_via": {"note_via": {"type": "static_select", "selected_option": {"value": "call"}}},
                "note_next": {"note_next": {"type": "plain_text_input", "value": None}},
            }
        },
    }
    assert modals.read_inputs(view) == {"note_text": "called", "note_via": "call", "note_next": None}
    assert modals.read_inputs(view)[BlockId.NOTE_VIA] == "call"
    assert modals.read_metadata(view) == {"deal": 42}
    assert modals.read_metadata({"private_metadata": "not json"}) == {}
    assert modals.read_metadata({"private_metadata": "[1]"}) == {}
    assert modals.read_inputs({}) == {}


# ----------------------------------------------------------------------------------------------
# replies


def test_error_reply() -> None:
    msg = check(replies.error_reply("Unknown stage <!channel>.", "/deal stage <stage>", locale="en"))
    body = msg.blocks[0]["text"]["text"]
    assert body == ":warning: Unknown stage &lt;!channel&gt;.\nTry: `/deal stage &lt;stage&gt;`"
    assert msg.text == body
    assert check(replies.error_reply("Nope", None, locale="en")).text == ":warning: Nope"
    multi = check(replies.error_reply("Nope", "/deal note <text>\n/deal note D-42 <text>", locale="en"))
    assert "```/deal note &lt;text&gt;\n/deal note D-42 &lt;text&gt;```" in multi.text
    kept = check(replies.error_reply(text.escape_keep_mentions("Held by <@U1>"), None, locale="en"))
    assert kept.text == ":warning: Held by <@U1>"


def test_ok_reply_takes_mrkdwn_but_never_broadcasts() -> None:
    msg = check(replies.ok_reply("Created *D-42* for <@U1> in <#C1>. <!here>"))
    assert msg.blocks[0]["text"]["text"] == "Created *D-42* for <@U1> in <#C1>. &lt;!here&gt;"


def test_help_reply_escapes_and_splits_long_help() -> None:
    lines = [f"`/deal new <title> [amount:…]` example {i}" for i in range(400)]
    msg = check(replies.help_reply("\n".join(lines)))
    assert "&lt;title&gt;" in msg.blocks[0]["text"]["text"]
    assert len(msg.blocks) > 1
    assert msg.text.startswith("`/deal new &lt;title&gt;")
    check(replies.help_reply("Usage\n\n```\n/deal new <title>\n```\n\n" + "para\n\n" * 2000))


@pytest.mark.parametrize("s", HOSTILE)
def test_replies_hostile(s: str) -> None:
    user_text_is_inert(check(replies.error_reply(s, s, locale="en")))
    user_text_is_inert(check(replies.help_reply(s)))
    check(replies.ok_reply(text.escape(s)))


def test_deal_list_reply() -> None:
    overdue = FollowUpInfo(id=2, due_at=NOW - timedelta(days=1), text="send quote", owner_id="U1", overdue=True)
    deals = [make_deal(), make_deal(number=43, title="Beta", next_followup=overdue, amount=None)]
    msg = check(replies.deal_list_reply(deals, tz=TZ, locale="en", title="Open deals of <@U1>"))
    assert msg.blocks[0]["text"]["text"] == "*Open deals of <@U1>*"
    lines = msg.blocks[1]["text"]["text"].split("\n")
    assert lines[0].startswith("*D-42* Acme pilot · Proposal · 150,000 · next: ")
    assert lines[1].startswith("*D-43* Beta · Proposal · next: ") and "⚠️" in lines[1]
    assert "⚠️" not in lines[0]
    assert msg.text == "Open deals of <@U1>: 2 deals"


def test_deal_list_reply_empty_and_long() -> None:
    assert "No deals." in texts(check(replies.deal_list_reply([], tz=TZ, title="Your open deals")).blocks)
    many = [make_deal(number=i, title=LONG) for i in range(1, 301)]
    msg = check(replies.deal_list_reply(many, tz=TZ, locale="zh-CN", title="x" * 5000))
    assert msg.blocks[-1]["type"] == "context"
    assert "还有 260 个" in texts(msg.blocks)


@pytest.mark.parametrize("s", HOSTILE)
def test_deal_list_reply_hostile(s: str) -> None:
    deals = [hostile_deal(s) for _ in range(45)]
    user_text_is_inert(check(replies.deal_list_reply(deals, tz=TZ, title=str(text.escape(s)))))


def test_message_is_a_plain_value() -> None:
    msg = replies.ok_reply("hi")
    assert msg.as_kwargs() == {"text": "hi", "blocks": msg.blocks}
    assert replies.Message is Message


# ----------------------------------------------------------------------------------------------
# the limits checker itself


def test_checker_catches_what_slack_sdk_does_not() -> None:
    too_many = Message(text="x", blocks=[SectionBlock(text="a").to_dict() for _ in range(51)])
    with pytest.raises(AssertionError, match="51 blocks > 50"):
        assert_message_within_limits(too_many)
    with pytest.raises(AssertionError, match="fallback text"):
        assert_message_within_limits(Message(text="", blocks=[]))
    dup = {"type": "actions", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x"}},
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "y"}},
    ]}  # fmt: skip
    with pytest.raises(AssertionError, match="used 2 times in one block"):
        assert_message_within_limits(("x", [dup]))
    field = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}
    with pytest.raises(AssertionError, match="2001 chars > 2000"):
        assert_message_within_limits({"text": "x", "blocks": [field]})
    with pytest.raises(AssertionError, match="soft limit"):
        big = [{"type": "section", "text": {"type": "mrkdwn", "text": "t" * 3000}} for _ in range(5)]
        assert_message_within_limits(("x", big))
    assert_message_within_limits(("x", big), total_text_max=None)
    view = modals.new_deal_modal(channel_id=None)
    view["title"]["text"] = "x" * 25
    view["private_metadata"] = "m" * 3001
    with pytest.raises(AssertionError, match=r"(?s)view.title.*private_metadata"):
        assert_view_within_limits(view)
    with pytest.raises(AssertionError, match="special mention"):
        assert_no_broadcast(Message(text="<!here>", blocks=[]))
    assert total_block_text(big) == 15000


# ----------------------------------------------------------------------------------------------
# hypothesis: any text in any field


ANY_TEXT = st.text(max_size=5000)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(title=ANY_TEXT, customer=st.none() | ANY_TEXT, source=st.none() | ANY_TEXT, note=ANY_TEXT,
       key=st.text(max_size=300), locale=st.sampled_from(["en", "zh-CN"]))  # fmt: skip
def test_any_text_keeps_every_builder_within_limits(
    title: str, customer: str | None, source: str | None, note: str, key: str, locale: str
) -> None:
    deal = make_deal(
        title=title,
        customer=customer,
        source=source,
        custom_fields={key: note, key + "2": title},
        next_followup=FollowUpInfo(id=1, due_at=NOW, text=note, owner_id="U1", overdue=True),
        lost_reason=note,
        stage=stage("lost"),
    )
    entries = items(30, lambda i: note)
    outputs: list[Any] = [
        check(cards.deal_card(deal, tz=TZ, locale=locale)),
        check(cards.stage_change_card(
            StageChangeInfo(deal=deal, from_stage=stage("proposal"), to_stage=stage("lost"), actor_id="U1", at=NOW),
            tz=TZ, locale=locale, for_feed=True)),
        check(cards.welcome_card(deal, entries, tz=TZ, locale=locale, has_more=True)),
        check(timeline.timeline_page(deal, entries, page=2, has_more=True, tz=TZ, locale=locale)),
        check(replies.deal_list_reply([deal] * 3, tz=TZ, locale=locale, title="Deals")),
        check(replies.error_reply(note, title, locale="en")),
        check(replies.help_reply(note)),
        check_view(modals.new_deal_modal(channel_id=customer, initial_title=title, locale=locale)),
        check_view(modals.log_note_modal(42, title, locale=locale)),
    ]  # fmt: skip
    topic = cards.channel_topic(replace(deal, stage=replace(stage("proposal"), name=title)), locale)
    assert len(topic) <= 250
    only_our_tokens(topic)
    assert len(outputs) == 9
