"""The public pool and the automatic messages around it (SPEC 3, 6): pure builders."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.blocks.text import (
    Message,
    Mrkdwn,
    clip,
    colon,
    context_block,
    escape,
    fmt,
    fmt_amount,
    fmt_date,
    message,
    mtr,
    one_line,
    pack_lines,
    say,
    section_block,
    truncate,
    user,
)
from models.deals.pool import PoolEntry, PoolPage
from models.infra.i18n import N_, tn

LIST_MAX_LINES = 30  # one line each (at most LINE_MAX): well inside the message's text budget
LINE_MAX = 250

# Message ids (English) picked by key at run time; the templates are plain text (escaped when used),
# so ``D-<n>`` and the like show as typed.
_TEXT = {
    "title": N_("Public pool"),
    "was": N_("was {owner}'s"),
    "empty": N_("The public pool is empty."),
    "and_more": N_("and {n} more, longest in the pool last"),
    "reason.lost": N_("lost: {reason}"),
    "reason.lost_plain": N_("lost"),
    "reason.inactive": N_("no updates"),
    "since": N_("since {when}"),
    "reached": N_("reached {stage}"),
    "warning": N_("{ref} has had no update since {last}. Unless it is updated, it goes to the public pool "
                  "on {when}, where any rep can claim it. A note or a stage change keeps it yours."),
    "pooled": N_("{ref} had no update for {days} days and went to the public pool; any rep can claim it now. "
                 "To keep it, claim it yourself: /deal claim D-{number}"),
    "claimed": N_("{who} claimed {ref} from the public pool and owns it now."),
    "archive": N_("This deal was lost {days} days ago, so its channel is archived now. Reopening the deal "
                  "(/deal stage or /deal claim) brings the channel back."),
}


def _t(key: str, locale: str, **values: object) -> Mrkdwn:
    """One of this module's texts (``_TEXT``, looked up by key so extraction sees only the N_ ids)."""
    return mtr(_TEXT[key], locale, **values)


def _summary(n: int, amount: str, locale: str) -> Mrkdwn:
    return escape(say(tn("{n} deal, {amount}. Take it with /deal claim D-<n>.",
                         "{n} deals, {amount} in all. Take one with /deal claim D-<n>.", n, amount=amount), locale))


def _ref(number: int, title: str) -> Mrkdwn:
    title = truncate(one_line(title), 100)
    return fmt("*D-{}* {}", number, title) if title else fmt("*D-{}*", number)


def pool_line(entry: PoolEntry, *, tz: ZoneInfo, locale: str = "en") -> Mrkdwn:
    """``*D-7* Acme pilot · 150,000 · reached Proposal · lost: budget cut · since Mon 1 Dec · was @ana``."""
    if entry.reason == "lost":
        reason = (_t("reason.lost", locale, reason=truncate(one_line(entry.lost_reason), 60))
                  if entry.lost_reason and one_line(entry.lost_reason) else _t("reason.lost_plain", locale))
    else:
        reason = _t("reason.inactive", locale)
    parts = [
        _ref(entry.number, entry.title),
        escape(fmt_amount(entry.amount, locale)),
        _t("reached", locale, stage=truncate(one_line(entry.reached.name), 40)),
        reason,
        _t("since", locale, when=fmt_date(entry.since, tz, locale)),
        _t("was", locale, owner=user(entry.former_owner_id)),
    ]
    return clip(Mrkdwn(" · ".join(parts)), LINE_MAX)


def pool_reply(page: PoolPage, *, tz: ZoneInfo, locale: str = "en") -> Message:
    """`/deal pool`, shown only to the caller: a summary, then one line per deal (newest first)."""
    title = _t("title", locale)
    if not page.total:
        empty = _t("empty", locale)
        return message(empty, [section_block(fmt("*{}*\n{}", title, empty))])
    amount = fmt_amount(page.total_amount, locale)
    summary = _summary(page.total, amount, locale)
    blocks: list[Block] = [section_block(fmt("*{}*\n{}", title, summary))]
    shown = page.entries[:LIST_MAX_LINES]
    blocks.extend(section_block(chunk) for chunk in pack_lines(pool_line(e, tz=tz, locale=locale) for e in shown))
    if page.total > len(shown):
        blocks.append(context_block(_t("and_more", locale, n=page.total - len(shown))))
    return message(fmt("{}" + colon(locale) + "{}", title, summary), blocks)


def _simple(text: Mrkdwn) -> Message:
    return message(text, [section_block(text)])


def pool_warning_dm(number: int, title: str, *, last_update: datetime, pool_at: datetime, tz: ZoneInfo,
                    locale: str = "en") -> Message:
    return _simple(_t("warning", locale, ref=_ref(number, title), last=fmt_date(last_update, tz, locale),
                      when=fmt_date(pool_at, tz, locale)))


def pooled_dm(number: int, title: str, *, days: int, locale: str = "en") -> Message:
    return _simple(_t("pooled", locale, ref=_ref(number, title), days=days, number=number))


def claimed_dm(number: int, title: str, *, claimant_id: str, locale: str = "en") -> Message:
    return _simple(_t("claimed", locale, who=user(claimant_id), ref=_ref(number, title)))


def archive_notice(*, days: int, locale: str = "en") -> Message:
    return _simple(_t("archive", locale, days=days))
