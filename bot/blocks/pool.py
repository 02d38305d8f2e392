"""The public pool and the automatic messages around it (SPEC 3, 6): pure builders."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.blocks.text import (
    Message,
    Mrkdwn,
    clip,
    context_block,
    escape,
    fmt,
    fmt_amount,
    fmt_date,
    message,
    one_line,
    pack_lines,
    section_block,
    truncate,
    user,
)
from models.i18n import normalize_locale
from models.pool import PoolEntry, PoolPage

LIST_MAX_LINES = 30  # one line each (at most LINE_MAX): well inside the message's text budget
LINE_MAX = 250

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Public pool",
        "summary": "{n} deals, {amount} in all. Take one with /deal claim D-<n>.",
        "summary_one": "1 deal, {amount}. Take it with /deal claim D-<n>.",
        "was": "was {owner}'s",
        "empty": "The public pool is empty.",
        "and_more": "and {n} more, longest in the pool last",
        "reason.lost": "lost: {reason}",
        "reason.lost_plain": "lost",
        "reason.inactive": "no updates",
        "since": "since {when}",
        "reached": "reached {stage}",
        "warning": ("{ref} has had no update since {last}. Unless it is updated, it goes to the public pool "
                    "on {when}, where any rep can claim it. A note or a stage change keeps it yours."),
        "pooled": "{ref} had no update for {days} days and went to the public pool; any rep can claim it now. "
                  "To keep it, claim it yourself: /deal claim D-{number}",
        "claimed": "{who} claimed {ref} from the public pool and owns it now.",
        "archive": "This deal was lost {days} days ago, so its channel is archived now. Reopening the deal "
                   "(/deal stage or /deal claim) brings the channel back.",
    },
    "zh-CN": {
        "title": "公海",
        "summary": "共 {n} 个商机，合计 {amount}。用 /deal claim D-<n> 认领。",
        "summary_one": "共 1 个商机，合计 {amount}。用 /deal claim D-<n> 认领。",
        "was": "原负责人 {owner}",
        "empty": "公海里没有商机。",
        "and_more": "还有 {n} 个（进入公海最久的在最后）",
        "reason.lost": "输单：{reason}",
        "reason.lost_plain": "输单",
        "reason.inactive": "长期未更新",
        "since": "自 {when}",
        "reached": "曾到 {stage}",
        "warning": "{ref} 自 {last} 起没有更新。若仍无更新，它将于 {when} 进入公海，任何销售都可认领。"
                   "记录跟进或变更阶段即可保留。",
        "pooled": "{ref} 已 {days} 天没有更新，已进入公海，任何销售都可认领。"
                  "要保留它，请自己认领：/deal claim D-{number}",
        "claimed": "{who} 从公海认领了 {ref}，现在由其负责。",
        "archive": "该商机输单已满 {days} 天，频道现已归档。重新打开商机（/deal stage 或 /deal claim）会恢复频道。",
    },
}


def _t(key: str, locale: str, **values: object) -> Mrkdwn:
    """The text in the locale; values are escaped unless already Mrkdwn."""
    text = _TEXT[normalize_locale(locale)][key]
    return Mrkdwn(escape(text).format(**{k: escape(v) for k, v in values.items()}))


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
        return message(_t("empty", locale), [section_block(fmt("*{}*\n{}", title, _t("empty", locale)))])
    amount = fmt_amount(page.total_amount, locale)
    summary = _t("summary_one", locale, amount=amount) if page.total == 1 else _t("summary", locale, n=page.total,
                                                                                  amount=amount)
    blocks: list[Block] = [section_block(fmt("*{}*\n{}", title, summary))]
    shown = page.entries[:LIST_MAX_LINES]
    blocks.extend(section_block(chunk) for chunk in pack_lines(pool_line(e, tz=tz, locale=locale) for e in shown))
    if page.total > len(shown):
        blocks.append(context_block(_t("and_more", locale, n=page.total - len(shown))))
    return message(fmt("{}: {}", title, summary), blocks)


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
