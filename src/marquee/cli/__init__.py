"""The ``marquee`` command line."""
