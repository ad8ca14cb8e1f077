"""Seller-written Markdown rendered safely: no raw HTML, no images (no remote requests, no
tracking pixels), links marked nofollow/noopener and only to http(s)/onion addresses."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["image"])

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
                "h1", "h2", "h3", "h4", "h5", "h6", "hr", "a"}
_WS = re.compile(r"\s+")


def render_markdown(text: str) -> str:
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https"},
        link_rel="nofollow noopener noreferrer ugc",
    )


def markdown_to_text(text: str) -> str:
    """Plain text of rendered Markdown, for search indexing and summaries."""
    html = render_markdown(text)
    plain = nh3.clean(html, tags=set())
    return _WS.sub(" ", plain).strip()
