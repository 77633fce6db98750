"""The HTTP plumbing every API connector shares: one requests Session, timeouts, the SSRF
guard, and one mapping from HTTP outcomes to RetryableError / PermanentError."""

from __future__ import annotations

from typing import Any

import requests

from campaign_engine.errors import PermanentError, RetryableError
from connectors.netguard import check_public_url, guard


class JsonApi:
    def __init__(
        self, *, timeout: float, allow_private: bool, session: requests.Session | None = None
    ) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self.session = session or requests.Session()
        if not allow_private:
            guard(self.session)  # the check where the socket opens (DNS rebinding)

    def call(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        missing_ok: bool = False,
    ) -> requests.Response:
        """The response when the service confirmed (2xx; also 404/410 if `missing_ok`, for
        status lookups of items that may have been deleted); otherwise the mapped error."""
        check_public_url(url, allow_private=self.allow_private)
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            response = self.session.request(
                method,
                url,
                json=json,
                data=data,
                headers=sent,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise RetryableError(f"{url} did not answer within {self.timeout}s") from None
        except requests.RequestException as exc:
            raise RetryableError(f"{url}: {exc}") from None
        status = response.status_code
        if 200 <= status < 300 or (missing_ok and status in (404, 410)):
            return response
        detail = f"{method} {url} answered HTTP {status}: {response.text[:200]}"
        if status in (408, 429) or status >= 500:
            raise RetryableError(detail, retry_after=_retry_after(response))
        raise PermanentError(detail)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None
