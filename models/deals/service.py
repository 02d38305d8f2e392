"""Deal use cases: each checks permission, writes the deal, its timeline and the outbox rows for
Slack in the caller's transaction. None of them commits; the caller owns the session. Stage moves are
models/deals/moves.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals.handover import Handover, owner_changed
from models.infra import effects
from models.infra.dms import enqueue_dm
from models.infra.errors import Refused
from models.infra.i18n import N_, Text, joined, t
from models.infra.limits import check_deal_fields
from models.infra.tables import Deal, DealCollaborator, FollowUp, StageChange
from models.infra.timeline import log
from models.infra.words import Code, DealRef, Moment, Money, Person
from models.people.access import require_edit
from models.people.permissions import Actor
from models.people.users import ensure_user, manager_of, role_invitees
from models.pipeline.territories import matching_territory
from models.pipeline.workspace import Workspace
from models.territories.admin import effective_territories
from models.territories.assignment import matching_rule, next_assignee
from models.territories.routing import routed_to_territory, territory_owner


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
    log(session, deal, actor.user_id, "created", t("created the deal in {stage}", stage=first.word), now,
        locale=locale)
    if rule is not None:
        log(session, deal, actor.user_id, "owner",
            t("{owner} got the lead by assignment {rule}", owner=Person(owner), rule=rule.describe()), now,
            locale=locale, data={"rule": rule.number, "to": owner})
    elif territory is not None:
        await routed_to_territory(session, deal, territory, actor.user_id, now=now, locale=locale)
    elif owner != actor.user_id:
        log(session, deal, actor.user_id, "owner", t("made {owner} the owner", owner=Person(owner)), now,
            locale=locale)
    if rule is not None and owner != actor.user_id:
        await enqueue_dm(session, owner, t(
            "You have a new lead: {deal} {title} from {actor}, given to you by lead assignment {rule}. "
            "Its channel is on its way; {command} shows it.", deal=DealRef(deal.id), title=deal.title,
            actor=Person(actor.user_id), rule=rule.describe(), command=Code(f"/deal info D-{deal.id}")),
            locale=locale, now=now, deal_id=deal.id)
    invitees = [owner, actor.user_id]
    if manager := await manager_of(session, owner):
        invitees.append(manager)
    invitees += await role_invitees(session, deal.owner_id, first.invite_roles)
    if territory is not None and territory.manager:
        invitees.append(territory.manager)
    await effects.open_channel(session, deal, invitees, now=now)
    return deal


async def set_fields(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, changes: FieldChanges, *,
                     now: datetime, tz_name: str) -> list[Text]:
    """Apply the changes; returns one line per change for the confirmation ('custom field' flagged)."""
    await require_edit(session, actor, deal)
    check_lengths(changes)
    locale = ws.locale
    standard: list[tuple[str, str, Any, Callable[[Any], Any]]] = [
        ("title", N_("title → {value}"), changes.title, str),
        ("amount", N_("amount → {value}"), changes.amount, Money),
        ("customer", N_("customer → {value}"), changes.customer, str),
        ("close_at", N_("close date → {value}"), changes.close_at, lambda v: Moment(v, tz_name)),
        ("source", N_("source → {value}"), changes.source, str),
    ]
    lines: list[Text] = []
    for attribute, template, value, word in standard:
        if value is not None and value != getattr(deal, attribute):
            setattr(deal, attribute, value)
            lines.append(Text(template, (("value", word(value)),)))
    if changes.custom:
        custom = dict(deal.custom_fields or {})
        for key, value in changes.custom.items():
            if custom.get(key) != value:
                custom[key] = value
                lines.append(t("custom field {key} → {value}", key=key, value=value))
        deal.custom_fields = custom
    if not lines:
        raise Refused(t("Nothing changed: the deal already has those values."))
    deal.updated_at = now
    for line in lines:
        log(session, deal, actor.user_id, "field", t("set {change}", change=line), now, locale=locale)
    await effects.refresh_card(session, deal, now=now)
    return lines


async def assign(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, new_owner: str, *,
                 now: datetime) -> Handover:
    """`/deal assign`: the deal changes hands, and its pending approval request, if any, follows it (SPEC 12)."""
    await require_edit(session, actor, deal)
    if new_owner == deal.owner_id:
        raise Refused(t("{user} already owns D-{number}.", user=Person(new_owner), number=deal.id))
    previous = deal.owner_id
    await ensure_user(session, new_owner, now=now)
    deal.owner_id = new_owner
    deal.updated_at = now
    await session.execute(  # open follow-ups, and their reminders, go with the deal
        update(FollowUp).where(FollowUp.deal_id == deal.id, FollowUp.done_at.is_(None)).values(owner_id=new_owner)
        .execution_options(synchronize_session=False)
    )
    log(session, deal, actor.user_id, "owner",
        t("handed the deal from {previous} to {owner}", previous=Person(previous), owner=Person(new_owner)),
        now, locale=ws.locale, data={"from": previous, "to": new_owner})
    invitees = [new_owner]
    if manager := await manager_of(session, new_owner):
        invitees.append(manager)
    await effects.invite(session, deal, invitees, now=now)
    await effects.refresh_card(session, deal, now=now)
    return await owner_changed(session, ws, deal, actor.user_id, now=now)


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
                t("invited {user} as a collaborator", user=Person(user_id)), now, locale=ws.locale)
        invited.append(user_id)
    unheld: list[str] = []
    for role in roles:
        holders = await role_invitees(session, deal.owner_id, (role,))
        if not holders:
            unheld.append(role)
            continue
        names = joined(Person(u) for u in holders)
        log(session, deal, actor.user_id, "collaborator",
            t("brought in {role}: {names}", role=role, names=names), now, locale=ws.locale)
        invited += holders
    if invited:
        deal.updated_at = now
        await effects.invite(session, deal, invited, now=now)
        await effects.refresh_card(session, deal, now=now)
    return list(dict.fromkeys(invited)), unheld
