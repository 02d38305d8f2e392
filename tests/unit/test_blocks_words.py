"""The domain's words in Slack (bot/blocks/words.py): every word in mrkdwn, people's own text escaped, domain
sentences through tr/mtr/mtext/say, and timeline entries rendered from their stored sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import cards, replies, timeline
from bot.blocks.text import mtext, mtr, say, tr
from bot.blocks.words import MRKDWN, body_mrkdwn, body_plain, mrkdwn_text
from models.deals.snapshots import TimelineItem
from models.infra.i18n import t
from models.infra.words import Channel, Code, Day, DealRef, Moment, Money, Person, StageName
from models.values import format_amount, format_when
from tests.unit.test_blocks import check, make_deal

NOW = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Berlin")
HOSTILE = "<!here> <@U9> R&D *x* <http://evil|click>"


@pytest.mark.parametrize(("word", "locale", "shown"), [
    (Person("U0ANA"), "en", "<@U0ANA>"),
    (Person("not an id <!here>"), "en", "not an id &lt;!here&gt;"),
    (DealRef(4), "en", "*D-4*"),
    (StageName("lead", "Lead", "线索"), "en", "Lead"),
    (StageName("lead", "Lead", "线索"), "zh-CN", "线索"),
    (StageName("x", "R&D <review>"), "en", "R&amp;D &lt;review&gt;"),
    (Money(Decimal("150000")), "en", format_amount(Decimal("150000"), "en")),
    (Money(Decimal("150000")), "zh-CN", format_amount(Decimal("150000"), "zh-CN")),
    (Moment(NOW, "Europe/Berlin"), "en", format_when(NOW, TZ, "en")),
    (Moment(NOW, "Europe/Berlin"), "zh-CN", format_when(NOW, TZ, "zh-CN")),
    (Day(date(2026, 12, 1)), "en", "Dec 1, 2026"),
    (Channel("C0SALES"), "en", "<#C0SALES>"),
    (Code("/deal lost D-4 <reason>"), "en", "`/deal lost D-4 &lt;reason&gt;`"),
])
def test_each_word_in_mrkdwn(word: object, locale: str, shown: str) -> None:
    assert mrkdwn_text(t("{w}", w=word), locale) == shown


def test_peoples_own_text_is_escaped_and_the_template_too() -> None:
    assert MRKDWN.plain(HOSTILE) == "&lt;!here&gt; &lt;@U9&gt; R&amp;D *x* &lt;http://evil|click&gt;"
    text = t("{who} renamed {deal} to {title} (R&D <team>)", who=Person("U0ANA"), deal=DealRef(7), title=HOSTILE)
    assert mrkdwn_text(text) == ("<@U0ANA> renamed *D-7* to &lt;!here&gt; &lt;@U9&gt; R&amp;D *x* "
                                 "&lt;http://evil|click&gt; (R&amp;D &lt;team&gt;)")


def test_the_builders_words_render_domain_text_one_way() -> None:
    text = t("due {when}", when=Moment(NOW, "Europe/Berlin"))
    assert mtext(text, "zh-CN") == f"应于 {format_when(NOW, TZ, 'zh-CN')}"
    assert mtr("Next stage → {stage}", "zh-CN", stage=StageName("lead", "Lead", "线索")) == "下一阶段 → 线索"
    assert mtr("Next stage → {stage}", "en", stage=t("{who}", who=Person("U1"))) == "Next stage → <@U1>"
    assert tr("Next stage → {stage}", "zh-CN", stage=StageName("lead", "Lead", "线索")) == "下一阶段 → 线索"
    assert say(t("{who} took {deal}", who=Person("U1"), deal=DealRef(4))) == "@U1 took D-4"
    refusal = replies.error_reply(t("{who} holds {deal}", who=Person("U0ANA"), deal=DealRef(4)), locale="en")
    assert refusal.blocks[0]["text"]["text"] == ":warning: <@U0ANA> holds *D-4*"


def test_only_words_mention_anyone_text_that_looks_like_a_mention_stays_text() -> None:
    held = t("{owner} holds D-{n} & <more>", owner=Person("U0ANA"), n=4)
    assert mrkdwn_text(held) == "<@U0ANA> holds D-4 &amp; &lt;more&gt;"
    asked = t("asked {people}: {why}", people="<@U1>, <@U2>", why="<!here>")
    assert mrkdwn_text(asked) == "asked &lt;@U1&gt;, &lt;@U2&gt;: &lt;!here&gt;"


def _body(text: object, locale: str = "en") -> dict[str, object]:
    return {"locale": locale, "text": text.to_data()}  # type: ignore[attr-defined]


def test_a_stored_sentence_keeps_its_language_and_its_words() -> None:
    body = _body(t("due {when}", when=Moment(NOW, "Europe/Berlin")), "zh-CN")
    assert body_mrkdwn(body) == f"应于 {format_when(NOW, TZ, 'zh-CN')}"
    moved = _body(t("{who} moved {deal} to {stage}: {note}", who=Person("U0ANA"), deal=DealRef(4),
                    stage=StageName("won", "Won", "赢单"), note="<!here>\nline two"))
    assert body_mrkdwn(moved) == "<@U0ANA> moved *D-4* to Won: &lt;!here&gt;\nline two"
    assert body_plain(moved) == "@U0ANA moved D-4 to Won: <!here>\nline two"


def test_timeline_entries_render_from_their_sentence_else_their_text() -> None:
    said = t("handed {deal} from {previous} to {owner}: {why}", deal=DealRef(4), previous=Person("U0ANA"),
             owner=Person("U0BEN"), why="R&D <!channel>\nasked")
    new = TimelineItem(at=NOW, actor_id="U0A", kind="owner", text="stale plain text, not shown", body=said,
                       locale="en")
    old = TimelineItem(at=NOW, actor_id="U0A", kind="owner", text="handed the deal from <@U0ANA> to <@U0BEN>")
    page = check(timeline.timeline_page(make_deal(), [new], page=1, has_more=False, tz=TZ, locale="en"))
    assert page.blocks[1]["text"]["text"].endswith(
        "<@U0A> handed *D-4* from <@U0ANA> to <@U0BEN>: R&amp;D &lt;!channel&gt; asked")
    page = check(timeline.timeline_page(make_deal(), [old], page=1, has_more=False, tz=TZ, locale="en"))
    assert page.blocks[1]["text"]["text"].endswith("<@U0A> handed the deal from <@U0ANA> to <@U0BEN>")
    welcome = check(cards.welcome_card(make_deal(), [new], tz=TZ, has_more=False))
    assert any("handed *D-4* from <@U0ANA> to <@U0BEN>" in str(b) for b in welcome.blocks)
