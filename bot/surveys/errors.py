"""The one error of survey files."""

from __future__ import annotations


class SurveyConfigError(ValueError):
    """The survey file is invalid; the message names the bad field."""
