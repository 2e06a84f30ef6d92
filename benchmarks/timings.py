"""Timings of operations whose functional behaviour the tests check: how long they take is
measured here, not asserted in pytest (a loaded CI machine would make such tests flaky).
Prints a table; exits non-zero when a target is missed or a timing fails, and CI treats it as a
report.

    python -m benchmarks.timings            # every timing
    python -m benchmarks.timings --quick    # the short ones (CI's non-blocking report)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and not __package__:
    # Run as a file (`python benchmarks/timings.py`), the project is not importable: run the module from its root.
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "benchmarks.timings", *sys.argv[1:]])

from assessment.errors import ValidationProblems  # noqa: E402
from assessment.packs import load_pack_bytes  # noqa: E402
from assessment.packs.tabular import import_table  # noqa: E402
from assessment.reports.pdf_report import write_pdf  # noqa: E402
from assessment.reports.xlsx_report import write_xlsx  # noqa: E402
from assessment.testing.sample import sample_assessment  # noqa: E402
from assessment.testing.server import ScriptedServer  # noqa: E402

OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
FIRST_PAGE = (
    "import time\n"
    "from streamlit.testing.v1 import AppTest\n"
    "t = time.monotonic(); at = AppTest.from_file(%r, default_timeout=30).run()\n"
    "assert not at.exception\n"
    "print(time.monotonic() - t)\n")


@dataclass
class Timing:
    name: str
    measure: Callable[[], float]  # seconds
    target: float
    quick: bool  # part of --quick


def first_page() -> float:
    """The wizard's first page in a fresh interpreter (imports included), as its own process reports."""
    out = subprocess.run([sys.executable, "-c", FIRST_PAGE % str(ROOT / "app.py")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    return float(out.stdout.split()[-1])


def timed(fn: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started
    return run


def refused(fn: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except ValidationProblems:
            return
        raise AssertionError("expected the input to be refused")
    return run


def _bulk_pack(pack_id: str, n: int) -> str:
    lines = [f"id: {pack_id}", f"name: {pack_id}", 'version: "1"', "items:"]
    for i in range(n):
        cat = ("benign", "sensitive", "harmful")[i % 3]
        lines += [f"  - id: {pack_id}-{i}", f"    category: {cat}", f'    prompt: "{pack_id} prompt number {i}"']
        if cat == "sensitive":
            lines.append("    subtype: homonym")
    return "\n".join(lines) + "\n"


def two_runs_one_store(tmp: Path, calls: int = 120) -> float:
    """Two `assessment run` processes writing into one store at once (tests/test_reliability.py checks the data)."""
    store = tmp / "shared.sqlite"
    with ScriptedServer(latency=0.02) as server:
        started = time.perf_counter()
        procs = []
        for name in ("one", "two"):
            pack = tmp / f"{name}.yaml"
            pack.write_text(_bulk_pack(name, calls))
            config = tmp / f"{name}-config.yaml"
            config.write_text(f"name: {name}\npacks: [{pack}]\nattacks: none\nstore: {store}\ncandidates:\n"
                              f"  - name: a\n    model: openai/a\n    api_base: {server.base_url}\n    concurrency: 8\n")
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "assessment", "run", str(config), "--out", str(tmp / name), "--format", "json",
                 "--quiet"], cwd=ROOT, env={**os.environ, **OFFLINE}, stderr=subprocess.PIPE, text=True))
        for proc in procs:
            _, err = proc.communicate(timeout=600)
            if proc.returncode != 0:
                raise RuntimeError((err.strip().splitlines() or [f"exit code {proc.returncode}"])[-1])
        return time.perf_counter() - started


def timings(tmp: Path) -> list[Timing]:
    card, judged = sample_assessment()
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 6)}]\n".encode() for i in range(8))

    def big_excel() -> float:
        big_card, big = sample_assessment(repeat=5)
        return timed(lambda: write_xlsx(big_card, big, tmp / "big.xlsx"))()

    def huge_csv() -> float:
        path = tmp / "huge.csv"
        path.write_text("id,category,prompt\n" + "".join(f"h-{i},benign,prompt {i}\n" for i in range(100_000)))
        return timed(refused(lambda: import_table(path)))()

    return [
        Timing("wizard first page (fresh process)", first_page, 3.0, quick=True),
        Timing(f"PDF of {len(judged) * 6:,} responses", timed(lambda: write_pdf(card, judged * 6, tmp / "large.pdf")),
               5.0, quick=True),
        Timing(f"Excel of {len(judged) * 5:,} responses", big_excel, 20.0, quick=False),
        Timing("100,000-row CSV refused", huge_csv, 30.0, quick=True),
        Timing("YAML alias bomb refused", timed(refused(lambda: load_pack_bytes("bomb.yaml", bomb))), 10.0, quick=True),
        Timing("two runs into one store (2 × 120 calls)", lambda: two_runs_one_store(tmp), 60.0, quick=False),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the timings that take a few seconds")
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory(prefix="ata-timings-") as folder:
        rows = [t for t in timings(Path(folder)) if t.quick or not args.quick]
        width = max(len(t.name) for t in rows)
        print(f"{'operation':<{width}}  seconds  target", flush=True)
        for t in rows:
            try:
                seconds = t.measure()
            except Exception as exc:  # a report: say what failed and go on with the next timing
                print(f"{t.name:<{width}}   failed  ({type(exc).__name__}: {str(exc)[:200]})", flush=True)
                ok = False
                continue
            missed = seconds > t.target
            ok &= not missed
            print(f"{t.name:<{width}}  {seconds:7.2f}  ≤ {t.target:g}{'  MISSED' if missed else ''}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
