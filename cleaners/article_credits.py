"""Newsroom credits and author-bio tails under an article: wire credits, "contributed reporting", syndication notes."""

from .base import PatternCleaner


class ArticleCreditsCleaner(PatternCleaner):
    """Whole-line rules from article_credits.yaml."""


CLEANER = ArticleCreditsCleaner
