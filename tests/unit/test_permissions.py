"""The one place that decides who may read and change a deal (SPEC section 10)."""

from __future__ import annotations

import pytest

from models.people.permissions import (
    Actor,
    DealAccess,
    admin_refusal,
    approvers_among,
    can_edit,
    can_read,
    decide_refusal,
    edit_refusal,
    list_refusal,
    list_scope,
    read_refusal,
)
from tests.shown import as_shown

DEAL = DealAccess(owner_id="UOWNER", collaborator_ids=frozenset({"UCOLLAB"}))
OWNER = Actor("UOWNER")
COLLABORATOR = Actor("UCOLLAB")
OTHER_REP = Actor("UOTHER")
MANAGER = Actor("UMGR", managed_ids=frozenset({"UOWNER"}))
OTHER_MANAGER = Actor("UMGR2", managed_ids=frozenset({"UOTHER"}))
ADMIN = Actor("UADMIN", is_admin=True)


@pytest.mark.parametrize(("actor", "edit"), [
    (OWNER, True), (COLLABORATOR, True), (MANAGER, True), (ADMIN, True), (OTHER_REP, False), (OTHER_MANAGER, False),
])
def test_who_may_change_a_deal(actor: Actor, edit: bool) -> None:
    assert can_edit(actor, DEAL) is edit
    assert can_read(actor, DEAL, channel_member=False) is edit


def test_channel_members_read_but_never_write() -> None:
    assert can_read(OTHER_REP, DEAL, channel_member=True)
    assert not can_edit(OTHER_REP, DEAL)


def test_a_managers_rights_follow_the_current_owner() -> None:
    reassigned = DealAccess(owner_id="UELSEWHERE", collaborator_ids=frozenset())
    assert not can_edit(MANAGER, reassigned)


@pytest.mark.parametrize(("actor", "scope", "allowed"), [
    (OTHER_REP, "mine", True), (OTHER_REP, "all", False), (OTHER_REP, "team", False),
    (MANAGER, "team", True), (MANAGER, "all", False), (ADMIN, "all", True), (ADMIN, "team", True),
])
def test_who_may_list_what(actor: Actor, scope: str, allowed: bool) -> None:
    assert (list_refusal(actor, scope) is None) is allowed


@pytest.mark.parametrize(("actor", "allowed"), [
    (OWNER, True), (MANAGER, True), (ADMIN, True), (OTHER_REP, False), (COLLABORATOR, False), (OTHER_MANAGER, False),
])
def test_who_may_list_a_persons_deals(actor: Actor, allowed: bool) -> None:
    refusal = list_refusal(actor, "user", "UOWNER")
    assert (refusal is None) is allowed
    assert refusal is None or "Only <@UOWNER> themselves, their manager or an admin" in as_shown(refusal)


def test_only_admins_administer_roles_and_teams() -> None:
    assert admin_refusal(ADMIN, "change teams") is None
    for actor in (OWNER, MANAGER, OTHER_REP):
        assert str(admin_refusal(actor, "change teams")) == "Only an admin can change teams; nothing was changed."


@pytest.mark.parametrize(("actor", "scope", "user", "owners", "collaborated"), [
    (OWNER, "mine", None, {"UOWNER"}, True),
    (MANAGER, "team", None, {"UMGR", "UOWNER"}, False),
    (MANAGER, "user", "UOWNER", {"UOWNER"}, False),
    (ADMIN, "all", None, None, False),
    (OTHER_REP, "all", None, {"UOTHER"}, True),  # refused first by list_refusal; never more than one's own
    (OTHER_REP, "user", "UOWNER", {"UOTHER"}, True),
])
def test_what_a_list_shows(actor: Actor, scope: str, user: str | None, owners: set[str] | None,
                           collaborated: bool) -> None:
    shown = list_scope(actor, scope, user)
    assert shown.owner_ids == (frozenset(owners) if owners is not None else None)
    assert shown.collaborated is collaborated


def test_refusals_name_who_may() -> None:
    assert edit_refusal(OWNER, DEAL, "D-1") is None
    assert as_shown(edit_refusal(OTHER_REP, DEAL, "D-1")) == (
        "You can't change D-1: only <@UOWNER> (the owner), the deal's collaborators, the owner's manager or an "
        "admin can.")
    assert read_refusal(OTHER_REP, DEAL, "D-1", channel_member=True) is None
    assert "only its channel members" in str(read_refusal(OTHER_REP, DEAL, "D-1", channel_member=False) or "")


def _decide(actor: Actor, *, owner: str = "U0REP", approvers: tuple[str, ...] = ("U0MGR", "U0FIN"),
            requested_by: str = "U0REP") -> str | None:
    refusal = decide_refusal(actor, owner_id=owner, approver_ids=approvers, requested_by=requested_by, ref="D-1")
    return None if refusal is None else as_shown(refusal)  # as Slack shows it


def test_who_may_decide_an_approval() -> None:
    assert _decide(Actor("U0MGR")) is None
    assert _decide(Actor("U0ADM", is_admin=True)) is None
    assert "You own D-1" in (_decide(Actor("U0REP", is_admin=True)) or "")
    assert (_decide(Actor("U0REP2")) or "").startswith("Only <@U0MGR>, <@U0FIN> or an admin")


def test_the_current_owner_never_decides_even_when_they_were_asked() -> None:
    """The deal went to the manager after the request: the owner passed in is today's, and it wins."""
    assert "You own D-1" in (_decide(Actor("U0MGR"), owner="U0MGR") or "")


def test_whoever_asked_for_the_move_may_not_decide_it_unless_an_admin() -> None:
    refused = _decide(Actor("U0MGR"), requested_by="U0MGR")
    assert refused is not None and refused.startswith("You asked for this move of D-1")
    assert "only <@U0MGR>, <@U0FIN> or an admin" in refused
    assert _decide(Actor("U0ADM", is_admin=True), requested_by="U0ADM", approvers=("U0ADM",)) is None


@pytest.mark.parametrize(("holders", "requester_is_admin", "asked"), [
    (["U0MGR", "U0FIN"], False, ["U0FIN", "U0MGR"]),  # sorted, once each
    (["U0MGR", "U0MGR", "U0REP"], False, ["U0MGR"]),  # never the owner
    (["U0ASK", "U0FIN"], False, ["U0FIN"]),  # never whoever asked...
    (["U0ASK", "U0FIN"], True, ["U0ASK", "U0FIN"]),  # ...unless an admin
    (["U0REP", "U0ASK"], False, []),  # no one to ask
])
def test_who_is_asked_to_approve(holders: list[str], requester_is_admin: bool, asked: list[str]) -> None:
    assert approvers_among(holders, owner_id="U0REP", requested_by="U0ASK",
                           requester_is_admin=requester_is_admin) == asked
