"""`/deal territory`: list the territories; admins change a territory's reps and manager (models.territory_admin)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import replies
from bot.blocks.territories import territories_reply, territory_section
from bot.blocks.text import Mrkdwn, fmt, mtr
from bot.runtime.deps import Deps
from handlers.commands.spec import Permission, Subcommand
from handlers.context import Request
from handlers.grammar import TERRITORY_KEY, DealRef, Free, Parsed, Parser, clip, plain_text, user_id
from handlers.replies import mentions
from models.infra.i18n import N_, t
from models.people import permissions
from models.people.users import load_actor
from models.territories import admin as territories


@dataclass(frozen=True)
class Territory:
    """`/deal territory` lists; `<key>` shows one; `<key> add|remove @rep…` / `<key> manager @user` change it."""

    key: str | None = None
    action: str = "list"  # list | show | add | remove | manager
    user_ids: tuple[str, ...] = ()


def _parse(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Territory:
    if not free:
        return Territory()
    key = plain_text(free[0].value).strip()
    if not TERRITORY_KEY.fullmatch(key):
        raise p.error(t('Name the territory by its key (/deal territory lists them), not "{value}".',
                        value=clip(free[0].raw)))
    if len(free) == 1:
        return Territory(key, "show")
    action = plain_text(free[1].value).strip().lower()
    users = [user_id(token.raw) for token in free[2:]]
    if action not in ("add", "remove", "manager") or not users or None in users:
        raise p.error(t("Say add @rep, remove @rep or manager @user after the territory's key, "
                        "e.g. /deal territory emea add @alice."))
    if action != "add" and len(users) != 1:
        raise p.error(t("Mention one person to {action}, e.g. /deal territory {key} {action} @alice.",
                        action=action, key=key))
    return Territory(key, action, tuple(dict.fromkeys(str(u) for u in users)))


async def territory(deps: Deps, req: Request, cmd: Territory, session: AsyncSession) -> replies.Message | str:
    locale = deps.ws.locale
    if cmd.action == "list":
        return territories_reply(await territories.territory_states(session, deps.ws.pipeline.territories),
                                 locale=locale)
    default = territories.find_territory(deps.ws.pipeline.territories, cmd.key or "")
    if cmd.action == "show":
        return territories_reply(await territories.territory_states(session, (default,)), locale=locale)
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    people = mentions(cmd.user_ids, locale)
    if cmd.action == "add":
        await territories.add_reps(session, deps.ws, actor, default.key, cmd.user_ids, now=req.now)
        done = mtr("Added {people} to the reps of territory {name}; its new deals take turns among them.", locale,
                   people=people, name=default.name)
    elif cmd.action == "remove":
        await territories.remove_rep(session, deps.ws, actor, default.key, cmd.user_ids[0], now=req.now)
        done = mtr("Took {people} out of the reps of territory {name}; their deals stay theirs.", locale,
                   people=people, name=default.name)
    else:
        _, previous = await territories.set_manager(session, deps.ws, actor, default.key, cmd.user_ids[0],
                                                    now=req.now)
        done = mtr("{people} now manages territory {name} (was {previous}): invited to its new deal channels, "
                   "its report and its digest.", locale, people=people, name=default.name,
                   previous=Mrkdwn(f"<@{previous}>") if previous else "—")
    [state] = await territories.territory_states(session, (default,))
    return fmt("{}\n{}", done, territory_section(state, locale))


# Anyone may list and look; changing a territory is for admins (territory_admin_refusal).
TERRITORY = Subcommand(
    "territory", Territory, _parse, territory, usage="/deal territory [<key> add|remove @rep …] [<key> manager @user]",
    example="/deal territory emea add @alice",
    permission=Permission((permissions.territory_admin_refusal,), "everyone"), ref=False,
    notes=N_("`/deal territory` lists the territories: name, lines (region, industry, product), manager and reps. "
             "Admins change them: `<key> add @rep` (several at once too), `<key> remove @rep`, `<key> manager "
             "@user`. The pipeline file's territories are the defaults; changes are kept in the database and "
             "audited. New deals are routed to the reps as they are now; `/deal report territory:<key>` covers the "
             "deals in its lines.\ne.g. `/deal territory emea remove @ben` · `/deal territory emea manager @mia`"))
