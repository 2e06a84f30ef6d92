"""Alignment Tax Assessment: measure what safety training costs an LLM, per domain.

The library behind the Streamlit wizard and the CLI. Nothing here imports streamlit
(only ``assessment.ui`` does) and litellm is imported lazily by the runner.
"""

import os as _os

# LiteLLM fetches a price map from the internet at import unless told not to. Set this
# before anything can import litellm, so an offline machine never waits on the network.
_os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
_os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

__version__ = "0.1.0"

from assessment.redaction import install_log_redaction as _install_log_redaction  # noqa: E402  (after the env)

_install_log_redaction("assessment", "assessment.ui", "LiteLLM", "LiteLLM Proxy", "LiteLLM Router", "litellm")
