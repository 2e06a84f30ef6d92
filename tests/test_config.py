"""Config errors are one clear line naming the problem, exit code 2."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT, write_config

from assessment.cli.main import main


def run_cli(args, capsys):
    code = main(args)
    return code, capsys.readouterr()


def test_unknown_pack(tmp_path, server, capsys):
    cfg = write_config(tmp_path, server, "no-such-pack")
    code, out = run_cli(["run", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "unknown pack 'no-such-pack'" in out.err and len(out.err.strip().splitlines()) == 1


def test_unknown_baseline(tmp_path, server, tiny_pack, capsys):
    cfg = write_config(tmp_path, server, tiny_pack)
    cfg.write_text(cfg.read_text().replace("baseline: base", "baseline: nobody"))
    code, out = run_cli(["run", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "baseline 'nobody' is not one of the candidates" in out.err
    assert out.err.startswith(f"{cfg}:")


def test_missing_key_variable(tmp_path, server, tiny_pack, capsys):
    cands = "candidates:\n  - name: base\n    model: openai/x\n    api_key_env: ATA_TEST_MISSING_KEY\n"
    cfg = write_config(tmp_path, server, tiny_pack, candidates=cands)
    code, out = run_cli(["run", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "candidate base: no API key found" in out.err and "ATA_TEST_MISSING_KEY" in out.err
    assert "export" not in out.err and out.err.count("\n") == 1


def test_bad_yaml(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("name: x\npacks: [medical\n")
    code, out = run_cli(["run", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and out.err.startswith(f"{cfg}:") and "yaml:" in out.err


def test_wrong_type_names_candidate_and_field(tmp_path, server, tiny_pack, capsys):
    cands = "candidates:\n  - name: base\n    model: openai/x\n    concurrency: many\n"
    cfg = write_config(tmp_path, server, tiny_pack, candidates=cands)
    code, out = run_cli(["run", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "candidate base.concurrency" in out.err


def test_key_in_params_is_refused(tmp_path, server, tiny_pack, capsys):
    cands = "candidates:\n  - name: base\n    model: openai/x\n    params: {api_key: sk-secret123456}\n"
    cfg = write_config(tmp_path, server, tiny_pack, candidates=cands)
    code, out = run_cli(["run", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "params may not set api_key" in out.err


def test_missing_config_file_subprocess(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "assessment", "run", str(tmp_path / "nope.yaml"), "--out", "x"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_list_and_delete(tmp_path, server, tiny_pack, capsys):
    import json

    cfg = write_config(tmp_path, server, tiny_pack)
    assert main(["run", str(cfg), "--out", str(tmp_path / "o"), "--format", "json", "--quiet"]) == 0
    aid = json.loads((tmp_path / "o" / "run.json").read_text())["assessment_id"]
    capsys.readouterr()
    assert main(["list"]) == 0 and aid in capsys.readouterr().out
    assert main(["delete", aid]) == 0
    capsys.readouterr()
    assert main(["list"]) == 0 and aid not in capsys.readouterr().out
    assert main(["delete", aid]) == 2
