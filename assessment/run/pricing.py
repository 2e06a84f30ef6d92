"""Cost of calls: the candidate's own price settings first, LiteLLM's price map second, else unknown."""

from __future__ import annotations

from functools import lru_cache

from assessment.config import CandidateConfig


@lru_cache(maxsize=256)
def _litellm_prices(model: str) -> tuple[float, float] | None:
    """Per-token (input, output) prices LiteLLM knows for a model, or None."""
    try:
        import litellm  # heavy: litellm adds ~2.3 s at import (~9 s on busy cores)

        info = litellm.get_model_info(model)
    except Exception:  # unknown models raise; that means "unknown", not zero
        return None
    cin, cout = info.get("input_cost_per_token"), info.get("output_cost_per_token")
    if cin is None or cout is None:
        return None
    return float(cin), float(cout)


def price_calls(candidate: CandidateConfig, input_tokens: int, output_tokens: int, use_litellm: bool = True) -> float | None:
    """Cost in the price setting's currency (USD for LiteLLM's map); None when unknown."""
    if candidate.price_per_1k_input is not None and candidate.price_per_1k_output is not None:
        return input_tokens / 1000 * candidate.price_per_1k_input + output_tokens / 1000 * candidate.price_per_1k_output
    if candidate.api_base or not use_litellm:
        return None  # a self-hosted endpoint is not priced by the public map
    prices = _litellm_prices(candidate.model)
    if prices is None:
        return None
    return input_tokens * prices[0] + output_tokens * prices[1]
