"""Who may read and change a deal (SPEC section 10). The one place that decides; pure."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    user_id: str
    is_admin: bool = False
    managed_ids: frozenset[str] = field(default_factory=frozenset)  # reps whose manager this is


@dataclass(frozen=True)
class DealAccess:
    owner_id: str
    collaborator_ids: frozenset[str]


def can_edit(actor: Actor, deal: DealAccess) -> bool:
    return (
        actor.is_admin
        or actor.user_id == deal.owner_id
        or actor.user_id in deal.collaborator_ids
        or deal.owner_id in actor.managed_ids
    )


def can_read(actor: Actor, deal: DealAccess, *, in_deal_channel: bool) -> bool:
    """Members of a deal's channel may read it; membership never gives write access."""
    return in_deal_channel or can_edit(actor, deal)


def who_may_edit(deal: DealAccess) -> str:
    return f"<@{deal.owner_id}> (the owner), the deal's collaborators, the owner's manager or an admin"


def list_refusal(actor: Actor, scope: str) -> str | None:
    """Why the actor may not list deals in this scope (`all`, `team`), or None when they may."""
    if scope == "all" and not actor.is_admin:
        return "Only admins can list all deals; /deal list shows yours."
    if scope == "team" and not (actor.is_admin or actor.managed_ids):
        return "/deal list team is for managers, and nobody reports to you yet; /deal list shows yours."
    return None


def visible_owner_ids(actor: Actor) -> frozenset[str] | None:
    """Owners whose deals a list may show without further checks; None means all (admins)."""
    if actor.is_admin:
        return None
    return frozenset({actor.user_id, *actor.managed_ids})


def report_owner_ids(actor: Actor, scope: str, user_id: str | None = None) -> frozenset[str] | None:
    """Whose deals a report covers (SPEC 8): None means everyone. Raises ValueError with the
    reason when the actor may not see that scope."""
    if scope == "user" and user_id is not None:
        if user_id == actor.user_id or actor.is_admin or user_id in actor.managed_ids:
            return frozenset({user_id})
        if actor.managed_ids:
            raise ValueError(f"<@{user_id}> is not on your team; you can report on yourself and your team.")
        raise ValueError("You can see reports about yourself only; /deal report shows yours.")
    if scope == "team":
        if actor.managed_ids:
            return frozenset({actor.user_id, *actor.managed_ids})
        raise ValueError("/deal report team is for managers, and nobody reports to you yet; /deal report shows yours.")
    if actor.is_admin:
        return None
    return frozenset({actor.user_id, *actor.managed_ids})


def quota_refusal(actor: Actor, user_id: str) -> str | None:
    """Managers set quotas for their team, admins for everyone."""
    if actor.is_admin or user_id in actor.managed_ids:
        return None
    return f"Only <@{user_id}>'s manager or an admin can set their target."
