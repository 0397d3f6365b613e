"""The gazetteer: armed groups, places and weapons with their spelling variants, loaded from TOML.

Matching works on the original text with one compiled pattern per entry. Apostrophes are optional
between letters (Kata'ib = Kataib), spaces and hyphens are interchangeable (al-Asad = al Asad), and a few
transliterations are folded (Hizballah = Hezbollah). Overlapping matches are resolved longest-first
across all entry types, so "Kataib Hezbollah" never also yields a bare "Hezbollah", and "drone strike"
(a US weapon) never also yields "drone" (a militia weapon).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

EntryKind = Literal["group", "place", "weapon"]

FIND_CACHE_SIZE = 20_000  # texts; a few MB at most
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_APOSTROPHES = "'’ʼ‘`"
# Transliterations folded in every alias, so the TOML lists spellings once.
_WORD_VARIANTS = {
    "hezbollah": "(?:hezbollah|hizballah|hizbullah|hizbollah|hezbullah|hizbolla)",
    "kataib": "kata[" + _APOSTROPHES + "]?(?:i|e|yi|ai)b",
    "al": "(?i:al|el)",  # case-free even inside case-sensitive proper aliases: "al-Asad" = "Al Asad"
}
# A proper alias followed by one of these capitalised words is still the entry ("al-Asad Tuesday"); followed by any
# other capitalised word it is part of a person's name ("Badr Abdelatty"), so it does not count.
_CALENDAR_WORDS = frozenset({
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December"})
# "Badr al-Din", "Badr bin Saud": a particle that continues a person's name.
_NAME_PARTICLE_AFTER = re.compile(r"\s+(?:al|el|bin|ibn|abu|ben)\b", re.IGNORECASE)
GROUP_TYPES = {"militia", "claimant", "front", "umbrella", "state", "other"}
PLACE_TYPES = {"base", "site", "city", "region"}
WEAPON_SIDES = {"militia", "us"}


class GazetteerError(ValueError):
    """The gazetteer file is invalid; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    name: str
    type: str
    country: str | None
    aliases: tuple[str, ...]
    weak_aliases: tuple[str, ...] = ()
    yields_to: tuple[str, ...] = ()
    proper_aliases: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Place:
    key: str
    name: str
    short: str
    type: str
    country: str
    aliases: tuple[str, ...]
    area: str | None = None
    lat: float | None = None
    lon: float | None = None
    near: tuple[str, ...] = ()
    proper_aliases: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Weapon:
    key: str
    name: str
    side: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """One resolved mention: where it is in the text and which entry it names."""

    kind: EntryKind
    key: str
    start: int
    end: int
    weak: bool = False


@dataclass
class _Pattern:
    kind: EntryKind
    key: str
    regex: re.Pattern[str]
    weak: bool = False
    # Set for proper aliases: the words that, right before a match, make it part of another name.
    not_after: frozenset[str] | None = None

    def accepts(self, text: str, start: int, end: int) -> bool:
        if self.not_after is None:
            return True
        before = re.findall(r"[\w']+", text[max(0, start - 30):start])
        if (before and before[-1].lower() in self.not_after) or text[max(0, start - 1):start] == "-":
            return False
        if _NAME_PARTICLE_AFTER.match(text[end:]):
            return False
        after = re.match(r"\s+([A-Z]\w*)", text[end:])
        return not after or after[1] in _CALENDAR_WORDS


def alias_pattern(alias: str) -> str:
    """Regex source for one alias: optional apostrophes, flexible separators, folded transliterations."""
    words = re.split(r"[\s\-–]+", alias.strip())
    parts = []
    for word in words:
        bare = "".join(c for c in word if c not in _APOSTROPHES)
        if bare.lower() in _WORD_VARIANTS:
            parts.append(_WORD_VARIANTS[bare.lower()])
            continue
        optional = f"[{_APOSTROPHES}]?"
        parts.append(optional.join(re.escape(c) for c in bare))
    return r"(?<![\w])" + r"[\s\-–]+".join(parts) + r"(?![\w])"


def _is_acronym(alias: str) -> bool:
    # "KH", "IRI", "OWA UAS": matched case-sensitively so ordinary words never count.
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(alias) <= 8


def _compile_proper(kind: EntryKind, key: str, aliases: tuple[str, ...], not_after: tuple[str, ...]) -> list[_Pattern]:
    """Proper nouns that are also ordinary words or parts of people's names ("Badr", "al-Asad"): matched
    case-sensitively, and only when no neighbouring word makes them part of another name."""
    if not aliases:
        return []
    source = "|".join(f"(?:{alias_pattern(a)})" for a in sorted(aliases, key=len, reverse=True))
    return [_Pattern(kind, key, re.compile(source), not_after=frozenset(w.lower() for w in not_after))]


def _compile(kind: EntryKind, key: str, aliases: tuple[str, ...], weak: bool = False) -> list[_Pattern]:
    out = []
    for case_sensitive in (True, False):
        chosen = [a for a in aliases if _is_acronym(a) == case_sensitive]
        if not chosen:
            continue
        # Longest alternatives first so the regex engine prefers the fuller name.
        source = "|".join(f"(?:{alias_pattern(a)})" for a in sorted(chosen, key=len, reverse=True))
        flags = 0 if case_sensitive else re.IGNORECASE
        out.append(_Pattern(kind, key, re.compile(source, flags), weak))
    return out


@dataclass
class Gazetteer:
    groups: dict[str, Group]
    places: dict[str, Place]
    weapons: dict[str, Weapon]
    _patterns: list[_Pattern] = field(default_factory=list, repr=False)
    _find_cached: Callable[[str], tuple[Match, ...]] = field(init=False, repr=False, compare=False)
    _area_pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        areas = sorted({p.area for p in self.places.values() if p.area}, key=len, reverse=True)
        self._area_pattern = (re.compile(r"\b(?:" + "|".join(map(re.escape, areas)) + r")\b", re.IGNORECASE)
                              if areas else None)
        # The same texts are searched again and again (an event's reports on every update, summary sentences),
        # and a gazetteer never changes once built, so results are memoised per instance.
        self._find_cached = lru_cache(maxsize=FIND_CACHE_SIZE)(self._find)
        self._patterns = []
        for g in self.groups.values():
            self._patterns += _compile("group", g.key, g.aliases)
            self._patterns += _compile("group", g.key, g.weak_aliases, weak=True)
            self._patterns += _compile_proper("group", g.key, g.proper_aliases, g.not_after)
        for p in self.places.values():
            self._patterns += _compile("place", p.key, p.aliases)
            self._patterns += _compile_proper("place", p.key, p.proper_aliases, p.not_after)
        for w in self.weapons.values():
            self._patterns += _compile("weapon", w.key, w.aliases)

    @classmethod
    def load(cls, path: Path | str) -> Gazetteer:
        """Read and validate a gazetteer TOML file; any problem raises GazetteerError naming the entry."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise GazetteerError(f"{path}: cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise GazetteerError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "gazetteer") -> Gazetteer:
        """Build from parsed TOML (also used by tests to make small gazetteers)."""
        unknown = set(data) - {"groups", "places", "weapons"}
        if unknown:
            raise GazetteerError(f"{source}: unknown section(s) {sorted(unknown)}")
        groups = _entries(data, "groups", source, _group)
        places = _entries(data, "places", source, _place)
        weapons = _entries(data, "weapons", source, _weapon)
        for g in groups.values():
            for other in g.yields_to:
                if other not in groups:
                    raise GazetteerError(f"{source}: groups '{g.key}': yields_to names unknown group '{other}'")
        for p in places.values():
            for other in p.near:
                if other not in places:
                    raise GazetteerError(f"{source}: places '{p.key}': near names unknown place '{other}'")
        return cls(groups, places, weapons)

    def find(self, text: str) -> list[Match]:
        """All non-overlapping mentions in `text`, in text order (longest match wins an overlap)."""
        return list(self._find_cached(text))

    def _find(self, text: str) -> tuple[Match, ...]:
        found: list[Match] = []
        for pat in self._patterns:
            found += [Match(pat.kind, pat.key, m.start(), m.end(), pat.weak) for m in pat.regex.finditer(text)
                      if pat.accepts(text, m.start(), m.end())]
        found.sort(key=lambda m: (-(m.end - m.start), m.start, m.kind, m.key))
        taken: list[Match] = []
        for m in found:
            if all(m.end <= t.start or m.start >= t.end for t in taken):
                taken.append(m)
        strong_groups = {m.key for m in taken if m.kind == "group" and not m.weak}
        kept = [m for m in taken if not (m.weak and set(self.groups[m.key].yields_to) & strong_groups)]
        return tuple(sorted(kept, key=lambda m: m.start))

    def group_name(self, key: str) -> str:
        return self.groups[key].name if key in self.groups else key

    def place_name(self, key: str) -> str:
        return self.places[key].short if key in self.places else key

    def weapon_name(self, key: str) -> str:
        return self.weapons[key].name if key in self.weapons else key

    def near(self, a: str, b: str) -> bool:
        """True when two places are the same or listed as near each other (either direction)."""
        if a == b:
            return True
        pa, pb = self.places.get(a), self.places.get(b)
        return bool((pa and b in pa.near) or (pb and a in pb.near))

    def km(self, a: str, b: str) -> float:
        """Great-circle distance between two places; infinite when either has no coordinates."""
        pa, pb = self.places.get(a), self.places.get(b)
        if not pa or not pb or pa.lat is None or pa.lon is None or pb.lat is None or pb.lon is None:
            return math.inf
        lat1, lon1, lat2, lon2 = map(math.radians, (pa.lat, pa.lon, pb.lat, pb.lon))
        h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6371.0 * math.asin(math.sqrt(h))

    def areas(self, places: Iterable[str], text: str = "") -> set[str]:
        """Provinces (lower case) the places lie in, plus those `text` names ("in Babil province")."""
        found = {place.area for place in (self.places.get(p) for p in places) if place and place.area}
        if text and self._area_pattern is not None:
            found |= {m[0] for m in self._area_pattern.finditer(text)}
        return {a.lower() for a in found}

    def lookup_group(self, name: str) -> Group | None:
        """The group a user typed (key, name or any alias), for CLI and slash-command filters."""
        return self._lookup(name, "group", self.groups)  # type: ignore[return-value]

    def lookup_place(self, name: str) -> Place | None:
        return self._lookup(name, "place", self.places)  # type: ignore[return-value]

    def lookup_weapon(self, name: str) -> Weapon | None:
        return self._lookup(name, "weapon", self.weapons)  # type: ignore[return-value]

    def _lookup(self, name: str, kind: EntryKind, table: dict[str, Any]) -> object | None:
        # A user types what they saw: a display name ("Ain al-Asad air base"), a short name or any alias, in any
        # case. Exact spellings are tried first; the alias patterns then catch variants ("Kataeb Hizballah").
        wanted = _lookup_form(name)
        for entry in table.values():
            if wanted in {_lookup_form(n) for n in _names(entry)}:
                return entry
        hits = [m for m in self.find(name.strip()) if m.kind == kind and m.end - m.start == len(name.strip())]
        return table[hits[0].key] if hits else None


def _names(entry: Group | Place | Weapon) -> list[str]:
    names = [entry.key, entry.name, *entry.aliases]
    if isinstance(entry, Group):
        names += [*entry.weak_aliases, *entry.proper_aliases]
    if isinstance(entry, Place):
        names += [entry.short, *entry.proper_aliases]
    return names


def _lookup_form(name: str) -> str:
    """'Ain al-Asad Air Base' and "ain al asad air base" compare equal: case, apostrophes, hyphens folded."""
    bare = "".join(c for c in name if c not in _APOSTROPHES)
    return " ".join(re.split(r"[\s\-–]+", bare.strip().lower()))


def _entries(data: dict[str, Any], section: str, source: str, build: Any) -> dict[str, Any]:
    rows = data.get(section, [])
    if not isinstance(rows, list):
        raise GazetteerError(f"{source}: [{section}] must be an array of tables ([[{section}]])")
    out: dict[str, Any] = {}
    for i, row in enumerate(rows):
        label = f"{source}: {section}[{i}]" + (f" '{row.get('key')}'" if isinstance(row, dict) else "")
        if not isinstance(row, dict):
            raise GazetteerError(f"{label}: must be a table")
        key = row.get("key")
        if not isinstance(key, str) or not _SLUG.fullmatch(key):
            raise GazetteerError(f"{label}: key must be a lowercase slug like 'ain-al-asad'")
        if key in out:
            raise GazetteerError(f"{label}: duplicate key '{key}'")
        try:
            out[key] = build(row)
        except (KeyError, TypeError, ValueError) as exc:
            raise GazetteerError(f"{label}: {exc}") from None
    return out


def _strings(row: dict[str, Any], name: str, required: bool = False) -> tuple[str, ...]:
    value = row.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{name} must be a list of non-empty strings")
    if required and not value:
        raise ValueError(f"{name} must not be empty")
    return tuple(value)


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"missing or empty '{name}'")
    return value


def _choice(row: dict[str, Any], name: str, allowed: set[str]) -> str:
    value = _text(row, name)
    if value not in allowed:
        raise ValueError(f"{name} '{value}' is not one of {sorted(allowed)}")
    return value


def _check_keys(row: dict[str, Any], allowed: set[str]) -> None:
    extra = set(row) - allowed
    if extra:
        raise ValueError(f"unknown field(s) {sorted(extra)}")


def _group(row: dict[str, Any]) -> Group:
    _check_keys(row, {"key", "name", "type", "country", "aliases", "weak_aliases", "yields_to", "proper_aliases",
                      "not_after"})
    return Group(row["key"], _text(row, "name"), _choice(row, "type", GROUP_TYPES), row.get("country"),
                 _strings(row, "aliases", required=True), _strings(row, "weak_aliases"),
                 _strings(row, "yields_to"), _strings(row, "proper_aliases"), _strings(row, "not_after"))


def _coordinate(row: dict[str, Any], name: str, limit: float) -> float | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, int | float) or not -limit <= value <= limit:
        raise ValueError(f"{name} must be a number within ±{limit}")
    return float(value)


def _place(row: dict[str, Any]) -> Place:
    _check_keys(row, {"key", "name", "short", "type", "country", "area", "lat", "lon", "aliases", "near",
                      "proper_aliases", "not_after"})
    return Place(row["key"], _text(row, "name"), row.get("short") or _text(row, "name"),
                 _choice(row, "type", PLACE_TYPES), _text(row, "country"), _strings(row, "aliases", required=True),
                 row.get("area"), _coordinate(row, "lat", 90), _coordinate(row, "lon", 180), _strings(row, "near"),
                 _strings(row, "proper_aliases"), _strings(row, "not_after"))


def _weapon(row: dict[str, Any]) -> Weapon:
    _check_keys(row, {"key", "name", "side", "aliases"})
    return Weapon(row["key"], _text(row, "name"), _choice(row, "side", WEAPON_SIDES),
                  _strings(row, "aliases", required=True))
