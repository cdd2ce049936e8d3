"""A minimal browser for load tests: one keep-alive connection, its own cookies, CSRF tokens read from
the pages it fetched. It follows no redirect, so a 303 (an acknowledged form) is seen as such.

Only loopback addresses are accepted.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import secrets
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
RETRYABLE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


def check_loopback(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    host = parts.hostname or ""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"load and fault tests only target loopback addresses, not {host!r}")
    return host, parts.port or 80


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str
    seconds: float

    @property
    def location(self) -> str:
        return self.headers.get("location") or self.headers.get("hx-location") or ""


class Browser:
    def __init__(self, base: str, timeout: float = 60, source: str | None = None):
        """`source`: the loopback address to send from (127.0.0.2 …), so one machine is several clients."""
        self.base = base
        self.host, self.port = check_loopback(base)
        if source is not None:
            check_loopback(f"http://{source}")
        self.source = (source, 0) if source else None
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                                    source_address=self.source)
            return self._conn, False
        return self._conn, True

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        """One request; a kept-alive connection the server had closed meanwhile is reopened once (as
        browsers do). Any other failure raises (OSError, http.client.HTTPException)."""
        headers = {"Accept-Language": "zh-CN", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in (1, 2):
            conn, reused = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                raw = conn.getresponse()
                data = raw.read()
                break
            except RETRYABLE:
                self.close()
                if not reused or attempt == 2:
                    raise
            except BaseException:
                self.close()
                raise
        elapsed = time.perf_counter() - started
        for header in raw.headers.get_all("Set-Cookie") or []:
            self._remember(header)
        if raw.headers.get("Connection", "").lower() == "close":
            self.close()
        text = data.decode("utf-8", "replace") if "text" in raw.headers.get("Content-Type", "") else ""
        if text:
            match = CSRF.search(text)
            if match:
                self.csrf = match.group(1) or match.group(2)
        return Response(raw.status, {k.lower(): v for k, v in raw.headers.items()}, text, elapsed)

    def _remember(self, header: str) -> None:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            expired = morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"])
            if expired or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: dict, files: dict[str, tuple[str, bytes]] | None = None,
             headers: dict | None = None) -> Response:
        """A form POST as the page's form sends it, with the session's CSRF token."""
        fields = {"csrf_token": self.csrf or "", **fields}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers={"Content-Type": content_type, **(headers or {})})

    def login(self, login: str, password: str) -> Response:
        self.get("/auth/login")
        return self.post("/auth/login", {"login": login, "password": password})


def multipart(fields: dict, files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----load" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
