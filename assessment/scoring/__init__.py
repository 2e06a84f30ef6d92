"""Capability scoring: a registry of small pure functions from (scoring block, response) to a Score."""

# Importing the modules registers their scorers.
from assessment.scoring import choice as _choice  # noqa: F401,E402
from assessment.scoring import code as _code  # noqa: F401,E402
from assessment.scoring import constraints as _constraints  # noqa: F401,E402
from assessment.scoring import match as _match  # noqa: F401,E402
from assessment.scoring import numeric as _numeric  # noqa: F401,E402
from assessment.scoring.registry import SCORERS, Score, ScoreStatus, ScoringContext, score_response, scorer

__all__ = ["SCORERS", "Score", "ScoreStatus", "ScoringContext", "score_response", "scorer"]
