"""Hostile packs, uploads, names and paths: bounded work, clean terminal text, one clear line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import ROOT

from assessment.packs.model import MatchScoring
from assessment.scoring.registry import score_response
from assessment.textsafe import bounded_prefix, escape_surrogates, plain_markup, printable

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assessment", *args], cwd=ROOT, env=ENV, capture_output=True,
                          text=True, timeout=timeout)


def _one_line_exit_2(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr
    return lines[0]


def test_catastrophic_pattern_is_cut_off_not_hung():
    evil = MatchScoring(method="match", pattern="^(a|aa)+$", reference="aaaa")
    result = score_response(evil, "a" * 5000 + "!")
    assert result.status == "unscored" and "took longer" in result.explanation
    assert score_response(evil, "aaaa").value == 1.0  # ordinary matching still works


def test_redos_pack_does_not_hang_run_or_report(server, tmp_path):
    server.script("say many a", "a" * 5000 + "!")  # both items: "again" contains it too
    pack = tmp_path / "evil.yaml"
    pack.write_text('id: evil\nname: Evil\nversion: "1"\nitems:\n  - id: e1\n    category: capability\n'
                    '    prompt: "say many a"\n    scoring:\n      method: match\n      pattern: "^(a+)+$"\n'
                    '      reference: "aaaa"\n  - id: e2\n    category: capability\n'
                    '    prompt: "say many a again"\n    scoring:\n      method: match\n      pattern: "^(a|aa)+$"\n'
                    '      reference: "aaaa"\n')
    config = tmp_path / "c.yaml"
    config.write_text(f"name: evil\npacks: [{pack}]\nattacks: none\nstore: {tmp_path / 's.sqlite'}\n"
                      f"candidates:\n  - name: a\n    model: openai/a\n    api_base: {server.base_url}\n")
    run = _cli("run", str(config), "--out", str(tmp_path / "out"), "--format", "json", "--quiet")
    assert run.returncode == 0, run.stderr
    report = _cli("report", str(tmp_path / "out"), "--out", str(tmp_path / "again"), "--format", "json", "--quiet")
    assert report.returncode == 0, report.stderr
    assert "took longer" in (tmp_path / "again" / "responses.jsonl").read_text()


def _zip_bomb(path: Path, part_bytes: int) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            block = b"<c/>" * 262_144  # 1 MiB
            for _ in range(part_bytes // len(block)):
                part.write(block)
    return path


def test_zip_bomb_workbook_is_refused_before_parsing(tmp_path):
    bomb = _zip_bomb(tmp_path / "bomb.xlsx", 48 * 1024 * 1024)
    assert bomb.stat().st_size < 1024 * 1024  # a small upload...
    line = _one_line_exit_2(_cli("packs", "import", str(bomb), "--out", str(tmp_path / "p.yaml")))
    assert str(bomb) in line and "expands to" in line  # ...refused by its declared size, never expanded
    assert not (tmp_path / "p.yaml").exists()


def test_terminal_text_is_inert():
    assert printable("id\x1b[31m\x07x") == "id\\x1b[31m\\x07x"
    assert plain_markup("[bold red]boo[/]") == "\\[bold red]boo\\[/]"
    assert escape_surrogates("a\ud800b") == ("a\\ud800b", "1 lone surrogate(s) in the answer stored escaped as \\uXXXX")
    assert bounded_prefix("x" * 30_000) == "x" * 20_000 and bounded_prefix(None) is None


def test_control_characters_and_markup_never_reach_the_terminal(server, tmp_path):
    bad_pack = tmp_path / "bad.yaml"
    bad_pack.write_text('id: bad\nname: Bad\nversion: "1"\nitems:\n  - id: "x\\e]0;owned\\a\\e[31m"\n'
                        '    category: benign\n    prompt: "hello"\n')
    validate = _cli("packs", "validate", str(bad_pack))
    assert validate.returncode == 2
    assert "\x1b" not in validate.stdout + validate.stderr and "\x07" not in validate.stdout + validate.stderr
    pack = tmp_path / "ok.yaml"
    pack.write_text('id: ok\nname: Ok\nversion: "1"\nitems:\n  - id: b1\n    category: benign\n    prompt: "hello"\n')
    config = tmp_path / "c.yaml"
    config.write_text(f'name: "[red]NAME-MARKUP[/red]\\e[2J"\npacks: [{pack}]\nattacks: none\nstore: {tmp_path / "s.sqlite"}\n'
                      f'candidates:\n  - name: "[blink]CAND[/blink]"\n    model: openai/a\n    api_base: {server.base_url}\n')
    run = _cli("run", str(config), "--out", str(tmp_path / "out"), "--format", "json")
    assert run.returncode == 0, run.stderr
    assert "[blink]CAND" in run.stdout and "[red]NAME-MARKUP" in run.stdout  # shown literally, not interpreted
    assert "\x1b[2J" not in run.stdout
    listed = _cli("list", "--store", str(tmp_path / "s.sqlite"))
    assert "\x1b" not in listed.stdout and "[red]NAME-MARKUP" in listed.stdout


def test_every_bad_input_is_one_line_and_exit_2(tmp_path):
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"id": "a", "category": "benign", "prompt": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    assert "nested too deeply" in _one_line_exit_2(_cli("packs", "import", str(deep), "--out", str(tmp_path / "d.yaml")))
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    fake = tmp_path / "run-folder"
    fake.mkdir()
    named = tmp_path / "never" / "created" / "s.sqlite"
    (fake / "run.json").write_text(f'{{"assessment_id": "x", "store": "{named}"}}')
    line = _one_line_exit_2(_cli("report", str(fake), "--out", str(tmp_path / "o"), "--format", "json"))
    assert "does not exist" in line and not (tmp_path / "never").exists()
    store = tmp_path / "s.sqlite"
    from assessment.run.store import Store

    Store(store).close()
    (fake / "run.json").write_text(f'{{"assessment_id": "x", "store": "{store}"}}')
    assert "is a file" in _one_line_exit_2(_cli("report", str(fake), "--out", str(a_file), "--format", "json"))
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("root:SECRETLINE-123:0:0\nanother: SECRETLINE-456\n")
    validate = _cli("packs", "validate", str(secret_file))
    assert validate.returncode == 2 and "SECRETLINE" not in validate.stdout + validate.stderr


def test_read_only_store_is_one_line_and_exit_2(tmp_path):
    from assessment.run.store import Store

    store = tmp_path / "ro.sqlite"
    with Store(store) as s:
        aid = s.create_assessment("ro", '{"name": "ro", "packs": [], "candidates": []}', "h", [])
    # root ignores permission bits, so as root the file is made immutable instead
    lock, unlock = ((["chattr", "+i", str(store)], ["chattr", "-i", str(store)]) if os.geteuid() == 0 else
                    (["chmod", "444", str(store)], ["chmod", "644", str(store)]))
    subprocess.run(lock, check=True)
    try:
        line = _one_line_exit_2(_cli("delete", aid, "--store", str(store)))
        assert str(store) in line and "readonly" in line
    finally:
        subprocess.run(unlock, check=True)
