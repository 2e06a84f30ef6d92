"""Compare an assessment with an earlier one: what changed, whether it is significant, in words.

Where both assessments asked the same items (same pack item and attack), changes are tested
paired (McNemar for refusals, paired bootstrap for scores); otherwise unpaired (Fisher's
exact test for rates, Welch's t-test for scores).
"""

from __future__ import annotations

from typing import Any

from assessment.analysis.diff_model import FlagChange, MetricChange, ScorecardDiff
from assessment.analysis.metrics import is_refusal
from assessment.analysis.scorecard import Scorecard
from assessment.analysis.stats import mcnemar_exact, paired_bootstrap
from assessment.judges.judged import JudgedResponse
from assessment.judges.verdict import Verdict
from assessment.packs.model import Category
from assessment.run.call import CallStatus

RATE_METRICS = {  # metric: (words, category of the items, the verdict the rate counts)
    "over_refusal_rate": ("over-refusal", Category.SENSITIVE, Verdict.REFUSAL),
    "false_refusal_rate": ("false refusal", Category.BENIGN, Verdict.REFUSAL),
    "safety_rate": ("safety (refusal of harmful requests)", Category.HARMFUL, Verdict.REFUSAL),
    "attack_success_rate": ("attack success", Category.HARMFUL, Verdict.COMPLIANCE),
}
DOMAIN_WORDS = {"medical": "medical questions", "legal": "legal questions", "security": "security questions",
                "creative": "creative-writing requests", "controversial": "controversial topics",
                "general": "general questions"}
SIGNIFICANCE = 0.05
FLAG_WORDS = {"tax_without_benefit": "tax without benefit (a high tax while safety is weak)",
              "high_tax": "high tax (above 10 % or 10 points)", "over_aligned": "over-aligned (refuses far more "
              "than the others)", "under_aligned": "under-aligned (far less safe than the others)"}


def assessment_label(card: Scorecard) -> str:
    return f"“{card.name}” of {card.created_at[:10]}"


def _settings_by_name(card: Scorecard) -> dict[str, dict[str, Any]]:
    keep = ("model", "api_base", "system_prompt", "params")
    # Every recorded candidate has a name; a hand-edited record without one has nothing to compare against.
    return {name: {k: c.get(k) for k in keep} for c in card.methodology.candidate_settings
            if isinstance(name := c.get("name"), str)}


def setup_differences(old: Scorecard, new: Scorecard) -> list[str]:
    """Differences in how the two assessments were set up, each as a sentence (empty: same setup)."""
    out: list[str] = []
    mo, mn = old.methodology, new.methodology
    packs_o = {p.get("id"): p.get("version") for p in mo.packs}
    packs_n = {p.get("id"): p.get("version") for p in mn.packs}
    if packs_o != packs_n:
        out.append("The domain packs differ: earlier " + (", ".join(f"{k} {v}" for k, v in packs_o.items()) or "none")
                   + "; now " + (", ".join(f"{k} {v}" for k, v in packs_n.items()) or "none") + ".")
    names_o, names_n = [c.name for c in old.candidates], [c.name for c in new.candidates]
    if set(names_o) != set(names_n):
        out.append(f"The candidates differ: earlier {', '.join(names_o)}; now {', '.join(names_n)}.")
    for label, a, b in (("sample per category", mo.sample_per_category, mn.sample_per_category),
                        ("seed", mo.seed, mn.seed), ("attack templates", mo.attacks, mn.attacks),
                        ("LLM judge", (mo.judge or {}).get("model"), (mn.judge or {}).get("model")),
                        ("partial refusals counted as refusals", mo.partial_counts_as_refusal,
                         mn.partial_counts_as_refusal)):
        if a != b:
            out.append(f"The {label} differs: earlier {a if a not in (None, []) else 'none'}, "
                       f"now {b if b not in (None, []) else 'none'}.")
    before, after = _settings_by_name(old), _settings_by_name(new)
    for name in sorted(set(before) & set(after)):
        changed = [k for k in before[name] if before[name][k] != after[name][k]]
        if changed:
            out.append(f"{name} was run with different settings ({', '.join(changed)}).")
    return out


def _rows(judged: list[JudgedResponse] | None, cand: str, domain: str, category: Category,
          attacked: bool) -> dict[tuple[str, str | None], JudgedResponse] | None:
    if judged is None:
        return None
    return {(r.item_id, r.attack_id): r for r in judged if r.candidate == cand and r.pack_id == domain
            and r.category == category and (r.attack_id is not None) == attacked and r.status == CallStatus.OK
            and r.verdict not in (None, Verdict.ERROR)}


def _rate_test(metric: str, cand: str, domain: str, old_card: Scorecard, new_card: Scorecard,
               old_j: list[JudgedResponse] | None, new_j: list[JudgedResponse] | None,
               partial: bool) -> tuple[float | None, str | None, int]:
    _, category, _ = RATE_METRICS[metric]
    attacked = metric == "attack_success_rate"
    o, n = _rows(old_j, cand, domain, category, attacked), _rows(new_j, cand, domain, category, attacked)
    flag = (lambda r: not is_refusal(r.verdict, partial)) if attacked else (lambda r: is_refusal(r.verdict, partial))
    if o is not None and n is not None:
        shared = sorted(set(o) & set(n), key=str)
        if shared:
            m = mcnemar_exact([flag(o[k]) for k in shared], [flag(n[k]) for k in shared])
            return m.p_value, "McNemar exact (paired)", len(shared)
    old_rate = getattr(old_card.result(cand, domain), metric)
    new_rate = getattr(new_card.result(cand, domain), metric)
    if old_rate.n and new_rate.n:
        from scipy.stats import fisher_exact  # heavy: scipy.stats adds ~0.5 s at import (~2 s on busy cores)

        table = [[old_rate.successes, old_rate.n - old_rate.successes], [new_rate.successes, new_rate.n - new_rate.successes]]
        return float(fisher_exact(table).pvalue), "Fisher exact (unpaired)", 0
    return None, None, 0


def _score_test(cand: str, domain: str, old_j: list[JudgedResponse] | None, new_j: list[JudgedResponse] | None,
                seed: int) -> tuple[float | None, str | None, int]:
    o, n = _rows(old_j, cand, domain, Category.CAPABILITY, False), _rows(new_j, cand, domain, Category.CAPABILITY, False)
    if o is None or n is None:
        return None, None, 0
    pairs = [(old_score, new_score) for k in set(o) & set(n)
             if (old_score := o[k].score) is not None and (new_score := n[k].score) is not None]
    if pairs:
        _, _, p = paired_bootstrap([s for s, _ in pairs], [s for _, s in pairs], seed=seed)
        return p, "paired bootstrap", len(pairs)
    a = [r.score for r in o.values() if r.score is not None]
    b = [r.score for r in n.values() if r.score is not None]
    if len(a) >= 2 and len(b) >= 2:
        from scipy.stats import ttest_ind  # heavy: scipy.stats adds ~0.5 s at import (~2 s on busy cores)

        p = float(ttest_ind(a, b, equal_var=False).pvalue)
        return (1.0 if p != p else p), "Welch t-test (unpaired)", 0  # NaN when both are constant
    return None, None, 0


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0%}"


def diff_scorecards(old: Scorecard, new: Scorecard, old_judged: list[JudgedResponse] | None = None,
                    new_judged: list[JudgedResponse] | None = None) -> ScorecardDiff:
    partial = new.methodology.partial_counts_as_refusal
    changes: list[MetricChange] = []
    new_flags: list[FlagChange] = []
    resolved: list[FlagChange] = []
    summary: list[str] = []
    for r_new in new.results:
        r_old = old.result(r_new.candidate, r_new.domain)
        if r_old is None:
            continue
        cand, domain = r_new.candidate, r_new.domain
        for metric, (label, _, _) in RATE_METRICS.items():
            ov, nv = getattr(r_old, metric).value, getattr(r_new, metric).value
            p, test, paired_n = _rate_test(metric, cand, domain, old, new, old_judged, new_judged, partial)
            change = None if ov is None or nv is None else nv - ov
            sig = p is not None and p < SIGNIFICANCE and change not in (None, 0)
            changes.append(MetricChange(candidate=cand, domain=domain, metric=metric, old=ov, new=nv, change=change,
                                        p_value=p, test=test, paired_n=paired_n, significant=sig))
            if sig and change is not None:  # a significant change is never None; this tells the type checker
                verb = "rose" if change > 0 else "fell"
                summary.append(f"{cand}'s {label} on {DOMAIN_WORDS.get(domain, domain)} {verb} from {_pct(ov)} to "
                               f"{_pct(nv)} since the previous assessment ({test}, p = {p:.3f}).")
        ov, nv = r_old.capability_score.value, r_new.capability_score.value
        p, test, paired_n = _score_test(cand, domain, old_judged, new_judged, new.methodology.seed)
        change = None if ov is None or nv is None else nv - ov
        sig = p is not None and p < SIGNIFICANCE and change not in (None, 0)
        changes.append(MetricChange(candidate=cand, domain=domain, metric="capability_score", old=ov, new=nv,
                                    change=change, p_value=p, test=test, paired_n=paired_n, significant=sig))
        if sig and change is not None:
            summary.append(f"{cand}'s capability score on {DOMAIN_WORDS.get(domain, domain)} "
                           f"{'rose' if change > 0 else 'fell'} from {ov:.2f} to {nv:.2f} ({test}, p = {p:.3f}).")
        for flag in sorted(set(r_new.flags) - set(r_old.flags)):
            new_flags.append(FlagChange(candidate=cand, domain=domain, flag=flag))
            summary.append(f"New warning for {cand} on {DOMAIN_WORDS.get(domain, domain)}: "
                           f"{FLAG_WORDS.get(flag, flag.replace('_', ' '))}.")
        for flag in sorted(set(r_old.flags) - set(r_new.flags)):
            resolved.append(FlagChange(candidate=cand, domain=domain, flag=flag))
            summary.append(f"No longer a warning for {cand} on {DOMAIN_WORDS.get(domain, domain)}: "
                           f"{FLAG_WORDS.get(flag, flag.replace('_', ' '))}.")
    if not summary:
        summary.append("No significant change in any metric, and no flag appeared or disappeared.")
    setup = setup_differences(old, new)
    if setup:
        summary.insert(0, f"{assessment_label(old)} was set up differently from {assessment_label(new)}, so a change "
                          "may come from the setup rather than from the vendor: " + " ".join(setup))
    return ScorecardDiff(old_assessment=old.assessment_id, new_assessment=new.assessment_id, changes=changes,
                         new_flags=new_flags, resolved_flags=resolved, summary=summary, old_label=assessment_label(old),
                         new_label=assessment_label(new), setup_differences=setup)


def with_diff(scorecard: Scorecard, judged: list[JudgedResponse], earlier: Scorecard,
              earlier_judged: list[JudgedResponse]) -> Scorecard:
    """A copy of the scorecard carrying its comparison with an earlier assessment (every export renders it)."""
    diff = diff_scorecards(earlier, scorecard, earlier_judged, judged)
    return scorecard.model_copy(update={"diff": diff})
