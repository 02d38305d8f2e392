"""Who approves a request (SPEC 12), worked out from the facts as they are now: the deal's current owner and
the owner's current manager, today's role holders and admins. Asked when a request is made, again when
someone decides, and when the deal changes hands (models/approvals/handover.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.i18n import Text, t
from models.infra.tables import ApprovalRequest, Deal, UserRole
from models.infra.words import Person
from models.people.permissions import approvers_among
from models.people.users import manager_of, role_holders
from models.pipeline.workspace import Workspace


@dataclass(frozen=True)
class Resolved:
    approvers: list[str]  # who is asked, sorted
    holders: dict[str, list[str]]  # each role's holders now, before anyone is left out


async def resolve(session: AsyncSession, ws: Workspace, deal: Deal, roles: Iterable[str], *, requested_by: str,
                  requester_is_admin: bool | None = None) -> Resolved:
    holders = {role: await holders_of(session, ws, deal, role) for role in dict.fromkeys(roles)}
    if requester_is_admin is None:
        requester_is_admin = await is_admin(session, ws, requested_by)
    everyone = [u for people in holders.values() for u in people]
    return Resolved(approvers_among(everyone, owner_id=deal.owner_id, requested_by=requested_by,
                                    requester_is_admin=requester_is_admin), holders)


async def current(session: AsyncSession, ws: Workspace, request: ApprovalRequest, deal: Deal) -> list[str]:
    """The request's approvers today (its rules' roles, held by whom they are held now)."""
    return (await resolve(session, ws, deal, roles_of(request), requested_by=request.requested_by)).approvers


def roles_of(request: ApprovalRequest) -> tuple[str, ...]:
    """The roles the request's rules name, as they were when it was made."""
    return tuple(dict.fromkeys(role for rule in request.rules for role in rule.get("approvers", [])))


async def holders_of(session: AsyncSession, ws: Workspace, deal: Deal, role: str) -> list[str]:
    if role == "manager":
        manager = await manager_of(session, deal.owner_id)
        return [manager] if manager else []
    if role == "admin":
        return sorted(set(ws.admin_ids) | set(await role_holders(session, "admin")))
    return await role_holders(session, role)


async def is_admin(session: AsyncSession, ws: Workspace, user_id: str) -> bool:
    return user_id in ws.admin_ids or await session.scalar(
        select(UserRole.user_id).where(UserRole.user_id == user_id, UserRole.role == "admin")) is not None


def nobody(role: str, holders: list[str]) -> Text:
    """Why no one holding `role` can be asked: nobody holds it, or only the owner or whoever asked does."""
    if role == "manager":
        if not holders:
            return t("the owner has no manager (an admin sets one with /deal team @rep manager:@user)")
        return t("the owner's manager {manager} asked for the move, and whoever asks can't approve it",
                 manager=Person(holders[0]))
    if role == "admin":
        return t("there is no admin other than the owner")
    if not holders:
        return t("nobody but the owner holds the role {role} (an admin gives it with /deal role @user {role})",
                 role=role)
    return t("only the owner or whoever asked for the move holds the role {role} (an admin gives it with "
             "/deal role @user {role})", role=role)
