"""Identity: accounts, sign-in, sessions and devices, profiles, plans and subscriptions.

Other domains use :mod:`marquee.identity.service` (dependencies such as ``CurrentAccount`` and
``require_role``, and ``entitlement``) and :mod:`marquee.identity.schemas`.
"""
