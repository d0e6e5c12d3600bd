"""Plumbing shared by the domains: no business rules here, and nothing here imports a domain."""
