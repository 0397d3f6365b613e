"""Rendering: hostile feed text is shown literally, and every Discord limit holds for any input size."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.publishing.post import EventPost, SourceLink
from bot.publishing.render import (
    DESCRIPTION_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    KIND_COLORS,
    TITLE_MAX,
    TOTAL_MAX,
    RenderedPost,
    as_text,
    render_digest,
    render_event,
    total_length,
)
from bot.publishing.text import ELLIPSIS, dlen, escape, safe_url, truncate, unescape

WHEN = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
# A masked link whose brackets are not escaped: [text](target)
MASKED_LINK = re.compile(r"(?<!\\)\[(?:\\.|[^\\\]\n])*\]\(")


def make_post(**changes) -> EventPost:
    post = EventPost(
        event_id=7, revision=1, kind="militia_attack", title="Drone attack on Ain al-Asad",
        summary="Two one-way attack drones targeted the base; one was shot down.", occurred_at=WHEN,
        who="Islamic Resistance in Iraq (claimed)", where="Ain al-Asad air base, Iraq",
        weapon="one-way attack drones", casualties="no injuries reported",
        context=("3rd attack on Ain al-Asad in 7 days", "last US strike: 6 days ago, on KH sites near al-Qaim"),
        sources=(SourceLink("Reuters", "https://example.com/a", WHEN),), confidence=0.87, model_version="m-2026.01",
    )
    return replace(post, **changes)


def texts(rendered: RenderedPost) -> list[str]:
    return [rendered.title, rendered.description, rendered.footer] + [
        part for name, value, _ in rendered.fields for part in (name, value)]


def assert_within_limits(rendered: RenderedPost) -> None:
    assert 0 < dlen(rendered.title) <= TITLE_MAX
    assert 0 < dlen(rendered.description) <= DESCRIPTION_MAX
    assert len(rendered.fields) <= FIELDS_MAX
    for name, value, _ in rendered.fields:
        assert name.strip() and dlen(name) <= FIELD_NAME_MAX
        assert value.strip() and dlen(value) <= FIELD_VALUE_MAX
    assert dlen(rendered.footer) <= FOOTER_MAX
    assert total_length(rendered) <= TOTAL_MAX


HOSTILE = [
    "@everyone breaking news",
    "@here look",
    "ping <@&123456789> now",
    "user <@42> and <@!43> and channel <#99>",
    "**bold** __underline__ ~~strike~~ `code` ||spoiler||",
    "[click here](http://evil.example/steal)",
    "# heading\n> quote\n- list\n1. numbered",
    "back\\slash and \\*escaped\\* and <t:1700000000:R>",
]


@pytest.mark.parametrize("attack", HOSTILE)
@pytest.mark.parametrize("where", ["title", "summary", "who", "where", "weapon", "casualties", "context", "source"])
def test_feed_text_cannot_format_link_or_ping(attack: str, where: str) -> None:
    if where == "context":
        post = make_post(context=(attack,))
    elif where == "source":
        post = make_post(sources=(SourceLink(attack, "https://example.com/x", WHEN),))
    else:
        post = make_post(**{where: attack})
    rendered = render_event(post)
    for text in texts(rendered):
        assert not re.search(r"@(everyone|here)", text, re.IGNORECASE), text
        assert not re.search(r"<[@#]|<t:", text), text
        assert not re.search(r"(?<!\\)(\*\*|__|~~|\|\||`)", text), text
        assert not re.search(r"^\s*(#|>|-|\d+\.)\s", text, re.MULTILINE), text
        # The sources field holds our own links, exactly one per source; anywhere else there is none.
        expected = 1 if text == rendered.fields[-1][1] else 0
        assert len(MASKED_LINK.findall(text)) == expected, text
    # ...and the console shows the words as they were written (no escapes, no zero-width spaces).
    first_word = attack.split()[0].strip("#>-*[")
    assert first_word in as_text(rendered)


def test_escaped_markdown_reads_back_as_the_original() -> None:
    for attack in HOSTILE:
        assert unescape(escape(attack)) == attack


def test_source_links_cannot_be_hijacked() -> None:
    sources = (
        SourceLink("x](http://evil.example) [y", "https://ok.example/a", WHEN),
        SourceLink("Script", "javascript:alert(1)", WHEN),
        SourceLink("Parens", "https://ok.example/a_(b)?q=1 2", WHEN),
        SourceLink("NoUrl", None, WHEN),
    )
    value = dict((name.split(" ")[0], v) for name, v, _ in render_event(make_post(sources=sources)).fields)["Sources"]
    lines = value.splitlines()
    assert lines[0].startswith("[x\\](http://evil.example) \\[y](https://ok.example/a)")
    assert "javascript" not in value and lines[1].startswith("Script ·")
    assert "(https://ok.example/a_%28b%29?q=1%202)" in lines[2]
    assert lines[3].startswith("NoUrl ·")
    assert safe_url("javascript:alert(1)") is None and safe_url("ftp://x.example/") is None
    assert safe_url("https://") is None


def test_colour_fields_footer_and_url() -> None:
    rendered = render_event(make_post())
    assert rendered.color == KIND_COLORS["militia_attack"]
    assert render_event(make_post(kind="us_strike")).color == KIND_COLORS["us_strike"]
    assert render_event(make_post(kind="something_else")).color not in KIND_COLORS.values()
    names = [name for name, _, _ in rendered.fields]
    assert names == ["Who", "Where", "Weapon", "Casualties", "Timeline", "Sources (1)"]
    timeline = rendered.fields[4][1]
    assert "3rd attack on Ain al\\-Asad" not in timeline  # hyphens mid-line are not escaped
    assert "• 3rd attack on Ain al-Asad in 7 days" in timeline
    assert rendered.footer == "confidence 87% · model m-2026.01 · event #7"
    assert rendered.url == "https://example.com/a" and rendered.timestamp == WHEN
    assert "updated (rev 3)" in render_event(make_post(revision=3)).footer
    assert rendered.title.startswith("Militia attack: Drone attack")


def test_missing_parts_leave_no_blank_fields() -> None:
    rendered = render_event(make_post(who=None, where="  ", weapon="", casualties=None, context=(), sources=(),
                                      summary="", title=""))
    assert rendered.fields == ()
    assert rendered.description == "No summary yet."
    assert rendered.url is None
    assert_within_limits(rendered)


def _noise(rng: random.Random, size: int) -> str:
    """Hostile text of exactly `size` characters: a random slice of a pre-made pool."""
    start = rng.randrange(0, len(POOL) - size) if size < len(POOL) else 0
    return (POOL * (size // len(POOL) + 1))[start:start + size]


def _make_pool(rng: random.Random, size: int) -> str:
    alphabet = "abcdefghij klmnop \\*_~`|<>[]()#@-.\n😀ا𝔘"
    words = ["@everyone", "<@&1>", "**x**", "[a](http://e)", "\\\\", "al-Qaim", "\n- "]
    out: list[str] = []
    length = 0
    while length < size:
        out.append(rng.choice(words) if rng.random() < 0.1 else rng.choice(alphabet))
        length += len(out[-1])
    return "".join(out)[:size]


POOL = _make_pool(random.Random(1), 50_000)
SIZES = [0, 1, 2, 255, 256, 257, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097, 6001, 20_000, 100_000]


def test_every_limit_holds_for_generated_sizes() -> None:
    """Property, by enumeration: whatever the sizes of every part, the rendered post fits every limit."""
    rng = random.Random(20260110)
    checked = 0
    for size in SIZES:
        for _ in range(4):
            post = make_post(
                title=_noise(rng, rng.choice([size, rng.randint(0, 400)])),
                summary=_noise(rng, size),
                who=_noise(rng, rng.choice([size, 30])), where=_noise(rng, rng.choice([size, 0])),
                weapon=_noise(rng, rng.choice([size, 10])), casualties=_noise(rng, size),
                context=tuple(_noise(rng, rng.randint(1, max(1, size // 10 + 1))) for _ in range(rng.randint(0, 60))),
                sources=tuple(SourceLink(_noise(rng, rng.randint(0, 300)),
                                         f"https://e.example/{i}?" + "a" * (size % 900), WHEN)
                              for i in range(rng.randint(0, 80))),
                extra={f"{_noise(rng, rng.randint(1, 300))}{i}": _noise(rng, size) for i in range(rng.randint(0, 40))},
                model_version=_noise(rng, min(size, 3000)),
            )
            rendered = render_event(post)
            assert_within_limits(rendered)
            if post.sources:
                assert rendered.fields[-1][0].startswith("Sources"), "sources survive the 25-field cut"
            checked += 1
    assert checked == len(SIZES) * 4


def test_digest_within_limits_for_any_number_of_posts() -> None:
    rng = random.Random(7)
    for count in [0, 1, 2, 25, 26, 100, 1000]:
        posts = [make_post(event_id=i, title=_noise(rng, rng.randint(0, 600)), where=_noise(rng, 40),
                           kind=rng.choice(["militia_attack", "us_strike"]),
                           occurred_at=WHEN + timedelta(minutes=i)) for i in range(count)]
        rendered = render_digest(posts, "@everyone " + "t" * 400)
        assert_within_limits(rendered)
        assert "@everyone" not in rendered.title
        if count > 40:
            assert re.search(rf"{ELLIPSIS} and \d+ more$", rendered.description)
        if count:
            total = sum(int(value) for _, value, _ in rendered.fields)
            assert total == count
            assert "`#0`" in rendered.description


def test_truncate_never_leaves_a_dangling_escape_or_splits_a_pair() -> None:
    for limit in range(1, 40):
        for text in ["\\" * 100, escape("*" * 100), "😀" * 50, "ab" * 100]:
            cut = truncate(text, limit)
            assert dlen(cut) <= limit
            if cut.endswith(ELLIPSIS) and len(cut) > 1:
                body = cut[: -len(ELLIPSIS)]
                assert (len(body) - len(body.rstrip("\\"))) % 2 == 0
            cut.encode("utf-8")  # no lone surrogates


def test_huge_feed_text_is_cut_visibly() -> None:
    rendered = render_event(make_post(summary="word " * 200_000, title="t" * 10_000))
    assert rendered.description.endswith(ELLIPSIS) and dlen(rendered.description) <= DESCRIPTION_MAX
    assert rendered.title.endswith(ELLIPSIS) and dlen(rendered.title) == TITLE_MAX
    assert render_event(make_post(summary="x" * DESCRIPTION_MAX)).description == "x" * DESCRIPTION_MAX


def test_as_text_is_readable() -> None:
    text = as_text(render_event(make_post(title="**Big** news @everyone")))
    assert text.splitlines()[0] == "Militia attack: **Big** news @everyone"
    assert "Timeline:" in text and "  • 3rd attack on Ain al-Asad in 7 days" in text
    assert "2026-01-10 12:00 UTC" in text
