"""Playback: entitlement checks, playback sessions, licences, heartbeats and viewing history."""
