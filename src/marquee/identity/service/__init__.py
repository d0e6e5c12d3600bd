"""Identity's rules: the domain's public face.

Other domains import this package, never its modules: the FastAPI dependencies re-exported
here (``CurrentAccount``, ``CurrentCaller``, ``CurrentProfile``, ``require_role``, and
``IdentityDep`` with the :class:`Identity` it gives) and the functions below. Each concern has
a module of its own:

- :mod:`.signin`: sign-up, sign-in (with its second step), refresh and sign-out;
- :mod:`.second_factor`: turning TOTP on and off, the step between password and session;
- :mod:`.mail_links`: verification, change-of-address and password-reset links;
- :mod:`.accounts`: creating, reading, changing and deleting an account;
- :mod:`.devices`: the account's signed-in devices;
- :mod:`.profiles`: profiles, their PINs and the profile a device has chosen;
- :mod:`.approvals`: which profile changes the device's profile may make, and the approval
  (password or an adult profile's PIN) that the others need;
- :mod:`.credentials`: what they share (password check under the lock-out, and so on).

Public functions take the database session first, as ``session``, and everything else by
keyword.
"""

from __future__ import annotations

from marquee.identity.context import Identity
from marquee.identity.dependencies import (
    CurrentAccount,
    CurrentCaller,
    CurrentProfile,
    IdentityDep,
    current_account,
    current_profile,
    require_role,
)
from marquee.identity.service.accounts import (
    account_exists,
    change_email,
    change_password,
    delete_account,
    get_account,
    register_account,
    set_role,
)
from marquee.identity.service.approvals import Actor
from marquee.identity.service.approvals import approve as approve_profile_changes
from marquee.identity.service.devices import (
    list_devices,
    sign_out_device,
    sign_out_everyone,
    sign_out_everywhere,
)
from marquee.identity.service.mail_links import (
    request_password_reset,
    resend_verification,
    reset_password,
    verify_email,
)
from marquee.identity.service.profiles import (
    check_pin,
    create_profile,
    delete_profile,
    get_profile,
    list_profiles,
    load_profile,
    recall_profile,
    select_profile,
    update_profile,
    verify_pin,
)
from marquee.identity.service.second_factor import confirm_totp, disable_totp, start_totp
from marquee.identity.service.signin import (
    SignedIn,
    csrf_token,
    login,
    login_mfa,
    logout,
    refresh,
    signup,
)
from marquee.identity.sessions import device_name

__all__ = [
    "Actor",
    "CurrentAccount",
    "CurrentCaller",
    "CurrentProfile",
    "Identity",
    "IdentityDep",
    "SignedIn",
    "account_exists",
    "approve_profile_changes",
    "change_email",
    "change_password",
    "check_pin",
    "confirm_totp",
    "create_profile",
    "csrf_token",
    "current_account",
    "current_profile",
    "delete_account",
    "delete_profile",
    "device_name",
    "disable_totp",
    "get_account",
    "get_profile",
    "list_devices",
    "list_profiles",
    "load_profile",
    "login",
    "login_mfa",
    "logout",
    "recall_profile",
    "refresh",
    "register_account",
    "request_password_reset",
    "require_role",
    "resend_verification",
    "reset_password",
    "select_profile",
    "set_role",
    "sign_out_device",
    "sign_out_everyone",
    "sign_out_everywhere",
    "signup",
    "start_totp",
    "update_profile",
    "verify_email",
    "verify_pin",
]
