"""Benchmarks: our runner against bare LiteLLM, the latency-bound ideal, Inspect AI, a fully
cached re-run and a 20,000-call scale run. Prints a table of ratios and exits non-zero when a
target is missed by more than its tolerance.

    python -m benchmarks.run            # everything (about 6-8 minutes on 2 cores)
    python -m benchmarks.run --skip-inspect --skip-scale
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
INSPECT_VENV = HERE / ".venv-inspect"
ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The scripted server in its own process, so its CPU does not share our interpreter."""

    def __init__(self, latency: float):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "assessment.testing.server", "--port", str(self.port),
                                      "--latency", str(latency)], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, text=True)
        self.proc.stdout.readline()  # "scripted server on ..."

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def timed(cmd: list[str], **kw) -> tuple[float, int]:
    """Wall seconds and the child's peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) // 1024


def write_assessment(tmp: Path, base: str, items: int, candidates: int, concurrency: int, store: Path) -> Path:
    pack = tmp / "bench_pack.yaml"
    lines = ['id: bench', 'name: Bench', 'version: "1"', 'items:']
    for i in range(items):
        lines += [f"  - id: b-{i}", "    category: benign", f'    prompt: "benchmark prompt {i}"']
    pack.write_text("\n".join(lines) + "\n")
    cands = "".join(f"  - name: c{c}\n    model: openai/c{c}\n    api_base: {base}\n    concurrency: {concurrency}\n"
                    f"    timeout_s: 60\n" for c in range(candidates))
    config = tmp / f"bench_{items}x{candidates}.yaml"
    config.write_text(f"name: bench\npacks: [{pack}]\nattacks: none\nstore: {store}\ncandidates:\n{cands}")
    return config


def ours(config: Path, out: Path) -> tuple[float, int]:
    return timed([sys.executable, "-m", "assessment", "run", str(config), "--out", str(out), "--format", "json",
                  "--quiet"], cwd=ROOT, env=ENV)


def bare(base: str, n: int, concurrency: int) -> float:
    wall, _ = timed([sys.executable, str(HERE / "bare_litellm.py"), base, str(n), str(concurrency)], cwd=ROOT, env=ENV)
    return wall


def inspect(base: str, n: int, concurrency: int, tmp: Path) -> float | None:
    python = INSPECT_VENV / "bin" / "python"
    if not python.exists():
        return None
    wall, _ = timed([str(python), str(HERE / "inspect_task.py"), base, str(n), str(concurrency), str(tmp / "inspect-logs")],
                    cwd=tmp, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    return wall


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-inspect", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--json", help="write the measurements here")
    args = parser.parse_args()
    rows: list[tuple[str, str, float, float, str]] = []  # name, detail, measured, target, status
    failed = False
    tmp = Path(tempfile.mkdtemp(prefix="ata-bench-"))

    def check(name: str, detail: str, value: float, target: float, tolerance: float = 0.0, lower_is_better=True):
        nonlocal failed
        ok = value <= target * (1 + tolerance) if lower_is_better else value >= target
        failed |= not ok
        rows.append((name, detail, value, target, "ok" if ok else "MISSED"))
        print(f"  {name}: {value:.3f} (target ≤ {target:g})", flush=True)

    measured: dict[str, float] = {}
    print("1. Overhead vs bare LiteLLM: 2,000 calls, 100 ms each, 32 in flight", flush=True)
    server = Server(0.1)
    try:
        measured["bare_litellm_s"] = bare(server.base, 2000, 32)
        config = write_assessment(tmp, server.base, 500, 4, 8, tmp / "s1.sqlite")
        measured["ours_s"], _ = ours(config, tmp / "o1")
        check("ours / bare LiteLLM", f"{measured['ours_s']:.1f}s vs {measured['bare_litellm_s']:.1f}s",
              measured["ours_s"] / measured["bare_litellm_s"], 1.10)
        measured["cached_rerun_s"], _ = ours(config, tmp / "o1b")
        check("fully cached re-run (s)", "2,000 calls answered from the store, process start included",
              measured["cached_rerun_s"], 2.0)
        if not args.skip_inspect:
            wall = inspect(server.base, 2000, 32, tmp)
            if wall is None:
                print("  Inspect AI not installed in benchmarks/.venv-inspect; skipped "
                      "(python -m venv benchmarks/.venv-inspect && benchmarks/.venv-inspect/bin/pip install inspect-ai)")
            else:
                measured["inspect_s"] = wall
                check("ours / Inspect AI", f"{measured['ours_s']:.1f}s vs {wall:.1f}s", measured["ours_s"] / wall, 0.45)
    finally:
        server.stop()

    print("2. Latency-bound: 640 calls, 1 s each, 32 in flight (ideal 20 s)", flush=True)
    server = Server(1.0)
    try:
        config = write_assessment(tmp, server.base, 160, 4, 8, tmp / "s2.sqlite")
        measured["latency_bound_s"], _ = ours(config, tmp / "o2")
        phase = json.loads((tmp / "o2" / "run.json").read_text())["call_phase_seconds"]
        measured["latency_bound_call_phase_s"] = phase
        ideal = math.ceil(640 / 32) * 1.0
        check("ours / ideal (call phase)", f"first request to last answer {phase:.1f}s vs {ideal:.0f}s", phase / ideal, 1.10)
        rows.append(("ours / ideal (whole process)", f"{measured['latency_bound_s']:.1f}s incl. start-up, imports, "
                     "scorecard", measured["latency_bound_s"] / ideal, float("nan"), "info"))
    finally:
        server.stop()

    if not args.skip_scale:
        print("3. Scale: 5,000 and 20,000 planned calls (no latency)", flush=True)
        server = Server(0.0)
        try:
            for items in (1250, 5000):
                config = write_assessment(tmp, server.base, items, 4, 16, tmp / f"s3-{items}.sqlite")
                wall, rss = ours(config, tmp / f"o3-{items}")
                measured[f"scale_{items * 4}_s"], measured[f"scale_{items * 4}_rss_mb"] = wall, rss
                print(f"  {items * 4} calls: {wall:.1f}s, peak RSS {rss} MB", flush=True)
            growth = (measured["scale_20000_rss_mb"] - measured["scale_5000_rss_mb"]) * 1024 / 15000
            measured["rss_growth_kb_per_call"] = growth
            check("RSS growth per extra call (KB)", "20,000 vs 5,000 calls", growth, 10.0)
            wall, _ = timed([sys.executable, "-m", "assessment", "report", str(tmp / "o3-5000"), "--format", "json",
                             "--out", str(tmp / "r3"), "--quiet"], cwd=ROOT, env=ENV)
            measured["scorecard_20000_s"] = wall
            check("scorecard for 20,000 calls (s)", "report --format json, process start included", wall, 10.0)
        finally:
            server.stop()

    print("4. Exports: a synthetic assessment of 11,484 responses to JSON + PDF + Excel", flush=True)
    proc = subprocess.run([sys.executable, "-m", "benchmarks.exports"], cwd=ROOT, env=ENV, capture_output=True, text=True)
    print("  " + proc.stdout.strip(), flush=True)
    rows.append(("exports, 11,484 responses", proc.stdout.strip().split(": ", 1)[-1][:58], float(proc.returncode), 0.0,
                 "ok" if proc.returncode == 0 else "MISSED"))
    failed |= proc.returncode != 0

    print()
    print(f"{'benchmark':<34} {'detail':<58} {'measured':>9} {'target':>7}  status")
    for name, detail, value, target, status in rows:
        print(f"{name:<34} {detail:<58} {value:>9.3f} {target:>7g}  {status}")
    print(f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if args.json:
        Path(args.json).write_text(json.dumps(measured, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
