"""Small text helpers shared by extraction, clustering and summaries."""

from __future__ import annotations

import re

_ABBREVIATIONS = [(re.compile(r"\bU\.S\.(?=\W|$)"), "US"), (re.compile(r"\bU\.K\.(?=\W|$)"), "UK"),
                  (re.compile(r"\bU\.N\.(?=\W|$)"), "UN"), (re.compile(r"\bLt\.|\bGen\.|\bCol\.|\bSgt\.|\bMaj\."), "")]
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])")
_MONTH_ABBR = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.")

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "a dozen": 12, "two dozen": 24, "three dozen": 36, "four dozen": 48, "five dozen": 60,
    "another": 1, "dozen": 12, "single": 1,
}


def normalize(text: str) -> str:
    """Collapse whitespace and rewrite dotted abbreviations (U.S. -> US) so sentence splitting is reliable."""
    text = re.sub(r"\s+", " ", text).strip()
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return _MONTH_ABBR.sub(r"\1", text)


def sentences(text: str) -> list[str]:
    """Split normalised text into sentences (good enough for news prose; no abbreviation dots remain)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def parse_number(word: str) -> int | None:
    """'three' -> 3, '47' -> 47, '1,200' -> 1200; None for anything else."""
    word = word.lower().strip()
    if word.replace(",", "").isdigit():
        return int(word.replace(",", ""))
    return NUMBER_WORDS.get(word)


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
