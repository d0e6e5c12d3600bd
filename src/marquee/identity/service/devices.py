"""Devices: the account's sign-in sessions as the viewer sees them, and signing them out."""

from __future__ import annotations

from marquee.identity import schemas
from marquee.identity.context import Identity
from marquee.identity.errors import DeviceNotFound


def list_devices(ident: Identity, *, principal: schemas.Principal) -> list[schemas.Device]:
    records = sorted(
        ident.sessions.of_account(principal.account_id), key=lambda r: r.last_seen_at, reverse=True
    )
    return [
        schemas.Device(
            id=record.id,
            device_name=record.device_name,
            ip=record.ip,
            ip_country=record.ip_country,
            created_at=record.created_at,
            last_seen_at=record.last_seen_at,
            current=record.id == principal.session_id,
        )
        for record in records
    ]


def sign_out_device(ident: Identity, *, account_id: str, device_id: str) -> None:
    if ident.sessions.get(account_id, device_id) is None:
        raise DeviceNotFound
    ident.sessions.revoke(account_id, device_id)


def sign_out_everywhere(ident: Identity, *, account_id: str) -> None:
    ident.sessions.revoke_all(account_id)


def sign_out_everyone(ident: Identity) -> int:
    """End every session of every account (after a backup is restored: sessions signed out
    since it was taken would otherwise come back); how many were ended."""
    return ident.sessions.end_all()
