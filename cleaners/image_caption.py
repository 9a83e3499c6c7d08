"""Photo credits, and caption lines that end in a credit."""

from .base import PatternCleaner


class ImageCaptionCleaner(PatternCleaner):
    """Whole-line rules from image_caption.yaml."""


CLEANER = ImageCaptionCleaner
