"""News licence numbers, copyright lines and reproduction notices."""

from .base import PatternCleaner


class LicenseLineCleaner(PatternCleaner):
    """Whole-line rules from license_line.yaml."""


CLEANER = LicenseLineCleaner
