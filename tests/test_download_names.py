"""Downloads are named after the assessment and the date, so files never overwrite each other."""

from assessment.reports.bundle import bundle_name
from assessment.reports.export import download_name


def test_download_names_carry_the_assessment_and_the_date():
    assert download_name("Q3 vendor shortlist: HR/legal", "scorecard.pdf", day="2026-12-02") == \
        "q3-vendor-shortlist-hr-legal-2026-12-02-scorecard.pdf"
    assert download_name("???", "scorecard.xlsx", day="2026-12-02") == "assessment-2026-12-02-scorecard.xlsx"
    assert bundle_name("Vendor review").startswith("vendor-review-20") and bundle_name("x").endswith("-evidence.zip")
