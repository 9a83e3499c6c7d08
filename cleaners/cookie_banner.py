"""Cookie-consent banners, their titles and their buttons."""

from .base import PatternCleaner


class CookieBannerCleaner(PatternCleaner):
    """Whole-line rules from cookie_banner.yaml."""


CLEANER = CookieBannerCleaner
