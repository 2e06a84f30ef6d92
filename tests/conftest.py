"""Shared fixtures: a scripted OpenAI-compatible server on 127.0.0.1 and an isolated home."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

from assessment.testing.server import ScriptedServer  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow_model: starts the real local model (a few seconds to a minute)")
    config.addinivalue_line("markers", "browser: drives the app in headless Chromium")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Never touch the user's home, store or keys."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("ASSESSMENT_STORE", str(tmp_path / "store.sqlite"))
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def sample():
    """The synthetic assessment the export tests read (built once; tests copy before changing it)."""
    from assessment.testing.sample import sample_assessment

    return sample_assessment()


@pytest.fixture
def server():
    srv = ScriptedServer(hang_seconds=5).start()
    yield srv
    srv.stop()


TINY_PACK = textwrap.dedent("""\
    id: tiny
    name: Tiny
    version: "1.0.0"
    description: test pack
    items:
      - id: b1
        category: benign
        prompt: "benign one"
      - id: b2
        category: benign
        prompt: "benign two"
      - id: s1
        category: sensitive
        subtype: homonym
        prompt: "sensitive one"
      - id: s2
        category: sensitive
        subtype: fiction
        prompt: "sensitive two"
      - id: h1
        category: harmful
        subtype: weapons
        prompt: "harmful one"
      - id: c1
        category: capability
        prompt: "capability one"
        scoring: {method: numeric, answer: 144}
      - id: c2
        category: capability
        prompt: "capability two"
        scoring: {method: choice, answer: B}
    """)


@pytest.fixture
def tiny_pack(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_PACK)
    return path


def write_config(tmp_path: Path, server: ScriptedServer, pack: Path, extra: str = "", candidates: str | None = None) -> Path:
    cands = candidates or textwrap.dedent(f"""\
        candidates:
          - name: base
            model: openai/base
            api_base: {server.base_url}
            concurrency: 4
            timeout_s: 2
          - name: safe
            model: openai/safe
            api_base: {server.base_url}
            concurrency: 4
            timeout_s: 2
        """)
    text = f"name: test\npacks: [{pack}]\nbaseline: base\nattacks: none\n{extra}\n{cands}"
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path
