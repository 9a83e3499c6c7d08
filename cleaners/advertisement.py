"""Advertisement markers and ad-continuation notes."""

from .base import PatternCleaner


class AdvertisementCleaner(PatternCleaner):
    """Whole-line rules from advertisement.yaml."""


CLEANER = AdvertisementCleaner
