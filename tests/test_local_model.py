"""The embedded model's server lifecycle: fake binaries for the error paths, one real-model test."""

from __future__ import annotations

import json
import re
import socket
import stat
import sys
import textwrap

import pytest

from assessment.config import AssessmentConfig, CandidateConfig
from assessment.errors import UserError
from assessment.local.demo import DemoOutcome
from assessment.local.model import BUILD_SETTINGS, find_server_binary, start_server
from assessment.local.presets import local_candidates
from assessment.pipeline import StoredAssessment, build_methodology, load_stored
from assessment.run.store import open_store
from assessment.service.outputs import Outputs
from assessment.service.runs import RunOutcome
from assessment.testing.sample import sample_assessment


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_CACHE", str(tmp_path / "cache"))


def fake_binary(tmp_path, body: str):
    path = tmp_path / "fake-llama-server"
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    return path, model


def _methodology(candidates: list[CandidateConfig]):
    config = AssessmentConfig(name="local", packs=["general"], candidates=candidates)
    return build_methodology(StoredAssessment(id="a", created_at="2026-12-02", config=config, packs=[]), [], None)


def test_only_candidates_made_by_the_presets_count_as_the_embedded_model():
    presets = local_candidates("http://127.0.0.1:8177/v1")
    assert [c.embedded_model for c in presets] == [True, True, True]
    assert _methodology(presets).local_model is not None
    lookalike = CandidateConfig(name="mine", model="openai/local-base", api_base="http://127.0.0.1:9000/v1")
    assert not lookalike.embedded_model
    assert _methodology([lookalike]).local_model is None


def test_the_embedded_flag_does_not_change_the_config_hash():
    presets = local_candidates("http://127.0.0.1:8177/v1")
    unmarked = [c.model_copy(update={"embedded_model": False}) for c in presets]
    config = AssessmentConfig(name="local", packs=["general"], candidates=presets)
    assert config.config_hash() == config.model_copy(update={"candidates": unmarked}).config_hash()


def test_an_assessment_stored_before_the_flag_still_names_the_embedded_model(tmp_path):
    presets = local_candidates("http://127.0.0.1:8177/v1")
    other = CandidateConfig(name="vendor", model="openai/gpt-4o-mini")
    config = AssessmentConfig(name="old", packs=["general"], candidates=[*presets, other])
    legacy = config.model_dump(mode="json")
    for c in legacy["candidates"]:
        del c["embedded_model"]
    store = open_store(tmp_path / "store.sqlite")
    assessment_id = store.create_assessment("old", json.dumps(legacy), config.config_hash(), [])
    loaded = load_stored(store, assessment_id).config
    assert [c.embedded_model for c in loaded.candidates] == [True, True, True, False]


def test_missing_binary_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESSMENT_LLAMA_SERVER", str(tmp_path / "nope"))
    with pytest.raises(UserError, match="is not a file"):
        find_server_binary()


def test_port_taken(tmp_path):
    binary, model = fake_binary(tmp_path, "import time; time.sleep(30)\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(UserError, match=f"port {s.getsockname()[1]} .* already in use"):
            start_server(port=s.getsockname()[1], binary=binary, model=model, reuse=False)


def test_early_exit_shows_log(tmp_path):
    binary, model = fake_binary(tmp_path, "print('error: model file is corrupt', flush=True)\nraise SystemExit(3)\n")
    with pytest.raises(UserError) as exc:
        start_server(binary=binary, model=model, reuse=False, startup_timeout=20)
    assert "exited with code 3" in str(exc.value) and "model file is corrupt" in str(exc.value)


def test_illegal_instruction_explains_rebuild(tmp_path):
    binary, model = fake_binary(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n")
    with pytest.raises(UserError, match="CMAKE_ARGS") as exc:
        start_server(binary=binary, model=model, reuse=False, startup_timeout=20)
    assert f"-DCMAKE_PROJECT_INCLUDE={BUILD_SETTINGS}" in str(exc.value) and BUILD_SETTINGS.is_file()


def test_install_command_is_one_portable_build_everywhere():
    """The README, CI and the rebuild hint use the same settings file, and it keeps the build portable."""
    root = BUILD_SETTINGS.parents[1]
    readme_cmd = re.search(r"^(LLAMA_CPP_BUILD_JOBS=.*pip install -r requirements\.txt)$",
                           (root / "README.md").read_text(), re.M)
    assert readme_cmd, "README: no install command"
    assert readme_cmd.group(1).replace("pip install", "pip install --quiet") in (root / ".ci" / "run").read_text()
    assert "-DCMAKE_PROJECT_INCLUDE=$PWD/install/llama-server.cmake" in readme_cmd.group(1)
    settings = BUILD_SETTINGS.read_text()
    for line in ("set(GGML_NATIVE OFF", "set(GGML_AVX2 ON", "set(LLAMA_BUILD_TESTS OFF", "include_guard(GLOBAL)"):
        assert line in settings, line


HEALTHY = """
import sys, http.server
port = int(sys.argv[sys.argv.index('--port') + 1])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', port), H).serve_forever()
"""


def test_start_reuse_and_stop(tmp_path):
    binary, model = fake_binary(tmp_path, HEALTHY)
    server = start_server(binary=binary, model=model, reuse=False, startup_timeout=20)
    try:
        again = start_server(binary=binary, model=model, reuse=True)
        assert again.port == server.port and again.process is None  # reused, not started twice
    finally:
        server.stop()
    assert server.process.poll() is not None


@pytest.mark.slow_model
def test_real_local_model_answers_through_litellm():
    try:
        find_server_binary()
    except UserError as exc:
        pytest.skip(str(exc))
    from assessment.local.presets import local_candidates
    from assessment.run.runner import load_litellm

    server = start_server(reuse=False)
    try:
        cand = local_candidates(server.api_base)[0]
        litellm = load_litellm()
        resp = litellm.completion(model=cand.model, api_base=cand.api_base, api_key="no-key",
                                  messages=[{"role": "system", "content": cand.system_prompt},
                                            {"role": "user", "content": "What is the capital of France?"}],
                                  **{**cand.params, "max_tokens": 16})
        text = resp.choices[0].message.content
        assert text and text.strip() and "# Query" not in text
        assert resp.usage.completion_tokens > 0
    finally:
        server.stop()
    assert server.process.poll() is not None


def test_demo_claims_a_speed_only_when_every_response_was_generated_now():
    card, judged = sample_assessment()
    total = sum(c.responses for c in card.candidates)
    outputs = Outputs(scorecard=card, judged=judged, paths=[])

    def line(sent: int) -> str | None:
        run = RunOutcome(assessment_id="a", resumed=sent < total, planned_calls=total, finished_calls=total,
                         sent_calls=sent, outputs=outputs)
        return DemoOutcome(run=run, wall_seconds=60.0).throughput()

    fresh = line(total)
    assert fresh is not None and f"{total} calls/min" in fresh
    resumed = line(0)
    assert resumed is not None and f"{total} of {total} calls were answered from the store" in resumed
    assert "calls/min" not in resumed and "tokens/s" not in resumed
