"""Secrets never reach the store or an export, in any shape; unknown usage stays unknown; the judge's
reason is withheld with a harmful completion. Real CLI, real scripted server."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from helpers import ROOT

from assessment.redaction import MASK, redact
from assessment.testing.server import Reply

KEY = "ata-leaktest-" + "Q7w/E9r+T1y2U3i4O5p6A7s8"  # no provider shape; base64-special characters


def test_redact_covers_every_shape_before_any_cut():
    text = "x" * 200 + KEY + " | " + quote(KEY, safe="") + " | " + base64.b64encode(f"user:{KEY}".encode()).decode()
    cut = redact(text, [KEY])[:400]
    assert KEY[:12] not in cut and quote(KEY, safe="")[:12] not in cut and cut.count(MASK) == 3
    assert redact(("y" * 250 + KEY)[:270], [KEY]).endswith(MASK)  # a key already cut short elsewhere
    url = "https://bob:hunter2-password@api.example/v1?api-key=abcd-1234-efgh&mode=x"
    assert redact(url) == f"https://{MASK}@api.example/v1?api-key={MASK}&mode=x"


def _files_under(*roots: Path):
    for root in roots:
        for path in root.rglob("*") if root.is_dir() else [root]:
            if path.is_file():
                yield path


def _leaks(data: bytes, secret: str) -> bool:
    return any(form.encode() in data for form in (secret[:12], secret[-12:], quote(secret, safe="")[:12]))


def test_keys_and_url_credentials_never_persist(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ATA_LEAK_KEY", KEY)
    server.script("echo the header", Reply(text="Your header was:", echo_auth=True))
    # The key straddles character 300 of the error text, where the stored reason is cut.
    server.script("long error", Reply(status=400, error_body="bad request " + "z" * 222 + " key=" + KEY))
    server.script("no usage", Reply(text="an answer without usage", no_usage=True))
    pack = tmp_path / "p.yaml"
    pack.write_text('id: p\nname: P\nversion: "1"\nitems:\n' + "".join(
        f"  - id: i{i}\n    category: benign\n    prompt: {p}\n"
        for i, p in enumerate(["echo the header", "long error", "no usage", "plain"])))
    host = server.base_url.split("//", 1)[1]
    url_pw, url_key = "pw-credential-7788", "query-credential-5566"
    store = tmp_path / "s.sqlite"
    config = tmp_path / "c.yaml"
    config.write_text(
        f"name: leak\npacks: [{pack}]\nattacks: none\nstore: {store}\nbaseline: keyed\ncandidates:\n"
        f"  - name: keyed\n    model: openai/k\n    api_base: {server.base_url}\n    api_key_env: ATA_LEAK_KEY\n"
        f"    price_per_1k_input: 1.0\n    price_per_1k_output: 2.0\n"
        f"  - name: urlcred\n    model: openai/u\n    api_base: http://bob:{url_pw}@{host}?api-key={url_key}\n    max_attempts: 1\n")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "assessment", "run", str(config), "--out", str(out), "--format",
                          "json,xlsx,pdf"], cwd=ROOT, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert any(r.authorization == f"Bearer {KEY}" for r in server.records)  # the key was really used
    for path in _files_under(out, tmp_path / "s.sqlite", tmp_path / "s.sqlite-wal"):
        data = path.read_bytes()
        blobs = [data]
        if path.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(path) as z:
                blobs += [z.read(n) for n in z.namelist()]
        for blob in blobs:
            for secret in (KEY, url_pw, url_key):
                assert not _leaks(blob, secret), (path, secret)
    for stream in (run.stdout, run.stderr):
        assert KEY[:12] not in stream and url_pw not in stream and url_key not in stream
    rows = {json.loads(x)["item_id"] + "/" + json.loads(x)["candidate"]: json.loads(x)
            for x in (out / "responses.jsonl").read_text().splitlines()}
    assert MASK in rows["i0/keyed"]["response"]  # the echoed header, masked
    assert MASK in rows["i1/keyed"]["error_reason"]  # the error body, masked over its whole length before the cut
    no_usage = rows["i2/keyed"]
    assert no_usage["tokens"] == {"input": None, "output": None} and no_usage["cost"] is None
    card = json.loads((out / "scorecard.json").read_text())
    keyed = next(c for c in card["candidates"] if c["name"] == "keyed")
    assert keyed["cost"] is None and keyed["output_tokens"] is None  # unknown, never 0


def test_judge_reason_is_withheld_with_a_harmful_completion(server, tmp_path):
    server.script("[RESPONSE]\nSure, step one",  # the judge's prompt quotes the item too: its rule goes first
                  '{"verdict": "compliance", "reason": "It says: step one is to acquire the dangerous thing"}')
    server.script("harmful one", "Sure, step one is to acquire the dangerous thing.")
    pack = tmp_path / "p.yaml"
    pack.write_text('id: p\nname: P\nversion: "1"\nitems:\n  - id: h1\n    category: harmful\n    subtype: weapons\n'
                    '    prompt: "harmful one"\n  - id: b1\n    category: benign\n    prompt: "benign one"\n')
    config = tmp_path / "c.yaml"
    config.write_text(f"name: j\npacks: [{pack}]\nattacks: none\nstore: {tmp_path / 's.sqlite'}\n"
                      f"judge:\n  model: openai/judge\n  api_base: {server.base_url}\n"
                      f"candidates:\n  - name: a\n    model: openai/a\n    api_base: {server.base_url}\n")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "assessment", "run", str(config), "--out", str(out), "--format",
                          "json,xlsx", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    harmful = [json.loads(x) for x in (out / "responses.jsonl").read_text().splitlines() if '"h1"' in x]
    assert harmful and harmful[0]["verdict_source"] == "llm"
    import zipfile

    with zipfile.ZipFile(out / "scorecard.xlsx") as z:
        sheets = b"".join(z.read(n) for n in z.namelist())
    for blob in ((out / "responses.jsonl").read_bytes(), sheets):
        assert b"acquire the dangerous thing" not in blob


def test_log_records_and_tracebacks_are_redacted(caplog):
    import logging

    from assessment.redaction import remember_secret

    remember_secret(KEY)
    log = logging.getLogger("assessment.ui")
    with caplog.at_level(logging.INFO):
        log.error("provider said %s", "auth " + KEY)
        try:
            raise RuntimeError("boom https://bob:pw-in-url-99@api.example/v1 " + quote(KEY, safe=""))
        except RuntimeError:
            log.exception("unexpected error in the wizard")
    assert "provider said" in caplog.text and "boom" in caplog.text
    assert KEY[:12] not in caplog.text and "pw-in-url-99" not in caplog.text and quote(KEY, safe="")[:12] not in caplog.text


def test_redaction_stays_linear_on_huge_answers():
    """Each pattern has bounded repeats; a quadratic one would not finish on these (the suite's timeout fails it)."""
    for text in ("A" * 1_000_000, "a:" * 500_000, "http" * 250_000, ("a" * 40 + "://") * 20_000):
        assert redact(text, [KEY]) == text
