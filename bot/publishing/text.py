"""Making feed text safe and short enough for Discord: markdown escaping, mention neutralising, truncation.

Everything a feed says is hostile until proven otherwise: a headline may contain `@everyone`, `<@&123>` (a role
ping), `**bold**`, or a masked link `[click](http://evil)` that hides where it goes. Escaped text shows the
characters literally in Discord (its markdown treats a backslash before punctuation as "show this character").

Lengths are counted in UTF-16 code units, the way Discord's JavaScript-based validation counts them, so an
emoji counts 2. That is never less than Python's `len`, so the limits hold under either way of counting.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

ELLIPSIS = "…"
ZWSP = "\u200b"

# Characters that start or end markdown anywhere in a line. Brackets break masked links; '<' breaks
# <@id>/<#id>/<t:..>/<:emoji:id> syntax; '@' is handled separately (it needs a zero-width space, not a backslash).
_INLINE = str.maketrans({char: "\\" + char for char in "\\*_~`|<>[]"})
# Markdown that only counts at the start of a line: headings, quotes, list items, subtext (-#).
_LINE_START = re.compile(r"^(\s*)([#>\-+])", re.MULTILINE)
# "1. item": the backslash goes before the dot, since a backslash only escapes punctuation.
_NUMBERED = re.compile(r"^(\s*\d+)\.", re.MULTILINE)
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
# <@user>, <@!user>, <@&role>, <#channel>, </command:id>, <:emoji:id>, <a:emoji:id>, <t:timestamp>.
_ANGLE_SYNTAX = re.compile(r"<(?=[@#/:]|a:|t:)", re.IGNORECASE)
# Control characters except newline and tab; they can break clients and confuse length accounting.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UNESCAPE = re.compile(r"\\([^A-Za-z0-9\s])")


def dlen(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def clean(text: str | None, *, single_line: bool = False) -> str:
    """Normalise feed text: NFC, no control characters, collapsed blank runs; one line if asked."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        return " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def escape(text: str | None, *, single_line: bool = False, limit: int | None = None) -> str:
    """Clean `text`, escape every markdown construct and neutralise every mention; the result shows literally.

    With `limit`, text that cannot fit anyway is cut before escaping (escaping only lengthens), so a hostile
    megabyte-long summary costs no more than a long one; `truncate` then makes the final cut.
    """
    text = clean(text, single_line=single_line)
    if limit is not None:
        text = text[: limit + 1]
    # Belt and braces for mentions: the backslash before '<' already shows them raw; a zero-width space
    # after it also breaks the syntax for any client or surface that ignores the escape.
    text = _ANGLE_SYNTAX.sub("<" + ZWSP, text)
    text = text.translate(_INLINE)
    text = _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    text = _NUMBERED.sub(lambda m: f"{m.group(1)}\\.", text)
    # A zero-width space after '@' stops @everyone/@here even where markdown escapes are not honoured
    # (Discord ignores backslashes before '@' for mass mentions in some surfaces).
    return _MASS_MENTION.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)


def fit(text: str | None, limit: int, *, single_line: bool = False) -> str:
    """Escape `text` and cut it to `limit`: the one call for putting feed text into a bounded place."""
    return truncate(escape(text, single_line=single_line, limit=limit), limit)


def unescape(text: str) -> str:
    """Undo `escape` for plain-text output (the console): drop the backslashes and zero-width spaces."""
    return _UNESCAPE.sub(r"\1", text).replace(ZWSP, "")


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-16 units, ending with an ellipsis; never splits an escape or a pair.

    Prefers to cut at a word boundary when one is near the end, so a cut reads as a cut.
    """
    if limit <= 0:
        return ""
    if dlen(text) <= limit:
        return text
    budget = limit - dlen(ELLIPSIS)
    if budget <= 0:
        return ELLIPSIS[:limit]
    cut = _prefix_within(text, budget)
    space = cut.rfind(" ")
    if space >= len(cut) * 0.8:
        cut = cut[:space]
    # An odd run of trailing backslashes would escape the ellipsis and leave a dangling escape.
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def _prefix_within(text: str, budget: int) -> str:
    """The longest prefix of `text` whose UTF-16 length is at most `budget` (code points are never split)."""
    if len(text) <= budget and dlen(text) <= budget:
        return text
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            return text[:index]
    return text


def safe_url(url: str | None, *, max_length: int = 2048) -> str | None:
    """An http(s) URL fit to put in a markdown link or an embed URL, else None.

    Characters that would end a masked link early or open markdown are percent-encoded, so a hostile URL cannot
    smuggle its own link text or break out of `(...)`.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    quoted = quote(url, safe=":/?#@!$&'*+,;=%~-._")
    quoted = quoted.replace("'", "%27").replace("*", "%2A")
    return quoted if len(quoted) <= max_length else None


def link(name: str, url: str | None) -> str:
    """A masked link with escaped text, or just the escaped text when the URL is not safe."""
    text = fit(name, 200, single_line=True) or "source"
    target = safe_url(url, max_length=512)
    return f"[{text}]({target})" if target else text
