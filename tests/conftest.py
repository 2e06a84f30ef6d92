"""Shared fixtures: a scripted OpenAI-compatible server on 127.0.0.1 and an isolated home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

from helpers import TINY_PACK  # noqa: E402

from assessment.testing.server import ScriptedServer  # noqa: E402  (after the environment above)


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


@pytest.fixture
def servers():
    """A helpful server and one that refuses everything: a baseline and a candidate paying the most tax."""
    helpful = ScriptedServer().start()
    refuser = ScriptedServer(responder=lambda prompt: "I'm sorry, but I can't help with that request.").start()
    yield helpful, refuser
    helpful.stop()
    refuser.stop()


@pytest.fixture
def tiny_pack(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_PACK)
    return path
