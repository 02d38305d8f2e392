"""What each Slack error means for a message we are delivering: retry it, skip it, park it, or halt.

One table, so the outbox never guesses (and never loops on an answer that will not change).
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    RETRY = "retry"  # Slack could not take it now: the same call later will work
    SKIP = "skip"  # the effect is there already, or cannot apply to this user: done, move on
    PARK = "park"  # never deliverable as it is: keep it for admins, move on
    HALT = "halt"  # the token itself is refused: stop every delivery until it is fixed, lose nothing


RETRY_ERRORS = frozenset({
    "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "team_not_ready", "accesslimited", "paced",
})
HALT_ERRORS = frozenset({
    "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "team_access_not_granted",
    "no_permission", "org_login_required", "ekm_access_denied", "two_factor_setup_required",
})
# Per kind of delivery: errors meaning "nothing (more) to do here".
SKIP_ERRORS: dict[str, frozenset[str]] = {
    # Slack invites the valid users even when it reports one of these for another user.
    "invite": frozenset({"already_in_channel", "cant_invite_self", "user_not_found", "cant_invite",
                         "user_is_restricted", "user_is_ultra_restricted", "user_disabled"}),
    "pin_card": frozenset({"already_pinned"}),
    "welcome": frozenset({"user_not_in_channel", "user_not_found", "user_disabled"}),
    "admin_alert": frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"}),
    # A DM to someone who left or is a bot: nobody to tell, nothing to retry.
    **{kind: frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})
       for kind in ("dm", "reminder", "nudge", "report_chart",  # and the typed notices, bot/delivery/events.py:
                    "digest", "weekly_report", "team_weekly_report", "monthly_review", "territory_digest",
                    "pool_notice")},
    "reminder_state": frozenset({"message_not_found", "cant_update_message", "channel_not_found"}),
    "archive_channel": frozenset({"already_archived"}),
    "unarchive_channel": frozenset({"not_archived"}),
}


def outcome(error: str, kind: str | None = None) -> Outcome:
    if error in SKIP_ERRORS.get(kind or "", ()):
        return Outcome.SKIP
    if error in RETRY_ERRORS or error.startswith(("http_5", "upload_http_5", "upload_http_429", "connection:",
                                                   "internal:")):
        return Outcome.RETRY
    if error in HALT_ERRORS:
        return Outcome.HALT
    return Outcome.PARK
