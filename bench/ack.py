"""How fast Slack gets its acknowledgement: signed `/deal list` against the Dealroom bot and a bare Bolt app.

    .venv/bin/python bench/ack.py [--requests 1000] [--warmup 100] [--concurrency 20] [--deals 20]
                                  [--database-url postgresql+asyncpg://…] [--strict] [--profile FILE]

Two servers, each in a process of its own (own event loop, own GIL), both aiohttp on 127.0.0.1:

* the Dealroom bot as `dealroom run` assembles it (`build_deps`, `build_app`, `build_web_app`, no
  scheduler ticks), its Web API pointed at the in-repo Slack emulator, on a fresh migrated SQLite
  database in a temp dir (or a scratch database on the PostgreSQL server of `--database-url`), with
  `--deals` deals created by signed `/deal new` and delivered by the outbox before anything is measured;
* a bare Bolt `AsyncApp` (same signing secret, same aiohttp adapter) whose `/deal` listener is only
  `await ack()`.

This process runs the emulator and the load: for each target `--concurrency` requests in flight, both
targets loaded at the same time with their requests interleaved, so machine noise hits both. A
latency is the HTTP round trip of one signed request until its 200 arrives. The bot's work after the
ack (the query, the reply to response_url) goes on in its process and competes with later acks: that
is the point. Whichever target finishes its measured requests first keeps getting (unmeasured) ones
until the other is done, so neither is ever measured on a quiet machine.

Exit status 0 whatever the verdict, unless --strict (then 1 on FAIL). This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import logging
import math
import os
import platform
import secrets
import sys
import tempfile
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp
from aiohttp import web

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `tests` (emulator, signing) is not an installed package

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-bench-token"
TEAM = "T0001"
CHANNEL = "C0BENCH"
FORM = "application/x-www-form-urlencoded"
TARGET_P99_RATIO = 1.5
SLACK_ACK_DEADLINE_MS = 3000.0  # Slack shows the user an error when the 200 takes longer
REQUEST_TIMEOUT_S = 30.0
LAG_TICK_S = 0.005


# ================================================================================================
# The servers (run as `ack.py --serve bot|bare`, one process each; stdout carries JSON lines only)
# ================================================================================================


class Probe:
    """Seen from inside a process: time spent in the aiohttp handler, event-loop lag (how late a 5 ms
    sleep wakes up), garbage-collector pauses and the most asyncio tasks alive at once."""

    def __init__(self) -> None:
        self.recording = False
        self.handler_ms: list[float] = []
        self.lag_ms: list[float] = []
        self.gc_ms: list[float] = []
        self.max_tasks = 0
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)

    def start(self) -> None:
        self.handler_ms, self.lag_ms, self.gc_ms, self.max_tasks, self.recording = [], [], [], 0, True

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self.recording:
            self.gc_ms.append((time.perf_counter() - self._gc_started) * 1000)

    def middleware(self) -> Callable[..., Any]:
        @web.middleware
        async def timed(request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
            start = time.perf_counter()
            try:
                return await handler(request)
            finally:
                if self.recording:
                    self.handler_ms.append((time.perf_counter() - start) * 1000)

        return timed

    async def watch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(LAG_TICK_S)
            if self.recording:
                self.lag_ms.append(max(0.0, (loop.time() - start - LAG_TICK_S) * 1000))
                self.max_tasks = max(self.max_tasks, len(asyncio.all_tasks()))

    def summary(self) -> dict[str, Any]:
        self.recording = False
        handler, lag = sorted(self.handler_ms), sorted(self.lag_ms)
        return {
            "handler_p50": percentile(handler, 50), "handler_p99": percentile(handler, 99),
            "lag_p99": percentile(lag, 99), "lag_max": lag[-1] if lag else math.nan,
            "gc_total": sum(self.gc_ms), "gc_max": max(self.gc_ms, default=0.0), "max_tasks": self.max_tasks,
        }


def _bare_app(api_url: str) -> web.Application:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url), signing_secret=SIGNING_SECRET,
                    process_before_response=False, logger=logging.getLogger("bench.bare"))

    @bolt.command("/deal")
    async def deal(ack: Any) -> None:
        await ack()

    async def slack_events(request: web.Request) -> web.Response:  # as in bot/wiring/server.py
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", slack_events)
    return web_app


async def _bot_app(api_url: str, database_url: str) -> tuple[web.Application, Any]:
    from bot.config.settings import Settings
    from bot.runtime.deps import build_deps
    from bot.wiring.server import build_web_app, freeze_startup_heap
    from handlers.app import build_app
    from models.infra.clock import SystemClock
    from models.infra.db import migrate

    settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                        slack_api_url=api_url, database_url=database_url, log_level="WARNING")
    deps = build_deps(settings, clock=SystemClock())
    await migrate(deps.engine)
    web_app = build_web_app(deps, build_app(deps))
    freeze_startup_heap()  # as `dealroom run` does
    return web_app, deps


async def serve(kind: str, api_url: str, database_url: str | None, profile_path: str | None) -> None:
    """One target. Commands on stdin, one per line, each answered by one JSON line: settle (deliver
    the outbox), record (start the probe and the profiler), report (stop the probe), profile (write
    the profile), stop (or EOF: finish every task, close, exit)."""
    # The protocol gets its own copy of stdout; anything else printed goes to stderr.
    proto: IO[str] = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format=f"[{kind} server] %(levelname)s %(name)s: %(message)s")

    def say(message: dict[str, Any]) -> None:
        proto.write(json.dumps(message) + "\n")

    deps = None
    if kind == "bot":
        assert database_url is not None
        web_app, deps = await _bot_app(api_url, database_url)
    else:
        web_app = _bare_app(api_url)
    probe = Probe()
    web_app.middlewares.append(probe.middleware())
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    watcher = asyncio.create_task(probe.watch_loop())

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    say({"port": runner.addresses[0][1], "pid": os.getpid()})

    profiler = None
    backlog_task: asyncio.Task[None] | None = None
    while command := (await reader.readline()).decode().strip():
        if command == "stop":
            break
        if command.startswith("backlog ") and deps is not None:
            backlog_task = asyncio.create_task(_keep_outbox_busy(deps, int(command.split()[1])))
            await asyncio.sleep(0.5)
            say(await _outbox_counts(deps))
            continue
        if command == "outbox" and deps is not None:
            say(await _outbox_counts(deps))
            continue
        if command == "settle":
            if deps is not None:
                await deps.deliverer.close()
                await deps.deliverer.drain()
            say({"ok": True})
        elif command == "record":
            probe.start()
            if profile_path:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            say({"ok": True})
        elif command == "report":
            say(probe.summary())
        elif command == "profile":
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile_path)
            say({"ok": True})
        else:
            say({"error": f"unknown command {command!r}"})

    # Stop serving, then let every task the requests started run to its end: no pending tasks at exit.
    if backlog_task is not None:
        backlog_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await backlog_task
        await deps.deliverer.stop()  # type: ignore[union-attr]
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    await runner.cleanup()
    others = asyncio.all_tasks() - {asyncio.current_task()}
    unfinished: set[asyncio.Task[Any]] = set()
    if others:
        _, unfinished = await asyncio.wait(others, timeout=30)
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished, timeout=5)
    if deps is not None:
        await deps.aclose()
    transport.close()
    say({"waited_for": len(others), "cancelled": len(unfinished)})
    proto.close()


async def _keep_outbox_busy(deps: Any, pending: int) -> None:
    """`pending` Slack posts queued at once over 100 lanes into the seeded deals' channels, delivered
    by the outbox as the scheduler's tick does (every 2 s) while the acks are measured."""
    from sqlalchemy import select

    from models.infra.outbox import enqueue
    from models.infra.tables import Deal
    from scheduler.jobs import OUTBOX_EVERY_SECONDS

    async with deps.sessions.begin() as session:
        channels = [c for c in await session.scalars(select(Deal.channel_id).where(Deal.channel_id.is_not(None)))]
        for i in range(pending):
            await enqueue(session, lane=f"bench:{i % 100}", kind="admin_alert", now=deps.clock.now(),
                          payload={"user": channels[i % len(channels)], "text": f"backlog message {i}"})
    while True:
        await deps.deliverer.drain()
        await asyncio.sleep(OUTBOX_EVERY_SECONDS)


async def _outbox_counts(deps: Any) -> dict[str, Any]:
    from sqlalchemy import func, select

    from models.infra.tables import OutboxMessage

    async with deps.sessions() as session:
        rows = await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        return {status: count for status, count in rows}


# ================================================================================================
# The driver: the emulator, the load, the figures
# ================================================================================================


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


class Server:
    """A target process, spoken to by line on its stdin and stdout."""

    def __init__(self, name: str, kind: str, process: asyncio.subprocess.Process, port: int) -> None:
        self.name, self.kind, self.process = name, kind, process
        self.url = f"http://127.0.0.1:{port}/slack/events"

    @classmethod
    async def spawn(cls, name: str, kind: str, api_url: str, database_url: str | None,
                    profile_path: str | None) -> Server:
        command = [sys.executable, str(SCRIPT), "--serve", kind, "--api-url", api_url]
        if database_url:
            command += ["--database-url", database_url]
        if profile_path:
            command += ["--profile", profile_path]
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 20)
        try:
            hello = await _read_message(process, name, timeout=120)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise
        return cls(name, kind, process, hello["port"])

    async def ask(self, command: str, timeout: float = 120) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        await self.process.stdin.drain()
        return await _read_message(self.process, self.name, timeout=timeout)

    async def stop(self) -> dict[str, Any]:
        answer = await self.ask("stop", timeout=60)
        await asyncio.wait_for(self.process.wait(), 30)
        return answer

    async def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


async def _read_message(process: asyncio.subprocess.Process, name: str, *, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout)
    if not line:
        raise RuntimeError(f"the {name} process ended unexpectedly (its errors are above)")
    return json.loads(line)


@dataclass
class Phase:
    """One round of load: per target the latencies (ms) of its first `n` requests and their outcomes."""

    n: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)
    bot_keys: set[str] = field(default_factory=set)
    seconds: float = 0.0


class Load:
    def __init__(self, http: aiohttp.ClientSession, emulator: Any, user_id: str) -> None:
        from tests.signing import signed_headers

        self.http, self.emulator, self.user_id = http, emulator, user_id
        self._sign = signed_headers

    def body(self, text: str, key: str) -> str:
        return urllib.parse.urlencode({
            "token": "legacy", "team_id": TEAM, "team_domain": "acme", "channel_id": CHANNEL,
            "channel_name": "bench", "user_id": self.user_id, "user_name": "bench", "command": "/deal",
            "text": text, "api_app_id": "A0001", "is_enterprise_install": "false",
            "response_url": self.emulator.response_url(key), "trigger_id": f"trigger-{key}",
        })

    async def command(self, server: Server, text: str, key: str) -> tuple[float, str | None]:
        """(milliseconds until the response was in, None or what went wrong)."""
        body = self.body(text, key)
        headers = self._sign(SIGNING_SECRET, body, content_type=FORM)
        data = body.encode()
        start = time.perf_counter()
        try:
            async with self.http.post(server.url, data=data, headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return (time.perf_counter() - start) * 1000, type(exc).__name__
        return (time.perf_counter() - start) * 1000, None if status == 200 else f"HTTP {status}"

    async def phase(self, servers: list[Server], name: str, n: int, concurrency: int) -> Phase:
        """`concurrency` requests in flight per server, all servers at once, until each has done `n`."""
        result = Phase(n=n, latencies={s.name: [] for s in servers}, errors={s.name: [] for s in servers},
                       extra={s.name: 0 for s in servers})
        if n == 0:
            return result
        sequence = {s.name: itertools.count() for s in servers}
        pending = {s.name for s in servers}
        everyone_done = asyncio.Event()

        async def worker(server: Server) -> None:
            while not everyone_done.is_set():
                number = next(sequence[server.name])
                key = f"{name}-{server.kind}-{number}"
                if server.kind == "bot":
                    result.bot_keys.add(key)
                ms, error = await self.command(server, "list", key)
                if number >= n:
                    result.extra[server.name] += 1
                    continue
                result.latencies[server.name].append(ms)
                if error:
                    result.errors[server.name].append(error)
                if len(result.latencies[server.name]) == n:
                    pending.discard(server.name)
                    if not pending:
                        everyone_done.set()

        start = time.perf_counter()
        # Interleaved from the first request on: bot, bare, bot, bare, …
        workers = [asyncio.create_task(worker(s)) for _ in range(concurrency) for s in servers]
        await asyncio.gather(*workers)
        result.seconds = time.perf_counter() - start
        return result


class Replies:
    """The emulator's response_url posts, looked up by key without rescanning."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.by_key: dict[str, dict[str, Any]] = {}
        self._seen = 0

    def update(self) -> None:
        responses = self.emulator.responses
        for entry in responses[self._seen:]:
            self.by_key.setdefault(entry["url_key"], entry)
        self._seen = len(responses)

    async def wait(self, keys: Iterable[str], stall: float = 30.0) -> float:
        """Wait until a reply has arrived for every key, or none has for `stall` seconds; the time it took."""
        keys = set(keys)
        start = last_progress = time.perf_counter()
        missing = len(keys - self.by_key.keys())
        while missing:
            await asyncio.sleep(0.02)
            self.update()
            now, still_missing = time.perf_counter(), len(keys - self.by_key.keys())
            if still_missing < missing:
                last_progress, missing = now, still_missing
            elif now - last_progress > stall:
                break
        return time.perf_counter() - start


async def seed(load: Load, bot: Server, replies: Replies, deals: int) -> None:
    """`/deal new` × deals, each until its reply, then the outbox delivered. The first alone: the bot
    records a user it has not seen on their first command, and concurrent first commands race there."""
    gate = asyncio.Semaphore(4)

    async def create(number: int) -> None:
        async with gate:
            key = f"seed-{number}"
            _, error = await load.command(bot, f'new Bench deal {number} customer:"Customer {number}" '
                                               f"amount:{10 + number}k", key)
            if error:
                raise RuntimeError(f"/deal new was answered with {error}")
            await replies.wait([key])
            if key not in replies.by_key:
                raise RuntimeError(f"no reply to `/deal new` within 30 s\n{load.emulator.describe()}")

    await create(1)
    await asyncio.gather(*(create(i) for i in range(2, deals + 1)))
    await bot.ask("settle")
    pinned = sum(1 for c in load.emulator.channels.values() if c.name.startswith("deal-") and c.pins)
    if pinned < deals:
        raise RuntimeError(f"only {pinned} of {deals} deal channels got their pinned card\n"
                           f"{load.emulator.describe()}")


def _fmt(ms: float) -> str:
    return f"{ms:8.1f}" if not math.isnan(ms) else "       -"


def _describe_db(url: str | None) -> str:
    if url is None:
        return "SQLite (a fresh file in a temp dir)"
    from sqlalchemy import make_url

    parsed = make_url(url)
    server = f"{parsed.username + '@' if parsed.username else ''}{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"PostgreSQL (a scratch database on {server}, dropped afterwards)"


@contextlib.asynccontextmanager
async def scratch_postgres(url: str) -> AsyncIterator[str]:
    """A new, empty database on the server of `url` (whose database we connect to for CREATE and DROP)
    for this run only: the emulator starts from scratch too, so a reused database would hold deals
    whose channel ids the emulator hands out again."""
    import asyncpg
    from sqlalchemy import make_url

    admin_url = make_url(url)
    dsn = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"dealroom_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(dsn, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(dsn, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@dataclass
class Outcome:
    run: Phase
    inside: dict[str, dict[str, Any]]  # per server kind, and "load" for this process
    drained_s: float
    bot_exit: dict[str, Any]
    setup_s: float = 0.0
    total_s: float = 0.0


async def drive(args: argparse.Namespace) -> int:
    from tests.emulator import SlackEmulator

    started = time.perf_counter()
    user_id = "U0B" + secrets.token_hex(4).upper()  # a new user per run: `/deal list` shows this run's deals
    emulator = SlackEmulator(bot_token=BOT_TOKEN)
    emulator.add_user(user_id, "bench", tz="Europe/Berlin")
    servers: list[Server] = []
    async with contextlib.AsyncExitStack() as stack:
        if args.database_url:
            database_url = await stack.enter_async_context(scratch_postgres(args.database_url))
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="dealroom-bench-"))
            database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'dealroom.db'}"
        await emulator.start()
        stack.push_async_callback(emulator.stop)
        try:
            spawned = await asyncio.gather(
                Server.spawn("Dealroom bot", "bot", emulator.api_url, database_url, args.profile),
                Server.spawn("bare Bolt app", "bare", emulator.api_url, None, None),
                return_exceptions=True)
            servers = [s for s in spawned if isinstance(s, Server)]
            failed = [e for e in spawned if isinstance(e, BaseException)]
            if failed:
                raise failed[0]
            bot, bare = servers
            outcome = await _measure(args, emulator, user_id, bot, bare)
        finally:
            for server in servers:
                await server.kill()
    outcome.setup_s, outcome.total_s = outcome.setup_s - started, time.perf_counter() - started
    report(args, outcome, replies=Replies(emulator), bot=bot, bare=bare, emulator=emulator)
    if args.profile:
        _print_profile(args.profile)
    return verdict(args, outcome.run, bot, bare)


async def _measure(args: argparse.Namespace, emulator: Any, user_id: str, bot: Server, bare: Server) -> Outcome:
    probe = Probe()  # this process: the load and the emulator
    watcher = asyncio.create_task(probe.watch_loop())
    connector = aiohttp.TCPConnector(limit=4 * args.concurrency + 10)
    try:
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as http:
            load = Load(http, emulator, user_id)
            replies = Replies(emulator)
            await seed(load, bot, replies, args.deals)
            seeded_at = time.perf_counter()
            if args.pending_outbox:
                await bot.ask(f"backlog {args.pending_outbox}")
            warm = await load.phase([bot, bare], "warm", args.warmup, args.concurrency)
            await replies.wait(warm.bot_keys)  # start measuring with the bot idle
            outbox_before = await bot.ask("outbox") if args.pending_outbox else {}
            probe.start()
            await asyncio.gather(bot.ask("record"), bare.ask("record"))
            run = await load.phase([bot, bare], "run", args.requests, args.concurrency)
            bot_inside, bare_inside = await asyncio.gather(bot.ask("report"), bare.ask("report"))
            if args.pending_outbox:
                bot_inside["outbox"] = {"before": outbox_before, "after": await bot.ask("outbox")}
            inside = {"bot": bot_inside, "bare": bare_inside, "load": probe.summary()}
            drained_s = await replies.wait(run.bot_keys)
            if args.profile:
                await bot.ask("profile")
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        gc.callbacks.remove(probe._on_gc)
    bot_exit, _ = await asyncio.gather(bot.stop(), bare.stop())
    return Outcome(run=run, inside=inside, drained_s=drained_s, bot_exit=bot_exit, setup_s=seeded_at)


def _ratio(run: Phase, bot: Server, bare: Server, p: float) -> float:
    return percentile(sorted(run.latencies[bot.name]), p) / percentile(sorted(run.latencies[bare.name]), p)


def verdict(args: argparse.Namespace, run: Phase, bot: Server, bare: Server) -> int:
    ratio = _ratio(run, bot, bare, 99)
    errors = sum(len(e) for e in run.errors.values())
    passed = ratio <= TARGET_P99_RATIO and errors == 0
    why = f"p99 ratio {ratio:.2f} {'≤' if ratio <= TARGET_P99_RATIO else '>'} {TARGET_P99_RATIO}"
    if errors:
        why += f", {errors} requests not answered with 200"
    print(f"\n{'PASS' if passed else 'FAIL'} ({why})")
    return 1 if args.strict and not passed else 0


def report(args: argparse.Namespace, outcome: Outcome, *, replies: Replies, bot: Server, bare: Server,
           emulator: Any) -> None:
    run, inside = outcome.run, outcome.inside
    print(f"Dealroom ack benchmark: signed `/deal list`, {args.requests} measured requests per target after "
          f"{args.warmup} warm-up, {args.concurrency} in flight per target, both targets at once")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, Python "
          f"{platform.python_version()}; database: {_describe_db(args.database_url)}; {args.deals} seeded deals; "
          "Slack: the in-repo emulator")
    print()
    print(f"{'ms until HTTP 200':<18}{'requests':>9}{'errors':>8}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}"
          f"{'>3 s':>7}")
    for server in (bare, bot):
        values = sorted(run.latencies[server.name])
        late = sum(1 for v in values if v > SLACK_ACK_DEADLINE_MS)
        print(f"{server.name:<18}{len(values):>9}{len(run.errors[server.name]):>8}"
              + "".join(f" {_fmt(percentile(values, p))}" for p in (50, 90, 99))
              + f" {_fmt(values[-1] if values else math.nan)}{late:>7}")
    print(f"{'bot/bare ratio':<35}{_ratio(run, bot, bare, 50):>9.2f}{'':>9}{_ratio(run, bot, bare, 99):>9.2f}"
          f"   (target: p99 ratio ≤ {TARGET_P99_RATIO})")
    kinds = sorted({e for errors in run.errors.values() for e in errors})
    if kinds:
        print(f"errors: {', '.join(kinds)}")

    print()
    print(f"{'inside, ms':<18}{'handler p50':>12}{'handler p99':>12}{'loop lag p99':>13}{'lag max':>9}"
          f"{'gc total':>9}{'gc max':>8}{'tasks':>7}")
    for name, s in ((bare.name, inside["bare"]), (bot.name, inside["bot"]), ("load (this process)", inside["load"])):
        handler = (f"{'-':>12}{'-':>12}" if math.isnan(s["handler_p50"])
                   else f"{s['handler_p50']:>12.1f}{s['handler_p99']:>12.1f}")
        print(f"{name:<18}{handler}{s['lag_p99']:>13.1f}{s['lag_max']:>9.1f}{s['gc_total']:>9.0f}"
              f"{s['gc_max']:>8.1f}{s['max_tasks']:>7}")

    replies.update()
    answered = [replies.by_key[k] for k in run.bot_keys if k in replies.by_key]
    full = sum(1 for r in answered if f": {args.deals} deals" in ((r.get("body") or {}).get("text") or ""))
    print()
    print(f"after the acks: {len(answered)}/{len(run.bot_keys)} bot replies reached response_url "
          f"({full} listing all {args.deals} deals), the last {outcome.drained_s:.1f} s after the last request")
    extra = ", ".join(f"{name} {count}" for name, count in run.extra.items() if count)
    if extra:
        print(f"extra unmeasured requests, sent so that no target ran alone: {extra}")
    print(f"bot tasks still running at exit: {outcome.bot_exit['cancelled']} (waited for "
          f"{outcome.bot_exit['waited_for']}); emulator errors: {len(emulator.errors)}")
    if "outbox" in inside["bot"]:
        before, after = inside["bot"]["outbox"]["before"], inside["bot"]["outbox"]["after"]
        print(f"outbox during the run: {before.get('pending', 0)} pending at the first measured request, "
              f"{after.get('pending', 0)} pending after the last ({after.get('sent', 0) - before.get('sent', 0)} "
              f"delivered meanwhile, {after.get('parked', 0)} parked)")
    print(f"time: setup {outcome.setup_s:.1f} s, measured run {run.seconds:.1f} s, total {outcome.total_s:.1f} s")


def _print_profile(path: str) -> None:
    import pstats

    print(f"\nprofile of the bot process from the first measured request until its replies were out ({path}):")
    stats = pstats.Stats(path, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Ack latency of the Dealroom bot against a bare Bolt app.")
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per target (1000)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up requests per target (100)")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight per target (20)")
    parser.add_argument("--deals", type=int, default=20, help="deals created before measuring (20)")
    parser.add_argument("--database-url", metavar="URL",
                        help="run the bot on PostgreSQL instead of SQLite: postgresql+asyncpg://user@host:port/db; "
                             "a scratch database is created beside db for the run and dropped afterwards")
    parser.add_argument("--pending-outbox", type=int, default=0, metavar="N",
                        help="queue N outbox deliveries before measuring, delivered during the run (0)")
    parser.add_argument("--strict", action="store_true", help="exit 1 on FAIL")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the bot process during the measured run, "
                                                          "write the stats to FILE and print the top entries")
    parser.add_argument("--serve", choices=("bot", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0 or args.concurrency < 1 or args.deals < 1:
        parser.error("--requests, --concurrency and --deals must be at least 1, --warmup at least 0")
    if args.database_url and not args.serve and not args.database_url.startswith("postgresql+asyncpg://"):
        parser.error("--database-url must start with postgresql+asyncpg:// (SQLite is the default, a fresh file)")
    if args.profile and not args.serve:
        profile = Path(args.profile).resolve()
        profile.parent.mkdir(parents=True, exist_ok=True)
        args.profile = str(profile)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        asyncio.run(serve(args.serve, args.api_url, args.database_url, args.profile))
        return 0
    return asyncio.run(drive(args))


if __name__ == "__main__":
    sys.exit(main())
