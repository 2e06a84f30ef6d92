"""Judges: what turns a response into a verdict (rules, an LLM judge, a human reviewer)."""

from assessment.judges.rules import RULES_VERSION, classify_response
from assessment.judges.verdict import Verdict, VerdictResult

__all__ = ["RULES_VERSION", "Verdict", "VerdictResult", "classify_response"]
