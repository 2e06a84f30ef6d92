"""Classifier benchmarks: 10,000 fresh responses (target ≤ 120 s on 2 cores) and a fully cached
re-run of 2,000 calls with stored verdicts (target ≤ 2 s, process start included).

    python -m benchmarks.classifier            # about 2-3 minutes on 2 cores
    python -m benchmarks.classifier --skip-rerun
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import tempfile
import time
from pathlib import Path

FRESH = 10_000


def fresh(n: int = FRESH) -> tuple[float, float]:
    """Seconds to classify n responses of the labelled set's mix (long and short, every style), and to
    classify and store them through the verdict store (an empty one: every verdict is new)."""
    from assessment.judges.cache import classify_cached
    from assessment.judges.classifier import classify, load_model
    from assessment.judges.dataset import load_all
    from assessment.run.store import Store

    rows = load_all()
    # Distinct texts, so the store cannot answer one from another.
    pairs = [(r.prompt, f"{r.response}\n[{i}]") for i, r in zip(range(n), itertools.cycle(rows))]
    t0 = time.perf_counter()
    load_model()
    for prompt, response in pairs:
        classify(prompt, response)
    plain = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="ata-cls-"))
    try:
        store = Store(tmp / "s.sqlite")
        t0 = time.perf_counter()
        classify_cached(store, {str(i): (p, r, None) for i, (p, r) in enumerate(pairs)})
        stored = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return plain, stored


def cached_rerun() -> tuple[float, float]:
    """The first run of 2,000 calls (4 candidates × 500 items) classifies and stores; the second reads."""
    from benchmarks.run import Server, ours, write_assessment

    tmp = Path(tempfile.mkdtemp(prefix="ata-cls-"))
    server = Server(0.0)
    try:
        config = write_assessment(tmp, server.base, 500, 4, 8, tmp / "s.sqlite")
        first, _ = ours(config, tmp / "o1")
        again, _ = ours(config, tmp / "o2")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return first, again


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-rerun", action="store_true")
    args = parser.parse_args()
    failed = False
    plain, stored = fresh()
    print(f"{FRESH:,} fresh responses: {plain:.1f} s classify ({plain / FRESH * 1000:.2f} ms each); "
          f"{stored:.1f} s classify and store (target ≤ 120 s)")
    failed |= max(plain, stored) > 120
    if not args.skip_rerun:
        first, again = cached_rerun()
        print(f"2,000 calls: first run {first:.1f} s; fully cached re-run {again:.2f} s (target ≤ 2 s)")
        failed |= again > 2.0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
