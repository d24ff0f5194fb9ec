"""A console user for tests: an httpx client that signs in through the real form and sends forms with the
page's CSRF token, as a browser would."""

from __future__ import annotations

import re
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_SIGN_IN = re.compile(r'name="sign_in_token" value="([^"]+)"')
_KEY = re.compile(r'name="key" value="([^"]+)"')


class ConsoleUser:
    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30, follow_redirects=False, verify=False)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ConsoleUser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sign_in(self, staff_id: str, password: str, next_path: str = "") -> httpx.Response:
        form = self.client.get("/console/sign-in")
        token = _SIGN_IN.search(form.text)
        assert token is not None, form.text
        return self.client.post(
            "/console/sign-in",
            data={
                "staff_id": staff_id,
                "password": password,
                "sign_in_token": token.group(1),
                "next": next_path,
            },
        )

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, **kw)

    def form_tokens(self, path: str) -> tuple[str, str]:
        """(CSRF token, idempotency key) of the first form on a page."""
        page = self.client.get(path)
        assert page.status_code == 200, page.text[:500]
        csrf = _CSRF.search(page.text)
        key = _KEY.search(page.text)
        assert csrf is not None
        return csrf.group(1), key.group(1) if key else ""

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        return self.client.post(path, data=data)
