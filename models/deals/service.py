"""Deal use cases: each checks permission, writes the deal, its timeline and the outbox rows for
Slack in the caller's transaction. None of them commits; the caller owns the session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.deals import automation, effects
from models.deals.queries import access_of
from models.infra.errors import Forbidden, Refused
from models.infra.i18n import N_, Text, render, t
from models.infra.limits import check_deal_fields
from models.infra.tables import Deal, DealCollaborator, FollowUp, StageChange, TimelineEntry
from models.people import channel_members
from models.people.permissions import Actor, DealAccess, can_edit, edit_refusal, read_refusal
from models.people.users import ensure_user, manager_of, role_holders
from models.pipeline import Stage
from models.pipeline.territories import matching_territory
from models.pipeline.transitions import DealFacts, Move, Refusal, plan_close, plan_move, plan_next
from models.pipeline.workspace import Workspace
from models.territories.admin import effective_territories
from models.territories.assignment import matching_rule, next_assignee
from models.territories.routing import routed_to_territory, territory_owner
from models.values import format_amount, format_when


@dataclass(frozen=True)
class FieldChanges:
    title: str | None = None
    amount: Decimal | None = None
    customer: str | None = None
    close_at: datetime | None = None
    source: str | None = None
    custom: dict[str, str] | None = None


def check_lengths(changes: FieldChanges) -> None:
    """Refuse a value longer than its column (:class:`models.limits.TooLong`), before anything is written."""
    check_deal_fields({"title": changes.title, "customer": changes.customer, "source": changes.source},
                      changes.custom)


async def require_edit(session: AsyncSession, actor: Actor, deal: Deal) -> DealAccess:
    """The facts models.permissions decides on, and its refusal if any."""
    access = await access_of(session, deal)
    if refusal := edit_refusal(actor, access, f"D-{deal.id}"):
        raise Forbidden(refusal)
    return access


async def require_read(session: AsyncSession, actor: Actor, deal: Deal, *, here_channel_id: str | None,
                       now: datetime, ask: channel_members.AskSlack | None = None) -> None:
    """Who may change the deal may read it, and so may its channel's members, from anywhere (SPEC 10):
    typing in the channel shows membership; elsewhere the records say, or Slack (`ask`) when in doubt."""
    access = await access_of(session, deal)
    member = False
    if deal.channel_id is not None and not can_edit(actor, access):
        member = deal.channel_id == here_channel_id or await channel_members.is_member(
            session, deal.channel_id, actor.user_id, now=now, ask=ask)
    if refusal := read_refusal(actor, access, f"D-{deal.id}", channel_member=member):
        raise Forbidden(refusal)


def log(session: AsyncSession, deal: Deal, actor_id: str | None, kind: str, text: str, now: datetime,
        data: dict | None = None) -> None:
    """A timeline entry; ``text`` is already in the workspace's language (``render(t(…), ws.locale)``):
    stored history stays in the language it was written in."""
    session.add(TimelineEntry(deal_id=deal.id, at=now, actor_id=actor_id, kind=kind, text=text, data=data))


async def create_deal(
    session: AsyncSession, ws: Workspace, actor: Actor, changes: FieldChanges, *, owner_id: str | None,
    now: datetime,
) -> Deal:
    if not changes.title:
        raise Refused(t("A deal needs a title."), "/deal new <title> [amount:…] [customer:…] [close:…] [owner:@user]")
    check_lengths(changes)
    first = ws.pipeline.open_stages[0]
    rule = matching_rule(ws.pipeline, source=changes.source, custom=changes.custom) if owner_id is None else None
    territory = (matching_territory(await effective_territories(session, ws.pipeline.territories), changes.custom)
                 if owner_id is None and rule is None else None)
    owner = owner_id or (await next_assignee(session, rule) if rule else actor.user_id)
    if territory is not None:
        owner = await territory_owner(session, territory)
    await ensure_user(session, actor.user_id, now=now)
    await ensure_user(session, owner, now=now)
    deal = Deal(
        title=changes.title, customer=changes.customer, amount=changes.amount, close_at=changes.close_at,
        source=changes.source, stage_key=first.key, last_open_stage_key=first.key, owner_id=owner,
        created_by=actor.user_id, created_at=now, updated_at=now, custom_fields=dict(changes.custom or {}),
    )
    session.add(deal)
    await session.flush()
    if owner != actor.user_id:
        session.add(DealCollaborator(deal_id=deal.id, user_id=actor.user_id, added_by=actor.user_id, added_at=now))
    session.add(StageChange(
        deal_id=deal.id, from_stage=None, to_stage=first.key, actor_id=actor.user_id, at=now,
        amount=deal.amount, probability=first.probability,
    ))
    locale = ws.locale
    log(session, deal, actor.user_id, "created",
        render(t("created the deal in {stage}", stage=first.display_name(locale)), locale), now)
    if rule is not None:
        log(session, deal, actor.user_id, "owner",
            render(t("<@{owner}> got the lead by assignment {rule}", owner=owner, rule=rule.describe()), locale), now,
            {"rule": rule.number, "to": owner})
    elif territory is not None:
        await routed_to_territory(session, deal, territory, actor.user_id, now=now, locale=locale)
    elif owner != actor.user_id:
        log(session, deal, actor.user_id, "owner", render(t("made <@{owner}> the owner", owner=owner), locale), now)
    if rule is not None and owner != actor.user_id:
        await effects.direct_message(session, owner, render(t(
            "You have a new lead: *D-{number}* {title} from <@{actor}>, given to you by lead assignment {rule}. "
            "Its channel is on its way; `/deal info D-{number}` shows it.",
            number=deal.id, title=_plain(deal.title), actor=actor.user_id, rule=rule.describe()), locale),
            now=now, deal_id=deal.id)
    invitees = [owner, actor.user_id]
    if manager := await manager_of(session, owner):
        invitees.append(manager)
    invitees += await _role_invitees(session, deal, first.invite_roles)
    if territory is not None and territory.manager:
        invitees.append(territory.manager)
    await effects.open_channel(session, deal, invitees, now=now)
    return deal


def _plain(text: str) -> str:
    """User text inside a message the domain writes: Slack's three escapes, so no mention or link is made."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def _role_invitees(session: AsyncSession, deal: Deal, roles: tuple[str, ...]) -> list[str]:
    people: list[str] = []
    for role in roles:
        if role == "manager":
            manager = await manager_of(session, deal.owner_id)
            people += [manager] if manager else []
        else:
            people += await role_holders(session, role)
    return people


def facts_of(deal: Deal) -> DealFacts:
    return DealFacts(
        stage_key=deal.stage_key, amount_set=deal.amount is not None, close_set=deal.close_at is not None,
        score_set=deal.score is not None, customer_set=bool(deal.customer), source_set=bool(deal.source),
        custom_keys=frozenset((deal.custom_fields or {}).keys()), last_open_stage_key=deal.last_open_stage_key,
    )


async def move_to(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, target: Stage, *,
                  now: datetime, reason: str | None = None, won_amount: Decimal | None = None) -> Move:
    await require_edit(session, actor, deal)
    if target.closed is not None:
        plan = plan_close(facts_of(deal), target.closed, ws.pipeline, locale=ws.locale)
    else:
        plan = plan_move(facts_of(deal), target, ws.pipeline, locale=ws.locale)
    return await _apply(session, ws, actor, deal, plan, now=now, reason=reason, won_amount=won_amount)


async def move_next(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, *, now: datetime) -> Move:
    await require_edit(session, actor, deal)
    return await _apply(session, ws, actor, deal, plan_next(facts_of(deal), ws.pipeline, locale=ws.locale),
                        now=now)


async def close_deal(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, outcome: str, *,
                     now: datetime, reason: str | None = None, won_amount: Decimal | None = None) -> Move:
    target = ws.pipeline.won_stage if outcome == "won" else ws.pipeline.lost_stage
    if target is None:
        raise Refused(t("This pipeline has no won stage.") if outcome == "won"
                      else t("This pipeline has no lost stage."))
    if outcome == "lost" and not (reason and reason.strip()):
        raise Refused(t("Say why the deal was lost."), "/deal lost <reason>")
    return await move_to(session, ws, actor, deal, target, now=now, reason=reason, won_amount=won_amount)


async def _apply(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, plan: Move | Refusal, *,
                 now: datetime, reason: str | None = None, won_amount: Decimal | None = None) -> Move:
    if isinstance(plan, Refusal):
        raise Refused(plan.reason)
    move = plan
    if won_amount is not None:
        deal.amount = won_amount
    deal.stage_key = move.to_stage.key
    deal.updated_at = now
    if move.to_stage.closed is None:
        deal.last_open_stage_key = move.to_stage.key
        deal.closed_at = None
        deal.lost_reason = None
        deal.won_amount = None
    else:
        deal.closed_at = now
        deal.lost_reason = reason.strip() if move.to_stage.closed == "lost" and reason else None
        deal.won_amount = deal.amount if move.to_stage.closed == "won" else None
    change = StageChange(
        deal_id=deal.id, from_stage=move.from_stage.key, to_stage=move.to_stage.key, actor_id=actor.user_id,
        at=now, amount=deal.amount, probability=move.to_stage.probability, backward=move.backward,
    )
    session.add(change)
    log(session, deal, actor.user_id, _move_kind(move), _move_text(move, deal, ws.locale), now,
        {"from": move.from_stage.key, "to": move.to_stage.key})
    await automation.before_move_effects(session, deal, move, now=now)
    await effects.stage_changed(session, ws, deal, change, now=now)
    await effects.invite(session, deal, await _role_invitees(session, deal, move.invite_roles), now=now)
    await automation.after_move_effects(session, ws, actor.user_id, deal, move, now=now)
    return move


def _move_kind(move: Move) -> str:
    return move.to_stage.closed or ("reopen" if move.reopen else "stage")


def _move_text(move: Move, deal: Deal, locale: str) -> str:
    if move.to_stage.closed == "won":
        if deal.amount is not None:
            return render(t("won the deal at {amount}", amount=format_amount(deal.amount, locale)), locale)
        return render(t("won the deal"), locale)
    if move.to_stage.closed == "lost":
        return render(t("marked the deal lost: {reason}", reason=deal.lost_reason), locale)
    names = {"from": move.from_stage.display_name(locale), "to": move.to_stage.display_name(locale)}
    if move.reopen:
        return render(t("reopened {from} → {to}", **names), locale)
    if move.backward:
        return render(t("moved back {from} → {to}", **names), locale)
    return render(t("moved {from} → {to}", **names), locale)


async def set_fields(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, changes: FieldChanges, *,
                     now: datetime, tz_name: str) -> list[str]:
    """Apply the changes; returns one line per change for the confirmation ('custom field' flagged)."""
    await require_edit(session, actor, deal)
    check_lengths(changes)
    tz = ZoneInfo(tz_name)
    locale = ws.locale
    standard: list[tuple[str, str, Any, Callable[[Any], str]]] = [
        ("title", N_("title → {value}"), changes.title, str),
        ("amount", N_("amount → {value}"), changes.amount, lambda v: format_amount(v, locale)),
        ("customer", N_("customer → {value}"), changes.customer, str),
        ("close_at", N_("close date → {value}"), changes.close_at, lambda v: format_when(v, tz, locale)),
        ("source", N_("source → {value}"), changes.source, str),
    ]
    lines: list[str] = []
    for attribute, template, value, shown in standard:
        if value is not None and value != getattr(deal, attribute):
            setattr(deal, attribute, value)
            lines.append(render(Text(template, (("value", shown(value)),)), locale))
    if changes.custom:
        custom = dict(deal.custom_fields or {})
        for key, value in changes.custom.items():
            if custom.get(key) != value:
                custom[key] = value
                lines.append(render(t("custom field {key} → {value}", key=key, value=value), locale))
        deal.custom_fields = custom
    if not lines:
        raise Refused(t("Nothing changed: the deal already has those values."))
    deal.updated_at = now
    for line in lines:
        log(session, deal, actor.user_id, "field", render(t("set {change}", change=line), locale), now)
    await effects.refresh_card(session, deal, now=now)
    return lines


async def assign(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, new_owner: str, *,
                 now: datetime) -> str:
    await require_edit(session, actor, deal)
    if new_owner == deal.owner_id:
        raise Refused(t("<@{user}> already owns D-{number}.", user=new_owner, number=deal.id))
    previous = deal.owner_id
    await ensure_user(session, new_owner, now=now)
    deal.owner_id = new_owner
    deal.updated_at = now
    await session.execute(  # open follow-ups, and their reminders, go with the deal
        update(FollowUp).where(FollowUp.deal_id == deal.id, FollowUp.done_at.is_(None)).values(owner_id=new_owner)
        .execution_options(synchronize_session=False)
    )
    log(session, deal, actor.user_id, "owner",
        render(t("handed the deal from <@{previous}> to <@{owner}>", previous=previous, owner=new_owner), ws.locale),
        now, {"from": previous, "to": new_owner})
    invitees = [new_owner]
    if manager := await manager_of(session, new_owner):
        invitees.append(manager)
    await effects.invite(session, deal, invitees, now=now)
    await effects.refresh_card(session, deal, now=now)
    return previous


async def invite(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, *, user_ids: tuple[str, ...],
                 roles: tuple[str, ...], now: datetime) -> tuple[list[str], list[str]]:
    """Invite people (they become collaborators) and role holders; returns (invited, roles nobody holds)."""
    access = await require_edit(session, actor, deal)
    invited: list[str] = []
    for user_id in user_ids:
        await ensure_user(session, user_id, now=now)
        if user_id != deal.owner_id and user_id not in access.collaborator_ids:
            session.add(DealCollaborator(deal_id=deal.id, user_id=user_id, added_by=actor.user_id, added_at=now))
            log(session, deal, actor.user_id, "collaborator",
                render(t("invited <@{user}> as a collaborator", user=user_id), ws.locale), now)
        invited.append(user_id)
    unheld: list[str] = []
    for role in roles:
        holders = await _role_invitees(session, deal, (role,))
        if not holders:
            unheld.append(role)
            continue
        names = ", ".join(f"<@{u}>" for u in holders)
        log(session, deal, actor.user_id, "collaborator",
            render(t("brought in {role}: {names}", role=role, names=names), ws.locale), now)
        invited += holders
    if invited:
        deal.updated_at = now
        await effects.invite(session, deal, invited, now=now)
        await effects.refresh_card(session, deal, now=now)
    return list(dict.fromkeys(invited)), unheld
