"""Event intelligence: gazetteer, extraction, clustering into events, summaries, timeline context, seed data.

No Discord imports here: this layer turns classified articles into events and events into `EventPost`s.
"""
