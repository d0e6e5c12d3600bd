"""Plumbing shared by the domains: no business rules live here, and nothing here imports a domain."""
