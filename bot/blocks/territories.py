"""`/deal territory`: the territories as they are now (pipeline file defaults with the database's changes)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.blocks.cards import mentions
from bot.blocks.text import (
    BLOCK_TEXT_BUDGET,
    Message,
    Mrkdwn,
    block_text_size,
    context_block,
    escape,
    fmt,
    fmt_amount,
    header_block,
    message,
    mtr,
    section_block,
    tr,
    truncate,
    user,
)
from models.infra.i18n import N_, normalize_locale
from models.pipeline.territories import CRITERIA
from models.reporting.territory_digest import TerritoryDigest
from models.territories.admin import TerritoryState

LIST_MAX = 20  # up to two blocks each (a message holds 50)


LINE_NAMES = {"region": N_("Region"), "industry": N_("Industry"), "product": N_("Product")}
PEOPLE_CHARS = 400  # about 25 mentions per territory; the rest are counted


def _people(user_ids: Sequence[str], locale: str) -> Mrkdwn:
    return mentions(user_ids, locale=locale, limit=PEOPLE_CHARS) if user_ids else Mrkdwn(tr("nobody", locale))


def _lines(state: TerritoryState, locale: str) -> str:
    t = state.territory
    separator = "、" if normalize_locale(locale) == "zh-CN" else ", "
    return " · ".join(tr("{line}: {values}", locale, line=tr(LINE_NAMES[c], locale),
                         values=separator.join(getattr(t, c))) for c in CRITERIA if getattr(t, c))


def territory_section(state: TerritoryState, locale: str = "en") -> Mrkdwn:
    t = state.territory
    routing = (tr("new deals go to the manager, who hands them on", locale) if t.routing == "manager"
               else tr("new deals take turns among the reps", locale))
    return mtr("*{name}* (`{key}`) · {lines}\nManager: {manager} · Reps: {reps}\n_{routing}_", locale,
               name=truncate(t.name, 100), key=t.key, lines=truncate(_lines(state, locale), 500),
               manager=user(t.manager) if t.manager else Mrkdwn(tr("nobody", locale)),
               reps=_people(t.reps, locale), routing=routing)


def territories_reply(states: Sequence[TerritoryState], *, locale: str = "en") -> Message:
    title = tr("Territories", locale)
    if not states:
        text = tr("There are no territories: they are defined in the pipeline file (`[[territories]]`).", locale)
        return message(text, [section_block(escape(text))])
    blocks: list[Block] = [header_block(title)]
    shown = 0
    for state in states[:LIST_MAX]:
        if block_text_size(b.to_dict() for b in blocks) > BLOCK_TEXT_BUDGET - 1500:
            break
        shown += 1
        blocks.append(section_block(territory_section(state, locale)))
        if state.changed:
            blocks.append(context_block(mtr("Changed with /deal territory (the pipeline file has manager {manager}, "
                                            "reps {reps}).", locale,
                                            manager=user(state.default.manager) if state.default.manager
                                            else Mrkdwn(tr("nobody", locale)),
                                            reps=_people(state.default.reps, locale))))
    if len(states) > shown:
        blocks.append(context_block(mtr("…and {n} more.", locale, n=len(states) - shown)))
    blocks.append(context_block(mtr(
        "A territory covers the deals whose region, industry or product match its lines; admins change its reps "
        "and manager with `/deal territory <key> add|remove @rep` and `/deal territory <key> manager @user`.",
        locale)))
    return message(title, blocks[:50])


def territory_scope_label(name: str, locale: str = "en") -> str:
    return tr("territory {name}", locale, name=truncate(name, 60))


def territory_report_note(state: TerritoryState, locale: str = "en") -> Mrkdwn:
    """The footer of a territory's report and digest: which deals it covers (the definition users rely on)."""
    return mtr("Territory {name}: every deal whose {lines} match, whoever owns it (territory reps and others "
               "alike); no quota, since targets are set per rep.", locale,
               name=truncate(state.territory.name, 100), lines=truncate(_lines(state, locale), 300))


def territory_digest_message(d: TerritoryDigest, *, locale: str = "en") -> Message:
    """One territory's part of its manager's daily digest (a DM of its own, after the team digest)."""
    name = truncate(d.state.territory.name, 100)
    title = tr("Territory {name} · daily digest · {day}", locale, name=name, day=d.day.isoformat())
    blocks: list[Block] = [header_block(title)]
    blocks.append(section_block(mtr(
        "*Open pipeline:* {open} deals, {value} · *weighted forecast* {forecast}\n"
        "*Yesterday:* {new} new · {won} won ({won_value}) · {lost} lost", locale,
        open=d.open_count, value=fmt_amount(d.open_value, locale), forecast=fmt_amount(d.weighted, locale),
        new=d.new_count, won=d.won_count, won_value=fmt_amount(d.won_value, locale), lost=d.lost_count)))
    if d.owners:
        lines = [mtr("• {owner}: {open} open ({value}), forecast {forecast}", locale, owner=user(r.user_id),
                     open=r.open_count, value=fmt_amount(r.open_value, locale),
                     forecast=fmt_amount(r.weighted, locale)) for r in d.owners]
        if d.owners_total > len(d.owners):
            lines.append(mtr("…and {n} more owners.", locale, n=d.owners_total - len(d.owners)))
        blocks.append(section_block(fmt("{}\n{}", mtr("*By owner*", locale), Mrkdwn("\n".join(lines)))))
    blocks.append(context_block(territory_report_note(d.state, locale),
                                mtr("`/deal report territory:{key}` has the whole month.", locale,
                                    key=d.state.territory.key)))
    summary = tr("{title}: {open} open deals, forecast {forecast}", locale, title=title, open=d.open_count,
                 forecast=fmt_amount(d.weighted, locale))
    return message(summary, blocks)
