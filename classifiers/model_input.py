"""What the model reads of an article: the headline and lead apart from the rest of the body.

Training and prediction both go through `model_fields`, on the text `article_text` builds, so the model sees a
corpus item exactly as it sees a feed item. The article-text step (`classifiers.article_text`) removes page
chrome (bylines, captions, menus, stamps, " - Outlet" suffixes) and marks background paragraphs; background is
left out, so the attack a strike answers or a campaign tally cannot outvote a short lead. The headline and lead
form one field, the whole foreground text (headline, lead and the news paragraphs after it) another; the
pipeline weighs the two apart (`classifiers.pipeline`), so the lead counts twice and later paragraphs once, at
a lower weight.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from classifiers.article_text import read_article
from classifiers.corpus import MAX_INPUT_CHARS, split_article_text

HEAD, TEXT = 0, 1


def model_fields(text: str) -> tuple[str, str]:
    """(headline and lead, foreground text) of a model input built by `article_text`."""
    title, summary = split_article_text((text or "")[:MAX_INPUT_CHARS])
    article = read_article(title, summary)
    head = "\n".join(part for part in (article.headline, article.lead) if part)
    return head, article.foreground()


def model_matrix(texts: Sequence[str]) -> np.ndarray:
    """The pipeline's input: one row per text, columns HEAD and TEXT (an object array of strings)."""
    out = np.empty((len(texts), 2), dtype=object)
    for n, text in enumerate(texts):
        out[n, HEAD], out[n, TEXT] = model_fields(text)
    return out


# Function words of the other languages feeds bring (es, fr, de, it, pl, id, tr), chosen not to be English words.
_FOREIGN_WORDS = re.compile(
    r"\b(?:el|los|las|del|por|con|una|para|que|fue|según|le|les|des|du|et|est|sur|dans|par|selon|été|der|das|"
    r"und|auf|mit|von|ein|eine|nach|wurde|bei|il|della|che|nel|sono|dei|się|na|przez|że|yang|dan|ke|dari|pada|"
    r"oleh|ve|bir|ile|için)\b",
    re.IGNORECASE,
)
_ENGLISH_WORDS = re.compile(r"\b(?:the|and|of|to|in|on|was|were|said|has|have|that|with|for|by|at|is|are)\b",
                            re.IGNORECASE)
_LATIN_LETTER = re.compile(r"[A-Za-zÀ-ɏ]")
_LETTER = re.compile(r"[^\W\d_]")


def is_english(text: str) -> bool:
    """False for text in another language: mostly non-Latin letters (Arabic, Persian, Cyrillic), or more of
    another language's function words than of English ones. A headline without function words counts as English.

    (The article-text step has a check of its own for its paragraph rules; this one must also judge headlines.)
    """
    letters = len(_LETTER.findall(text))
    if letters and len(_LATIN_LETTER.findall(text)) < 0.7 * letters:
        return False
    foreign = len(_FOREIGN_WORDS.findall(text))
    return foreign < 2 or foreign <= len(_ENGLISH_WORDS.findall(text))
