"""Downloads' problems; each slug is part of the API contract (``/problems/<slug>``)."""

from __future__ import annotations

from typing import Any

from marquee.kit.errors import Conflict, Forbidden, NotFound


class DeviceLimit(Conflict):
    slug = "download-device-limit"

    def __init__(self, max_devices: int, devices: list[dict[str, Any]]) -> None:
        super().__init__(
            f"Your plan allows downloads on {max_devices} device(s) and they all hold some. "
            "Delete the downloads of one of them, or change plan.",
            max_devices=max_devices,
            devices=devices,
        )


class DownloadNotAllowed(Forbidden):
    slug = "download-not-allowed"

    def __init__(self) -> None:
        super().__init__("This title may be streamed here but not downloaded.")


class DownloadLimit(Conflict):
    slug = "download-limit"

    def __init__(self, max_downloads: int) -> None:
        super().__init__(
            f"Your account holds {max_downloads} downloads, the most it may. "
            "Delete some to download more.",
            max_downloads=max_downloads,
        )


class DownloadNotFound(NotFound):
    slug = "download-not-found"

    def __init__(self) -> None:
        super().__init__("There is no such download.")


class DownloadExpired(Forbidden):
    slug = "download-expired"

    def __init__(self) -> None:
        super().__init__("This download's licence has expired. Renew it while online.")


class DownloadRevoked(Forbidden):
    slug = "download-revoked"

    def __init__(self, reason: str) -> None:
        super().__init__(
            "This download is no longer allowed on this device; delete it.", reason=reason
        )
