"""Follow-us and share prompts."""

from .base import PatternCleaner


class SocialPromptCleaner(PatternCleaner):
    """Whole-line rules from social_prompt.yaml."""


CLEANER = SocialPromptCleaner
