"""The one retry policy: its delays, and the LLM judge retrying through it against the scripted server."""

from __future__ import annotations

import random

from assessment.config import JudgeConfig
from assessment.judges.llm import LLMJudge
from assessment.run.retry import Failure, RetryPolicy, next_delay
from assessment.run.store import Store
from assessment.testing.server import Reply

FAST = RetryPolicy(max_attempts=3, base_delay_s=0.02, max_delay_s=0.1)
REFUSAL = '{"verdict": "refusal", "reason": "declines"}'


def judge(server, store: Store | None = None, retry: RetryPolicy = FAST) -> LLMJudge:
    return LLMJudge(JudgeConfig(model="openai/judge", api_base=server.base_url, timeout_s=3), store, retry=retry)


def test_backoff_doubles_up_to_the_cap_with_jitter_around_it():
    policy = RetryPolicy(max_attempts=10, base_delay_s=1.0, max_delay_s=8.0, jitter=0.5)
    random.seed(7)
    for attempt, nominal in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)]:
        delays = [next_delay(policy, Failure("server error", True), attempt) for _ in range(200)]
        assert all(d is not None and 0.5 * nominal <= d <= 1.5 * nominal for d in delays)
        assert len(set(delays)) > 100  # jittered: callers that failed together do not return together


def test_retry_after_is_used_up_to_the_cap_and_final_failures_stop():
    policy = RetryPolicy(max_attempts=4, max_retry_after_s=30.0)
    assert next_delay(policy, Failure("rate limited", True, retry_after=12.0), 1) == 12.0
    too_long = Failure("rate limited", True, retry_after=300.0)
    assert next_delay(policy, too_long, 1) is None
    assert "Retry-After 300s is longer than allowed" in too_long.reason
    assert next_delay(policy, Failure("authentication failed", False), 1) is None
    assert next_delay(policy, Failure("server error", True), 4) is None  # the last attempt was used


def test_judge_answers_after_a_429(server):
    server.script("[RESPONSE]\nNo way", Reply(status=429, retry_after=0.1), REFUSAL)
    j = judge(server)
    assert j.classify_many([("p", "No way, not doing that.")]) == [("refusal", REFUSAL)]
    assert [r.outcome for r in server.records] == ["429", "ok"]
    assert j.failure_summary() == {"failed_calls": 0}


def test_judge_gives_up_after_the_policy_attempts_and_keeps_the_reason(server, tmp_path):
    server.script("[RESPONSE]\nbroken", Reply(status=500))
    store = Store(tmp_path / "s.sqlite")
    j = judge(server, store)
    [(verdict, raw)] = j.classify_many([("p", "broken answer")])
    assert verdict is None
    assert raw.startswith("judge call failed: server error (HTTP 500)")
    assert server.count("broken", "500") == 3  # FAST allows three attempts
    assert j.failure_summary() == {"failed_calls": 1, "failure_reasons": "server error (HTTP 500) (1)"}
    described = j.describe([])
    assert described["failed_calls"] == 1 and "HTTP 500" in described["failure_reasons"]
    judge(server, store).classify_many([("p", "broken answer")])
    assert server.count("broken") == 6  # a failed judgement is not cached: the next pass asks again


def test_judge_does_not_retry_a_rejected_key_or_an_overlong_retry_after(server):
    server.script("[RESPONSE]\ndenied", Reply(status=401))
    server.script("[RESPONSE]\nlater", Reply(status=429, retry_after=600), REFUSAL)
    j = judge(server, retry=RetryPolicy(max_attempts=3, base_delay_s=0.02, max_retry_after_s=5.0))
    (v1, raw1), (v2, raw2) = j.classify_many([("p", "denied answer"), ("p", "later answer")])
    assert v1 is None and "authentication failed" in raw1 and server.count("denied") == 1
    assert v2 is None and "Retry-After 600s is longer than allowed" in raw2 and server.count("later") == 1
    assert j.failure_summary()["failed_calls"] == 2
