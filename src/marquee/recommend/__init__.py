"""Recommendations: models trained on the profiles' interactions with titles, their offline
evaluation, and (the online half) the signals, artifacts and rows built on them
(docs/recommend.md)."""
