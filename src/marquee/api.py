"""Mounts every domain's router under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from marquee import domains

API_PREFIX = "/api/v1"


def build_api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for domain_router in domains.routers():
        router.include_router(domain_router)
    return router
