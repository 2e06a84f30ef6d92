"""From judged responses to conclusions: metrics, statistics, evidence, ranking, the scorecard."""
