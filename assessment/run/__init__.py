"""Running an assessment: the plan, async LiteLLM calls, worker processes, the SQLite store."""
