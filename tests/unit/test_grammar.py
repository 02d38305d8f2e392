"""The /deal grammar (handlers.grammar, and each subcommand's in handlers/commands/): tokenizer, unescaping,
options, typed commands."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from handlers.commands.table import (
    HELP,
    SUBCOMMANDS,
    USAGE,
    Approvals,
    Assign,
    Claim,
    Command,
    DealRef,
    FollowUp,
    Help,
    History,
    Info,
    Invite,
    List,
    Lost,
    New,
    Next,
    Note,
    Pool,
    Report,
    Role,
    Score,
    Set,
    Stage,
    Target,
    Team,
    UsageError,
    Won,
    help_text,
    parse_command,
)
from handlers.grammar import MAX_TEXT, plain_text
from models.values import InputError

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def parse(text: str, locale: str = "en") -> Command:
    return parse_command(text, now=NOW, tz=BERLIN, locale=locale)


def refused(text: str, match: str | None = None) -> UsageError:
    with pytest.raises(UsageError, match=match) as info:
        parse(text)
    error = info.value
    assert str(error) and "\n" not in str(error)
    assert error.usage.startswith("/deal ")
    return error


# ---------------------------------------------------------------------------------------------
# Help and subcommands


def test_empty_and_help() -> None:
    assert parse("") == Help(None)
    assert parse("   ") == Help(None)
    assert parse("\u200b") == Help(None)
    assert parse("help") == Help(None)
    assert parse("HELP Note") == Help("note")
    assert parse("help follow-up") == Help("followup")


def test_help_texts() -> None:
    for sub in SUBCOMMANDS:
        assert USAGE[sub] in HELP
        assert USAGE[sub] in help_text(sub)
    assert help_text(None) == HELP
    assert help_text("nonsense") == HELP


def test_subcommand_is_case_insensitive() -> None:
    assert parse("NEXT") == Next(None)
    assert parse("Info D-3") == Info(DealRef(3))
    assert parse("ｉｎｆｏ Ｄ－４２") == Info(DealRef(42))


def test_unknown_subcommand_names_it_and_lists_the_subcommands() -> None:
    error = refused("frobnicate D-1", match='"/deal frobnicate"')
    assert "new, stage, next" in str(error)
    assert error.usage == USAGE["help"]


def test_too_long() -> None:
    refused("note " + "x" * MAX_TEXT, match="at most 4,000 characters")
    assert parse("note " + "x" * (MAX_TEXT - 5)) == Note(None, "x" * (MAX_TEXT - 5))


# ---------------------------------------------------------------------------------------------
# Deal references


@pytest.mark.parametrize(
    ("token", "ref"),
    [
        ("D-42", DealRef(42)),
        ("d-42", DealRef(42)),
        ("#D-42", DealRef(42)),
        ("d42", DealRef(42)),
        ("D42", DealRef(42)),
        ("<#C123|deal-42-acme>", DealRef(42, "C123")),
        ("<#C123|general>", DealRef(None, "C123")),
        ("<#C123>", DealRef(None, "C123")),
    ],
)
def test_deal_references(token: str, ref: DealRef) -> None:
    assert parse(f"info {token}") == Info(ref)
    assert parse(f"note {token} called") == Note(ref, "called")


def test_no_reference_for_new_and_list() -> None:
    assert parse("new D-42 renewal") == New(title="D-42 renewal")
    refused("list D-42")


# ---------------------------------------------------------------------------------------------
# Tokenizer and unescaping


def test_quoted_values_keep_their_spaces() -> None:
    cmd = parse('new Acme expansion customer:"Acme  Corp" title2:“big one”')
    assert cmd == New(title="Acme expansion", customer="Acme  Corp", custom={"title2": "big one"})


def test_unclosed_quote_is_a_usage_error() -> None:
    error = refused('note "called the CFO', match="quote is not closed")
    assert error.usage == USAGE["note"]
    refused('new x customer:"Acme', match="quote is not closed")


def test_free_text_keeps_its_quotes_unless_it_is_one_quoted_string() -> None:
    assert parse('note he said "yes" twice') == Note(None, 'he said "yes" twice')
    assert parse('new "Acme: the big one"') == New(title="Acme: the big one")
    assert parse("stage “closed won”") == Stage(None, "closed won")


def test_options_anywhere_and_key_case() -> None:
    a = parse("note via:call D-1 called the CFO")
    b = parse("note D-1 called VIA:call the CFO")
    c = parse("note D-1 called the CFO via:call")
    assert a == b == c == Note(DealRef(1), "called the CFO", "call")


def test_full_width_colon_counts() -> None:
    assert parse("set amount：15万") == Set(amount=Decimal("150000"))


def test_times_and_links_are_not_options() -> None:
    assert parse("note meeting at 10:00 see https://x.com/a") == Note(None, "meeting at 10:00 see https://x.com/a")
    assert parse("note Re: pricing") == Note(None, "Re: pricing")  # an empty value is just text


def test_slack_escapes_are_unescaped() -> None:
    cmd = parse(
        "note D-1 AT&amp;T &lt;b&gt; <@U1|bob> <@U2> <#C9|general> <!channel> <!here|here> <!everyone> "
        "<https://x.com/?a=1&amp;b=2|the deck> <mailto:a@b.c|a@b.c>"
    )
    assert cmd == Note(
        DealRef(1),
        "AT&T <b> @bob @U2 #general @channel @here @everyone https://x.com/?a=1&b=2 a@b.c",
    )


def test_escapes_stay_whole_across_spaces() -> None:
    assert parse("note <https://x.com|a b: c> ok") == Note(None, "https://x.com ok")
    assert parse('new x customer:"<https://acme.com|Acme Corp> Ltd"').customer == "https://acme.com Ltd"


def test_a_broadcast_typed_as_text_is_neutralised() -> None:
    assert parse("note hi &lt;!channel&gt; there") == Note(None, "hi @channel there")
    assert plain_text("&lt;!here|x&gt;") == "@here"


def test_invisible_characters_are_dropped() -> None:
    assert parse("no\u200bte D-1 ca\u202elled\ufeff via\u00ad:call") == Note(DealRef(1), "called", "call")


def test_line_breaks_in_free_text_are_kept() -> None:
    assert parse("note first line\nsecond  line") == Note(None, "first line\nsecond line")


# ---------------------------------------------------------------------------------------------
# Options


def test_duplicate_option() -> None:
    refused("set amount:1 AMOUNT:2", match='"amount:" twice')


def test_option_a_subcommand_does_not_take() -> None:
    error = refused("stage proposal via:call", match='does not take "via:"')
    assert error.usage == USAGE["stage"]
    refused("note called todo:deck", match='does not take "todo:"')


def test_option_value_after_a_space() -> None:
    assert parse("set amount: 150k") == Set(amount=Decimal("150000"))
    refused("set amount:", match="needs a value")
    refused('set amount:""', match="needs a value")


def test_bad_values_say_what_was_wrong_and_carry_the_usage() -> None:
    error = refused("new x amount:abc", match='could not read "abc" as an amount')
    assert error.usage == USAGE["new"]
    refused("new x close:someday", match='could not read "someday" as a time')
    refused("new x owner:bob", match="owner: must be a @mention")
    refused("note hi via:fax", match="via: must be one of call, email, meeting, demo, chat")


# ---------------------------------------------------------------------------------------------
# Subcommands


def test_new() -> None:
    cmd = parse(
        'new Acme expansion amount:150k customer:"Acme Corp" close:2026-12-01 owner:<@U1|bob> '
        "source:web discount:20 Floor:80k"
    )
    assert cmd == New(
        title="Acme expansion",
        amount=Decimal("150000.00"),
        customer="Acme Corp",
        close_at=berlin(2026, 12, 1, 9, 0),
        owner_id="U1",
        source="web",
        custom={"discount": "20", "floor": "80k"},
    )


def test_new_without_title_opens_a_modal() -> None:
    assert parse("new") == New()
    assert parse("new amount:5k") == New(amount=Decimal("5000"))


def test_new_close_may_be_past_and_may_span_words() -> None:
    assert parse("new x close:yesterday").close_at == berlin(2026, 11, 22, 9, 0)
    assert parse("new Acme close:dec 1 2026 big") == New(title="Acme big", close_at=berlin(2026, 12, 1, 9, 0))


def test_new_chinese() -> None:
    cmd = parse("new 华为云 amount:1.5亿 customer:华为 close:12月1日", locale="zh-CN")
    assert cmd == New(title="华为云", amount=Decimal("150000000"), customer="华为", close_at=berlin(2026, 12, 1, 9, 0))


def test_stage() -> None:
    assert parse("stage proposal") == Stage(None, "proposal")
    assert parse("stage D-42 4") == Stage(DealRef(42), "4")
    assert parse("stage 方案报价") == Stage(None, "方案报价")
    assert parse("stage closed won") == Stage(None, "closed won")
    refused("stage D-42", match="which stage")


def test_next_info_pool_approvals_take_no_text() -> None:
    assert parse("next D-4") == Next(DealRef(4))
    assert parse("pool") == Pool()
    assert parse("approvals") == Approvals()
    refused("next please", match="takes no text")
    refused("info D-1 more")


def test_set() -> None:
    cmd = parse('set D-42 amount:1.5m close:2027-01-15 customer:Acme source:referral title:"New name" discount:20')
    assert cmd == Set(
        ref=DealRef(42),
        title="New name",
        amount=Decimal("1500000"),
        customer="Acme",
        close_at=berlin(2027, 1, 15, 9, 0),
        source="referral",
        custom={"discount": "20"},
    )
    refused("set", match="Say what to change")
    refused("set D-1", match="Say what to change")
    refused("set amount:5k and more", match="only key:value")
    refused("set owner:<@U1>", match="assign")


def test_note() -> None:
    cmd = parse("note D-42 called the CFO via:call next:tomorrow 10:00 and it went well")
    assert cmd == Note(DealRef(42), "called the CFO and it went well", "call", berlin(2026, 11, 24, 10, 0))
    assert parse('note x next:"in 2h"').next_at == NOW + timedelta(hours=2)
    assert parse("note x next:明天下午3点").next_at == berlin(2026, 11, 24, 15, 0)
    refused("note D-42", match="Say what happened")
    refused("note hi next:yesterday", match="in the past")


def test_followup() -> None:
    cmd = parse("followup D-42 tomorrow 10:00 send the contract")
    assert cmd == FollowUp(DealRef(42), berlin(2026, 11, 24, 10, 0), "send the contract")
    assert parse("followup in 90m call back") == FollowUp(None, NOW + timedelta(minutes=90), "call back")
    assert parse("followup 明天下午3点 打电话") == FollowUp(None, berlin(2026, 11, 24, 15, 0), "打电话")
    assert parse("followup 3天后回访客户") == FollowUp(None, berlin(2026, 11, 26, 10, 0), "回访客户")
    refused("followup tomorrow 10:00", match="Say what the follow-up is")
    refused("followup call the CFO", match="could not read a time")
    refused("followup yesterday call", match="in the past")
    refused("followup", match="Say when and what")


def test_won_and_lost() -> None:
    assert parse("won") == Won()
    assert parse("won D-3 amount:145k") == Won(DealRef(3), Decimal("145000"))
    assert parse("won 145k") == Won(None, Decimal("145000"))
    refused("won amount:1k 2k")
    refused("won because", match="as an amount")
    assert parse("lost D-3 went with a competitor") == Lost(DealRef(3), "went with a competitor")
    refused("lost", match="Say why")


def test_score() -> None:
    cmd = parse("score D-1 budget:200k authority:yes need:否 timing:30d")
    assert cmd == Score(DealRef(1), Decimal("200000"), True, False, 30)
    assert parse("score budget:1 authority:Y need:true timing:2w").timing_days == 14
    assert parse("score budget:1 authority:是 need:n timing:30").authority is True
    refused("score budget:200k", match="missing: authority, need, timing")
    refused("score budget:1 authority:maybe need:y timing:1", match="authority: must be yes or no")
    refused("score budget:1 authority:y need:y timing:soon", match="timing: must be a number of days")


def test_history() -> None:
    assert parse("history") == History(None, 1)
    assert parse("history D-2 2") == History(DealRef(2), 2)
    assert parse("history page:3") == History(None, 3)
    refused("history 0", match="page")
    refused("history last")


def test_list() -> None:
    assert parse("list") == List("mine")
    assert parse("list all") == List("all")
    assert parse("list TEAM") == List("team")
    assert parse("list <@U7|eve>") == List("user", "U7")
    refused("list everything")
    refused("list all team")


def test_assign_and_invite() -> None:
    assert parse("assign D-1 <@U2|amy>") == Assign(DealRef(1), "U2")
    refused("assign amy", match="Mention exactly one")
    refused("assign <@U1> <@U2>", match="Mention exactly one")
    cmd = parse("invite D-1 <@U1> legal <@U2> Finance <@U1>")
    assert cmd == Invite(DealRef(1), ("U1", "U2"), ("legal", "finance"))
    refused("invite", match="Say whom")
    refused("invite janitor", match="janitor")


def test_admin_and_report_subcommands() -> None:
    assert parse("claim D-7") == Claim(DealRef(7))
    assert parse("report") == Report("month", "default", None)
    assert parse("report quarter team") == Report("quarter", "team", None)
    assert parse("report <@U1> week") == Report("week", "user", "U1")
    assert parse("target <@U1> 2026-q4 500k") == Target("U1", "2026-q4", Decimal("500000"))
    assert parse("team <@U1> manager:<@U2>") == Team("U1", "U2")
    assert parse("role <@U1> -manager") == Role("U1", "manager", True)
    assert parse("role <@U1> presales") == Role("U1", "presales", False)
    refused("role <@U1> king", match="role must be one of")
    refused("target <@U1> soon 5k", match="period")


# ---------------------------------------------------------------------------------------------
# Properties

_WORDS = ["called", "the", "CFO", "pricing", "demo", "went", "well", "客户", "回访", "about", "budget"]


@given(
    words=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6),
    positions=st.lists(st.integers(min_value=0, max_value=10), min_size=2, max_size=2),
)
@settings(max_examples=60, deadline=None)
def test_options_can_appear_anywhere(words: list[str], positions: list[int]) -> None:
    tokens = list(words)
    for option, pos in zip(['next:"tomorrow 10:00"', "via:email"], positions, strict=True):
        tokens.insert(min(pos, len(tokens)), option)
    cmd = parse("note D-9 " + " ".join(tokens))
    assert cmd == Note(DealRef(9), " ".join(words), "email", berlin(2026, 11, 24, 10, 0))


_VALUE_CHARS = st.characters(
    exclude_characters='"“”<>&\u00ad\ufeff' + "".join(map(chr, range(0x200B, 0x2070))),
    exclude_categories=("Cs", "Cc"),
)


@given(st.text(_VALUE_CHARS, min_size=1, max_size=40))
@settings(max_examples=150)
def test_quoted_values_stay_intact(value: str) -> None:
    assume(value.strip())
    cmd = parse(f'new Deal customer:"{value}" amount:5k')
    assert isinstance(cmd, New)
    assert cmd.customer == value.strip()
    assert cmd.title == "Deal"
    assert cmd.amount == Decimal("5000")


_FRAGMENTS = st.sampled_from(
    [*SUBCOMMANDS, "D-1", "d42", "#D-7", "<#C1|deal-1-x>", "<#C2>", "<@U1|bob>", "<@U2>", "<!channel>",
     "<https://x.com|x>", "&amp;", "&lt;", "&gt;", '"', "“", "”", "：", ":", "amount:", "amount:5k", "close:",
     "next:", "via:call", "budget:1", "authority:y", "need:n", "timing:3", "page:2", "owner:", "x:y",
     "tomorrow", "10:00", "in", "2h", "明天下午3点", "下周一", "all", "team", "legal", "-manager", "\n", " ",
     "\u200b", "<", ">", "<@", "<!", "||"]
)  # fmt: skip


@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=8)), max_size=14).map(" ".join))
@settings(max_examples=400, deadline=None)
def test_parse_command_raises_only_input_errors(text: str) -> None:
    try:
        cmd = parse(text)
    except InputError as e:
        assert str(e)
        if isinstance(e, UsageError):
            assert e.usage
        return
    for value in vars(cmd).values():
        if isinstance(value, str):
            assert "<!channel>" not in value and "<!here>" not in value


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_parse_command_on_arbitrary_unicode(text: str) -> None:
    try:
        parse(text)
        parse("note " + text)
        parse("new " + text)
    except InputError:
        pass


def test_parse_command_on_huge_inputs() -> None:
    for text in ("x" * 5000, "note " + "<" * 3990, "note " + '"' * 3990, "new " + "a:b " * 999):
        with contextlib.suppress(InputError):
            parse(text)
