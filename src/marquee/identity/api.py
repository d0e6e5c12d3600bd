"""Identity's HTTP API: sign-in, account, devices, profiles, plans and subscription."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response, status

from marquee.identity import schemas, service
from marquee.identity.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthDep,
    ClientDep,
    CurrentAccount,
    CurrentProfile,
    IdentityDep,
    require_role,
)
from marquee.kit.web import DbSession, api_router
from marquee.settings import Settings

router = api_router(tags=["identity"])
Admin = Annotated[schemas.Principal, Depends(require_role("admin"))]
NO_CONTENT = status.HTTP_204_NO_CONTENT


def _set_cookies(response: Response, settings: Settings, signed_in: service.SignedIn) -> None:
    secure = settings.public_url.startswith("https://")
    max_age = int(settings.session_ttl_s)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.session_cookie,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="lax",
    )
    response.set_cookie(
        CSRF_COOKIE,
        signed_in.csrf_token,
        max_age=max_age,
        httponly=False,
        secure=secure,
        samesite="lax",
    )


def _clear_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


# --- sign-in ---------------------------------------------------------------------------------


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED)
def signup(
    form: schemas.Credentials,
    db: DbSession,
    ident: IdentityDep,
    client: ClientDep,
    response: Response,
) -> schemas.Tokens:
    signed_in = service.signup(db, ident, form, client)
    _set_cookies(response, ident.settings, signed_in)
    return signed_in.tokens


@router.post("/auth/login")
def login(
    form: schemas.Credentials,
    db: DbSession,
    ident: IdentityDep,
    client: ClientDep,
    response: Response,
) -> schemas.Tokens | schemas.MfaChallenge:
    """Tokens and the session cookie, or an ``mfa_required`` step when two-step is on."""
    outcome = service.login(db, ident, form, client)
    if isinstance(outcome, schemas.MfaChallenge):
        return outcome
    _set_cookies(response, ident.settings, outcome)
    return outcome.tokens


@router.post("/auth/login/mfa")
def login_mfa(
    form: schemas.MfaLogin,
    db: DbSession,
    ident: IdentityDep,
    client: ClientDep,
    response: Response,
) -> schemas.Tokens:
    signed_in = service.login_mfa(db, ident, form, client)
    _set_cookies(response, ident.settings, signed_in)
    return signed_in.tokens


@router.post("/auth/refresh")
def refresh(form: schemas.RefreshRequest, ident: IdentityDep) -> schemas.Tokens:
    return service.refresh(ident, form.refresh_token)


@router.post("/auth/logout", status_code=NO_CONTENT)
def logout(auth: AuthDep, ident: IdentityDep, response: Response) -> None:
    service.logout(ident, auth.session)
    _clear_cookies(response)


@router.post("/auth/verify-email", status_code=NO_CONTENT)
def verify_email(form: schemas.TokenRequest, db: DbSession, ident: IdentityDep) -> None:
    service.verify_email(db, ident, form.token)


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED)
def request_password_reset(
    form: schemas.EmailRequest, db: DbSession, ident: IdentityDep, client: ClientDep
) -> None:
    """Always 202: whether the address has an account is not said."""
    service.request_password_reset(db, ident, form.email, client)


@router.post("/auth/password-reset/confirm", status_code=NO_CONTENT)
def reset_password(form: schemas.PasswordReset, db: DbSession, ident: IdentityDep) -> None:
    service.reset_password(db, ident, form.token, form.password)


# --- account ---------------------------------------------------------------------------------


@router.get("/account")
def get_account(principal: CurrentAccount, db: DbSession) -> schemas.Account:
    return service.get_account(db, principal.account_id)


@router.delete("/account", status_code=NO_CONTENT)
def delete_account(
    form: schemas.PasswordConfirm,
    principal: CurrentAccount,
    db: DbSession,
    ident: IdentityDep,
    response: Response,
) -> None:
    service.delete_account(db, ident, principal.account_id, form.password)
    _clear_cookies(response)


@router.get("/account/export")
def export_account(
    principal: CurrentAccount, db: DbSession, ident: IdentityDep
) -> schemas.AccountExport:
    return service.export_account(db, ident, principal)


@router.post("/account/email", status_code=status.HTTP_202_ACCEPTED)
def change_email(
    form: schemas.EmailChange, principal: CurrentAccount, db: DbSession, ident: IdentityDep
) -> None:
    """Mails a link to the new address; the address changes when it is opened."""
    service.change_email(db, ident, principal.account_id, form)


@router.post("/account/email/verify", status_code=status.HTTP_202_ACCEPTED)
def resend_verification(principal: CurrentAccount, db: DbSession, ident: IdentityDep) -> None:
    service.resend_verification(db, ident, principal.account_id)


@router.post("/account/password", status_code=NO_CONTENT)
def change_password(
    form: schemas.PasswordChange, principal: CurrentAccount, db: DbSession, ident: IdentityDep
) -> None:
    service.change_password(db, ident, principal, form)


@router.post("/account/mfa/totp")
def start_totp(principal: CurrentAccount, db: DbSession, ident: IdentityDep) -> schemas.TotpSetup:
    return service.start_totp(db, ident, principal.account_id)


@router.post("/account/mfa/totp/confirm")
def confirm_totp(
    form: schemas.TotpConfirm, principal: CurrentAccount, db: DbSession, ident: IdentityDep
) -> schemas.RecoveryCodes:
    return service.confirm_totp(db, ident, principal.account_id, form.code)


@router.delete("/account/mfa/totp", status_code=NO_CONTENT)
def disable_totp(
    form: schemas.PasswordConfirm, principal: CurrentAccount, db: DbSession, ident: IdentityDep
) -> None:
    service.disable_totp(db, ident, principal.account_id, form.password)


@router.get("/account/devices")
def list_devices(principal: CurrentAccount, ident: IdentityDep) -> list[schemas.Device]:
    return service.list_devices(ident, principal)


@router.delete("/account/devices", status_code=NO_CONTENT)
def sign_out_everywhere(principal: CurrentAccount, ident: IdentityDep, response: Response) -> None:
    """Signs out every device, this one included."""
    service.sign_out_everywhere(ident, principal.account_id)
    _clear_cookies(response)


@router.delete("/account/devices/{device_id}", status_code=NO_CONTENT)
def sign_out_device(device_id: str, principal: CurrentAccount, ident: IdentityDep) -> None:
    service.sign_out_device(ident, principal.account_id, device_id)


@router.put("/account/subscription")
def set_subscription(
    form: schemas.SubscriptionChange,
    principal: CurrentAccount,
    db: DbSession,
    ident: IdentityDep,
) -> schemas.Subscription:
    return service.set_subscription(db, ident.settings, principal.account_id, form.plan_id)


@router.delete("/account/subscription")
def cancel_subscription(principal: CurrentAccount, db: DbSession) -> schemas.Subscription:
    return service.cancel_subscription(db, principal.account_id)


@router.get("/account/entitlement")
def get_entitlement(principal: CurrentAccount, db: DbSession) -> schemas.Entitlement:
    return service.entitlement(db, principal.account_id)


# --- profiles --------------------------------------------------------------------------------


@router.get("/profiles")
def list_profiles(principal: CurrentAccount, db: DbSession) -> list[schemas.Profile]:
    return service.list_profiles(db, principal.account_id)


@router.post("/profiles", status_code=status.HTTP_201_CREATED)
def create_profile(
    form: schemas.ProfileCreate, principal: CurrentAccount, db: DbSession, ident: IdentityDep
) -> schemas.Profile:
    return service.create_profile(db, ident, principal.account_id, form)


@router.get("/profiles/current")
def get_current_profile(profile: CurrentProfile) -> schemas.Profile:
    """The profile chosen on this device."""
    return profile


@router.patch("/profiles/{profile_id}")
def update_profile(
    profile_id: str,
    form: schemas.ProfileUpdate,
    principal: CurrentAccount,
    db: DbSession,
    ident: IdentityDep,
) -> schemas.Profile:
    return service.update_profile(db, ident, principal.account_id, profile_id, form)


@router.delete("/profiles/{profile_id}", status_code=NO_CONTENT)
def delete_profile(
    profile_id: str, principal: CurrentAccount, db: DbSession, ident: IdentityDep
) -> None:
    service.delete_profile(db, ident, principal.account_id, profile_id)


@router.post("/profiles/{profile_id}/pin-check", status_code=NO_CONTENT)
def check_pin(
    profile_id: str,
    form: schemas.PinCheck,
    principal: CurrentAccount,
    db: DbSession,
    ident: IdentityDep,
) -> None:
    service.check_pin(db, ident, principal.account_id, profile_id, form.pin)


@router.post("/profiles/{profile_id}/select")
def select_profile(
    profile_id: str,
    form: schemas.ProfileSelect,
    auth: AuthDep,
    db: DbSession,
    ident: IdentityDep,
) -> schemas.Profile:
    """Make this the device's current profile; a PIN-locked profile needs its PIN."""
    return service.select_profile(db, ident, auth.session, profile_id, form.pin)


# --- plans and administration ----------------------------------------------------------------


@router.get("/plans")
def list_plans(db: DbSession) -> list[schemas.Plan]:
    return service.list_plans(db)


@router.put("/admin/accounts/{account_id}/subscription")
def admin_set_subscription(
    account_id: str,
    form: schemas.AdminSubscriptionChange,
    _admin: Admin,
    db: DbSession,
    ident: IdentityDep,
) -> schemas.Subscription:
    return service.set_subscription(db, ident.settings, account_id, form.plan_id, form.status)


@router.put("/admin/accounts/{account_id}/role", status_code=NO_CONTENT)
def admin_set_role(account_id: str, form: schemas.RoleChange, _admin: Admin, db: DbSession) -> None:
    service.set_role(db, account_id, form.role)
