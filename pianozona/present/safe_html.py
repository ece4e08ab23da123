"""Escape by construction, the last line of defence of every page: sanitiser, no network loads, autoescaping Jinja.

Every page body, the author's markdown cells and the outputs alike, goes through
`sanitise`, an allow-list sanitiser (nh3): tables, text, headings, lists, links
and ``data:`` images survive; scripts, event handlers, frames, forms and styles
(except ``text-align``) do not. `neutralise_remote` then drops every attribute or
CSS ``url()`` left that would fetch from the network. The templates (``templates/``,
found next to this file) are rendered by `environment`, autoescape on, so titles,
district names, index rows and tracebacks are escaped; ``base.html.j2`` carries
the Content-Security-Policy that forbids scripts and any network load, and
`stylesheet` is the CSS every page inlines. `EMBEDDED_IMAGE` is the only image
source a page may keep (a ``data:`` URI).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import nh3

#: the Jinja templates and the stylesheet of the pages
TEMPLATES = Path(__file__).resolve().parent / "templates"
_REMOTE = r"""(?:https?:)?//"""
_REMOTE_ATTR = re.compile(r"""\s(?:src|srcset|poster|data|background)\s*=\s*(["'])\s*""" + _REMOTE + r""".*?\1""",
                          re.I | re.S)
_REMOTE_CSS = re.compile(r"""(?:@import\s+)?url\(\s*(["']?)\s*""" + _REMOTE + r""".*?\1\s*\)""", re.I)
#: the only image source a page keeps: an image embedded as a base64 ``data:`` URI
EMBEDDED_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]*\Z")

# What a page body may contain after sanitising (nh3, an allow-list): everything else is dropped.
SAFE_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
SAFE_ATTRIBUTES = {
    "*": {"class", "lang", "title"},
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start"},
    "div": {"tabindex", "role", "aria-label"}, "span": {"aria-hidden"},  # a symbol the word beside it says
    "th": {"scope", "colspan", "rowspan", "style"}, "td": {"colspan", "rowspan", "style"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
#: Tags removed together with their content (the others lose the tag and keep the text).
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template",
                                  "svg", "math", "textarea", "select", "applet", "frameset", "noembed"})


def sanitise(fragment: str) -> str:
    """`fragment` with only the allow-listed tags and attributes; links and images never execute or fetch.

    ``href`` keeps http(s), mailto and relative links; ``src`` keeps only the
    ``data:`` images the page embeds; ``style`` keeps only ``text-align``.
    """
    return nh3.clean(fragment, tags=set(SAFE_TAGS), attributes={k: set(v) for k, v in SAFE_ATTRIBUTES.items()},
                     clean_content_tags=set(DROPPED_WITH_CONTENT), url_schemes={"http", "https", "mailto", "data"},
                     attribute_filter=_safe_attribute, filter_style_properties={"text-align"}, link_rel=None,
                     strip_comments=True)


def _safe_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if EMBEDDED_IMAGE.match(value) else None
    if attribute == "href":
        return value if urlsplit(value.strip()).scheme.lower() in ("", "http", "https", "mailto") else None
    return value


def neutralise_remote(page: str) -> str:
    """Drop every attribute or CSS url() that would fetch a resource from the network."""
    page = _REMOTE_ATTR.sub("", page)
    return _REMOTE_CSS.sub("none", page)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja environment of every page and fragment: the package templates, autoescape on."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The CSS of every page (``templates/style.css``), inlined by the templates."""
    return (TEMPLATES / "style.css").read_text(encoding="utf-8")
