"""Newsletter sign-up and subscription prompts."""

from .base import PatternCleaner


class NewsletterPromptCleaner(PatternCleaner):
    """Whole-line rules from newsletter_prompt.yaml."""


CLEANER = NewsletterPromptCleaner
