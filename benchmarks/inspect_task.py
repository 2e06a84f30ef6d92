"""The same prompts through Inspect AI (run with Inspect's own virtual environment)."""

import os
import sys
import time

started = time.perf_counter()
from inspect_ai import Task, eval  # noqa: E402
from inspect_ai.dataset import Sample  # noqa: E402
from inspect_ai.scorer import includes  # noqa: E402
from inspect_ai.solver import generate  # noqa: E402

base_url, count, conc, log_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.environ["BENCH_BASE_URL"] = base_url
os.environ["BENCH_API_KEY"] = "x"
task = Task(dataset=[Sample(input=f"inspect prompt {i}", target="answer") for i in range(count)],
            solver=generate(), scorer=includes())
logs = eval(task, model="openai-api/bench/scripted", max_connections=conc, log_dir=log_dir, display="none",
            max_retries=0, fail_on_error=False)
assert logs[0].status == "success", logs[0].status
print(f"{time.perf_counter() - started:.3f}")
