"""Experiments: A/B tests and feature flags, their assignment, exposures and results."""
