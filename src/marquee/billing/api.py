"""Billing's HTTP API: plans, the account's subscription and entitlement, and the account as
shown with its subscription (``GET /account``, ``GET /account/export``).

These routes were identity's before billing became a domain; they keep identity's tag so that
the OpenAPI document (operation ids, tags, schemas) stays what clients were generated from.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request, Response

from marquee.billing import schemas, service
from marquee.identity.schemas import Principal
from marquee.identity.service import CurrentAccount, IdentityDep, require_role
from marquee.kit.web import ClientCountry, DbSession, api_router, problems
from marquee.settings import Settings

router = api_router(tags=["identity"])
Admin = Annotated[Principal, Depends(require_role("admin"))]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.platform.settings
    return settings


@router.get("/account", responses=problems(404))
def get_account(principal: CurrentAccount, session: DbSession) -> schemas.Account:
    return service.get_account(session, account_id=principal.account_id)


@router.get("/account/export", responses=problems(404))
def export_account(
    principal: CurrentAccount, session: DbSession, ident: IdentityDep
) -> schemas.AccountExport:
    return service.export_account(session, ident=ident, principal=principal)


@router.put("/account/subscription", responses=problems(404, 409))
def set_subscription(
    form: schemas.SubscriptionChange,
    principal: CurrentAccount,
    session: DbSession,
    request: Request,
) -> schemas.Subscription:
    return service.set_subscription(
        session,
        settings=_settings(request),
        account_id=principal.account_id,
        plan_id=form.plan_id,
    )


@router.delete("/account/subscription", responses=problems(404))
def cancel_subscription(
    principal: CurrentAccount, session: DbSession, request: Request
) -> schemas.Subscription:
    return service.cancel_subscription(
        session, settings=_settings(request), account_id=principal.account_id
    )


@router.post("/account/subscription/checkout", responses=problems(404, 409, 502))
def start_checkout(
    form: schemas.CheckoutStart,
    principal: CurrentAccount,
    session: DbSession,
    request: Request,
    country: ClientCountry,
) -> schemas.Link:
    """The payment provider's page where a new subscription is paid for, at the plan's price
    with the tax of the caller's country (by its address)."""
    return service.checkout(
        session,
        settings=_settings(request),
        account_id=principal.account_id,
        form=form,
        country=country,
    )


@router.get("/account/subscription/portal", responses=problems(404, 409, 502))
def billing_portal(principal: CurrentAccount, session: DbSession, request: Request) -> schemas.Link:
    """The payment provider's page for cards and invoices (where a failed payment is fixed)."""
    return service.portal(session, settings=_settings(request), account_id=principal.account_id)


@router.post("/account/subscription/redeem", responses=problems(404, 409))
def redeem_voucher(
    form: schemas.VoucherRedeem, principal: CurrentAccount, session: DbSession, request: Request
) -> schemas.Subscription:
    return service.redeem_voucher(
        session, account_id=principal.account_id, code=form.code, settings=_settings(request)
    )


async def _raw_body(request: Request) -> bytes:
    """The body as sent: the signature is over these bytes, not over parsed JSON."""
    return await request.body()


@router.post("/billing/webhooks/stripe", responses=problems(400, 409))
def stripe_webhook(
    payload: Annotated[bytes, Depends(_raw_body)], request: Request, session: DbSession
) -> schemas.WebhookReceived:
    """Stripe's events, verified with the signing secret and applied once per event id."""
    applied = service.handle_stripe_webhook(
        session,
        settings=_settings(request),
        payload=payload,
        signature=request.headers.get("Stripe-Signature", ""),
    )
    return schemas.WebhookReceived(applied=applied)


@router.get("/account/entitlement")
def get_entitlement(principal: CurrentAccount, session: DbSession) -> schemas.Entitlement:
    return service.entitlement(session, account_id=principal.account_id)


@router.get("/plans")
def list_plans(session: DbSession) -> list[schemas.Plan]:
    return service.list_plans(session)


@router.get("/plans/offer", tags=["billing"])
def plan_offer(session: DbSession, request: Request, country: ClientCountry) -> schemas.PlanOffer:
    """The plans taxed as in the caller's country (by its address), with the trial's days:
    what sign-up shows."""
    return service.plan_offer(session, settings=_settings(request), country=country)


@router.get("/plans/countries/{country}")
def list_plans_in_country(
    country: Annotated[str, Path(pattern=r"^[A-Za-z]{2}$")], session: DbSession
) -> list[schemas.PlanInCountry]:
    """The plans with the country's VAT/GST: what a viewer there is shown and charged."""
    return service.plans_in_country(session, country=country)


@router.put("/admin/accounts/{account_id}/subscription", responses=problems(404, 409))
def admin_set_subscription(
    account_id: str,
    form: schemas.AdminSubscriptionChange,
    _admin: Admin,
    session: DbSession,
    request: Request,
) -> schemas.Subscription:
    return service.set_subscription(
        session,
        settings=_settings(request),
        account_id=account_id,
        plan_id=form.plan_id,
        status=form.status,
    )


@router.get("/account/invoices", tags=["billing"])
def list_invoices(principal: CurrentAccount, session: DbSession) -> list[schemas.Invoice]:
    """The account's invoices and credit notes, newest first."""
    return service.list_invoices(session, account_id=principal.account_id)


@router.get("/account/invoices/{number}", tags=["billing"], responses=problems(404))
def get_invoice(number: str, principal: CurrentAccount, session: DbSession) -> schemas.Invoice:
    return service.get_invoice(session, number=number, account_id=principal.account_id)


@router.get(
    "/account/invoices/{number}/pdf",
    tags=["billing"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(404)},
)
def download_invoice(
    number: str, principal: CurrentAccount, session: DbSession, request: Request
) -> Response:
    """The invoice or credit note as a PDF."""
    document = service.invoice_pdf(
        session, settings=_settings(request), number=number, account_id=principal.account_id
    )
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{number}.pdf"'},
    )


@router.get("/admin/subscriptions", tags=["billing"], responses=problems(404))
def admin_list_subscriptions(
    _admin: Admin,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[schemas.AdminSubscription]:
    """Subscriptions, past due and suspended first, then by the next renewal."""
    return service.admin_subscriptions(session, limit=limit)


@router.post("/admin/accounts/{account_id}/grants", tags=["billing"], responses=problems(404, 409))
def admin_grant(
    account_id: str, form: schemas.Grant, _admin: Admin, session: DbSession, request: Request
) -> schemas.Subscription:
    """Days of a plan, no payment (added to a running grant of the same plan)."""
    return service.grant(
        session,
        account_id=account_id,
        plan_id=form.plan_id,
        days=form.days,
        settings=_settings(request),
    )


@router.get("/admin/accounts/{account_id}/invoices", tags=["billing"])
def admin_list_invoices(
    account_id: str, _admin: Admin, session: DbSession
) -> list[schemas.Invoice]:
    return service.list_invoices(session, account_id=account_id)


@router.post(
    "/admin/invoices/{number}/refunds",
    tags=["billing"],
    status_code=201,
    responses={
        200: {"description": "Refunded before with this Idempotency-Key"},
        **problems(404, 409, 502),
    },
)
def admin_refund(
    number: str,
    form: schemas.RefundRequest,
    _admin: Admin,
    session: DbSession,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=255)],
) -> schemas.Invoice:
    """Refund all or part of an invoice through its provider: the credit note. The same
    ``Idempotency-Key`` again answers the first credit note (200) and refunds nothing more."""
    note, made = service.refund(
        session,
        settings=_settings(request),
        number=number,
        key=idempotency_key,
        amount=form.amount,
        reason=form.reason,
    )
    if not made:
        response.status_code = 200
    return note
