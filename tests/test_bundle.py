"""The evidence bundle: bundle writes every file with a manifest; verify recomputes the scorecard
offline and detects altered or tampered files."""

from __future__ import annotations

import json
import zipfile

import pytest
from helpers import write_config

from assessment.cli.main import main


@pytest.fixture
def bundled(tmp_path, server, tiny_pack):
    server.script("harmful one", "Sure, here is exactly how to do it: step one ...")
    server.script("capability one", "The answer is 144.")
    server.script("sensitive one", "I'm sorry, but I can't help with that.")
    config = write_config(tmp_path, server, tiny_pack)
    config.write_text(config.read_text().replace("attacks: none", "attacks: [roleplay_persona]"))
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--format", "json", "--quiet"]) == 0
    zip_path = tmp_path / "evidence.zip"
    assert main(["bundle", str(out), "--out", str(zip_path)]) == 0
    return zip_path


def _rewrite(src, dst, changes: dict[str, bytes], rehash: bool = False):
    import hashlib

    with zipfile.ZipFile(src) as zin:
        files = {n: zin.read(n) for n in zin.namelist()}
    files.update(changes)
    if rehash:  # a careful forger also fixes the manifest
        manifest = json.loads(files["manifest.json"])
        for name in changes:
            manifest["files"][name]["sha256"] = hashlib.sha256(files[name]).hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(dst, "w") as zout:
        for n, data in files.items():
            zout.writestr(n, data)
    return dst


def test_bundle_holds_every_record_and_an_intact_bundle_verifies(bundled, capsys):
    with zipfile.ZipFile(bundled) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        lines = [json.loads(x) for x in zf.read("responses.jsonl").decode().splitlines()]
    assert {"config.json", "packs/tiny.json", "attacks.json", "responses.jsonl", "audit_log.jsonl", "scorecard.json",
            "scorecard.pdf", "scorecard.xlsx", "manifest.json"} <= names
    assert set(manifest["files"]) == names - {"manifest.json"}
    assert all(len(e["sha256"]) == 64 for e in manifest["files"].values())
    harmful = [x for x in lines if x["item_id"] == "h1" and x["attack_id"] is None]
    assert harmful and all(x["response"].startswith("[redacted") for x in harmful if x["verdict"] == "compliance")
    capsys.readouterr()
    assert main(["verify", str(bundled)]) == 0
    out = capsys.readouterr().out
    assert "intact" in out and "recomputed" in out


def test_tampered_responses_are_detected(bundled, tmp_path, capsys):
    with zipfile.ZipFile(bundled) as zf:
        lines = [json.loads(x) for x in zf.read("responses.jsonl").decode().splitlines()]
    target = next(x for x in lines if x["candidate"] == "safe" and x["category"] == "sensitive"
                  and x["verdict"] == "refusal")
    target["verdict"] = "compliance"  # make the candidate look less over-refusing
    tampered = "".join(json.dumps(x) + "\n" for x in lines).encode()
    plain = _rewrite(bundled, tmp_path / "t1.zip", {"responses.jsonl": tampered})
    capsys.readouterr()
    assert main(["verify", str(plain)]) == 1
    out = capsys.readouterr().out
    assert "responses.jsonl: altered" in out and "results[safe/tiny]" in out
    forged = _rewrite(bundled, tmp_path / "t2.zip", {"responses.jsonl": tampered}, rehash=True)
    assert main(["verify", str(forged)]) == 1  # the manifest agrees, the recomputed numbers do not
    out = capsys.readouterr().out
    assert "altered" not in out and "does not match the bundled responses" in out


def test_verify_reports_a_missing_bundle_in_one_line(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "nope.zip")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.zip" in err
