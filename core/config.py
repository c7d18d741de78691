"""Settings, read from the environment (``YAPRAK_*``) or given explicitly.

- ``YAPRAK_HOME`` (default ``./instance``): instance folder (SQLite file, secret key).
- ``YAPRAK_DATABASE_URL`` (default ``sqlite:///$YAPRAK_HOME/yaprak.db``): SQLAlchemy URL;
  ``postgresql://...`` uses psycopg 3.
- ``YAPRAK_ADDONS`` (default: all installed): comma-separated names, load only these.
- ``YAPRAK_TRACE_HOOKS`` (default ``0``): ``1`` prints every hook call to stderr.
- ``YAPRAK_SMTP_URL``: where mail goes: ``smtp://user:pass@host:25``,
  ``smtp+starttls://...:587`` or ``smtps://...:465``; unset, mail waits in the outbox.
- ``YAPRAK_SMTP_CONNECTIONS`` (default 2): SMTP connections a delivery run uses at once.
- ``YAPRAK_MAIL_FROM`` (default ``Yaprak <yaprak@localhost>``): the sender.
- ``YAPRAK_REDIS_URL``: job queue in Redis (several machines); unset, an SQLite file in
  the instance folder. ``YAPRAK_JOBS_IMMEDIATE=1`` runs jobs at once, in the process.
- ``YAPRAK_PDF_TIMEOUT`` (default 30): seconds a PDF may take; then it is stopped.
- ``YAPRAK_PDF_MEMORY_MB`` (default 1024): memory (MB) rendering one PDF may add.
- ``YAPRAK_DEMO_SIZE`` (default ``full``): how much history ``yaprak demo`` makes: ``full`` (a
  year of sales: about 200 customers and 2,000 invoices) or ``small`` (a few of each, quick).
- ``YAPRAK_SECRET_KEY`` (default: generated once into ``$YAPRAK_HOME/secret_key``): signs
  session cookies; set it when several machines serve the same site.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Config:
    home: Path = field(default_factory=lambda: Path("instance"))
    database_url: str = ""
    addons: list[str] | None = None
    trace_hooks: bool = False
    secret_key: str = ""
    testing: bool = False
    smtp_url: str = ""
    smtp_connections: int = 2
    mail_from: str = "Yaprak <yaprak@localhost>"
    redis_url: str = ""
    jobs_immediate: bool = False
    attachment_max_mb: int = 10
    pdf_timeout: float = 30.0
    pdf_memory_mb: int = 1024
    demo_size: str = "full"

    def __post_init__(self) -> None:
        self.home = Path(self.home)
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.home / 'yaprak.db').resolve()}"

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        env = os.environ
        values: dict[str, object] = {
            "home": Path(env.get("YAPRAK_HOME", "instance")),
            "database_url": env.get("YAPRAK_DATABASE_URL", ""),
            "addons": [a.strip() for a in env["YAPRAK_ADDONS"].split(",") if a.strip()]
            if env.get("YAPRAK_ADDONS")
            else None,
            "trace_hooks": _flag(env.get("YAPRAK_TRACE_HOOKS")),
            "secret_key": env.get("YAPRAK_SECRET_KEY", ""),
            "smtp_url": env.get("YAPRAK_SMTP_URL", ""),
            "smtp_connections": int(env.get("YAPRAK_SMTP_CONNECTIONS", "2") or 2),
            "mail_from": env.get("YAPRAK_MAIL_FROM", "Yaprak <yaprak@localhost>"),
            "redis_url": env.get("YAPRAK_REDIS_URL", ""),
            "jobs_immediate": _flag(env.get("YAPRAK_JOBS_IMMEDIATE")),
            "attachment_max_mb": int(env.get("YAPRAK_ATTACHMENT_MAX_MB", "10") or 10),
            "pdf_timeout": float(env.get("YAPRAK_PDF_TIMEOUT", "30") or 30),
            "pdf_memory_mb": int(env.get("YAPRAK_PDF_MEMORY_MB", "1024") or 1024),
            "demo_size": env.get("YAPRAK_DEMO_SIZE", "").strip().lower() or "full",
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def ensure_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)

    def get_secret_key(self) -> str:
        """The configured key, else one generated once into the instance folder."""
        if self.secret_key:
            return self.secret_key
        self.ensure_home()
        path = self.home / "secret_key"
        try:  # O_EXCL: of several workers starting at once, exactly one writes the key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_hex(32))
        for _ in range(50):  # another worker may be between creating and writing it
            self.secret_key = path.read_text(encoding="ascii").strip()
            if self.secret_key:
                break
            time.sleep(0.01)
        return self.secret_key
