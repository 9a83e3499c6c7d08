"""The packaged cleaners, one line each. Order is priority: when two cleaners match the same
line, the earlier one is credited with the removal."""

CLEANER_NAMES: tuple[str, ...] = (
    "cookie_banner",
    "license_line",
    "advertisement",
    "image_caption",
    # Single-line labels before related_links, so "Leave a Reply" under "Read More" is credited to comments_widget.
    "site_chrome",
    "newsletter_prompt",
    "social_prompt",
    "comments_widget",
    "related_links",
    # Last: a repeated line that another cleaner explains is credited to that cleaner.
    "duplicate_line",
    # Off by default: needs corpus statistics from a first pass over the inputs.
    "repeated_line",
)
