"""Pack validation: every problem is FILE:LINE:COL: item <id>.<field>: message, exit 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import ROOT, TINY_PACK

from assessment.cli.main import main
from assessment.errors import ValidationProblems
from assessment.packs import load_pack_bytes, load_pack_file

HEADER = 'id: p\nname: P\nversion: "1"\nitems:\n'


def problems_for(tmp_path, text: str | bytes) -> list[str]:
    path = tmp_path / "pack.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValidationProblems) as exc:
        load_pack_file(path)
    return exc.value.problems


def test_valid_pack_loads(tiny_pack):
    lp = load_pack_file(tiny_pack)
    assert lp.pack.id == "tiny" and len(lp.pack.items) == 7 and len(lp.sha256) == 64


@pytest.mark.parametrize("body, line, col, fragment", [
    ("  - id: a\n    category: benign\n    prompt: x\n  - id: a\n    category: benign\n    prompt: y\n",
     8, 5, "item a.id: duplicate id"),
    ("  - id: a\n    category: nice\n    prompt: x\n", 6, 5, "item a.category: Input should be 'benign'"),
    ("  - id: a\n    category: benign\n    prompt: '   '\n", 7, 5, "item a.prompt: prompt is empty"),
    ("  - id: a\n    category: benign\n    prompt: [1, 2]\n", 7, 5, "item a.prompt: Input should be a valid string"),
    ("  - id: a\n    category: benign\n    prompt: x\n    promt: y\n", 8, 5, "item a.promt: unknown field"),
    ("  - id: a\n    category: capability\n    prompt: x\n    scoring: {method: choice, answer: Z}\n",
     8, 31, "item a.scoring.answer"),
    ("  - id: a\n    category: sensitive\n    prompt: x\n", 5, 5, "item a: sensitive items need a subtype"),
    ("  - id: a\n    category: harmful\n    prompt: x\n    contrast_of: zz\n", 8, 5, "item a.contrast_of: no item"),
])
def test_item_errors_are_located(tmp_path, body, line, col, fragment):
    problems = problems_for(tmp_path, HEADER + body)
    assert any(p.startswith(f"{tmp_path / 'pack.yaml'}:{line}:{col}: ") and fragment in p for p in problems), problems


def test_duplicate_key_is_located(tmp_path):
    problems = problems_for(tmp_path, HEADER + "  - id: a\n    category: benign\n    category: benign\n    prompt: x\n")
    assert ":7:" in problems[0] and "duplicate key" in problems[0]


def test_yaml_syntax_error_is_located(tmp_path):
    problems = problems_for(tmp_path, HEADER + "  - id: a\n    prompt: [unclosed\n")
    assert problems[0].startswith(str(tmp_path / "pack.yaml") + ":") and "yaml:" in problems[0]


def test_empty_file(tmp_path):
    assert problems_for(tmp_path, "")[0].endswith(":1:1: file: is empty")


def test_non_utf8_bytes(tmp_path):
    problems = problems_for(tmp_path, HEADER.encode() + b"  - id: a\n    prompt: caf\xe9\n")
    assert ":6:16: file: not valid UTF-8" in problems[0]


def test_yes_no_stay_strings(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(HEADER + "  - id: a\n    category: benign\n    prompt: no\n")
    assert load_pack_file(path).pack.items[0].prompt == "no"


def test_cli_validate_exit_codes(tmp_path, tiny_pack, capsys):
    assert main(["packs", "validate", str(tiny_pack)]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEADER + "  - id: a\n    category: benign\n")
    assert main(["packs", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:5:5: item a.prompt: required field is missing" in err


def test_cli_never_prints_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe garbage: [")
    proc = subprocess.run([sys.executable, "-m", "assessment", "packs", "validate", str(bad)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and str(bad) in proc.stderr


def test_schema_is_published(capsys):
    assert main(["packs", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"].endswith("domain pack") and "items" in schema["properties"]


def test_tiny_pack_loads_with_every_category():
    pack = load_pack_bytes("tiny.yaml", TINY_PACK.encode()).pack
    assert pack.id == "tiny" and [i.id for i in pack.items] [:6] == ["b1", "b2", "s1", "s2", "h1", "c1"]
    assert {str(getattr(i.category, "value", i.category)) for i in pack.items} == {"benign", "sensitive", "harmful", "capability"}
