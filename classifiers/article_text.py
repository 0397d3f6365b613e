"""The article-text step: read a news page the way an editor does.

A real page, as a feed or a scraper hands it over, opens with chrome (menus, "Skip to main content", share
buttons, bylines, photo captions and credits, time stamps, a repeat of the headline) before the news, and closes
with related links, newsletter prompts and a copyright line. Between them the lead states the incident; later
paragraphs add detail and, often, history: the attack a strike answers, campaign totals, earlier incidents.

`read_article` splits a title and a text into headline, dateline, lead and body paragraphs, removes the chrome
(kept in `removed` so a reader can check it) and marks background paragraphs. The classifier and the event
extraction both read through it, so they agree on what the news is. Pure and regex-only: it runs on every feed
item. Text that is not English is split into paragraphs but otherwise left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    background: bool  # history, "in response to", "the latest in a series", totals since a date, earlier incidents


@dataclass(frozen=True, slots=True)
class ArticleText:
    headline: str  # title with " - Outlet" / " | Outlet" / " – Outlet" suffixes removed
    dateline: str  # "BAGHDAD, March 11 (Reuters) -" style prefix of the lead, or ""
    lead: str  # first news paragraph after the chrome, dateline removed
    body: tuple[Paragraph, ...]  # later paragraphs, background ones marked
    removed: tuple[str, ...]  # chrome removed, in page order

    def foreground(self) -> str:
        """Headline, lead and the non-background body, in order, one paragraph per line."""
        parts = [self.headline, self.lead, *(p.text for p in self.body if not p.background)]
        return "\n".join(p for p in parts if p)


# --- headline -----------------------------------------------------------------------------------------------
# " - Reuters", " | Al Jazeera", " – The New Arab", " — Kurdistan24": a short tail after a spaced separator.
# The outlet is at most six words and the headline before it keeps at least four.
_OUTLET_SUFFIX = re.compile(r"^(?P<head>(?:\S+\s+){3,}?\S+?)\s+[-|–—]\s+(?P<outlet>[^-|–—]{2,60})$")
_OUTLET_WORDS = 6


def clean_headline(title: str) -> str:
    """The title without the outlet suffixes aggregators and pages append ("... - Reuters | Yahoo")."""
    head = " ".join(title.split())
    for _ in range(3):  # "Title - Section | Outlet"
        m = _OUTLET_SUFFIX.match(head)
        if not m or len(m["outlet"].split()) > _OUTLET_WORDS or m["outlet"].rstrip().endswith((".", "?", "!")):
            break
        head = m["head"].rstrip()
    return head


# --- chrome -------------------------------------------------------------------------------------------------
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE_STAMP = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s*", re.IGNORECASE)
# A line that is only navigation or page furniture, whatever its length.
_CHROME_LINE = re.compile(
    r"^(?:\d+\.\s*)?(?:skip to (?:main )?(?:content|navigation|menu|main menu|more)\b.*|"
    r"log ?in|sign ?in|sign up|subscribe(?: now)?|register|menu|search|home|share(?: this(?: post| article)?)?|"
    r"tweet|print|email|e-mail|whatsapp|facebook|twitter|telegram|linkedin|reddit|copy link|comments?|"
    r"advertisement|sponsored|trending:?|breaking(?: news)?:?|live|watch|listen|video|photos?|gallery|"
    r"no script|(?:-\s*)?developing|most (?:read|popular)|related(?: articles| stories| news)?:?|"
    r"read (?:more|also|next)\b.*|see also\b.*|also read\b.*|more on this\b.*|recommended\b.*|"
    r"you (?:may|might) also like\b.*|continue reading\b.*|click here\b.*|follow us\b.*|"
    r"this (?:is a developing story|story (?:is developing|will be updated|has been updated))\b.*|"
    r".*\b(?:originally (?:published|appeared) (?:by|in|on)|reprinted with permission)\b.*|"
    r"\(?visited \d+ times\b.*|leave a (?:comment|reply)\b.*|your comment\b.*|expanded coverage:?|"
    r"(?:left|main|top) menu|"
    r"(?:all rights reserved|copyright|©)\b.*|.*\ball rights reserved\b.*|"
    r".*\b(?:newsletter|sign up for|subscribe to)\b.{0,80}|"
    r".*\b(?:cookies?|javascript)\b.{0,60}(?:enable|accept|policy|settings).*)\s*$",
    re.IGNORECASE)
# Photo captions and credits: "(Photo: AP)", "Photo credit: ...", "File image", "An undated photo of ...".
_CAPTION = re.compile(
    r"\((?:photo|image|file|picture|credit)s?\b[^)]*\)|\b(?:photo|image|picture|video) ?(?:credit|courtesy|by)\s*:|"
    r"^(?:photo|image|picture|illustration|file|credit|caption|source)\s*[:–—-]|"
    r"^(?:a |an )?(?:undated|file|archive|handout) (?:photo|image|picture)|\bfile photo\b|\bgetty images\b|"
    r"\b(?:via|/)\s*(?:reuters|afp|ap|getty|anadolu|epa)\s*\)?\s*$|^\(?(?:reuters|afp|ap|epa|getty)\s*/|"
    r"\([^()]{0,40}\b(?:photo|image|pic)\b[^()]*\)|\b(?:afp|ap|reuters|epa) (?:pic|photo)\b|"
    r"\b(?:reuters|afp|ap|epa|getty)\s*/\s*(?:file|handout)\b|"
    r"(?:^|[\s/])(?:[A-Z][\w.'-]+\s+){1,3}[A-Z][\w.'-]+\s*/\s*[A-Z][\w&.-]+(?:\s[A-Z][\w&.-]+)?\)?\s*$|"
    r"\[(?:file|photo|image)\b[^\]]*\]|\[[^\]]*/\s*(?:reuters|afp|ap|getty|epa|anadolu)\]|"
    r"[.]\s*(?:AP|AFP|Reuters|EPA|Getty Images)\s*$|"
    r"\bhandout\b.*\b(?:reuters|afp|ap)\b|\bscreenshot (?:shows|of)\b|\bthis (?:video|photo|image|picture) "
    r"(?:shows|taken)\b|\((?:archive|file)\)", re.IGNORECASE)
# Bylines: "By Jane Doe", "byJane Doe|", "By News Desk - August 25 2022", "author_image Outlet".
_BYLINE = re.compile(r"^(?:by\s*[A-Z][\w.'’-]*(?:\s+[\w.'’&,-]+){0,6}\s*(?:[|/–—-].*)?|author(?:_image)?\b.*|"
                     r"(?:written|reported|edited) by\b.*|posted by\b.*|staff (?:writer|reporter)\b.*)$")
_BYLINE_CI = re.compile(r"^(?:by\s+[a-z][\w.'’-]*(?:\s+[\w.'’&,-]+){0,5})$", re.IGNORECASE)
# Time stamps: "Published February 26, 2021", "11:56, 28 June 2021", "Updated: 2020-03-13 09:25", "3 hours ago".
_TIME_WORDS = re.compile(
    rf"\b(?:published|updated|posted|last modified|modified)\b|\b\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?)"
    rf"\s+ago\b|\b\d{{1,2}}:\d{{2}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|"
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?[\s-]+{_MONTH}[\s,-]+\d{{4}}\b",
    re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"”’)]?$")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
# A person's name alone on a line before the lead ("Joanna Estrada", "Hoda Jassim (Baghdad)") is a byline.
_NAME_LINE = re.compile(
    r"^[A-Z][a-z'’-]+(?:\s+(?:[A-Z][a-z'’-]+|al-[A-Z][a-z'’-]+|[A-Z]\.)){1,3}(?:\s*\([^)]{2,30}\))?$")
_LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")


def _word_count(line: str) -> int:
    return len(_WORD.findall(line))


def _is_prose(line: str) -> bool:
    """A news sentence, not a label: enough words, and lower-case words among them."""
    words = _word_count(line)
    lowers = len(_LOWER_WORD.findall(line))
    return (words >= 12 and lowers >= 4) or (words >= 7 and lowers >= 3 and bool(_SENTENCE_END.search(line)))


def _chrome_kind(line: str, before_lead: bool) -> bool:
    """True when `line` is page chrome. Before the lead, short labels (sections, names, dates, tag lists) are
    chrome too; after it, only lines that are unmistakably furniture are removed."""
    if _CHROME_LINE.match(line) or _CAPTION.search(line):
        return True
    words = _word_count(line)
    if words <= 12 and not _SENTENCE_END.search(line):
        if _BYLINE.match(line) or _BYLINE_CI.match(line) or _TIME_WORDS.search(line):
            return True
        if before_lead and _NAME_LINE.match(line):
            return True
        # "Syria CENTCOM US Syrian Free Army": a tag list or menu row has no lower-case word at all.
        if words >= 2 and not _LOWER_WORD.search(line) and not before_lead:
            return True
    # Before the lead, section names and kickers: "Security", "ConflictsIraq", "Weekly Review".
    return before_lead and words <= 4 and not _SENTENCE_END.search(line)


# --- dateline -----------------------------------------------------------------------------------------------
_MONTH_CI = rf"(?i:{_MONTH})"
_AGENCY = r"\((?:[A-Z][^()]{0,60}|[a-z]{2,4})\)"
_DATELINE = re.compile(
    # "BAGHDAD (Reuters) -", "ERBIL, Kurdistan Region —", "DUBAI, United Arab Emirates (AP) —",
    # "MOSCOW, August 24 – RIA Novosti.", "Baghdad, April 13 (IANS):", "WASHINGTON —"
    rf"^(?P<dl>(?:[A-Z][A-Z.'’-]{{2,}}(?:\s+[A-Z][A-Z.'’-]+){{0,3}}|[A-Z][a-z]+(?:\s+[A-Z][a-zA-Z]+){{0,2}}(?=\s*,\s*"
    rf"{_MONTH_CI}\s+\d|\s*{_AGENCY}\s*[-–—:]|\s*[:.]-|\s*,\s*[A-Z][A-Za-z]+\s*[-–—]+\s))"
    rf"(?:\s*,\s*(?:[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){{0,3}}|{_MONTH_CI}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH_CI}))*"
    rf"(?:\s*{_AGENCY}\s*(?:[-–—:]+|\.-)?|\s*(?:[-–—:]+|\.-))\s*"
    rf"(?:(?:RIA Novosti|IRNA|Xinhua|TASS|Sputnik|AFP|AP|WAM|SPA|QNA|KUNA)\.\s*)?)(?=\S)")
# "Shafaq News/ ", "Iran Press/ West Asia: ", "Islam Times - ", "(MENAFN) ", "TIME: ": an outlet's own tag.
_OUTLET_TAG = re.compile(
    r"^(?P<dl>(?:\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4};?\s*(?:[A-Z]{2,10}:)?|"
    r"\([A-Z][A-Za-z .]{1,30}\)\s*[-–—:]?|\w+day,\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s*(?:\(\))?|"
    r"[A-Z][\w]*(?:\s+[A-Z][\w]*){0,2}\s*(?:/|\s[-–—]|:)(?:\s*[A-Z][\w]*"
    r"(?:\s+[A-Z][\w]*){0,2}\s*:)?)\s*)(?=[A-Z\"“])")
_DATELINE_WORDS = 8


def split_dateline(lead: str) -> tuple[str, str]:
    """("BAGHDAD (Reuters) -", "Rockets hit ...") from a lead; ("", lead) when it has no dateline."""
    for pattern in (_DATELINE, _OUTLET_TAG):
        m = pattern.match(lead)
        if m and _word_count(m["dl"]) <= _DATELINE_WORDS and _is_prose(lead[m.end():]):
            return m["dl"].strip(), lead[m.end():].strip()
    return "", lead


# --- background ---------------------------------------------------------------------------------------------
# A paragraph whose opening points to another time or incident: history, the attack a strike answers, totals.
_BACKGROUND_OPENING = re.compile(
    rf"^(?:(?:the|this|that|it|these|those) (?:\w+ ){{0,3}}(?:came|comes|come|followed|follows|was|were|is|are) "
    rf"(?:\w+ ){{0,2}}(?:after|amid|in response|in retaliation|a response|the latest|part of|days after|"
    rf"hours after|weeks after|a week after|one of)|in response to|in retaliation for|"
    rf"(?:earlier|previously|last (?:week|month|year)|in recent (?:weeks|months|years)|in the past|"
    rf"since (?:then|the|last|mid|early|late|october|{_MONTH}|\d)|in (?:{_MONTH} )?(?:19|20)\d\d\b|"
    rf"on {_MONTH} \d{{1,2}},? (?:19|20)\d\d\b|back in\b|historically|over the (?:past|last)|so far\b|"
    rf"(?:at the (?:end|start|beginning) of|in (?:early|late|mid-?))\s*{_MONTH}|last (?:month|year)|"
    rf"(?:after|since|following) the (?:outbreak|start|beginning) of|"
    rf"the (?:attack|strike|strikes|raid|incident) (?:on|in|at|against) [^,.]{{0,60}} (?:last|earlier) )|"
    rf"(?:iran-backed|iranian-backed|iran-aligned|pro-iran(?:ian)?) (?:\w+ ){{0,3}}(?:have|has) (?:\w+ ){{0,2}}"
    rf"(?:launched|carried out|claimed|attacked|targeted|conducted|stepped up|increased)|"
    rf"(?:us|american|coalition) (?:forces|troops|bases|personnel) (?:\w+ ){{0,4}}(?:have|has) been "
    rf"(?:attacked|targeted|hit))",
    re.IGNORECASE)
# A history opener, which never starts a lead ("In response to X, US jets struck ..." can).
_HISTORY_OPENING = re.compile(rf"^(?:earlier|previously|last (?:week|month|year)|in (?:{_MONTH} )?(?:19|20)\d\d\b|"
                              r"back in\b|historically|in the past\b)", re.IGNORECASE)
# Anywhere in a paragraph: campaign wording that marks the whole paragraph as context.
_BACKGROUND_ANYWHERE = re.compile(
    r"\b(?:the latest in a (?:series|string|spate|wave)|(?:a|the) (?:series|string|spate|wave) of (?:\w+ )?"
    r"(?:attacks|strikes|incidents)|(?:more than|over|at least|nearly|some|about) \d+ (?:\w+ ){0,2}"
    r"(?:attacks|times|strikes|incidents)|since (?:mid-|early |late )?(?:october|oct\.?) (?:7|17|18)\b|"
    r"since the (?:start|beginning|outbreak) of|frequent(?:ly)? target|(?:has|have) (?:repeatedly|regularly|"
    r"frequently) (?:been )?(?:attacked|targeted|struck)|(?:has|have) been (?:attacked|targeted) "
    r"(?:\w+ ){0,2}times|a tally|running tally|in total since)\b",
    re.IGNORECASE)
# Words that tie a paragraph back to this report's own incident ("Monday's attack", "the strikes, which").
_FOREGROUND_TIE = re.compile(
    r"\b(?:today|tonight|this morning|yesterday|last night|overnight|(?:on|late|early) (?:monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday))\b", re.IGNORECASE)


def is_background(paragraph: str) -> bool:
    """True when a paragraph tells history or context rather than this report's incident."""
    if _BACKGROUND_OPENING.match(paragraph):
        return True
    return bool(_BACKGROUND_ANYWHERE.search(paragraph)) and not _FOREGROUND_TIE.search(paragraph)


# --- paragraphs ---------------------------------------------------------------------------------------------
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])")
# Dotted abbreviations that do not end a sentence ("U.S.", "Gen.", "Jan.").
_NO_BREAK = re.compile(r"(?:\b[A-Z]\.(?:[A-Z]\.)+|\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Sgt|Capt|Adm|Rep|Sen|Gov|St|"
                       r"No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|approx|vs|Cdr|Brig|Pvt|Spc)\.)$")
_LONG_BLOCK = 600  # a paragraph this long with no line breaks is a whole article flattened into one line
_PIPE = re.compile(r"\s+\|\s+")
_ENGLISH = re.compile(r"\b(?:the|and|of|to|in|on|was|were|said|has|have|that|with|for|by|at)\b", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of a flattened paragraph; abbreviations such as "U.S." and "Gen." do not end one."""
    parts: list[str] = []
    for piece in _SENTENCE_SPLIT.split(text):
        if parts and _NO_BREAK.search(parts[-1]):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return [p.strip() for p in parts if p.strip()]


def _is_english(text: str) -> bool:
    words = _word_count(text)
    return words < 8 or len(_ENGLISH.findall(text)) >= 0.08 * words


_WRAP_MIN, _WRAP_MAX = 25, 90  # a hard-wrapped text breaks lines at a fixed width, mid-sentence


def _hard_wrapped(raw_lines: list[str]) -> bool:
    lines = [line.strip() for line in raw_lines if line.strip()]
    broken = [line for line in lines if _WRAP_MIN <= len(line) <= _WRAP_MAX and not _SENTENCE_END.search(line)]
    return len(broken) >= 4 and len(broken) > 0.5 * len(lines)


def _unwrap(text: str) -> list[str]:
    """Lines of a text; a hard-wrapped one is joined back into its blank-line separated paragraphs."""
    raw = text.splitlines()
    if not _hard_wrapped(raw):
        return raw
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]


def _lines(text: str) -> list[str]:
    """Non-empty lines; a line broken mid-sentence (hard wrap) is joined to the next; " | " separates items."""
    out: list[str] = []
    for raw in _unwrap(text):
        line = " ".join(raw.split())
        if not line:
            out.append("")
            continue
        for piece in _PIPE.split(line) if " | " in line else [line]:
            piece = piece.strip(" |")
            if not piece:
                continue
            prev = out[-1] if out else ""
            if prev and not _SENTENCE_END.search(prev) and piece[:1].islower() and _word_count(prev) >= 8:
                out[-1] = f"{prev} {piece}"
            else:
                out.append(piece)
    return [line for line in out if line]


def _norm(s: str) -> str:
    return re.sub(r"[\W_]+", " ", s).lower().strip()


def _strip_title(line: str, title_n: str) -> tuple[str, bool]:
    """Remove a repeat of the headline from a line (alone, at its start, or after a breadcrumb)."""
    if not title_n:
        return line, False
    line_n = _norm(line)
    if line_n == title_n or (line_n.endswith(title_n) and _word_count(line) - _word_count(title_n) <= 6):
        return "", True
    if line_n.startswith(title_n):
        # Drop the headline's words from the line's start, however it was punctuated.
        words = len(title_n.split())
        m = re.match(rf"^(?:\W*[\w'’]+){{{words}}}[^\w\"“]*", line)
        if m:
            return line[m.end():].strip(), True
    return line, False


def read_article(title: str, text: str) -> ArticleText:
    """Headline, dateline, lead and body of one page, chrome removed and background marked."""
    headline = clean_headline(title)
    title_n = _norm(title) if _word_count(title) >= 3 else ""
    headline_n = _norm(headline) if _word_count(headline) >= 3 else ""
    removed: list[str] = []
    stamp = _DATE_STAMP.match(text)
    if stamp:
        removed.append(stamp[0].strip())
        text = text[stamp.end():]
    english = _is_english(text)
    lines = _lines(text)
    kept: list[str] = []
    seen: set[str] = set()
    before_lead = True
    for line in lines:
        for t in (title_n, headline_n):
            line, hit = _strip_title(line, t)
            if hit:
                removed.append(title)
                break
        if not line:
            continue
        key = _norm(line)
        if key in seen and _word_count(line) < 40:  # a caption or deck printed twice
            removed.append(line)
            continue
        seen.add(key)
        if english and _chrome_kind(line, before_lead):
            removed.append(line)
            continue
        if line.startswith("Title: "):
            line = line[len("Title: "):]
        kept.append(line)
        before_lead = before_lead and not _is_prose(line)
    return _assemble(headline, kept, english, tuple(removed))


def _assemble(headline: str, kept: list[str], english: bool, removed: tuple[str, ...]) -> ArticleText:
    # The lead is the first paragraph that reads as prose; short lines before it (decks, subheads) stay in the
    # body, ahead of the rest, as foreground.
    first_prose = next((i for i, line in enumerate(kept) if _is_prose(line)), 0 if kept else -1)
    if first_prose < 0:
        return ArticleText(headline, "", "", (), removed)
    # A page may open with context ("Earlier, rockets hit ...", a history note under the headline): the lead is
    # the first prose paragraph that tells news, when one follows.
    lead_at = next((i for i, line in enumerate(kept) if i >= first_prose and _is_prose(line)
                    and not (english and _HISTORY_OPENING.match(line))), first_prose)
    decks = kept[:lead_at]
    lead, rest = kept[lead_at], kept[lead_at + 1:]
    if len(lead) > _LONG_BLOCK:  # flattened page: first sentence is the lead, each later one a paragraph
        sentences = split_sentences(lead)
        lead, rest = sentences[0], sentences[1:] + rest
    dateline, lead = split_dateline(lead) if english else ("", lead)
    if english and len(lead) > _LONG_BLOCK:
        sentences = split_sentences(lead)
        lead, rest = sentences[0], sentences[1:] + rest
    body = tuple(Paragraph(d, english and bool(_HISTORY_OPENING.match(d))) for d in decks)
    extra: list[str] = []
    for p in rest:
        if english:  # a later paragraph can open with a dateline too (a second wire story pasted below)
            line_dateline, p = split_dateline(p)
            if line_dateline:
                extra.append(line_dateline)
        body += (Paragraph(p, english and is_background(p)),)
    return ArticleText(headline, dateline, lead, body, removed + tuple(extra))
