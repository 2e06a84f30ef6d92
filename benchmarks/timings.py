"""Timings of operations whose functional behaviour the tests check: how long they take is
measured here, not asserted in pytest (a loaded CI machine would make such tests flaky).
Prints a table; exits non-zero only when a target is missed, and CI treats it as a report.

    python benchmarks/timings.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assessment.errors import ValidationProblems  # noqa: E402
from assessment.packs import load_pack_bytes  # noqa: E402
from assessment.packs.tabular import import_table  # noqa: E402
from assessment.reports.pdf_report import write_pdf  # noqa: E402
from assessment.reports.xlsx_report import write_xlsx  # noqa: E402
from assessment.testing.sample import sample_assessment  # noqa: E402

FIRST_PAGE = (
    "import sys, time; sys.path.insert(0, %r)\n"
    "from streamlit.testing.v1 import AppTest\n"
    "t = time.monotonic(); at = AppTest.from_file(%r, default_timeout=30).run()\n"
    "assert not at.exception\n"
    "print(time.monotonic() - t)\n")


def first_page() -> float:
    """The wizard's first page in a fresh interpreter (imports included), as its own process reports."""
    out = subprocess.run([sys.executable, "-c", FIRST_PAGE % (str(ROOT), str(ROOT / "app.py"))],
                         capture_output=True, text=True, timeout=120, check=True)
    return float(out.stdout.split()[-1])


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def refused(fn: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except ValidationProblems:
            return
        raise AssertionError("expected the input to be refused")
    return run


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="ata-timings-"))
    card, judged = sample_assessment()
    big_card, big = sample_assessment(repeat=5)
    huge_csv = tmp / "huge.csv"
    huge_csv.write_text("id,category,prompt\n" + "".join(f"h-{i},benign,prompt {i}\n" for i in range(100_000)))
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 6)}]\n".encode() for i in range(8))

    rows: list[tuple[str, float, float]] = [
        ("wizard first page (fresh process)", first_page(), 3.0),
        (f"PDF of {len(judged) * 6:,} responses", timed(lambda: write_pdf(card, judged * 6, tmp / "large.pdf")), 5.0),
        (f"Excel of {len(big):,} responses", timed(lambda: write_xlsx(big_card, big, tmp / "big.xlsx")), 20.0),
        ("100,000-row CSV refused", timed(refused(lambda: import_table(huge_csv))), 30.0),
        ("YAML alias bomb refused", timed(refused(lambda: load_pack_bytes("bomb.yaml", bomb))), 10.0),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'operation':<{width}}  seconds  target")
    for name, seconds, target in rows:
        mark = "" if seconds <= target else "  MISSED"
        print(f"{name:<{width}}  {seconds:7.2f}  ≤ {target:g}{mark}")
    return 0 if all(seconds <= target for _, seconds, target in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
