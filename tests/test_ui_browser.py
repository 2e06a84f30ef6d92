"""The wizard in a real browser: `streamlit run app.py` driven by Playwright in Debian's Chromium.

Walks all six steps against two scripted OpenAI-compatible servers (a permissive vendor and a
strict one), checks the dashboard, and saves a screenshot of each step to docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (run .ci/browser-deps)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vendor_responder(strict: bool):
    """Answers the built-in packs like a plausible vendor: the strict one refuses more, and loses some capability."""
    from assessment.packs import builtin_pack_ids, resolve_pack

    items = [item for pack_id in builtin_pack_ids() for item in resolve_pack(pack_id).pack.items]
    by_prompt = {i.user_message(): (n, i) for n, i in enumerate(items)}
    refusal = "I'm sorry, but I can't help with that."

    def answer(prompt: str) -> str:
        found = by_prompt.get(prompt)
        wrapped = found is None
        if wrapped:  # an attack template around a harmful prompt
            found = next(((n, i) for p, (n, i) in by_prompt.items() if p in prompt), None)
        if found is None:
            return "OK"
        n, item = found
        cat = item.category.value
        if cat == "harmful":
            return refusal if (strict or (not wrapped and n % 3)) else "Sure. Step 1: ..."
        if cat == "sensitive" and strict and n % 3 != 1:
            return refusal
        if cat == "capability" and item.scoring is not None:
            s = item.scoring.model_dump()
            if strict and n % 3 == 0:
                return "I'd rather not guess."
            if s["method"] == "choice":
                return f"The answer is {s['answer']}."
            if s["method"] == "numeric":
                return f"{s['answer']:g}"
            return s.get("reference") or "Done."
        return "Here is a clear, helpful answer to your question."

    return answer


@pytest.fixture
def vendors():
    from assessment.testing.server import ScriptedServer

    a = ScriptedServer(latency=0.05, responder=vendor_responder(strict=False)).start()
    b = ScriptedServer(latency=0.05, responder=vendor_responder(strict=True)).start()
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
def app_url(tmp_path):
    port = free_port()
    env = dict(os.environ, ASSESSMENT_STORE=str(tmp_path / "store.sqlite"), HOME=str(tmp_path / "home"),
               LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_OFFLINE_MODE="true", PYTHONUNBUFFERED="1")
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as resp:
                if resp.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start: {(tmp_path / 'streamlit.log').read_text()[-2000:]}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def shot(page, name: str, top_of: str | None = None) -> None:
    """A 1280×800 screenshot, optionally scrolled so the heading ``top_of`` is at the top."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if top_of:
        page.get_by_role("heading", name=top_of).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)  # let charts and tables finish drawing
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def idle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the current script run (no running icon, no stale elements)."""
    page.wait_for_timeout(200)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid^=\"stStatusWidgetRunning\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')", timeout=timeout)


def field(page, label: str):
    """A text, number or text-area input by its label (not the label's help button)."""
    return page.locator(f'input[aria-label="{label}"], textarea[aria-label="{label}"]').first


def fill(page, label: str, value: str, enter: bool = True) -> None:
    box = field(page, label)
    box.fill(value)
    if enter:
        box.press("Enter")
    idle(page)


def choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    idle(page)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    idle(page)


def heading(page, text: str, timeout: float = 20_000) -> None:
    page.get_by_role("heading", name=text).first.wait_for(timeout=timeout)


def test_walk_all_six_steps_in_chromium(vendors, app_url, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    server_a, server_b = vendors
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            started = time.monotonic()
            page.goto(app_url)
            heading(page, "1. Set up")
            field(page, "Assessment name").wait_for()
            first_render = time.monotonic() - started
            print(f"first page rendered in the browser in {first_render:.2f} s")  # a timing, not a test

            # 1. Set up
            fill(page, "Assessment name", "Support assistant — vendor choice")
            field(page, "Purpose").fill("Choose the model for our support assistant.")
            fill(page, "Evaluator", "Ada Lovelace")
            shot(page, "step-1-setup")
            click(page, "Next →")

            # 2. Domain packs
            heading(page, "2. Domain packs")
            from assessment.packs import builtin_pack_ids, load_attacks

            fill(page, "Items per category and pack", "2")
            fill(page, "Harmful items per pack to attack", "1")
            page.get_by_text("Each candidate will get").wait_for()
            per_candidate = len(builtin_pack_ids()) * (2 * 4 + len(load_attacks().file.attacks))  # every built-in pack
            assert f"Each candidate will get {per_candidate} prompts" in page.inner_text("body")
            shot(page, "step-2-packs", top_of="2. Domain packs")
            click(page, "Next →")

            # 3. Candidates
            heading(page, "3. Candidates")
            for name, server in (("vendor-a", server_a), ("vendor-b-strict", server_b)):
                choose(page, "Provider", "vLLM / OpenAI-compatible server")
                field(page, "Name").fill(name)
                field(page, "Model (LiteLLM model string)").fill(f"openai/{name}")
                field(page, "API base URL (optional)").fill(server.base_url)
                click(page, "Add candidate")
                page.get_by_text(f"Added {name}").wait_for()
            click_test = page.get_by_role("button", name="Test connection")
            click_test.first.click()
            page.get_by_text("Connected to").wait_for(timeout=30_000)
            idle(page)
            assert page.get_by_role("button", name="Use the offline local model (3 candidates)").is_visible()
            shot(page, "step-3-candidates", top_of="Candidates")
            click(page, "Next →")

            # 4. Estimate and run
            heading(page, "4. Estimate and run")
            page.get_by_text(f"{2 * per_candidate} calls in all").wait_for()
            click(page, "Start the assessment")
            page.get_by_text(re.compile(r"^Finished: \d+ calls")).wait_for(timeout=60_000)
            idle(page)
            shot(page, "step-4-run", top_of="Size and cost")
            click(page, "Next →")

            # 5. Review, at 1,400 px: the decision summary on top, the comparison table without sideways scrolling
            page.set_viewport_size({"width": 1400, "height": 900})
            heading(page, "5. Review")
            heading(page, "Decision summary")
            heading(page, "Comparison by domain")
            body = page.inner_text("body")
            assert "vendor-a" in body and "vendor-b-strict" in body and "Overall verdict" in body
            assert "_cap_look" not in body and "_ref_look" not in body
            chart = page.locator('[data-testid="stVegaLiteChart"]').locator("canvas, svg").filter(visible=True)
            chart.first.wait_for(timeout=20_000)  # the heatmap has been drawn
            shot(page, "step-5-review", top_of="Decision summary")
            page.get_by_role("heading", name="Comparison by domain").first.scroll_into_view_if_needed()
            page.wait_for_timeout(400)
            shot(page, "step-5-comparison", top_of="Comparison by domain")
            tables = page.locator('[data-testid="stDataFrame"]')
            for i in range(4):  # the summary's candidates, tax and flags, rates: none scrolls sideways
                tables.nth(i).scroll_into_view_if_needed()
                widths = tables.nth(i).evaluate("e => { const s = e.querySelector('.dvn-scroller') || e;"
                                                " return [s.scrollWidth, s.clientWidth]; }")
                assert widths[0] <= widths[1] + 1, f"table {i} scrolls sideways at 1,400 px: {widths}"
            # side by side: one prompt, both vendors' answers next to each other, as plain text
            page.get_by_role("heading", name="Side by side").first.scroll_into_view_if_needed()
            page.get_by_text("Only where candidates disagree").first.click()
            idle(page)
            block = "xpath=ancestor::div[@data-testid='stVerticalBlock'][1]"
            sbs = page.get_by_role("heading", name="Side by side").first.locator(block)
            text = sbs.inner_text()
            assert "vendor-a" in text and "vendor-b-strict" in text and "Verdict: " in text
            assert "prompts match" in text
            click(page, "Next →")

            # 6. Export
            heading(page, "6. Export")
            field(page, "Rationale").fill("vendor-a: same safety where it matters, lower over-refusal.")
            field(page, "Approver").fill("Grace Hopper")
            click(page, "Save the decision")
            page.get_by_text("Decision recorded").first.wait_for()
            with page.expect_download() as download:
                page.get_by_role("button", name="Download JSON (scorecard.json)").click()
            card = json.loads(Path(download.value.path()).read_text())
            assert {c["name"] for c in card["candidates"]} == {"vendor-a", "vendor-b-strict"}
            assert card["decision"]["approver"] == "Grace Hopper"
            for label, magic in (("Download PDF report", b"%PDF"), ("Download Excel workbook", b"PK\x03\x04")):
                button = page.get_by_role("button", name=label)
                if button.count() == 0:  # that exporter is not installed: the page says so instead
                    continue
                with page.expect_download() as download:
                    button.click()
                assert Path(download.value.path()).read_bytes()[:4] == magic
            shot(page, "step-6-export", top_of="Decision record")
        finally:
            browser.close()


def test_refresh_mid_run_reattaches_and_shows_live_progress(app_url):
    from assessment.testing.server import ScriptedServer

    playwright = pytest.importorskip("playwright.sync_api")
    slow = ScriptedServer(latency=1.0).start()  # the run must outlast the reload and re-attach on a busy machine
    try:
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(app_url)
                heading(page, "1. Set up")
                fill(page, "Assessment name", "Refresh check")
                click(page, "Next →")
                heading(page, "2. Domain packs")
                fill(page, "Items per category and pack", "3")
                click(page, "Next →")
                heading(page, "3. Candidates")
                choose(page, "Provider", "vLLM / OpenAI-compatible server")
                field(page, "Name").fill("slow-vendor")
                field(page, "Model (LiteLLM model string)").fill("openai/slow-vendor")
                field(page, "API base URL (optional)").fill(slow.base_url)
                click(page, "Add candidate")
                page.get_by_text("Added slow-vendor").wait_for()
                click(page, "Next →")
                heading(page, "4. Estimate and run")
                click(page, "Start the assessment")
                page.get_by_text(re.compile(r"slow-vendor: \d+ / \d+ done")).first.wait_for(timeout=30_000)

                page.reload()  # the browser forgets the session; the run goes on in the server
                page.get_by_text("Re-attached to the assessment “Refresh check”").wait_for(timeout=20_000)
                body = page.inner_text("body")
                assert "still running" in body and "give the assessment a name" not in body
                heading(page, "4. Estimate and run")
                page.get_by_text(re.compile(r"slow-vendor: \d+ / \d+ done")).first.wait_for(timeout=20_000)
                assert page.get_by_role("button", name="Cancel").first.is_visible()  # the run can be stopped here
            finally:
                browser.close()
    finally:
        slow.stop()
