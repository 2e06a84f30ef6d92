"""Bad input, fuzzed: mutated packs, configs and spreadsheet imports end in a clear error or a
valid load — never an unexpected exception and never a hang."""

from __future__ import annotations

import csv
import io

import pytest
from helpers import TINY_PACK
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.config import parse_config
from assessment.errors import UserError, ValidationProblems
from assessment.packs import load_pack_bytes
from assessment.packs.tabular import MAX_ROWS, import_table
from assessment.yamlfile import parse_yaml_text

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])
CONFIG = b"""name: fuzz
packs: [medical]
baseline: a
candidates:
  - name: a
    model: openai/x
    api_base: http://127.0.0.1:1/v1
    params: {temperature: 0}
"""
NASTY = st.sampled_from(["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1)", "\x00", "\x1b[31m", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
                         "{{", "]]>", "- - -", ": :", "&anchor", "*alias", "!!python/object:os.system", "%TAG",
                         "\t", "'", '"', "|", ">", "#", "é漢字", "A" * 5000])


def mutate(raw: bytes, data) -> bytes:
    ops = data.draw(st.lists(st.sampled_from(["truncate", "insert", "delete", "replace", "nasty", "dup_line"]),
                             min_size=1, max_size=4))
    out = bytearray(raw)
    for op in ops:
        pos = data.draw(st.integers(0, max(0, len(out) - 1)))
        if op == "truncate":
            out = out[:pos]
        elif op == "insert":
            out[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del out[pos:pos + data.draw(st.integers(1, 20))]
        elif op == "replace" and out:
            out[pos] = data.draw(st.integers(0, 255))
        elif op == "nasty":
            out[pos:pos] = data.draw(NASTY).encode("utf-8", "replace")
        elif op == "dup_line":
            lines = bytes(out).split(b"\n")
            i = data.draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            out = bytearray(b"\n".join(lines))
    return bytes(out)


def located(problems: list[str], name: str) -> bool:
    return all(p.startswith(name + ":") for p in problems)


@FUZZ
@given(st.data())
def test_mutated_packs_load_or_fail_cleanly(data):
    raw = mutate(TINY_PACK.encode(), data)
    try:
        load_pack_bytes("fuzz.yaml", raw)
    except ValidationProblems as exc:
        assert exc.problems and located(exc.problems, "fuzz.yaml"), exc.problems


@FUZZ
@given(st.data())
def test_mutated_configs_load_or_fail_cleanly(data):
    raw = mutate(CONFIG, data)
    try:
        parse_config(parse_yaml_text("fuzz-config.yaml", raw))
    except ValidationProblems as exc:
        assert exc.problems and located(exc.problems, "fuzz-config.yaml"), exc.problems


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({
    "id": st.one_of(st.text(max_size=12), st.just("ok-1")),
    "category": st.sampled_from(["benign", "sensitive", "harmful", "capability", "", "Benign", "=1+1"]),
    "prompt": st.one_of(st.text(max_size=60), NASTY),
    "subtype": st.sampled_from(["", "homonym", "@x"]),
    "scoring_method": st.sampled_from(["", "choice", "numeric", "match", "constraints", "nope"]),
    "answer": st.one_of(st.text(max_size=5), st.sampled_from(["B", "12", "1e999", "nan"])),
    "checks": st.sampled_from(["", "[]", "{", '[{"type": "word_count", "max": 5}]', '[{"type": "bogus"}]']),
}), min_size=1, max_size=8))
def test_fuzzed_csv_imports_fail_cleanly(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "fuzz.csv"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", errors="replace")
    try:
        import_table(path)
    except ValidationProblems as exc:
        assert all(p.startswith(f"{path}:row ") for p in exc.problems), exc.problems


@FUZZ
@given(blob=st.binary(max_size=2000))
def test_random_bytes_as_xlsx_and_jsonl(tmp_path_factory, blob):
    folder = tmp_path_factory.mktemp("bin")
    for name in ("fuzz.xlsx", "fuzz.jsonl", "fuzz.csv"):
        path = folder / name
        path.write_bytes(blob)
        try:
            import_table(path)
        except (ValidationProblems, UserError):
            pass


def test_huge_csv_is_refused(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("w") as fh:
        fh.write("id,category,prompt\n")
        for i in range(100_000):
            fh.write(f"h-{i},benign,prompt {i}\n")
    with pytest.raises(ValidationProblems) as exc:
        import_table(path)
    assert f"more than {MAX_ROWS} items" in exc.value.problems[0]


def test_huge_field_is_refused_with_its_row(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("id,category,prompt\nb-1,benign," + "x" * 30_000 + "\n")
    with pytest.raises(ValidationProblems) as exc:
        import_table(path)
    assert exc.value.problems[0].startswith(f"{path}:row 2: prompt:")


def test_oversized_yaml_is_refused(tmp_path):
    with pytest.raises(ValidationProblems, match="larger than"):
        load_pack_bytes("big.yaml", b"a" * (21 * 1024 * 1024))


def test_yaml_bomb_is_bounded():
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n".encode()
        for i in range(8))
    with pytest.raises(ValidationProblems):
        load_pack_bytes("bomb.yaml", bomb)
