"""The overall verdict of an assessment: decided, partly decided or inconclusive, in one sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assessment.analysis.evidence_model import VERDICT_LABELS, FlagStatus, OverallVerdict, VerdictStatus

if TYPE_CHECKING:
    from assessment.analysis.metrics import DomainResult
    from assessment.analysis.ranking import Ranking


def _cells(n: int) -> str:
    return f"{n} candidate × domain conclusion" + ("" if n == 1 else "s")


def overall_verdict(results: list[DomainResult], ranking: Ranking | None) -> OverallVerdict:
    cells = [r for r in results if r.flag_evidence]
    decided = [r for r in cells if r.conclusion == "decided"]
    open_cells = [r for r in cells if r.conclusion != "decided"]
    asserted = sum(len(r.flags) for r in results)
    inconclusive = sum(len(r.inconclusive_flags) for r in results)
    first = ranking.first_place if ranking is not None else None
    separated = first.separated if first is not None else None
    more = [e.more_items for r in open_cells for e in r.flag_evidence
            if e.status == FlagStatus.INCONCLUSIVE and e.more_items is not None]
    more_max = max(more) if more else None
    ranking_ok = separated is not False  # separated, or fewer than two ranked candidates
    if cells and not open_cells and ranking_ok:
        status = VerdictStatus.DECIDED
    elif not decided and not asserted and not separated:
        status = VerdictStatus.INCONCLUSIVE
    else:
        status = VerdictStatus.PARTLY_DECIDED
    rank_part = ("" if first is None or first.separated is None else
                 f"{first.first} is {'' if first.separated else 'not '}statistically separated from "
                 f"{first.second} in the ranking")
    need = "" if more_max is None else f" (the closest calls need up to about {more_max} more items per category)"
    if not cells:
        reason = "No candidate × domain cell could be measured."
    elif status == VerdictStatus.DECIDED:
        reason = (f"All {_cells(len(cells))} are asserted or ruled out by the evidence"
                  + (f", and {rank_part}." if rank_part else "."))
    elif status == VerdictStatus.INCONCLUSIVE:
        reason = (f"None of the {_cells(len(cells))} can be decided with this many items{need}"
                  + (f", and {rank_part}." if rank_part else "."))
    elif not open_cells:
        reason = (f"All {_cells(len(cells))} are asserted or ruled out by the evidence, but "
                  + (rank_part or "the ranking is not decided") + ".")
    else:
        reason = (f"{len(decided)} of {len(cells)} candidate × domain conclusions are decided and "
                  f"{len(open_cells)} need more items{need}" + (f"; {rank_part}." if rank_part else "."))
    return OverallVerdict(status=status, label=VERDICT_LABELS[status], reason=reason, cells=len(cells),
                          decided_cells=len(decided), open_cells=[f"{r.candidate} / {r.domain}" for r in open_cells],
                          asserted_flags=asserted, inconclusive_flags=inconclusive, first_place_separated=separated,
                          more_items_per_category=more_max)
