"""The category tree, read from the cache (catalog/cache.py): every catalogue page shows
it, and it changes only when the operator edits a category (which bumps the tree's own
generation)."""

from __future__ import annotations

from cryptoshop.catalog.cache import TREE_GENERATION_KEY, TREE_TTL_S, cached
from cryptoshop.catalog.models import Category


def _allowed() -> list[Category]:
    return list(Category.objects.select_related("parent").filter(prohibited=False))


def allowed_categories() -> list[Category]:
    """Every category that isn't prohibited, in display order (cached)."""
    return cached("categories", _allowed, TREE_TTL_S, scope=TREE_GENERATION_KEY)


def categories_tree() -> list[tuple[Category, list[Category]]]:
    """Top-level categories with their children, in display order."""
    cats = allowed_categories()
    top = [c for c in cats if c.parent_id is None]
    return [(c, [k for k in cats if k.parent_id == c.pk]) for c in top]


def category_by_slug(slug: str) -> tuple[Category | None, list[Category]]:
    """An allowed category and its allowed children, or (None, [])."""
    cats = allowed_categories()
    found = next((c for c in cats if c.slug == slug), None)
    if found is None:
        return None, []
    return found, [c for c in cats if c.parent_id == found.pk]


def category_ids(slug: str) -> list[int]:
    """The ids a category page lists: the category's and its children's."""
    found, children = category_by_slug(slug)
    return [] if found is None else [found.pk, *(c.pk for c in children)]
