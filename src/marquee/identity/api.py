"""Identity's HTTP API: sign-in, account, devices, profiles, roles.

The account as shown with its subscription (``GET /account``, ``GET /account/export``), plans and
subscriptions are billing's routes (:mod:`marquee.billing.api`), under the same tag."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response, status

from marquee.identity import schemas, service
from marquee.identity.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthDep,
    Authenticated,
    ClientDep,
    CurrentAccount,
    CurrentProfile,
    IdentityDep,
    require_role,
)
from marquee.kit.web import DbSession, api_router, problems
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
    session: DbSession,
    ident: IdentityDep,
    client: ClientDep,
    response: Response,
) -> schemas.Tokens:
    signed_in = service.signup(session, ident=ident, form=form, client=client)
    _set_cookies(response, ident.settings, signed_in)
    return signed_in.tokens


@router.post("/auth/login", responses=problems(401))
def login(
    form: schemas.Credentials,
    session: DbSession,
    ident: IdentityDep,
    client: ClientDep,
    response: Response,
) -> schemas.Tokens | schemas.MfaChallenge:
    """Tokens and the session cookie, or an ``mfa_required`` step when two-step is on."""
    outcome = service.login(session, ident=ident, form=form, client=client)
    if isinstance(outcome, schemas.MfaChallenge):
        return outcome
    _set_cookies(response, ident.settings, outcome)
    return outcome.tokens


@router.post("/auth/login/mfa", responses=problems(401))
def login_mfa(
    form: schemas.MfaLogin,
    session: DbSession,
    ident: IdentityDep,
    client: ClientDep,
    response: Response,
) -> schemas.Tokens:
    signed_in = service.login_mfa(session, ident=ident, form=form, client=client)
    _set_cookies(response, ident.settings, signed_in)
    return signed_in.tokens


@router.post("/auth/refresh", responses=problems(401))
def refresh(form: schemas.RefreshRequest, ident: IdentityDep) -> schemas.Tokens:
    return service.refresh(ident, refresh_token=form.refresh_token)


@router.post("/auth/logout", status_code=NO_CONTENT)
def logout(auth: AuthDep, ident: IdentityDep, response: Response) -> None:
    service.logout(ident, record=auth.session)
    _clear_cookies(response)


@router.post("/auth/verify-email", status_code=NO_CONTENT, responses=problems(401, 404, 409))
def verify_email(form: schemas.TokenRequest, session: DbSession, ident: IdentityDep) -> None:
    service.verify_email(session, ident=ident, token=form.token)


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED)
def request_password_reset(
    form: schemas.EmailRequest, session: DbSession, ident: IdentityDep, client: ClientDep
) -> None:
    """Always 202: whether the address has an account is not said."""
    service.request_password_reset(session, ident=ident, email=form.email, client=client)


@router.post("/auth/password-reset/confirm", status_code=NO_CONTENT, responses=problems(401, 404))
def reset_password(form: schemas.PasswordReset, session: DbSession, ident: IdentityDep) -> None:
    service.reset_password(session, ident=ident, token=form.token, password=form.password)


# --- account ---------------------------------------------------------------------------------


@router.delete("/account", status_code=NO_CONTENT, responses=problems(404, 429))
def delete_account(
    form: schemas.PasswordConfirm,
    principal: CurrentAccount,
    session: DbSession,
    ident: IdentityDep,
    response: Response,
) -> None:
    service.delete_account(
        session, ident=ident, account_id=principal.account_id, password=form.password
    )
    _clear_cookies(response)


@router.post("/account/email", status_code=status.HTTP_202_ACCEPTED, responses=problems(404, 429))
def change_email(
    form: schemas.EmailChange, principal: CurrentAccount, session: DbSession, ident: IdentityDep
) -> None:
    """Mails a link to the new address; the address changes when it is opened."""
    service.change_email(session, ident=ident, account_id=principal.account_id, form=form)


@router.post("/account/email/verify", status_code=status.HTTP_202_ACCEPTED, responses=problems(404))
def resend_verification(principal: CurrentAccount, session: DbSession, ident: IdentityDep) -> None:
    service.resend_verification(session, ident=ident, account_id=principal.account_id)


@router.post("/account/password", status_code=NO_CONTENT, responses=problems(404, 429))
def change_password(
    form: schemas.PasswordChange, principal: CurrentAccount, session: DbSession, ident: IdentityDep
) -> None:
    service.change_password(session, ident=ident, principal=principal, form=form)


@router.post("/account/mfa/totp", responses=problems(404, 409))
def start_totp(
    principal: CurrentAccount, session: DbSession, ident: IdentityDep
) -> schemas.TotpSetup:
    return service.start_totp(session, ident=ident, account_id=principal.account_id)


@router.post("/account/mfa/totp/confirm", responses=problems(404, 409))
def confirm_totp(
    form: schemas.TotpConfirm, principal: CurrentAccount, session: DbSession, ident: IdentityDep
) -> schemas.RecoveryCodes:
    return service.confirm_totp(
        session, ident=ident, account_id=principal.account_id, code=form.code
    )


@router.delete("/account/mfa/totp", status_code=NO_CONTENT, responses=problems(404, 429))
def disable_totp(
    form: schemas.PasswordConfirm, principal: CurrentAccount, session: DbSession, ident: IdentityDep
) -> None:
    service.disable_totp(
        session, ident=ident, account_id=principal.account_id, password=form.password
    )


@router.get("/account/devices")
def list_devices(principal: CurrentAccount, ident: IdentityDep) -> list[schemas.Device]:
    return service.list_devices(ident, principal=principal)


@router.delete("/account/devices", status_code=NO_CONTENT)
def sign_out_everywhere(principal: CurrentAccount, ident: IdentityDep, response: Response) -> None:
    """Signs out every device, this one included."""
    service.sign_out_everywhere(ident, account_id=principal.account_id)
    _clear_cookies(response)


@router.delete("/account/devices/{device_id}", status_code=NO_CONTENT)
def sign_out_device(device_id: str, principal: CurrentAccount, ident: IdentityDep) -> None:
    service.sign_out_device(ident, account_id=principal.account_id, device_id=device_id)


# --- profiles --------------------------------------------------------------------------------


def _actor(auth: Authenticated) -> service.Actor:
    """The device asking: its session and the profile it has chosen."""
    return service.Actor(session_id=auth.session.id, profile_id=auth.session.profile_id)


@router.get("/profiles")
def list_profiles(principal: CurrentAccount, session: DbSession) -> list[schemas.Profile]:
    return service.list_profiles(session, account_id=principal.account_id)


@router.post("/profiles", status_code=status.HTTP_201_CREATED, responses=problems(404, 409, 429))
def create_profile(
    form: schemas.ProfileCreate, auth: AuthDep, session: DbSession, ident: IdentityDep
) -> schemas.Profile:
    # adding a profile needs an approval (POST /profiles/approval): service.approvals
    return service.create_profile(
        session,
        ident=ident,
        account_id=auth.principal.account_id,
        form=form,
        actor=_actor(auth),
    )


@router.post("/profiles/approval", status_code=NO_CONTENT, responses=problems(404, 429))
def approve_profile_changes(
    form: schemas.ProfileApproval, auth: AuthDep, session: DbSession, ident: IdentityDep
) -> None:
    """Let this device change maturities, PINs and other profiles for a few minutes, with the
    account password or the PIN of one of the account's adult profiles."""
    service.approve_profile_changes(
        session,
        ident=ident,
        account_id=auth.principal.account_id,
        session_id=auth.session.id,
        password=form.password,
        pin=form.pin,
    )


@router.get("/profiles/current")
def get_current_profile(profile: CurrentProfile) -> schemas.Profile:
    """The profile chosen on this device."""
    return profile


@router.patch("/profiles/{profile_id}", responses=problems(429))
def update_profile(
    profile_id: str,
    form: schemas.ProfileUpdate,
    auth: AuthDep,
    session: DbSession,
    ident: IdentityDep,
) -> schemas.Profile:
    # a kids profile changes its own avatar, another its own name, avatar, language and
    # autoplay; the rest needs an approval (POST /profiles/approval) or the account password
    return service.update_profile(
        session,
        ident=ident,
        account_id=auth.principal.account_id,
        profile_id=profile_id,
        form=form,
        actor=_actor(auth),
    )


@router.delete("/profiles/{profile_id}", status_code=NO_CONTENT, responses=problems(409, 429))
def delete_profile(profile_id: str, auth: AuthDep, session: DbSession, ident: IdentityDep) -> None:
    # needs an approval (POST /profiles/approval)
    service.delete_profile(
        session,
        ident=ident,
        account_id=auth.principal.account_id,
        profile_id=profile_id,
        actor=_actor(auth),
    )


@router.post("/profiles/{profile_id}/pin-check", status_code=NO_CONTENT, responses=problems(429))
def check_pin(
    profile_id: str,
    form: schemas.PinCheck,
    principal: CurrentAccount,
    session: DbSession,
    ident: IdentityDep,
) -> None:
    service.check_pin(
        session, ident=ident, account_id=principal.account_id, profile_id=profile_id, pin=form.pin
    )


@router.post("/profiles/{profile_id}/select", responses=problems(429))
def select_profile(
    profile_id: str,
    form: schemas.ProfileSelect,
    auth: AuthDep,
    session: DbSession,
    ident: IdentityDep,
) -> schemas.Profile:
    """Make this the device's current profile; a PIN-locked profile needs its PIN."""
    return service.select_profile(
        session, ident=ident, record=auth.session, profile_id=profile_id, pin=form.pin
    )


# --- administration --------------------------------------------------------------------------


@router.put("/admin/accounts/{account_id}/role", status_code=NO_CONTENT)
def admin_set_role(
    account_id: str, form: schemas.RoleChange, _admin: Admin, session: DbSession
) -> None:
    service.set_role(session, account_id=account_id, role=form.role)
