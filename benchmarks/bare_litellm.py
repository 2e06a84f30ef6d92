"""The reference loop: asyncio.gather of litellm.acompletion under one semaphore (import included)."""

import asyncio
import os
import sys
import time

started = time.perf_counter()
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
import litellm  # noqa: E402

litellm.suppress_debug_info = True


async def main(base: str, n: int, concurrency: int) -> None:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> str:
        async with semaphore:
            resp = await litellm.acompletion(model="openai/bare", api_base=base, api_key="x", max_retries=0,
                                             messages=[{"role": "user", "content": f"bare prompt {i}"}])
            return resp.choices[0].message.content

    results = await asyncio.gather(*[one(i) for i in range(n)])
    assert len(results) == n


base_url, count, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
asyncio.run(main(base_url, count, conc))
print(f"{time.perf_counter() - started:.3f}")
