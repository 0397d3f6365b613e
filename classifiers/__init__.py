"""The sitrep classifier: corpus, TF-IDF model, training, evaluation, safe artifact. Imports nothing from bot/."""
