"""Licence services: how a player gets the keys of the stream it plays."""
