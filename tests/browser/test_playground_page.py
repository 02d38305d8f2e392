"""The playground in a real browser (SPEC section 11): Debian's Chromium driven by Playwright, against
`dealroom playground` started as a newcomer would start it."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
DEALROOM = Path(sys.executable).with_name("dealroom")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
STARTS_WITHIN = 30.0
STEP_TIMEOUT_MS = 10_000

sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Chromium at /usr/bin/chromium (Debian package chromium)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'pg.db'}", "HOST": "0.0.0.0"}
    log = (tmp_path / "playground.log").open("wb")
    proc = subprocess.Popen([str(DEALROOM), "playground", "--port", str(port)], cwd=tmp_path, env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTS_WITHIN
        while True:
            assert proc.poll() is None, (tmp_path / "playground.log").read_text()
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    break
            assert time.monotonic() < deadline, "the playground did not answer in time"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def page(playground: str, request: pytest.FixtureRequest) -> Iterator[sync_api.Page]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(STEP_TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(playground)
            yield page
            assert errors == [], f"script errors on the page: {errors}"
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is None or report.failed:
                ARTEFACTS.mkdir(exist_ok=True)
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(ARTEFACTS / f"{request.node.name}.png"), full_page=True)
            browser.close()


def command(page: sync_api.Page, text: str) -> None:
    page.fill("#composer", text)
    page.press("#composer", "Enter")


def test_a_deal_from_first_command_to_a_newcomer_reading_its_history(page: sync_api.Page) -> None:
    expect = sync_api.expect
    messages = page.locator("#messages")
    expect(page.locator("#person")).to_have_value("U0REP1")  # the page opens as the first rep

    command(page, "/deal new Pilot customer:Acme amount:150k")
    expect(messages).to_contain_text("Created D-1")
    page.locator("[data-channel-name='deal-1-acme']").click()
    card = page.locator(".message.pinned")
    expect(card).to_contain_text("D-1 · Pilot")
    expect(card.get_by_test_id("pinned")).to_be_visible()
    expect(card).to_contain_text("150,000")

    command(page, "/deal score budget:150k authority:yes need:yes timing:30")
    expect(messages).to_contain_text("Score")
    card.get_by_role("button", name=re.compile("Next stage")).click()
    expect(card).to_contain_text("Qualified · 2/7")

    card.get_by_role("button", name="Log note").click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_be_visible()
    page.fill("[name=note_text]", "Called the CFO")
    page.fill("[name=note_next]", "in 2h")
    page.click("#modal-submit")
    expect(modal).to_be_hidden()
    expect(page.locator(".message.ephemeral", has_text="Noted on D-1")).to_be_visible()  # saved

    page.click("#jump-day")  # past the follow-up: its reminder arrives by DM
    page.locator("[data-channel-name='dealroom']").click()
    reminder = page.locator(".message", has_text="Follow-up due")
    expect(reminder).to_contain_text("Called the CFO")
    expect(reminder).not_to_contain_text("late")
    expect(reminder.get_by_role("button", name="Done")).to_be_visible()

    page.select_option("#person", "U0NEW")
    page.locator("[data-channel-name='deal-1-acme']").click()
    expect(page.get_by_test_id("join")).to_be_visible()
    page.get_by_test_id("join").click()
    welcome = page.locator(".message.ephemeral")
    expect(welcome).to_contain_text("Called the CFO")  # the history: the note is on the timeline
    expect(welcome.get_by_test_id("only-you")).to_be_visible()

    page.select_option("#person", "U0MGR")  # the reps' manager: the Home tab has the team pipeline
    page.get_by_test_id("home").click()
    expect(messages).to_contain_text("Team pipeline")
    expect(messages).to_contain_text("Weighted forecast")
