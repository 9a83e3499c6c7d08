"""Site chrome left in the text: language pickers, machine-translation notices, search trends, hotlines, reading times."""

from .base import PatternCleaner


class SiteChromeCleaner(PatternCleaner):
    """Whole-line rules from site_chrome.yaml."""


CLEANER = SiteChromeCleaner
