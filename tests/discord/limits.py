"""Discord's documented limits, checked by the fake server the way Discord checks them (400, code 50035).

discord.py validates none of these itself, so without them a test would pass with payloads that Discord
rejects. Numbers from the discord-api-docs (message, embed, component, application-command references).
"""

from __future__ import annotations

import re
from typing import Any

CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000
ACTION_ROWS = 5
ROW_COMPONENTS = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25
COMMANDS_PER_SCOPE = 100
COMMAND_TOTAL_CHARS = 4000  # name, description, option names/descriptions and choice names/values together
INTEGER_MAX = 2**53 - 1  # integer options and their min_value/max_value lie within +/-(2^53 - 1)
STRING_OPTION, INTEGER_OPTION, NUMBER_OPTION = 3, 4, 10
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")

INVALID_FORM_BODY = 50035


def _len(value: Any) -> int:
    return len(str(value).strip()) if value is not None else 0


def embed_errors(embed: dict[str, Any], where: str) -> tuple[list[str], int]:
    """Problems with one embed and its character count toward the 6000 total."""
    errors: list[str] = []
    total = 0
    for key, limit in (("title", EMBED_TITLE), ("description", EMBED_DESCRIPTION)):
        size = _len(embed.get(key))
        total += size
        if size > limit:
            errors.append(f"{where}.{key}: {size} > {limit}")
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS:
        errors.append(f"{where}.fields: {len(fields)} > {EMBED_FIELDS}")
    for i, field in enumerate(fields):
        name, value = _len(field.get("name")), _len(field.get("value"))
        total += name + value
        if not name or name > FIELD_NAME:
            errors.append(f"{where}.fields[{i}].name: length {name} not in 1..{FIELD_NAME}")
        if not value or value > FIELD_VALUE:
            errors.append(f"{where}.fields[{i}].value: length {value} not in 1..{FIELD_VALUE}")
    footer = _len((embed.get("footer") or {}).get("text"))
    author = _len((embed.get("author") or {}).get("name"))
    total += footer + author
    if footer > FOOTER_TEXT:
        errors.append(f"{where}.footer.text: {footer} > {FOOTER_TEXT}")
    if author > AUTHOR_NAME:
        errors.append(f"{where}.author.name: {author} > {AUTHOR_NAME}")
    return errors, total


def component_errors(rows: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    if len(rows) > ACTION_ROWS:
        errors.append(f"components: {len(rows)} rows > {ACTION_ROWS}")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= ROW_COMPONENTS:
            errors.append(f"components[{r}]: an action row holds 1..{ROW_COMPONENTS} components")
        for c, comp in enumerate(children):
            custom_id = comp.get("custom_id")
            if comp.get("style") != 5:  # link buttons have a url instead of a custom_id
                if not custom_id or len(custom_id) > CUSTOM_ID:
                    errors.append(f"components[{r}][{c}].custom_id: length not in 1..{CUSTOM_ID}")
                elif custom_id in seen:
                    errors.append(f"components[{r}][{c}].custom_id: duplicate {custom_id!r}")
                seen.add(custom_id or "")
            if _len(comp.get("label")) > BUTTON_LABEL:
                errors.append(f"components[{r}][{c}].label: > {BUTTON_LABEL}")
            if len(comp.get("options") or []) > SELECT_OPTIONS:
                errors.append(f"components[{r}][{c}].options: > {SELECT_OPTIONS}")
    return errors


def message_errors(payload: dict[str, Any], *, has_files: bool = False, edit: bool = False) -> list[str]:
    """Everything Discord would refuse in a create/edit-message body."""
    errors: list[str] = []
    content = payload.get("content") or ""
    if len(content) > CONTENT_MAX:
        errors.append(f"content: {len(content)} > {CONTENT_MAX}")
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS_PER_MESSAGE:
        errors.append(f"embeds: {len(embeds)} > {EMBEDS_PER_MESSAGE}")
    total = 0
    for i, embed in enumerate(embeds):
        found, size = embed_errors(embed, f"embeds[{i}]")
        errors += found
        total += size
    if total > EMBED_TOTAL:
        errors.append(f"embeds: {total} characters in all > {EMBED_TOTAL}")
    errors += component_errors(payload.get("components") or [])
    if not edit and not (content or embeds or has_files or payload.get("components") or payload.get("poll")):
        errors.append("empty message: 50006")
    return errors


def autocomplete_errors(choices: list[dict[str, Any]]) -> list[str]:
    errors = []
    if len(choices) > AUTOCOMPLETE_CHOICES:
        errors.append(f"choices: {len(choices)} > {AUTOCOMPLETE_CHOICES}")
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= CHOICE_NAME:
            errors.append(f"choices[{i}].name: length not in 1..{CHOICE_NAME}")
        if isinstance(choice.get("value"), str) and len(choice["value"]) > CHOICE_VALUE:
            errors.append(f"choices[{i}].value: > {CHOICE_VALUE}")
    return errors


def _option_errors(options: list[dict[str, Any]], where: str) -> list[str]:
    errors = []
    if len(options) > COMMAND_OPTIONS:
        errors.append(f"{where}.options: {len(options)} > {COMMAND_OPTIONS}")
    required = [bool(opt.get("required")) for opt in options if opt.get("type") not in (1, 2)]
    if required != sorted(required, reverse=True):
        errors.append(f"{where}.options: required options must be placed before optional options")
    for opt in options:
        name = opt.get("name", "")
        if not COMMAND_NAME.match(name) or name != name.lower():
            errors.append(f"{where}.{name}: invalid option name")
        if not 1 <= len(opt.get("description", "")) <= COMMAND_DESCRIPTION:
            errors.append(f"{where}.{name}.description: length not in 1..{COMMAND_DESCRIPTION}")
        errors += _bound_errors(opt, f"{where}.{name}")
        choices = opt.get("choices") or []
        if len(choices) > COMMAND_OPTIONS:
            errors.append(f"{where}.{name}.choices: > {COMMAND_OPTIONS}")
        for choice in choices:
            if not 1 <= len(str(choice.get("name", ""))) <= CHOICE_NAME:
                errors.append(f"{where}.{name}.choices.name: length not in 1..{CHOICE_NAME}")
            if opt.get("type") == STRING_OPTION and len(str(choice.get("value", ""))) > CHOICE_VALUE:
                errors.append(f"{where}.{name}.choices.value: length > {CHOICE_VALUE}")
        errors += _option_errors(opt.get("options") or [], f"{where}.{name}")
    return errors


def _bound_errors(opt: dict[str, Any], where: str) -> list[str]:
    errors = []
    numeric = opt.get("type") in (INTEGER_OPTION, NUMBER_OPTION)
    for key in ("min_value", "max_value"):
        value = opt.get(key)
        if value is None:
            continue
        if not numeric:
            errors.append(f"{where}.{key}: only integer and number options take bounds")
        elif abs(value) > INTEGER_MAX:
            errors.append(f"{where}.{key}: {value} outside -(2^53 - 1)..2^53 - 1")
    low, high = opt.get("min_value"), opt.get("max_value")
    if low is not None and high is not None and low > high:
        errors.append(f"{where}: min_value > max_value")
    return errors


def _command_chars(node: dict[str, Any]) -> int:
    total = len(node.get("name", "")) + len(node.get("description", ""))
    for choice in node.get("choices") or []:
        total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total + sum(_command_chars(opt) for opt in node.get("options") or [])


def command_errors(commands: list[dict[str, Any]]) -> list[str]:
    """What a bulk overwrite of application commands would be refused for."""
    errors = []
    if len(commands) > COMMANDS_PER_SCOPE:
        errors.append(f"commands: {len(commands)} > {COMMANDS_PER_SCOPE}")
    names = [c.get("name", "") for c in commands]
    if len(set(names)) != len(names):
        errors.append("commands: duplicate names")
    for cmd in commands:
        name = cmd.get("name", "")
        if not COMMAND_NAME.match(name) or name != name.lower():
            errors.append(f"{name}: invalid command name")
        if cmd.get("type", 1) == 1 and not 1 <= len(cmd.get("description", "")) <= COMMAND_DESCRIPTION:
            errors.append(f"{name}.description: length not in 1..{COMMAND_DESCRIPTION}")
        errors += _option_errors(cmd.get("options") or [], name)
        if _command_chars(cmd) > COMMAND_TOTAL_CHARS:
            errors.append(f"{name}: more than {COMMAND_TOTAL_CHARS} characters in all")
    return errors
