"""The scheduled upkeep jobs beside the pipeline: retention of old articles, retraining with the team's
corrections, and picking up a model another process wrote."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.app import AppContext

log = logging.getLogger(__name__)


async def retention(ctx: AppContext, now: datetime) -> int:
    from bot.storage.articles import delete_old_articles

    async with ctx.sessions.begin() as session:
        deleted = await delete_old_articles(session, now - timedelta(days=ctx.settings.service.retention_days))
    log.info("retention: deleted %d old articles that belong to no event", deleted)
    return deleted


async def retrain(ctx: AppContext, now: datetime) -> bool:
    """Retrain with the team's corrections in a child process; swap the new model in (on disk, then here) only
    if it is not worse. Shutdown cancels this job: the child is killed and the current model stays."""
    import json
    import sys
    import tempfile

    from bot.cli.model import merge_corrections
    from bot.storage.corrections import training_items
    from classifiers.model import Classifier

    async with ctx.sessions() as session:
        corrections = merge_corrections(await training_items(session))
    path = ctx.settings.model.path
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as handle:
        json.dump(corrections, handle)
        handle.flush()
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.service.retrain", str(path), handle.name,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await child.communicate()
        except asyncio.CancelledError:
            child.kill()
            await child.wait()
            raise
    if child.returncode != 0:
        log.error("retrain failed (exit %s): %s", child.returncode, err.decode(errors="replace")[-2000:])
        return False
    result = json.loads(out.decode().strip().splitlines()[-1])
    log.info("retrain: %s model %s (%s)", "kept new" if result["kept"] else "discarded",
             result["version"], result["reason"])
    if result["kept"]:
        ctx.classifier = await asyncio.to_thread(Classifier.load, path, ctx.settings.model.abstain_threshold)
        ctx.state["model_retrained_at"] = now
    return bool(result["kept"])


async def reload_changed_model(ctx: AppContext) -> bool:
    """Load the model at `model.path` when another process replaced it (scheduled retraining in the bot process,
    `sitrep train` by an operator), so every process of a deployment sharing that folder serves the same model
    within a minute. A model that fails its checks is logged and the current one kept; True when swapped."""
    from classifiers.artifact import ModelLoadError, read_metadata
    from classifiers.model import Classifier

    path = ctx.settings.model.path
    try:
        version = str((await asyncio.to_thread(read_metadata, path))["version"])
    except ModelLoadError as exc:
        log.warning("model check: %s; keeping model %s", exc, ctx.classifier.version if ctx.classifier else None)
        return False
    if ctx.classifier is None or version == ctx.classifier.version:
        return False
    try:
        fresh = await asyncio.to_thread(Classifier.load, path, ctx.settings.model.abstain_threshold)
    except ModelLoadError as exc:
        log.warning("model %s at %s refused: %s; keeping %s", version, path, exc, ctx.classifier.version)
        return False
    log.info("model %s replaced by %s (written by another process)", ctx.classifier.version, fresh.version)
    ctx.classifier = fresh
    return True
