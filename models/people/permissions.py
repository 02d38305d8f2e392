"""Who may read and change a deal (SPEC section 10). The one place that decides; pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from models.infra.errors import Forbidden
from models.infra.i18n import N_, Text, joined, t
from models.infra.words import Person


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


def can_read(actor: Actor, deal: DealAccess, *, channel_member: bool) -> bool:
    """Members of a deal's channel may read it, wherever they ask from; membership never gives write access."""
    return channel_member or can_edit(actor, deal)


def edit_refusal(actor: Actor, deal: DealAccess, ref: str) -> Text | None:
    """Why the actor may not change the deal called `ref`, naming who may; None when they may."""
    if can_edit(actor, deal):
        return None
    return t("You can't change {ref}: only {owner} (the owner), the deal's collaborators, the owner's manager "
             "or an admin can.", ref=ref, owner=Person(deal.owner_id))


def read_refusal(actor: Actor, deal: DealAccess, ref: str, *, channel_member: bool) -> Text | None:
    if can_read(actor, deal, channel_member=channel_member):
        return None
    return t("You can't see {ref}: only its channel members, {owner} (the owner), the deal's collaborators, "
             "the owner's manager or an admin can.", ref=ref, owner=Person(deal.owner_id))


def list_refusal(actor: Actor, scope: str, user_id: str | None = None) -> Text | None:
    """Why the actor may not list deals in this scope (`all`, `team`, `user`), or None when they may."""
    if scope == "all" and not actor.is_admin:
        return t("Only admins can list all deals; /deal list shows yours.")
    if scope == "team" and not (actor.is_admin or actor.managed_ids):
        return t("Only managers can list their team, and nobody reports to you yet; /deal list shows yours.")
    if scope == "user" and user_id and not can_see_person(actor, user_id):
        return t("Only {user} themselves, their manager or an admin can list their deals; /deal list shows yours.",
                 user=Person(user_id))
    return None


def can_see_person(actor: Actor, user_id: str) -> bool:
    """Whose deals and numbers the actor may ask about by name: their own, their team's, anyone's for admins."""
    return actor.is_admin or user_id == actor.user_id or user_id in actor.managed_ids


def can_administer(actor: Actor) -> bool:
    """Roles and teams (`/deal role`, `/deal team … manager:`) are for admins."""
    return actor.is_admin


# What only an admin may do, each as its whole refusal sentence (`admin_refusal(actor, "change teams")`).
ADMIN_ONLY: dict[str, str] = {
    "give roles": N_("Only an admin can give roles; nothing was changed."),
    "take roles away": N_("Only an admin can take roles away; nothing was changed."),
    "change teams": N_("Only an admin can change teams; nothing was changed."),
}


def admin_refusal(actor: Actor, what: str) -> Text | None:
    """``what`` is a key of :data:`ADMIN_ONLY`."""
    if can_administer(actor):
        return None
    return Text(ADMIN_ONLY[what])


@dataclass(frozen=True)
class ListScope:
    """Which deals a list shows: those owned by `owner_ids` (None: every owner), plus, when
    `collaborated`, those the actor collaborates on."""

    owner_ids: frozenset[str] | None
    collaborated: bool = False


def list_scope(actor: Actor, scope: str, user_id: str | None = None) -> ListScope:
    """What `/deal list [all|team|@user]` shows; call `list_refusal` first (a refused scope shows only
    the actor's own deals here)."""
    if scope == "all" and actor.is_admin:
        return ListScope(None)
    if scope == "team" and (actor.is_admin or actor.managed_ids):
        return ListScope(visible_owner_ids(actor))
    if scope == "user" and user_id and can_see_person(actor, user_id):
        return ListScope(frozenset({user_id}))
    return ListScope(frozenset({actor.user_id}), collaborated=True)


def visible_owner_ids(actor: Actor) -> frozenset[str] | None:
    """Owners whose deals a list may show without further checks; None means all (admins)."""
    if actor.is_admin:
        return None
    return frozenset({actor.user_id, *actor.managed_ids})


class ScopeRefused(Forbidden):
    """A report scope the actor may not see; ``message`` is the reason (a :class:`Text`)."""


def report_owner_ids(actor: Actor, scope: str, user_id: str | None = None) -> frozenset[str] | None:
    """Whose deals a report covers (SPEC 8): None means everyone. Raises :class:`ScopeRefused` (a
    :class:`~models.infra.errors.Forbidden`) with the reason when the actor may not see that scope."""
    if scope == "user" and user_id is not None:
        if user_id == actor.user_id or actor.is_admin or user_id in actor.managed_ids:
            return frozenset({user_id})
        if actor.managed_ids:
            raise ScopeRefused(t("{user} is not on your team: only their manager or an admin can see that report.",
                                 user=Person(user_id)))
        raise ScopeRefused(t("Only {user}'s manager or an admin can see that report; /deal report shows yours.",
                             user=Person(user_id)))
    if scope == "team":
        if actor.managed_ids:
            return frozenset({actor.user_id, *actor.managed_ids})
        raise ScopeRefused(t("Only managers can report on their team, and nobody reports to you yet; "
                               "/deal report shows yours."))
    if actor.is_admin:
        return None
    return frozenset({actor.user_id, *actor.managed_ids})


def quota_refusal(actor: Actor, user_id: str) -> Text | None:
    """Managers set quotas for their team, admins for everyone."""
    if actor.is_admin or user_id in actor.managed_ids:
        return None
    return t("Only {user}'s manager or an admin can set their target.", user=Person(user_id))


def approvers_among(holders: Iterable[str], *, owner_id: str, requested_by: str,
                    requester_is_admin: bool) -> list[str]:
    """Who is asked to decide a request (SPEC 12): the holders of the rules' roles, never the deal's owner,
    nor whoever asked for the move unless they are an admin."""
    return sorted({u for u in holders if u != owner_id and (u != requested_by or requester_is_admin)})


def decide_refusal(actor: Actor, *, owner_id: str, approver_ids: Iterable[str], requested_by: str,
                   ref: str) -> Text | None:
    """Why the actor may not decide an approval request on the deal `ref` (SPEC 12), or None when they may:
    its approvers and admins may; never the deal's (current) owner, nor whoever asked unless an admin."""
    approver_ids = tuple(approver_ids)
    if actor.user_id == owner_id:
        return t("You own {ref}, so you can't decide its approval: only {people} or an admin can.",
                 ref=ref, people=_people(approver_ids))
    if actor.user_id == requested_by and not actor.is_admin:
        return t("You asked for this move of {ref}, so you can't decide its approval: only {people} or an admin "
                 "can.", ref=ref, people=_people(approver_ids))
    if actor.is_admin or actor.user_id in approver_ids:
        return None
    return t("Only {people} or an admin can decide the approval for {ref}.", ref=ref, people=_people(approver_ids))


def _people(user_ids: list[str] | tuple[str, ...]) -> Text:
    return joined(Person(u) for u in user_ids) if user_ids else t("the approvers")


def territory_admin_refusal(actor: Actor) -> Text | None:
    """Territories' reps and managers (`/deal territory <key> add|remove|manager`) are for admins."""
    if actor.is_admin:
        return None
    return t("Only an admin can change a territory's reps or manager; nothing was changed.")


def territory_report_refusal(actor: Actor, name: str, manager_id: str | None) -> Text | None:
    """A territory's report and digest: its manager and admins (SPEC 8 scopes, issue 8)."""
    if actor.is_admin or (manager_id is not None and actor.user_id == manager_id):
        return None
    if manager_id is None:
        return t("Only an admin can see the report of territory {name} (it has no manager); /deal report shows yours.",
                 name=name)
    return t("Only the manager of territory {name} ({manager}) or an admin can see its report; "
             "/deal report shows yours.", name=name, manager=Person(manager_id))
