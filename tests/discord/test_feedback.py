"""The feedback buttons: corrections stored with who and when, and buttons that survive a restart."""

from __future__ import annotations

from bot.publishing.render import render_event
from bot.storage.corrections import list_corrections, training_items
from tests.discord.conftest import NOW, ephemeral, invoke, start_bot, stop_bot
from tests.discord.fake_discord import FakeDiscord
from tests.discord.payloads import ADMIN_ID, EVENTS_CHANNEL, MEMBER_ID, click
from tests.discord.scenario import event_post, seed


async def _post(fake: FakeDiscord, bot, event_id: int) -> dict:
    message_id = await bot.poster.send(EVENTS_CHANNEL, render_event(event_post(event_id)), event_id=event_id)
    return fake.messages[message_id]


async def test_correct_button_stores_a_confirmation(fake: FakeDiscord, bot, ctx) -> None:
    ids = await seed(ctx.sessions, NOW)
    message = await _post(fake, bot, ids["attack"])
    state = await invoke(fake, click(message, f"sitrep:correct:{ids['attack']}"))
    assert ephemeral(state) and "confirmed" in state.messages[-1]["content"]
    async with ctx.sessions() as session:
        [row] = await list_corrections(session)
    assert (row.event_id, row.label, row.predicted, row.user_id, row.user_name) == (
        ids["attack"], "militia_attack", "militia_attack", MEMBER_ID, "bob")
    assert row.created_at == NOW
    assert row.article_id is not None and "ain al-asad" in row.text.lower()


async def test_wrong_type_offers_the_other_kinds_and_stores_the_choice(fake: FakeDiscord, bot, ctx) -> None:
    ids = await seed(ctx.sessions, NOW)
    message = await _post(fake, bot, ids["attack"])
    state = await invoke(fake, click(message, f"sitrep:wrongtype:{ids['attack']}", user_id=ADMIN_ID))
    prompt = state.messages[-1]
    assert ephemeral(state)
    select = prompt["components"][0]["components"][0]
    assert select["custom_id"] == f"sitrep:kind:{ids['attack']}"
    assert [o["value"] for o in select["options"]] == ["us_strike", "other"]  # not the kind it was posted as
    state = await invoke(fake, click({**prompt, "channel_id": str(EVENTS_CHANNEL)}, select["custom_id"],
                                     values=["us_strike"], user_id=ADMIN_ID))
    assert state.callbacks[0]["type"] == 6  # acknowledged before the store is touched...
    assert "US strike" in state.messages[-1]["content"]  # ...then the prompt is replaced by the confirmation
    assert state.messages[-1]["id"] == prompt["id"] and state.messages[-1]["components"] == []
    # The same person changes their mind: one verdict per person and event, the latest wins.
    await invoke(fake, click(message, f"sitrep:correct:{ids['attack']}", user_id=ADMIN_ID))
    async with ctx.sessions() as session:
        rows = await list_corrections(session)
        items = await training_items(session)
    assert [(r.user_id, r.label) for r in rows] == [(ADMIN_ID, "militia_attack")]
    assert items[0]["label"] == "militia_attack" and items[0]["title"].startswith("Drone attack")


async def test_buttons_survive_a_restart(fake: FakeDiscord, ctx, clock) -> None:
    ids = await seed(ctx.sessions, NOW)
    first = await start_bot(fake, ctx, clock)
    message = await _post(fake, first, ids["strike"])
    await stop_bot(first)
    restarted = await start_bot(fake, ctx, clock)  # knows nothing of the message: dynamic items match the id
    try:
        state = await invoke(fake, click(message, f"sitrep:correct:{ids['strike']}"))
        assert "confirmed" in state.messages[-1]["content"]
        async with ctx.sessions() as session:
            [row] = await list_corrections(session)
        assert row.label == "us_strike"
    finally:
        await stop_bot(restarted)
    assert restarted.unexpected_errors == []


async def test_click_on_a_deleted_event_is_answered(fake: FakeDiscord, bot, ctx) -> None:
    message = await _post(fake, bot, 424242)
    state = await invoke(fake, click(message, "sitrep:correct:424242"))
    assert "no longer exists" in state.messages[-1]["content"]
    state = await invoke(fake, click(message, "sitrep:wrongtype:424242"))
    assert "no longer exists" in state.messages[-1]["content"]
