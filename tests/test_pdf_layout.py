"""Layout of scorecard.pdf on an assessment with long candidate names in six domains: page 1 is the decision
summary, no text is printed over other text on any page, no page is nearly blank, and no name is broken inside
a word in a table. Text positions are read back with pypdf (``pdf_boxes``)."""

from __future__ import annotations

import re

import pytest
from pdf_boxes import overlapping, pdf_boxes
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from assessment.reports.pdf_report import write_pdf
from assessment.reports.pdf_style import MARGIN, fonts
from assessment.testing.sample import LONG_NAMES, sample_assessment

DOMAINS = ["security", "legal", "medical", "creative", "controversial", "general"]
FOOTER_TOP = 40  # points from the bottom: the footer line (name, page number) sits below this
FRAME_H = A4[1] - 2 * MARGIN


@pytest.fixture(scope="module")
def long_names(tmp_path_factory):
    card, judged = sample_assessment(candidates=list(LONG_NAMES), packs=DOMAINS)
    path = write_pdf(card, judged, tmp_path_factory.mktemp("layout") / "scorecard.pdf")
    return card, path, pdf_boxes(path)


@pytest.fixture(scope="module")
def both(long_names, sample, tmp_path_factory):
    """The long-names assessment and the standard sample (three domains, short names)."""
    card, judged = sample
    path = write_pdf(card, judged, tmp_path_factory.mktemp("layout") / "sample.pdf")
    return {"long names": long_names[2], "sample": pdf_boxes(path)}


def _text(boxes) -> str:
    """The page's text in reading order, with a wrap after a hyphen joined back ("Mode- 2026" → "Mode-2026")."""
    text = " ".join(b.text for b in sorted(boxes, key=lambda b: (-round(b.y0), b.x0)))
    return re.sub(r"([-_/])\s+", r"\1", " ".join(text.split()))


def _columns(boxes) -> list[str]:
    """The text of each column (boxes starting at the same x), top to bottom, joined as in ``_text``."""
    by_x: dict[int, list] = {}
    for b in boxes:
        by_x.setdefault(round(b.x0), []).append(b)
    return [_text(col) for col in by_x.values()]


def test_page_one_is_the_decision_summary(long_names):
    card, path, pages = long_names
    first = _text(pages[0])
    for needle in ("Decision summary", "Decision: Shortlist Vendor A", "ranks first with a score of", "Overall verdict",
                   "Alignment tax by candidate and domain", "refusal", "capability", "inconclusive",
                   "Safety, attack success, cost and latency", "Cost per", "(USD)", "Latency",
                   "0.5000 USD", "Decision record", "approved by Test Approver", "on 2026-11-28"):
        assert needle in first, needle
    for dom in DOMAINS:
        assert dom in first
    columns = _columns(pages[0])
    for name in LONG_NAMES:  # every name whole in the candidates table: not cut, not truncated
        assert any(name in col for col in columns), name
    for name in list(LONG_NAMES)[1:]:  # ... and in the heatmap, which has no row for the baseline
        assert sum(name in col for col in columns) >= 2, name
    for back in ("Assessment id", "Methodology and limitations", "Executive summary", "config hash"):
        assert back not in first  # metadata and methodology are at the back
    texts = [_text(p) for p in pages]
    assert texts[1].count("Executive summary") == 1 and "Executive summary" in texts[1][:200]
    about = next(i for i, t in enumerate(texts) if "About this assessment" in t)
    last_domain = max(i for i, t in enumerate(texts) if "Domain: " in t)
    assert about > last_domain and card.assessment_id in texts[about]
    assert "Sign-off" in texts[-1]


def test_no_text_overprints_other_text_on_any_page(both):
    problems = [(name, i, a.text[:40], b.text[:40]) for name, pages in both.items()
                for i, boxes in enumerate(pages, 1) for a, b in overlapping(boxes)]
    assert problems == []


def test_the_overlap_check_sees_overprinted_text(tmp_path):
    path = tmp_path / "overprint.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFont(fonts().regular, 7)
    canvas.drawString(100, 500, "share of requests answered; whiskers: 95% interval")
    canvas.drawString(190, 501, "100%")
    canvas.drawString(100, 300, "apart")
    canvas.save()
    pairs = overlapping(pdf_boxes(path)[0])
    assert [(a.text, b.text) for a, b in pairs] in ([("share of requests answered; whiskers: 95% interval", "100%")],
                                                    [("100%", "share of requests answered; whiskers: 95% interval")])


def test_no_page_is_nearly_blank(long_names, both):
    _, path, pages = long_names
    assert len(pages) == len(PdfReader(path).pages)
    for name, pages in both.items():
        for i, boxes in enumerate(pages, 1):
            body = [b for b in boxes if b.y0 > FOOTER_TOP]
            assert body, f"{name}: page {i} has no text"
            used = max(b.y1 for b in body) - min(b.y0 for b in body)
            if i < len(pages):  # the last page holds the sign-off: it may be short, but not empty
                assert used > 0.3 * FRAME_H, f"{name}: page {i} is nearly blank ({used:.0f} of {FRAME_H:.0f} pt used)"
            else:
                assert len(body) >= 10


def _broken(upper: str, lower: str, names: list[str]) -> bool:
    """A line ending in ``upper``'s last word continued by ``lower``'s first, inside a name's word, not after a
    hyphen, underscore, slash or dot."""
    if not upper.split() or not lower.split():
        return False
    end, start = upper.split()[-1], lower.split()[0]
    if not (end[-1].isalnum() and start[0].isalnum()):
        return False
    return any(end + start in word for name in names for word in name.split() if len(word) > 4)


def test_no_name_is_broken_inside_a_word_in_any_table(long_names):
    _, _, pages = long_names
    names = list(LONG_NAMES)
    broken = []
    for i, boxes in enumerate(pages, 1):
        for a in boxes:  # the next line of the same cell starts at the same x, one line lower
            below = [b for b in boxes if abs(b.x0 - a.x0) < 0.5 and 0 < a.y0 - b.y0 < 2 * a.size]
            for b in below:
                if _broken(a.text, b.text, names):
                    broken.append((i, a.text, b.text))
    assert broken == []
