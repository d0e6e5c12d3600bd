"""Billing: plans, the account's subscription to one, and what it entitles the account to.

Billing sits right after identity in the layer order: it uses identity through
:mod:`marquee.identity.service` and :mod:`marquee.identity.schemas`, and identity knows nothing
of it. Other domains use :mod:`marquee.billing.service` (``entitlement``) and
:mod:`marquee.billing.schemas`.
"""
