"""Configuration read from environment variables (every one is in docs/configuration.md).

A `.env` file beside the project is read when present; real environment variables win.
"""

import os
import tempfile
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv
from limits import parse_many

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

load_dotenv(PROJECT_ROOT / ".env", override=False)


def env(name: str, default: str | None = None) -> str | None:
    """An environment variable, with empty strings treated as unset."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_bool(name: str, default: bool) -> bool:
    return env(name, str(default)).lower() in {"1", "true", "yes", "on"}


def retry_delays(text: str) -> list[int]:
    """ "60,300" → [60, 300]; refuses negative or non-numeric parts."""
    delays = [int(part) for part in text.split(",") if part.strip()]
    if any(delay < 0 for delay in delays):
        raise ValueError("delays cannot be negative")
    return delays


def allowed_origins(text: str) -> list[str]:
    """ "https://pages.example, http://127.0.0.1:8080" → those origins; refuses anything but
    http(s)://host[:port] (a path, a wildcard), since each is matched exactly."""
    origins = [part.strip().rstrip("/") for part in text.split(",") if part.strip()]
    for origin in origins:
        if not is_origin(origin):
            raise ValueError(f"{origin!r} is not an origin such as https://pages.example")
    return origins


def is_origin(text: str) -> bool:
    parts = urlsplit(text)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(character in parts.netloc for character in "*@")
        and f"{parts.scheme}://{parts.netloc}" == text
    )


class ConfigurationError(RuntimeError):
    """The environment does not allow the app to start safely."""


class BaseConfig:
    APP_ENV = "development"
    INSTANCE_PATH = env("INSTANCE_PATH", str(INSTANCE_DIR))
    SECRET_KEY = env("SECRET_KEY")
    JWT_SECRET_KEY = env("JWT_SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE_PATH}/cmp.sqlite3")
    # Bound parameters (a password hash among them) stay out of error messages and logs.
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "hide_parameters": True,
    }
    # How long a statement waits for a row another transaction holds before giving up (then
    # the request answers 409, well before gunicorn's worker timeout). MySQL/MariaDB only.
    DATABASE_LOCK_WAIT_SECONDS = env_int("DATABASE_LOCK_WAIT_SECONDS", 10)
    # Unset means the embedded default: in-process Redis stand-in, jobs run inline.
    REDIS_URL = env("REDIS_URL")
    # The response cache's own Redis, which may evict (allkeys-lru); unset: REDIS_URL's server.
    CACHE_REDIS_URL = env("CACHE_REDIS_URL")
    # After the cache's Redis failed, reads go uncached for this long before it is tried again.
    CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 5)
    INSTITUTION_TIMEZONE = env("INSTITUTION_TIMEZONE", "Africa/Kigali")
    # Weekly logs: due at this local time on start date + 7·week days, plus the grace period;
    # read-only for facilitators LOG_LOCK_DAYS after that.
    LOG_DEADLINE_TIME = env("LOG_DEADLINE_TIME", "09:00")
    LOG_GRACE_HOURS = env_int("LOG_GRACE_HOURS", 0)
    LOG_LOCK_DAYS = env_int("LOG_LOCK_DAYS", 14)
    # A student is at risk in an offering once AT_RISK_MIN_WEEKS weeks of theirs are recorded
    # and their attendance rate there is below AT_RISK_ATTENDANCE, or after
    # AT_RISK_CONSECUTIVE_ABSENCES unexcused absences in a row (their latest recorded weeks).
    AT_RISK_MIN_WEEKS = env_int("AT_RISK_MIN_WEEKS", 3)
    AT_RISK_ATTENDANCE = float(env("AT_RISK_ATTENDANCE", "0.75"))
    AT_RISK_CONSECUTIVE_ABSENCES = env_int("AT_RISK_CONSECUTIVE_ABSENCES", 2)
    # How many offerings a facilitator may run in one trimester, unless their profile says.
    FACILITATOR_MAX_OFFERINGS = env_int("FACILITATOR_MAX_OFFERINGS", 4)

    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=env_int("JWT_REFRESH_DAYS", 7))
    JWT_TOKEN_LOCATION = ["headers"]
    # Tokens travel only as bearer headers: no CSRF claim, and no `nbf` (it always equals `iat`).
    # A shorter token is cheaper to check on every request.
    JWT_COOKIE_CSRF_PROTECT = False
    JWT_ENCODE_NBF = False
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]

    # Argon2id with the first of OWASP's recommended settings (46 MiB, one pass, one lane):
    # about a quarter of the CPU of 64 MiB and three passes, with memory still making a
    # guessing rig pay. A stored hash made with other settings is redone at its owner's next
    # successful sign-in.
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 1)
    ARGON2_MEMORY_COST_KIB = env_int("ARGON2_MEMORY_COST_KIB", 47104)
    ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 1)

    # Every attempt counts, before the password is checked, so parallel guesses cannot slip
    # past a limit; the per-address limit leaves room for a classroom behind one NAT.
    LOGIN_RATE_LIMIT_PER_ACCOUNT = env("LOGIN_RATE_LIMIT_PER_ACCOUNT", "5 per minute")
    LOGIN_RATE_LIMIT_PER_IP = env("LOGIN_RATE_LIMIT_PER_IP", "60 per minute")
    PASSWORD_CHANGE_RATE_LIMIT = env("PASSWORD_CHANGE_RATE_LIMIT", "5 per minute")
    REGISTER_RATE_LIMIT = env("REGISTER_RATE_LIMIT", "30 per hour")
    PASSWORD_RESET_RATE_LIMIT_PER_ACCOUNT = env(
        "PASSWORD_RESET_RATE_LIMIT_PER_ACCOUNT", "3 per hour"
    )
    PASSWORD_RESET_RATE_LIMIT_PER_IP = env("PASSWORD_RESET_RATE_LIMIT_PER_IP", "30 per hour")
    # A set-password link (reset or first password) works once, for this many hours.
    PASSWORD_RESET_HOURS = env_int("PASSWORD_RESET_HOURS", 24)
    TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
    # Every request but /health and /metrics, all routes together: per signed-in user, or per
    # client address; counted by the admission itself (app/api/rate_limits.py).
    RATE_LIMIT_PER_USER = env("RATE_LIMIT_PER_USER", "600 per minute")
    RATE_LIMIT_PER_ADDRESS = env("RATE_LIMIT_PER_ADDRESS", "300 per minute")
    # Expensive routes, per signed-in user, on top: the CSV exports together, the compliance report
    # (the dashboard reads a large trimester in up to a hundred pages), the student import.
    EXPORT_RATE_LIMIT = env("EXPORT_RATE_LIMIT", "30 per hour")
    COMPLIANCE_RATE_LIMIT = env("COMPLIANCE_RATE_LIMIT", "120 per minute")
    IMPORT_RATE_LIMIT = env("IMPORT_RATE_LIMIT", "20 per hour")

    # One line per request from the app itself (see app/observability/logs.py).
    ACCESS_LOG = env_bool("ACCESS_LOG", True)
    # Bearer token a Prometheus scraper sends to /metrics; unset: no /metrics, nothing measured.
    METRICS_TOKEN = env("METRICS_TOKEN")

    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    # Only the CSV import of students may send more (20,000 rows fit in 8 MiB).
    IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 8 * 1024 * 1024)
    JSON_SORT_KEYS = False

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

    SMTP_HOST = env("SMTP_HOST")
    SMTP_PORT = env_int("SMTP_PORT", 25)
    SMTP_USERNAME = env("SMTP_USERNAME")
    SMTP_PASSWORD = env("SMTP_PASSWORD")
    SMTP_USE_TLS = env_bool("SMTP_USE_TLS", False)
    SMTP_FROM = env("SMTP_FROM", "Course Management Platform <no-reply@localhost>")

    # Reminders (see docs/reminders.md). Windows are elapsed hours.
    REMINDER_DUE_SOON_HOURS = env_int("REMINDER_DUE_SOON_HOURS", 48)
    REMINDER_OVERDUE_HOURS = env_int("REMINDER_OVERDUE_HOURS", 2)
    # How far back a sweep still finds overdue logs it has not reminded yet (cron was down).
    REMINDER_LOOKBACK_HOURS = env_int("REMINDER_LOOKBACK_HOURS", 24)
    REMINDER_UNSTAFFED_DAYS = env_int("REMINDER_UNSTAFFED_DAYS", 7)
    REMINDER_DIGEST_HOUR = env_int("REMINDER_DIGEST_HOUR", 7)
    REMINDER_SWEEP_MINUTES = env_int("REMINDER_SWEEP_MINUTES", 15)
    REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 100)
    # A row claimed this long ago by a worker that never finished is claimed again.
    REMINDER_CLAIM_TIMEOUT_SECONDS = env_int("REMINDER_CLAIM_TIMEOUT_SECONDS", 300)
    # Seconds between delivery retries; a message is tried once more than there are delays.
    REMINDER_RETRY_DELAYS = env("REMINDER_RETRY_DELAYS", "60,300,900")
    REMINDER_FAILED_JOB_DAYS = env_int("REMINDER_FAILED_JOB_DAYS", 7)
    # A queue whose workers have not beaten for this long is reported degraded by /health.
    WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 120)
    # Links in e-mails and calendar feed URLs start with this.
    PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Other sites whose pages may call /api/* from a browser (comma-separated; empty: none).
    CORS_ORIGINS = env("CORS_ORIGINS", "")
    # The set-password page of the front end; the secret is appended. After "#", so it never
    # reaches a server log.
    PASSWORD_LINK_URL = env(
        "PASSWORD_LINK_URL", PUBLIC_BASE_URL.rstrip("/") + "/set-password#token="
    )

    API_TITLE = "Course Management Platform API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Swagger UI assets are served by the app itself (see app/api/docs.py): no CDN.
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
        "security": [{"bearerAuth": []}],
        "info": {
            "description": "Course allocation, facilitator activity tracking and student "
            "reflections. Sign in at `POST /api/v1/auth/login`, then press *Authorize* and "
            "paste the access token."
        },
    }

    @classmethod
    def check(cls) -> None:
        """Refuse to start when the environment is missing something or names nonsense."""
        try:
            ZoneInfo(cls.INSTITUTION_TIMEZONE)
            time.fromisoformat(cls.LOG_DEADLINE_TIME)
            retry_delays(cls.REMINDER_RETRY_DELAYS)
            allowed_origins(cls.CORS_ORIGINS)
            if not 0 <= cls.REMINDER_DIGEST_HOUR <= 23:
                raise ValueError("REMINDER_DIGEST_HOUR must be 0-23")
            if not 0 < cls.AT_RISK_ATTENDANCE <= 1:
                raise ValueError("AT_RISK_ATTENDANCE must be a share, above 0 and at most 1")
            if min(cls.AT_RISK_MIN_WEEKS, cls.AT_RISK_CONSECUTIVE_ABSENCES) < 1:
                raise ValueError("AT_RISK_MIN_WEEKS and AT_RISK_CONSECUTIVE_ABSENCES: at least 1")
            if cls.FACILITATOR_MAX_OFFERINGS < 0:
                raise ValueError("FACILITATOR_MAX_OFFERINGS cannot be negative")
            if cls.DATABASE_LOCK_WAIT_SECONDS < 1:
                raise ValueError("DATABASE_LOCK_WAIT_SECONDS must be at least 1")
            for setting in (name for name in dir(cls) if "RATE_LIMIT" in name):
                parse_many(getattr(cls, setting))
        except (ValueError, ZoneInfoNotFoundError) as error:
            raise ConfigurationError(
                "INSTITUTION_TIMEZONE must be an IANA zone, LOG_DEADLINE_TIME HH:MM, "
                f"REMINDER_RETRY_DELAYS comma-separated seconds, CORS_ORIGINS comma-separated "
                f"origins, the *RATE_LIMIT* settings limits such as '5 per minute' ({error})"
            ) from error


class DevelopmentConfig(BaseConfig):
    APP_ENV = "development"


class TestingConfig(BaseConfig):
    APP_ENV = "testing"
    TESTING = True
    # Let errors reach the error handlers, as in production, instead of the test client.
    PROPAGATE_EXCEPTIONS = False
    INSTANCE_PATH = str(Path(tempfile.gettempdir()) / "cmp-test-instance")
    SQLALCHEMY_DATABASE_URI = env(
        "TEST_DATABASE_URL", "mysql+pymysql://root:@127.0.0.1:3306/cmp_test?charset=utf8mb4"
    )
    REDIS_URL = env("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    SECRET_KEY = "testing-secret-key-not-for-production"
    JWT_SECRET_KEY = "testing-jwt-secret-key-not-for-production-use"
    # Cheap hashes keep the suite fast; the algorithm and code path are the real ones.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(BaseConfig):
    APP_ENV = "production"

    # Production never falls back to the embedded SQLite file or the in-process Redis.
    REQUIRED = ("SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "REDIS_URL")

    @classmethod
    def check(cls) -> None:
        super().check()
        missing = [variable for variable in cls.REQUIRED if not env(variable)]
        if missing:
            raise ConfigurationError(
                "APP_ENV=production needs these environment variables: " + ", ".join(missing)
            )
        # /metrics answers without a rate limit (it must, while Redis is down): only a token
        # nobody can guess keeps it private.
        if cls.METRICS_TOKEN and len(cls.METRICS_TOKEN) < 32:
            raise ConfigurationError("METRICS_TOKEN must be at least 32 characters long")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for_environment() -> type[BaseConfig]:
    name = env("APP_ENV", "development")
    if name not in CONFIGS:
        raise ConfigurationError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
