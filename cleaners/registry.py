"""The packaged cleaners, one line each. Order is priority: when two cleaners match the same
line, the earlier one is credited with the removal."""

CLEANER_NAMES: tuple[str, ...] = (
    "cookie_banner",
    "license_line",
    "advertisement",
    "image_caption",
    "repeated_line",
    "article_credits",
    "page_title",
)
