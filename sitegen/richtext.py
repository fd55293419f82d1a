"""Markdown from content files rendered to HTML that is safe to put in a page."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import markdown
import nh3

# What content may produce: text structure and links, nothing that runs,
# loads a resource from elsewhere or changes the page's layout.
_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "small",
    "sub", "sup", "code", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "h3", "h4", "h5", "h6", "a", "abbr", "table", "thead", "tbody", "tr", "th", "td",
}
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}, "th": {"scope"}}
_HEADING = re.compile(r"<(/?)h([12])>")
# Results are kept only for texts asked for again: a badge's texts come back on every one
# of its awards' pages, while an award's own narrative never does (kept, those filled every
# worker's cache with texts never asked for again: megabytes in a big site). Texts seen
# once are remembered by their hash alone.
_KEPT = 4096
_SEEN = 16384


@functools.cache
def _converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=["sane_lists", "tables", "def_list", "abbr"])


class _KeptWhenRepeated:
    """A function of a text, with its results kept for the texts it is given again."""

    def __init__(self, function: Callable[[str], str]) -> None:
        self.function = function
        self.kept = functools.lru_cache(maxsize=_KEPT)(function)
        self.seen: set[int] = set()
        functools.update_wrapper(self, function)

    def __call__(self, text: str) -> str:
        key = hash(text)
        if key in self.seen:
            return self.kept(text)
        if len(self.seen) >= _SEEN:
            self.seen.clear()
        self.seen.add(key)
        return self.function(text)

    def cache_info(self) -> functools._CacheInfo:
        """How many results are kept (see :func:`functools.lru_cache`)."""
        return self.kept.cache_info()


@_KeptWhenRepeated
def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML.

    Raw HTML in the source is escaped by the sanitizer unless allowed;
    page-level headings are demoted so content cannot outrank the page's own.
    """
    converter = _converter()
    converter.reset()
    html = converter.convert(text)
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h3>", html)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@_KeptWhenRepeated
def to_plain_text(text: str) -> str:
    """Markdown reduced to plain text, for meta descriptions and alt-like uses."""
    html = render_markdown(text)
    plain = nh3.clean(html, tags=set(), attributes={})
    plain = plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    plain = plain.replace("&quot;", '"').replace("&#39;", "'")
    return re.sub(r"\s+", " ", plain).strip()
