"""Everything a user reads, as validated data: `load_content()` returns it or raises `ContentError`."""

from content.loader import DEFAULT_DIR, Content, ContentError, load_content

__all__ = ["DEFAULT_DIR", "Content", "ContentError", "load_content"]
