"""Delivery: signed delivery URLs, steering (client → edge), the edge cache node, cache warming."""
