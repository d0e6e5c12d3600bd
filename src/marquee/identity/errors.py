"""Identity's problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

import math

from marquee.kit.errors import Conflict, Forbidden, NotFound, Problem, TooManyRequests, Unauthorized


class WeakPassword(Problem):
    slug = "weak-password"
    status = 422


class InvalidEmail(Problem):
    slug = "invalid-email"
    status = 422


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"

    def __init__(self) -> None:
        super().__init__("The email or password is not right.")


class NotAuthenticated(Unauthorized):
    slug = "not-authenticated"

    def __init__(self, detail: str = "Sign in first.") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class TokenExpired(Unauthorized):
    slug = "token-expired"


class TokenInvalid(Unauthorized):
    slug = "token-invalid"


class TokenReused(Unauthorized):
    slug = "token-reused"


class CsrfFailed(Forbidden):
    slug = "csrf-failed"

    def __init__(self) -> None:
        super().__init__("Missing or wrong X-CSRF-Token header for a cookie-authenticated request.")


class RoleRequired(Forbidden):
    slug = "role-required"


class RateLimited(TooManyRequests):
    slug = "rate-limited"

    def __init__(self, retry_after_s: float, detail: str = "Too many attempts.") -> None:
        retry = max(1, math.ceil(retry_after_s))
        super().__init__(f"{detail} Try again in {retry} s.", headers={"Retry-After": str(retry)})


class AccountLocked(RateLimited):
    slug = "account-locked"

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(retry_after_s, "Too many failed sign-ins: sign-in is locked.")


class ProfileLimit(Conflict):
    slug = "profile-limit"


class LastProfile(Conflict):
    slug = "last-profile"


class WrongPin(Forbidden):
    slug = "wrong-pin"

    def __init__(self) -> None:
        super().__init__("The profile PIN is not right.")


class WrongCode(Unauthorized):
    slug = "wrong-code"

    def __init__(self) -> None:
        super().__init__("The code is not right.")


class ProfileNotSelected(Conflict):
    slug = "profile-not-selected"

    def __init__(self) -> None:
        super().__init__("Choose a profile first (POST /api/v1/profiles/{id}/select).")


class ProfileNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such profile on this account.")


class AccountNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such account.")


class EmailTaken(Conflict):
    """Only shown to the signed-in owner changing their address, never to a stranger."""

    slug = "email-taken"


class MfaState(Conflict):
    slug = "mfa-state"


class WrongPassword(Forbidden):
    slug = "wrong-password"

    def __init__(self) -> None:
        super().__init__("The password is not right.")


class ApprovalRequired(Forbidden):
    """The acting profile may not make this change without the account password or an adult
    profile's PIN (``POST /api/v1/profiles/approval``)."""

    slug = "approval-required"


class DeviceNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such device is signed in.")
