"""scorecard.pdf: content, numbers from the scorecard only, redaction, hostile text, fonts, speed.

The PDF is read back with pypdf; text is compared with whitespace collapsed, since lines wrap.
"""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from assessment.analysis.stats import rate
from assessment.judges.judged import REDACTED
from assessment.reports import pdf_style
from assessment.reports.pdf_report import (
    clean,
    fonts,
    markup,
    over_refusal_sentences,
    pct,
    pick_examples,
    rate_full,
    stability_sentence,
    write_pdf,
)
from assessment.testing.sample import REFERENCE_SOURCE, changed_assessment, reference_assessment, sample_assessment

HOSTILE = "<script>alert(1)</script> & <b>bold</b> \x00\x07\x1b\x08 tail"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pages(path) -> list[str]:
    return [_flat(p.extract_text() or "") for p in PdfReader(path).pages]


@pytest.fixture(scope="module")
def rendered(sample, tmp_path_factory):
    card, judged = sample
    path = write_pdf(card, judged, tmp_path_factory.mktemp("pdf") / "scorecard.pdf")
    return path, _pages(path)


def _page_with(pages: list[str], needle: str) -> str:
    found = [p for p in pages if needle in p]
    assert found, f"{needle!r} not on any page"
    return found[0]


def test_executive_summary_sentence_from_the_numbers(sample, rendered):
    card, _ = sample
    _, pages = rendered
    summary = _page_with(pages, "Executive summary")
    sentences = over_refusal_sentences(card)
    assert len(sentences) == len(card.domains)
    for sentence in sentences:
        assert _flat(sentence) in summary
    # the most over-refusing candidate of the first domain, with its own number and interval
    rows = [r for r in card.results if r.domain == card.domains[0]]
    worst = max(rows, key=lambda r: r.over_refusal_rate.value)
    r = worst.over_refusal_rate
    expected = f"{worst.candidate} refused {pct(r.value)} (95% CI {pct(r.ci.low)[:-1]}–{pct(r.ci.high)}, n={r.n})"
    assert expected in summary
    assert "Tax without benefit: Vendor C" in summary  # sample's Vendor C pays tax with weak safety
    # a high tax that crosses the threshold but is not significant is not listed as a flag
    inconclusive = [r.domain for r in card.results if r.candidate == "Vendor B" and "high_tax" not in r.flags
                    and any(e.flag.value == "high_tax" for e in r.inconclusive_flags)]
    start = summary.find("High tax: Vendor B")
    listed = summary[start:summary.find(").", start)] if start >= 0 else ""
    assert inconclusive and not any(f" {d} " in listed or f" {d}(" in listed for d in inconclusive)
    assert summary.startswith("Sample vendor comparison Page 2 Executive summary Overall verdict: partly decided.")


def test_names_domains_comparison_and_footnote(sample, rendered):
    card, _ = sample
    path, pages = rendered
    text = " ".join(pages)
    for c in card.candidates:
        assert c.name in text and c.model in text
    comparison = _page_with(pages, "Comparison at a glance")
    for name in [c.name for c in card.candidates] + card.domains:
        assert name in comparison
    assert "critical > 20" in comparison and "n < 10: too few to decide" in comparison
    for dom in card.domains:
        assert f"Domain: {dom}" in text
    assert "%*" in text  # too-few marker on the small subtype rates


def test_chart_labels_are_text(rendered):
    _, pages = rendered
    charts = _page_with(pages, "Safety vs over-refusal trade-off")
    assert "Alignment tax by domain: refusal tax" in charts
    assert "Refuses often, safety weak" in charts and "Vendor B" in charts and "Vendor C" in charts
    attacks = _page_with(pages, "Attack success by attack template (pooled")
    assert "roleplay_persona" in attacks and "Vendor A" in attacks


def test_methodology_reproducibility_decision_and_pages(sample, rendered):
    card, _ = sample
    _, pages = rendered
    text = " ".join(pages)
    m = card.methodology
    assert "Methodology and limitations" in text and "Refusals / n" not in text  # plain words, not formulas
    assert "Share of sensitive but legitimate requests the model refused" in text
    assert m.config_hash in text and m.classifier["version"] in text
    for pack in m.packs:
        assert pack["sha256"] in text
    assert "synthetic sample data: not a measurement" in text
    assert "Code execution: disabled" in text
    assert "answer format version" in text and '"Answer: <letter>"' in text  # the answer contract, verbatim
    assert "Shortlist Vendor A" in text and "Sign-off" in text and "Signature" in text
    assert "Page 1" in pages[0]
    assert all(f"Page {i}" in p for i, p in enumerate(pages, start=1))


def test_metadata(sample, rendered):
    card, _ = sample
    path, _ = rendered
    meta = PdfReader(path).metadata
    assert meta.title == card.name
    assert meta.author == card.evaluator


def _with_sentinel(judged, sentinel):
    """Every harmful row of the first domain answered with the sentinel text (so it is the example shown)."""
    domain = judged[0].pack_id
    return [r.model_copy(update={"response": sentinel, "verdict": "compliance", "status": "ok"})
            if r.pack_id == domain and r.category == "harmful" else r for r in judged]


def test_harmful_completion_redacted_unless_asked(sample, tmp_path):
    card, judged = sample
    sentinel = "SENTINEL-harmful-completion-7f3a"
    judged = _with_sentinel(judged, sentinel)
    hidden = " ".join(_pages(write_pdf(card, judged, tmp_path / "default.pdf")))
    assert sentinel not in hidden
    assert _flat(REDACTED) in hidden
    shown = " ".join(_pages(write_pdf(card, judged, tmp_path / "with.pdf", include_harmful=True)))
    assert sentinel in shown


def test_hostile_and_huge_responses_render(sample, tmp_path):
    card, judged = sample
    picked = pick_examples(card, judged)
    targets = [r.call_id for ex in picked.values() for _, r in ex if r.category != "harmful"]
    assert len(targets) >= 2
    huge = "word " * 210_000  # ~1 MB
    changed = {targets[0]: {"response": HOSTILE, "prompt": HOSTILE + " prompt"},
               targets[1]: {"response": huge + "\x00" + "x" * 5000}}
    judged = [r.model_copy(update=changed[r.call_id]) if r.call_id in changed else r for r in judged]
    path = write_pdf(card, judged, tmp_path / "hostile.pdf")
    pages = _pages(path)
    text = " ".join(pages)
    assert "<script>alert(1)</script> & <b>bold</b>" in text  # shown literally, not interpreted
    assert "\x00" not in text and "\x1b" not in text
    assert "…[truncated]" in text
    assert len(pages) < 30


def test_non_latin_and_markup_in_names(tmp_path):
    names = ["Vendor A", "Привет 你好", "<b>Evil & Co</b>\x01"]
    card, judged = sample_assessment(candidates=names, packs=["general"])
    path = write_pdf(card, judged, tmp_path / "names.pdf")
    text = " ".join(_pages(path))
    assert "<b>Evil & Co</b>" in text
    if fonts().covers("П"):
        assert "Привет" in text
    if fonts().cjk is not None:
        assert "你好" in text


def test_none_undefined_and_missing_decision(sample, tmp_path):
    card, judged = sample
    card = card.model_copy(deep=True)
    target = next(r for r in card.results if r.tax is not None)
    target.tax.capability_tax_pct = None
    target.tax.capability_tax_pct_ci = None
    target.tax.capability_tax_note = "baseline scored 0 on these items: percentage tax is undefined"
    target.tax.refusal_tax_pp = None
    card.decision = None
    card.methodology.local_model = {"model": "Gemma 3 270M", "licences": "Gemma Terms of Use; llama.cpp MIT"}
    card.methodology.classifier = {**card.methodology.classifier, "measured": {"accuracy": 0.93, "n": 120}}
    card.methodology.judge = {"model": "openai/judge", "api_key": "sk-must-not-appear"}
    pages = _pages(write_pdf(card, judged, tmp_path / "none.pdf"))
    text = " ".join(pages)
    comparison = _page_with(pages, "Comparison at a glance")
    assert "undefined" in comparison and "n/a" in comparison
    assert "undefined: baseline scored 0" in text
    assert "No decision has been recorded yet" in text and "_____" in text
    assert "Gemma Terms of Use" in text
    assert "classifier accuracy: accuracy" in text and "0.93" in text
    assert "openai/judge" in text and "sk-must-not-appear" not in text


def test_text_helpers():
    assert rate_full(rate(0, 0)) == "n/a (n=0)"
    assert rate_full(rate(2, 5)).startswith("40%* (")
    assert (pct(0.34), pct(0.004), pct(0.9996), pct(0.0001), pct(1.0), pct(None)) == \
        ("34%", "0.4%", ">99.9%", "<0.1%", "100%", "n/a")
    cleaned = clean("a\x00b\x1fc\td\r\ne")
    assert "\x00" not in cleaned and "\x1f" not in cleaned and "\n" in cleaned
    assert clean("x" * 5000, 1500).endswith("…[truncated]") and len(clean("x" * 5000, 1500)) < 1520
    assert clean("\n".join("l" * 100), 10_000, 40).endswith("…[truncated]")
    assert markup("<script>&") == "&lt;script&gt;&amp;"
    assert markup("a\nb") == "a<br/>b"
    assert clean("\ud800 lone surrogate")  # does not raise


def test_fonts_fall_back_without_dejavu(sample, tmp_path, monkeypatch):
    """No DejaVu anywhere: reportlab's Vera; nothing at all: Helvetica. Neither crashes on non-Latin text."""
    from pathlib import Path

    import reportlab

    card, judged = sample
    card = card.model_copy(update={"name": "Comparaison — Привет 你好"})
    vera_dir = Path(reportlab.__file__).parent / "fonts"
    try:
        for dirs, expected in (([vera_dir], "Vera"), ([], "Helvetica")):
            monkeypatch.setattr(pdf_style, "_font_dirs", lambda dirs=dirs: dirs)
            fonts.cache_clear()
            pdf_style.styles.cache_clear()
            assert expected in fonts().source
            path = write_pdf(card, judged[:300], tmp_path / f"{expected}.pdf")
            assert PdfReader(path).metadata.title == card.name
    finally:
        monkeypatch.undo()
        fonts.cache_clear()
        pdf_style.styles.cache_clear()


def test_large_assessment_renders(sample, tmp_path):
    """Only examples are read from the responses: ~11,000 responses give a report as short as the sample's
    (the time it takes is measured in benchmarks/timings.py)."""
    card, judged = sample
    many = judged * 6
    assert len(many) > 10_000
    large = _pages(write_pdf(card, many, tmp_path / "large.pdf"))
    small = _pages(write_pdf(card, judged, tmp_path / "small.pdf"))
    assert abs(len(large) - len(small)) <= 1 and "Executive summary" in " ".join(large)


# --- ranking, reference baseline, changes since the previous assessment ------------------------------

RED = ".752941 0 0 rg"  # #C00000, the colour of warnings, in the page's content stream




def test_ranking_section(sample, rendered):
    card, _ = sample
    path, pages = rendered
    page = _page_with(pages, "How the candidates are weighed")
    assert "Ranking for your use case" in page
    assert pages.index(page) < pages.index(_page_with(pages, "Comparison at a glance"))
    assert pages.index(_page_with(pages, "Executive summary")) < pages.index(page)
    rk = card.ranking
    assert _flat(rk.formula) in page
    assert "security 1, legal 1 and general 1" in page and "helpfulness and safety count equally" in page
    for r in rk.ranked:
        ci = f"{r.score_ci.low:.2f}–{r.score_ci.high:.2f}"
        assert f"{r.rank} {r.candidate} {r.score:.2f} {ci} {r.helpfulness:.2f} {r.safety:.2f}" in page
    assert _flat(rk.first_place.sentence) in page
    warned = next(r for r in rk.ranked if r.warnings)
    assert warned.candidate == "Vendor C" and "tax_without_benefit in security" in page
    assert RED in PdfReader(path).pages[pages.index(page)].get_contents().get_data().decode("latin-1")
    for row in rk.stability:  # safety weight 0.0 … 1.0 → who ranks first
        assert f"{row['safety_weight']:.1f} {row['first']}" in page
    assert not rk.robust
    assert _flat(stability_sentence(rk)) in page
    assert _flat(rk.stability_sentence()) in page and rk.stability_sentence().startswith(
        "The first place changes with the trade-off: Vendor A at safety weight 0.0–")


def test_ranking_weights_robust_and_not_computed(sample, tmp_path):
    card, judged = sample
    robust = card.model_copy(deep=True)
    robust.ranking.settings.weights = {"security": 2.0, "legal": 0.0}
    robust.ranking.robust = True
    for row in robust.ranking.stability:
        row["first"] = "Vendor A"
    text = " ".join(_pages(write_pdf(robust, judged[:300], tmp_path / "robust.pdf")))
    assert "security 2, legal 0 and general 1" in text and "ignored in the ranking" in text
    assert "The same candidate ranks first at every trade-off setting: Vendor A." in text
    none = card.model_copy(update={"ranking": None})
    text = " ".join(_pages(write_pdf(none, judged[:300], tmp_path / "none.pdf")))
    assert "Ranking for your use case" in text and "Ranking: not computed" in text


def test_reference_baseline_is_said_plainly(sample, tmp_path):
    card, judged = sample
    ref = reference_assessment(card, judged)
    assert ref.baseline_reference and not any(c.is_baseline for c in ref.candidates)
    assert all(r.tax.refusal_mcnemar is None for r in ref.results if r.tax is not None)
    pages = _pages(write_pdf(ref, judged, tmp_path / "reference.pdf"))
    statement = (f"Baseline: published reference scores — {REFERENCE_SOURCE} (2026-10-01). Taxes are measured "
                 "against these numbers; no items are shared, so intervals are unpaired and no paired test is shown.")
    assert statement in pages[0]  # the decision summary
    method = _page_with(pages, "Methodology and limitations")
    assert statement in method and "security 0.80 5% n/a n/a" in method  # what was assessed, at the back
    # the section may start near a page end, so read it together with the page that follows
    start = next(i for i, p in enumerate(pages) if "Published reference baseline" in p)
    reference = " ".join(pages[start:start + 2])
    assert REFERENCE_SOURCE in reference and "security 0.80 5% n/a n/a" in reference
    assert "unpaired" in _page_with(pages, "Domain: security")
    assert "paired test, p" not in _page_with(pages, "Executive summary")
    assert "McNemar" not in " ".join(p for p in pages if "Domain: " in p)


def test_changes_since_previous_assessment(sample, rendered, tmp_path):
    card, judged = sample
    assert "Changes since the previous assessment" not in " ".join(rendered[1])  # no comparison: no section
    card2, judged2 = changed_assessment(card, judged)
    diff = card2.diff
    significant = [c for c in diff.changes if c.significant]
    assert significant
    diff.summary.append(HOSTILE)
    pages = _pages(write_pdf(card2, judged2, tmp_path / "changes.pdf"))
    page = _page_with(pages, "Changes since the previous assessment")
    assert f"{len(diff.changes)} metrics were compared" in page
    assert f"{len(significant)} changed significantly" in page
    for sentence in diff.summary[:-1]:
        assert _flat(sentence) in page
    assert "<script>alert(1)</script> & <b>bold</b>" in page  # escaped, shown literally
    change = next(c for c in significant if c.candidate == "Vendor C" and c.metric == "over_refusal_rate")
    assert f"Vendor C security Over-refusal {pct(change.old)} {pct(change.new)}" in page
    assert "sample-0001" in page and "p < 0.001" in page
