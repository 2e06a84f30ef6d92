"""Audit: a person confirms or corrects a random sample of verdicts; the scorecard then states how
often the classifier agreed with people on this assessment and corrects each rate for its errors."""

from assessment.audit.correction import CorrectedRate, ErrorRates, corrected_rate, error_rates, rogan_gladen
from assessment.audit.sampling import AuditItem, Part, draw_sample

__all__ = ["AuditItem", "CorrectedRate", "ErrorRates", "Part", "corrected_rate", "draw_sample", "error_rates",
           "rogan_gladen"]
