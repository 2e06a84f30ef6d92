"""Export benchmark: a synthetic 10,000+ response assessment to PDF + Excel + JSON, timed, with peak memory.

    python -m benchmarks.exports      # exits non-zero above 20 s or 1.5 GB
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from assessment.reports.export import export_all
from assessment.testing.sample import sample_assessment

TARGET_SECONDS = 20.0
TARGET_MB = 1536


def main() -> int:
    scorecard, judged = sample_assessment(repeat=6)
    out = Path(tempfile.mkdtemp(prefix="ata-export-"))
    timings = {}
    started = time.perf_counter()
    for fmt in ("json", "pdf", "xlsx"):
        t0 = time.perf_counter()
        export_all(scorecard, judged, out, [fmt])
        timings[fmt] = time.perf_counter() - t0
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(judged):,} responses: JSON {timings['json']:.1f}s, PDF {timings['pdf']:.1f}s, "
          f"Excel {timings['xlsx']:.1f}s, total {total:.1f}s (target ≤ {TARGET_SECONDS:g}s); "
          f"peak RSS {peak_mb:.0f} MB (target ≤ {TARGET_MB} MB)")
    return 0 if total <= TARGET_SECONDS and peak_mb <= TARGET_MB and len(judged) >= 10_000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
