"""Settings, read from environment variables so one build runs anywhere."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _instance_secret(instance_path: Path) -> str:
    """A development secret kept in instance/ so sessions survive restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    ENV_NAME = os.environ.get("PORTAL_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # pool_pre_ping: a connection the database dropped (a PostgreSQL restart) is replaced when it is
    # next taken from the pool, so the portal recovers by itself once the database is back.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    #: PostgreSQL's plan_cache_mode for the portal's connections. The pages run statements built once per
    #: shape with every value a parameter (core.kept_statements), which psycopg prepares after a few runs;
    #: PostgreSQL would still plan many of them again at every run ("auto" keeps choosing custom plans for
    #: a statement whose generic estimate looks dearer), which costs more than running them (a street's
    #: queue: 1.5 -> 0.7 ms). "" leaves the server's setting.
    POSTGRES_PLAN_CACHE_MODE = os.environ.get("POSTGRES_PLAN_CACHE_MODE", "force_generic_plan")
    # SQLite: how long a writer waits for another's transaction before giving up (then 503 + Retry-After).
    # Below gunicorn's worker timeout (30 s), so a waiting request still answers.
    SQLITE_BUSY_TIMEOUT_SECONDS = float(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "15"))
    # Seconds a client is asked to wait (Retry-After) when the database is busy or unreachable.
    UNAVAILABLE_RETRY_AFTER = 2
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; a long-open form must still submit
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("PORTAL_ENV", "development") == "production"
    REMEMBER_COOKIE_DURATION = timedelta(days=0)
    IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
    ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("ABSOLUTE_TIMEOUT_HOURS", "12")))
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: keep counting in this process's memory rather than failing logins with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")  # failures per address
    #: wrong meeting sign-in codes per person and meeting: six digits cannot be guessed within a meeting
    MEETING_SIGN_IN_LIMIT = os.environ.get("MEETING_SIGN_IN_LIMIT", "8 per 10 minutes")
    LOGIN_NAME_RATE_LIMIT = os.environ.get("LOGIN_NAME_RATE_LIMIT", "30 per hour")  # failures per account name
    # wrong survey household codes per address (portal.surveys.views.answering)
    SURVEY_CODE_RATE_LIMIT = os.environ.get("SURVEY_CODE_RATE_LIMIT", "10 per minute;50 per hour")
    PAGE_SIZE = 20
    #: rendered list rows each worker keeps (portal.core.kept; about 1 KB each)
    KEPT_HTML_SIZE = int(os.environ.get("KEPT_HTML_SIZE", "10000"))
    #: proxies in front of the portal that set X-Forwarded-For/-Proto (behind nginx: 1); 0 trusts none
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    #: "module:Class" with send(user, text, link) for SMS / WeChat alerts; the default only logs
    NOTIFICATION_CHANNEL = os.environ.get("NOTIFICATION_CHANNEL")
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")  # default: instance/uploads/repairs
    #: run the periodic tasks now and then inside web requests (a demo without cron still moves); "0" when
    #: cron or a timer runs `flask tasks`, and for the benchmark (tests/bench.py), so no request pays for them
    TASKS_IN_WEB = os.environ.get("PORTAL_TASKS_IN_WEB", "1") != "0"
    #: "1": every response says how many SQL statements it ran (`X-Queries`), read by tests/bench.py
    QUERY_HEADER = os.environ.get("PORTAL_QUERY_HEADER") == "1"
    TESTING = False

    @classmethod
    def finalize(cls, app) -> None:
        """Fill what depends on the instance folder; refuse an unsafe production setup."""
        cfg = app.config
        if not cfg.get("SQLALCHEMY_DATABASE_URI"):
            Path(app.instance_path).mkdir(parents=True, exist_ok=True)
            cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
        if not cfg.get("SECRET_KEY"):
            if cfg.get("ENV_NAME") == "production":
                raise RuntimeError("SECRET_KEY must be set in production")
            cfg["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


class TestConfig(Config):
    TESTING = True
    ENV_NAME = "test"
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "1000 per minute"  # tests log in often; the limit itself is tested with a low value
    REPORTS_INLINE = True  # the monthly report is built at once, not in a thread, so a test sees the file
    SESSION_COOKIE_SECURE = False
    SERVER_NAME = None
