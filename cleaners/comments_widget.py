"""Comment-section labels, counters and comment-policy notes."""

from .base import PatternCleaner


class CommentsWidgetCleaner(PatternCleaner):
    """Whole-line rules from comments_widget.yaml."""


CLEANER = CommentsWidgetCleaner
