"""Every page a demo role can reach by following links answers without a server error."""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from portal.demo import DEMO_PASSWORD, demo_logins, load_demo
from tests.conftest import csrf_token

HREF = re.compile(r'href="([^"#]+)"')
MAX_PAGES = 120


@pytest.fixture
def demo(app):
    load_demo()
    return demo_logins()


def crawl(client, start="/"):
    seen, queue, problems = set(), deque([start]), []
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code >= 500:
            problems.append((path, response.status_code))
            continue
        if response.status_code in (301, 302, 303):
            queue.append(urlsplit(response.location).path)
            continue
        if "text/html" not in response.content_type:
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            target = urljoin(path, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen, problems


def test_every_demo_role_crawls_without_server_error(app, demo):
    for label, login, _password in demo:
        client = app.test_client()
        token = csrf_token(client)
        response = client.post("/auth/login", data={"login": login, "password": DEMO_PASSWORD, "csrf_token": token})
        assert response.status_code == 303, (label, login)
        seen, problems = crawl(client)
        assert not problems, (login, problems)
        assert len(seen) > 3, (login, seen)
