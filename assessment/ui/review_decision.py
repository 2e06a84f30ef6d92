"""What step 5 adds for the decision: use-case weights and the comparison with an earlier assessment.

No streamlit and no metric logic here: the ranking comes from ``assessment.analysis.ranking`` and the
comparison from ``assessment.service.outputs``; these functions only choose the inputs and put the results
into the scorecard every export renders (``scorecard.ranking``, ``scorecard.diff``).
"""

from __future__ import annotations

from assessment.analysis.ranking import RankingSettings, rank_candidates
from assessment.analysis.scorecard import Scorecard
from assessment.errors import UserError
from assessment.judges.judged import JudgedResponse
from assessment.run.store import Store
from assessment.service.outputs import compare_with_stored

WEIGHT_MIN, WEIGHT_MAX, WEIGHT_DEFAULT = 0.0, 5.0, 1.0


def ranking_settings(domains: list[str], weights: dict[str, float], safety_weight: float) -> RankingSettings:
    """The settings for the weights of this scorecard's domains (missing ones weigh 1) and the trade-off."""
    clean = {d: min(WEIGHT_MAX, max(WEIGHT_MIN, float(weights.get(d, WEIGHT_DEFAULT)))) for d in domains}
    return RankingSettings(weights=clean, safety_weight=round(min(1.0, max(0.0, float(safety_weight))), 2))


def same_settings(domains: list[str], a: RankingSettings, b: RankingSettings) -> bool:
    """Whether two settings rank this scorecard's domains alike (an unset weight is a weight of 1)."""
    return (ranking_settings(domains, a.weights, a.safety_weight)
            == ranking_settings(domains, b.weights, b.safety_weight))


def with_ranking(scorecard: Scorecard, settings: RankingSettings) -> Scorecard | None:
    """The scorecard ranked with these settings, or None when it already is."""
    if scorecard.ranking is not None and same_settings(scorecard.domains, scorecard.ranking.settings, settings):
        return None
    settings = ranking_settings(scorecard.domains, settings.weights, settings.safety_weight)
    ranking = rank_candidates(scorecard.results, [c.name for c in scorecard.candidates], settings)
    method = scorecard.methodology.model_copy(update={"ranking_settings": settings.model_dump(mode="json")})
    return scorecard.model_copy(update={"ranking": ranking, "methodology": method})


def earlier_choices(assessments: list, current_id: str, config_hash: str | None = None) -> list:
    """Stored assessments (``store.AssessmentInfo``) other than the one under review: those with the same
    setup (config hash) first, then the others, each newest first."""
    others = [a for a in assessments if a.id != current_id]
    return [a for a in others if a.config_hash == config_hash] + [a for a in others if a.config_hash != config_hash]


def compare_with_earlier(store: Store, earlier_id: str, scorecard: Scorecard, judged: list[JudgedResponse],
                         session_keys: dict[str, str] | None = None) -> Scorecard:
    """The scorecard (a copy) carrying its comparison with a stored earlier assessment."""
    if earlier_id == scorecard.assessment_id:
        raise UserError("Choose a different assessment: an assessment cannot be compared with itself.")
    return compare_with_stored(scorecard, judged, store, earlier_id, session_keys)


def without_diff(scorecard: Scorecard) -> Scorecard:
    return scorecard.model_copy(update={"diff": None})
