"""E-mail: multipart messages rendered in the recipient's language, and the two
transports — SMTP (one connection per batch) or, with SMTP_HOST unset outside production, .eml
files in instance/outbox/ (a development fallback: in production nothing is sent without
SMTP_HOST, and delivery fails loudly instead)."""

import contextlib
import logging
import smtplib
import ssl
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from app.core.clock import now
from app.notifications.content import Facts
from app.notifications.registry import all_kinds, kind_named

log = logging.getLogger(__name__)


class MessageRefused(Exception):
    """The server refused this message; the connection is still usable."""


class TransportDown(Exception):
    """No connection to the server (any more): no message in the batch can go now."""


class NotConfigured(Exception):
    """No way to send e-mail at all in this environment: retrying cannot help."""


NOT_CONFIGURED = "SMTP_HOST is not set: e-mail cannot be sent in production"


def compose(facts: Facts) -> Message:
    """A plain-text and HTML message from the kind's templates, in the recipient's language.

    Built with the classic (compat32) MIME classes: the modern EmailMessage parses every header
    it is given, which costs more than rendering the templates at thousands of messages a run.
    """
    notification = facts.notification
    recipient = notification.recipient
    with force_locale(notification.language):
        title = kind_named(notification.kind).subject(facts.values)
        text, html = bodies(notification.kind, title, facts.values)
    return envelope(recipient, notification.language, title, text, html,
                    f"notification-{notification.id}", str(notification.id))  # fmt: skip


def bodies(template: str, title: str, values: dict) -> tuple[str, str]:
    """The plain-text and HTML bodies of `email/<template>`; the HTML page is titled with the
    subject (what a screen reader announces, or a browser tab shows)."""
    text = render_template(f"email/{template}.txt", **values)
    html = render_template(f"email/{template}.html", subject=title, **values)
    return text, html


def envelope(recipient, language: str, title: str, text: str, html: str, tag: str, label: str):
    """The multipart message around rendered bodies; `tag` starts its Message-ID, `label`
    (X-Notification-Id) names it in logs and outbox files."""
    message = MIMEMultipart("alternative")
    # Encoded words only where needed: encoding a subject costs more than rendering the body.
    message["Subject"] = title if title.isascii() else Header(title, "utf-8")
    message["From"] = current_app.config["SMTP_FROM"]
    name = f"{recipient.first_name} {recipient.last_name}"
    message["To"] = formataddr((name, recipient.email), charset="utf-8")
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(tag, message_domain())
    message["X-Notification-Id"] = label
    message["Content-Language"] = language
    # Sent by a program, not a person (RFC 3834): no out-of-office or vacation replies.
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return message


def warm_up() -> None:
    """Compile the templates and load both catalogues and locales once, in a worker's main
    process, so the processes it forks per job inherit them instead of each loading its own."""
    from flask_babel import format_datetime as babel_format_datetime
    from flask_babel import get_translations

    from app.core.i18n import LANGUAGES

    for kind in all_kinds():  # which also imports every kind's module
        for extension in ("txt", "html"):
            current_app.jinja_env.get_template(f"email/{kind.name}.{extension}")
    for language in LANGUAGES:
        with force_locale(language):
            get_translations()
            babel_format_datetime(now())


def message_domain() -> str:
    """The sender's domain (asking the system for its own name costs a lookup per message)."""
    return parseaddr(current_app.config["SMTP_FROM"])[1].rpartition("@")[2] or "localhost"


def delivery_mode() -> str:
    """ "smtp", "outbox" (development and tests without SMTP_HOST) or "not_configured"
    (production without SMTP_HOST: the instance folder of a container is thrown away, so an
    outbox there would swallow every message)."""
    if current_app.config["SMTP_HOST"]:
        return "smtp"
    return "not_configured" if current_app.config["APP_ENV"] == "production" else "outbox"


def outbox_directory() -> Path:
    return Path(current_app.instance_path) / "outbox"


def transport():
    """SMTP when SMTP_HOST is set, else (outside production) the outbox directory."""
    mode = delivery_mode()
    if mode == "not_configured":
        raise NotConfigured(NOT_CONFIGURED)
    if mode == "smtp":
        return SMTPTransport(current_app.config)
    return OutboxTransport(outbox_directory())


class SMTPTransport:
    """One SMTP connection for a whole batch."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def __enter__(self):
        config = self.config
        try:
            self.connection = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15)
            if config["SMTP_USE_TLS"]:
                # A default context checks the server's certificate and name; without one
                # smtplib encrypts to whoever answers.
                self.connection.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                self.connection.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        except (smtplib.SMTPException, OSError) as error:
            raise TransportDown(describe(error)) from error
        return self

    def send(self, message: Message) -> None:
        try:
            self.connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise TransportDown(describe(error)) from error
        except smtplib.SMTPException as error:
            raise MessageRefused(describe(error)) from error

    def __exit__(self, *exc_info):
        with contextlib.suppress(smtplib.SMTPException, OSError):  # the batch is over anyway
            self.connection.quit()


class OutboxTransport:
    """Development without an SMTP server: each message becomes an .eml file (and a log line)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def __enter__(self):
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TransportDown(describe(error)) from error
        return self

    def send(self, message: Message) -> None:
        stamp = now().strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{message['X-Notification-Id']}.eml"
        try:
            path.write_bytes(bytes(message))
        except OSError as error:  # disk full, directory gone: no message can go now
            raise TransportDown(describe(error)) from error
        log.info("e-mail to %s written to %s: %s", message["To"], path, message["Subject"])

    def __exit__(self, *exc_info):
        return None


def describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return f"{code} {reply.decode(errors='replace')}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
    return f"{error.__class__.__name__}: {error}"
