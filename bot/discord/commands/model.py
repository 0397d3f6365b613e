"""/classify (the model on any text) and /status (feeds, polling, outbox, subscriptions, model)."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands

from bot.discord.commands.common import bot_of, send
from bot.discord.embeds import bounded, lines_within
from bot.discord.errors import UserError
from bot.discord.replies import acknowledge
from bot.publishing.render import FIELD_VALUE_MAX, KIND_COLORS, kind_label
from bot.publishing.text import escape, truncate
from bot.storage.lookups import health

LABEL_NAMES = {"militia_attack": "Militia attack", "us_strike": "US strike", "other": "Other (neither)"}


def _run_model(classifier: Any, text: str) -> tuple[Any, list[tuple[str, str, float]]]:
    """CPU-bound: runs in a worker thread."""
    prediction = classifier.predict([text])[0]
    return prediction, classifier.explain(text, 8)


def build() -> list[app_commands.Command[Any, Any, Any]]:
    @app_commands.command(name="classify", description="What the model makes of a headline or short text")
    @app_commands.describe(text="A headline and/or a sentence or two (at most 2000 characters)")
    async def classify(interaction: discord.Interaction[Any], text: app_commands.Range[str, 1, 2000]) -> None:
        classifier = bot_of(interaction).ctx.classifier
        if not text.strip():
            raise UserError("Give some text to classify.")
        if len(text) > 2000:
            raise UserError(f"The text is too long ({len(text)} characters; at most 2000).")
        if classifier is None:
            raise UserError("No model is loaded. An operator can train one with `sitrep train`.")
        await acknowledge(interaction, ephemeral=False)
        prediction, terms = await asyncio.to_thread(_run_model, classifier, text)
        scores = sorted(prediction.scores.items(), key=lambda item: -item[1])
        probabilities = "\n".join(f"{LABEL_NAMES.get(k, k)}: **{v:.1%}**" for k, v in scores)
        top = [f"`{escape(term, single_line=True)}` → {LABEL_NAMES.get(label, label)} ({weight:+.2f})"
               for term, label, weight in terms]
        fields = [("Probabilities", probabilities, True),
                  ("Terms that weighed most", lines_within(top, FIELD_VALUE_MAX) or "none", True)]
        label = LABEL_NAMES.get(prediction.label, prediction.label)
        await send(interaction, bounded(
            f"{label} ({prediction.confidence:.0%})", f"> {escape(truncate(text, 1000))}", fields=fields,
            color=KIND_COLORS.get(prediction.label, 0x7F8C8D), footer=f"model {classifier.version}"))

    @app_commands.command(name="status", description="Feeds, polling, outbox, subscriptions and the model")
    async def status(interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        await acknowledge(interaction, ephemeral=False)
        async with bot.ctx.sessions() as session:
            state = await health(session)
        last_poll = state.last_poll_at or bot.ctx.state.get("last_poll_at")
        failing = [f"{escape(f.name, single_line=True)}: {f.consecutive_failures} failures, "
                   f"{escape(truncate(f.last_error or '', 120), single_line=True)}" for f in state.feeds_failing]
        disabled = [f"{escape(f.name, single_line=True)}: {escape(truncate(f.disabled_reason or '', 150))}"
                    for f in state.feeds_disabled]
        broken = [f"<#{s.channel_id}> {kind_label(s.kind)}: {escape(truncate(s.broken_reason or '', 150))}"
                  for s in state.broken]
        fields = [
            ("Feeds", f"{state.feeds_enabled} enabled, {len(state.feeds_failing)} failing, "
                      f"{len(state.feeds_disabled)} disabled", True),
            ("Last poll", f"<t:{int(last_poll.timestamp())}:R>" if last_poll else "never", True),
            ("Outbox", f"{state.outbox_pending} waiting, {state.outbox_failed} failed", True),
            ("Failing feeds", lines_within(failing, FIELD_VALUE_MAX) or "none", False),
            ("Disabled feeds", lines_within(disabled, FIELD_VALUE_MAX) or "none", False),
            ("Broken subscriptions", lines_within(broken, FIELD_VALUE_MAX) or "none", False),
            ("Model", _model_line(bot.ctx.classifier), False),
        ]
        healthy = not (state.feeds_failing or state.feeds_disabled or state.broken or state.outbox_failed)
        await send(interaction, bounded("sitrep status", "All good." if healthy else "Needs attention.",
                                        fields=fields, color=0x2ECC71 if healthy else 0xE67E22))

    return [classify, status]


def _model_line(classifier: Any) -> str:
    if classifier is None:
        return "no model loaded (run `sitrep train`)"
    metadata = getattr(classifier, "metadata", {}) or {}
    metrics = metadata.get("metrics") or {}
    parts = [f"version `{classifier.version}`"]
    if isinstance(metrics.get("macro_f1"), int | float):
        parts.append(f"macro-F1 {metrics['macro_f1']:.3f}")
    if metrics.get("cv"):
        parts.append(f"({escape(str(metrics['cv']), single_line=True)})")
    if metadata.get("created"):
        parts.append(f"trained {str(metadata['created'])[:10]}")
    return " · ".join(parts)
