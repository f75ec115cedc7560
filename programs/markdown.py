"""Markdown to sanitised HTML: admins write guidelines and resources, everyone reads them."""

from functools import lru_cache
from html.parser import HTMLParser

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}


@lru_cache(maxsize=512)  # the same guidelines are rendered into every welcome email of a cohort
def render_markdown(text: str) -> SafeString:
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"])
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return mark_safe(clean)  # noqa: S308  nh3 removed every tag and attribute not allowed


class _PlainText(HTMLParser):
    """Rendered Markdown → readable plain text: paragraphs apart, list items as "- " (or
    "1. "), links as "text (address)", emphasis and code marks dropped, entities decoded."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul",
              "ol", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, next number] per open list
        self.href: list[str | None] = []
        self.link_start: list[int] = []
        self.in_pre = False

    def _break(self, blank: bool = True) -> None:
        """End the current line; with ``blank`` (outside lists) leave an empty line too."""
        text = "".join(self.out).rstrip(" ")
        if not text:
            self.out = []
            return
        want = 2 if blank and not self.lists else 1
        have = len(text) - len(text.rstrip("\n"))
        self.out = [text + "\n" * max(want - have, 0)]

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self._break()
        if tag == "pre":
            self.in_pre = True
        if tag in ("ul", "ol"):
            self.lists.append([tag, 1])
        elif tag == "li":
            self._break(blank=False)
            depth = max(len(self.lists) - 1, 0)
            kind = self.lists[-1] if self.lists else ["ul", 1]
            bullet = f"{kind[1]}. " if kind[0] == "ol" else "- "
            kind[1] += 1
            self.out.append("  " * depth + bullet)
        elif tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self.out.append("----")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
            self.link_start.append(len("".join(self.out)))
        elif tag in ("td", "th") and "".join(self.out).rsplit("\n", 1)[-1].strip():
            self.out.append(" | ")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._break()
        elif tag in self.BLOCKS:
            self.in_pre = self.in_pre and tag != "pre"
            self._break()
        elif tag == "tr":
            self._break(blank=False)
        elif tag == "a" and self.href:
            href, start = self.href.pop(), self.link_start.pop()
            label = "".join(self.out)[start:].strip()
            if href and href not in (label, f"mailto:{label}"):
                self.out.append(f" ({href})")

    def handle_data(self, data):
        if self.in_pre:
            self.out.append(data)
            return
        if not data.strip() and (not self.out or "".join(self.out).endswith(("\n", " ", "| "))):
            return
        data = " ".join(data.split("\n"))
        if "".join(self.out[-1:]).endswith("\n"):
            data = data.lstrip()
        self.out.append(data)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.out).strip().split("\n")]
        return "\n".join(lines)


@lru_cache(maxsize=512)
def render_markdown_text(text: str) -> str:
    """Markdown as plain text for the text part of an email (``**Meet**`` → ``Meet``). The
    result is not HTML: render it with autoescaping off."""
    parser = _PlainText()
    parser.feed(render_markdown(text))  # the same sanitised content as the HTML part
    parser.close()
    return parser.text()
