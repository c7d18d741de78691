"""The ``yaprak`` command.

Heavy imports (SQLAlchemy, Flask, Alembic, add-on code) happen inside commands, so
``yaprak --help`` stays fast. Each installed add-on appears as a command group
``yaprak <addon>``; its commands (``cli_commands`` hook) are imported only when used.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.models import Company
    from core.runtime import Runtime

ADDON_META_KEY = "yaprak.addon"


class CLIState:
    """Per-invocation state: the runtime is built on first use."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            from core.runtime import Runtime

            self._runtime = Runtime()  # nothing is written until a command writes
        return self._runtime


def get_runtime() -> Runtime:
    """The runtime of the running ``yaprak`` command (for add-on commands)."""
    ctx = click.get_current_context()
    return ctx.find_root().ensure_object(CLIState).runtime


def _fail(message: str) -> None:
    raise click.ClickException(message)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the kernel's refusals into one line and a non-zero exit."""
    from core.kernel.errors import KernelError

    try:
        yield
    except KernelError as exc:
        _fail(str(exc))


def _require_db(runtime: Runtime, warn: bool = True) -> None:
    runtime.refresh_state()
    if not runtime.core_ready:
        state = runtime.migrations.state()
        if state.unknown_revisions:
            _fail(runtime.migrations._explain_unknown(state.unknown_revisions))
        url = runtime.db.url.render_as_string(hide_password=True)
        _fail(f"the database at {url} is not initialised: run `yaprak init` first")
    if warn:
        for line in runtime.load_warnings(installed_only=True):
            click.echo(f"warning: {line}", err=True)


@contextmanager
def company_context(code: str) -> Iterator[tuple[Session, Company]]:
    """A transaction acting for company ``code`` (for add-on commands).

    Inside ``yaprak <addon> ...`` it refuses a company that has not enabled the add-on.
    """
    from core.companies import get_company
    from core.tenancy import act_for

    runtime = get_runtime()
    addon = click.get_current_context().meta.get(ADDON_META_KEY)
    with _errors():
        _require_db(runtime)
        with runtime.activate(), runtime.db.transaction() as session:
            company = get_company(session, code)
            act_for(session, company)
            if addon and addon not in company.enabled_addons:
                _fail(f"add-on {addon} is not enabled for {code}")
            yield session, company


# ------------------------------------------------------------------ add-on groups
def _addon_entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    from core.kernel.discovery import ENTRY_POINT_GROUP

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


class AddonGroup(click.Group):
    """``yaprak <addon> ...``: the add-on's commands, loaded on first use."""

    def __init__(self, addon: str, summary: str) -> None:
        super().__init__(name=addon, help=f"Commands of the add-on {addon}: {summary}")
        self.short_help = summary
        self.addon = addon
        self._loaded = False

    def _load(self, ctx: click.Context) -> None:
        if self._loaded:
            return
        self._loaded = True
        runtime = ctx.find_root().ensure_object(CLIState).runtime
        if self.addon not in runtime.kernel.loaded:
            problems = "; ".join(p.message for p in runtime.kernel.problems_of(self.addon))
            _fail(f"add-on {self.addon} cannot load: {problems or 'not loaded'}")
        for result in runtime.kernel.call_addon(self.addon, "cli_commands"):
            for cmd in result or ():
                self.add_command(cmd)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load(ctx)
        ctx.meta[ADDON_META_KEY] = self.addon
        return super().get_command(ctx, name)


class YaprakCLI(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        """A database that cannot be reached is one clear line, not a traceback."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy") and hasattr(exc, "orig"):
                state = ctx.find_object(CLIState)
                url = "(unknown)"
                if state is not None and state._runtime is not None:
                    url = state._runtime.db.url.render_as_string(hide_password=True)
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
                raise click.ClickException(f"database error at {url}: {reason}") from exc
            raise

    def _addons(self, ctx: click.Context) -> dict[str, Any]:
        """Add-on name -> a function giving its summary (nothing of the add-on imported).

        With a runtime already built (tests, embedding), its kernel's add-ons are used;
        otherwise the installed entry points are read.
        """
        state = ctx.find_root().find_object(CLIState)
        if state is not None and state._runtime is not None:
            available = state._runtime.kernel.available
            return {n: (lambda s=spec: s.manifest.summary) for n, spec in available.items()}
        if not hasattr(self, "_addon_eps"):
            self._addon_eps = _addon_entry_points()
        return {n: (lambda ep=ep: _manifest_summary(ep)) for n, ep in self._addon_eps.items()}

    def list_commands(self, ctx: click.Context) -> list[str]:
        builtin = super().list_commands(ctx)
        return builtin + sorted(n for n in self._addons(ctx) if n not in builtin)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = super().get_command(ctx, name)
        if cmd is not None:
            return cmd
        summary = self._addons(ctx).get(name)
        if summary is None:
            return None
        return AddonGroup(name, summary())

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        builtin = super().list_commands(ctx)
        for title, names in (
            ("Commands", builtin),
            ("Add-on commands", sorted(n for n in self._addons(ctx) if n not in builtin)),
        ):
            rows = []
            for name in names:
                cmd = self.get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _manifest_summary(ep: Any) -> str:
    """The add-on's summary, read from its manifest without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(ep.value)
        folder = Path(next(iter(spec.submodule_search_locations)))  # type: ignore[union-attr,arg-type]
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["summary"]
    except Exception:
        return "(manifest unreadable: see `yaprak addons check`)"


@click.group(cls=YaprakCLI, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="yaprak", prog_name="yaprak")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Yaprak: the add-on ERP.

    Settings come from the environment: YAPRAK_HOME (instance folder, default
    ./instance), YAPRAK_DATABASE_URL (default: SQLite in the instance folder),
    YAPRAK_ADDONS (load only these add-ons), YAPRAK_TRACE_HOOKS=1 (print hook calls).
    """
    ctx.ensure_object(CLIState)


def _state(ctx: click.Context) -> CLIState:
    return ctx.find_root().ensure_object(CLIState)


# ------------------------------------------------------------------ init / serve / demo
@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the instance folder and bring the database to core's head."""
    from core.kernel import lifecycle

    runtime = _state(ctx).runtime
    runtime.config.ensure_home()
    with _errors():
        lifecycle.init_database(runtime)
        lifecycle.upgrade(runtime)
    click.echo(f"Database ready: {runtime.db.url.render_as_string(hide_password=True)}")


def _serve(runtime: Runtime, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from core.web import create_app

    log = logging.getLogger("yaprak")
    if not log.handlers:  # create_app logs each broken add-on once; show them as warnings
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        log.addHandler(handler)
    app = create_app(runtime=runtime)
    click.echo(f"Serving Yaprak on http://{host}:{port}/  (Ctrl+C stops)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app (development server; use gunicorn in production)."""
    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime, warn=False)  # the app logs them
    _serve(runtime, host, port)


@main.command()
@click.option("--company", "code", default="DEMO", show_default=True, help="Demo company code.")
@click.option("--no-serve", is_flag=True, help="Build the demo data and exit.")
@click.option(
    "--size",
    type=click.Choice(["small", "full"]),
    help="full: a year of history (default, or YAPRAK_DEMO_SIZE); small: a few records, quick.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def demo(
    ctx: click.Context, code: str, no_serve: bool, size: str | None, host: str, port: int
) -> None:
    """Build a demo company with every add-on's demo data and a demo login, then serve it."""
    from core.demo import DEMO_PASSWORD, build_demo, demo_email

    runtime = _state(ctx).runtime
    code = code.strip().upper()
    with _errors():
        created, enabled = build_demo(
            runtime,
            code,
            size,
            starting=lambda size: click.echo(
                f"Building demo company {code} ({size} size"
                + ("; `--size small` is quicker" if size == "full" else "")
                + ")..."
            ),
        )
    if created:
        click.echo(f"Demo company {code} created with add-ons: {', '.join(enabled) or '(none)'}")
    else:
        click.echo(f"Demo company {code} already exists; its data is kept.")
    click.echo(f"Demo login: {demo_email(code)} / {DEMO_PASSWORD}")
    if no_serve:
        return
    _serve(runtime, host, port)


# ------------------------------------------------------------------ companies
@main.group()
def company() -> None:
    """Companies (tenants)."""


@company.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The company's name.")
@click.option("--currency", default="TRY", show_default=True, help="ISO 4217 currency code.")
@click.pass_context
def company_add(ctx: click.Context, code: str, name: str, currency: str) -> None:
    """Add a company with code CODE."""
    from core.companies import add_company

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.transaction() as session:
            code = add_company(session, code, name, currency).code
    click.echo(f"Company {code} added.")


@company.command("list")
@click.pass_context
def company_list(ctx: click.Context) -> None:
    """List companies and the add-ons each enabled."""
    from sqlalchemy import select

    from core.models import Company

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
    with runtime.db.Session() as session:
        companies = session.scalars(select(Company).order_by(Company.code)).all()
        if not companies:
            click.echo("No companies yet: `yaprak company add CODE --name NAME`.")
        for c in companies:
            addons = ", ".join(sorted(c.enabled_addons)) or "-"
            click.echo(f"{c.code:<12} {c.name:<30} {c.currency}  add-ons: {addons}")


@company.command("letterhead")
@click.argument("code")
@click.option("--address", default=None, help="Address printed on documents (\\n: new line).")
@click.option(
    "--logo", type=click.File("rb"), default=None, help="PNG, JPEG or SVG file (at most 512 KB)."
)
@click.option("--remove-logo", is_flag=True, help="Print no logo.")
@click.option("--tax-office", default=None, help="Tax office (vergi dairesi).")
@click.option(
    "--tax-id", default=None, help="VKN (10 digits), or the owner's TCKN (11) for a sole trader."
)
@click.option("--mersis-no", default=None, help="MERSİS number (16 digits).")
@click.option("--trade-registry-no", default=None, help="Trade registry (ticaret sicil) number.")
@click.option("--phone", default=None, help="Phone number.")
@click.option("--email", default=None, help="E-mail address.")
@click.option("--website", default=None, help="Web address.")
@click.pass_context
def company_letterhead(
    ctx: click.Context,
    code: str,
    address: str | None,
    logo: Any,
    remove_logo: bool,
    **header: str | None,
) -> None:
    """Set what documents print in the header: address, logo, tax office and number,
    MERSİS and trade registry numbers, phone, e-mail and web address ("" clears one)."""
    from core.companies import get_company, set_letterhead, update_header

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.transaction() as session:
            company = get_company(session, code)
            text = address.replace("\\n", "\n") if address is not None else None
            set_letterhead(company, text, logo.read() if logo else None, remove_logo)
            update_header(company, {k: v for k, v in header.items() if v is not None})
            shown = company.address.replace("\n", ", ") or "no address"
            kind = company.logo_type or "no logo"
            tax = f"{company.tax_office} {company.tax_id}".strip()
    click.echo(f"{company.code}: {shown}; {kind}{'; ' + tax if tax else ''}.")


# ------------------------------------------------------------------ templates
@main.group()
def template() -> None:
    """Document templates a company edits (PDFs): its own version of a template."""


@template.command("set")
@click.argument("name")
@click.option("--file", "source", type=click.File("r", encoding="utf-8"), required=True)
@click.option("--company", "code", required=True)
@click.pass_context
def template_set(ctx: click.Context, name: str, source: Any, code: str) -> None:
    """Use the Jinja source in --file as the company's version of template NAME."""
    from core.templates import set_override, template_folders

    runtime = _state(ctx).runtime
    text = source.read()
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, company):
            set_override(session, name, text, template_folders(runtime.kernel))
            who = company.code
    click.echo(f"{who} now uses its own {name} ({len(text.splitlines())} lines).")


@template.command("reset")
@click.argument("name")
@click.option("--company", "code", required=True)
@click.pass_context
def template_reset(ctx: click.Context, name: str, code: str) -> None:
    """Go back to the template the add-on ships."""
    from core.templates import reset_override

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, company):
            done = reset_override(session, name)
            who = company.code
    click.echo(f"{who} uses the shipped {name} again." if done else f"{who} had no own {name}.")


@template.command("list")
@click.option("--company", "code", required=True)
@click.pass_context
def template_list(ctx: click.Context, code: str) -> None:
    """The templates the company has its own version of."""
    from core.templates import list_overrides

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, company):
            rows = [
                (r.name, r.updated_at, len(r.source.splitlines())) for r in list_overrides(session)
            ]
            who = company.code
    if not rows:
        click.echo(f"{who} uses the shipped templates.")
    for name, updated, lines in rows:
        click.echo(f"{name:<40} {lines:>5} lines  changed {updated:%Y-%m-%d %H:%M} UTC")


@template.command("show")
@click.argument("name")
@click.option("--company", "code", default=None, help="Its version, if it has one.")
@click.pass_context
def template_show(ctx: click.Context, name: str, code: str | None) -> None:
    """Print the source of template NAME (a starting point for `template set`)."""
    from core.templates import file_source, get_override, template_folders

    runtime = _state(ctx).runtime
    text = None
    with _errors():
        if code is not None:
            _require_db(runtime)
            with contextmanager(_in_company)(runtime, code) as (session, _):
                row = get_override(session, name)
                text = row.source if row is not None else None
        if text is None:
            text = file_source(name, template_folders(runtime.kernel))
        if text is None:
            _fail(f"no template named {name!r}")
    click.echo(text, nl=False)


# ------------------------------------------------------------------ users and tokens
@main.group()
def user() -> None:
    """Users and their roles per company."""


@user.command("add")
@click.argument("email")
@click.option("--company", "code", required=True, help="Company the user joins.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    default=("user",),
    show_default=True,
    help="Role in that company (repeat for several).",
)
@click.option("--password", default=None, help="Password (asked for when omitted).")
@click.option("--name", default="", help="Full name.")
@click.option(
    "--language",
    default=None,
    type=click.Choice(["tr", "en"]),
    help="Language of the pages (a new user: tr unless given; an existing user: changed).",
)
@click.option("--no-password", is_flag=True, help="A user who only uses API tokens.")
@click.pass_context
def user_add(
    ctx: click.Context,
    email: str,
    code: str,
    roles: tuple[str, ...],
    password: str | None,
    name: str,
    language: str | None,
    no_password: bool,
) -> None:
    """Add a user to a company with roles (an existing user gets the membership/roles, and
    the language when ``--language`` is given)."""
    from core.auth import add_user, find_user, grant
    from core.companies import get_company

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.transaction() as session:
            company = get_company(session, code)
            existing = find_user(session, email)
            if existing is not None and password is not None:
                _fail(f"{existing.email} exists: change a password with `yaprak user password`")
            if existing is None:
                if password is None and not no_password:
                    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
                existing = add_user(session, email, name, password, language or "tr")
                created = True
            else:
                created = False
                if language is not None:
                    existing.language = language
            member = grant(session, runtime.kernel, existing, company, list(roles))
            email, code = existing.email, company.code
            have = ", ".join(sorted(member.roles))
    verb = "added" if created else "updated"
    click.echo(f"User {email} {verb}: {code} roles {have}")


@user.command("password")
@click.argument("email")
@click.option("--password", default=None, help="The new password (asked for when omitted).")
@click.pass_context
def user_password(ctx: click.Context, email: str, password: str | None) -> None:
    """Set a user's password."""
    from core.auth import get_user, set_password

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        if password is None:
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
        with runtime.db.transaction() as session:
            user = get_user(session, email)
            set_password(user, password)
            email = user.email
    click.echo(f"Password of {email} changed.")


@user.command("deactivate")
@click.argument("email")
@click.option("--activate", is_flag=True, help="Let the user in again.")
@click.pass_context
def user_deactivate(ctx: click.Context, email: str, activate: bool) -> None:
    """Stop a user from logging in and using tokens (nothing of theirs is deleted)."""
    from core.auth import get_user

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.transaction() as session:
            user = get_user(session, email)
            if user.active == activate:
                _fail(f"{user.email} is {'active' if activate else 'deactivated'} already")
            user.active = activate
            email = user.email
    click.echo(f"{email} {'can log in again' if activate else 'is deactivated'}.")


@user.command("remove-role")
@click.argument("email")
@click.option("--company", "code", required=True)
@click.option("--role", "roles", multiple=True, required=True)
@click.pass_context
def user_remove_role(ctx: click.Context, email: str, code: str, roles: tuple[str, ...]) -> None:
    """Take roles away from a user in a company."""
    from core.auth import get_user, revoke_roles
    from core.companies import get_company

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.transaction() as session:
            user = get_user(session, email)
            left = revoke_roles(session, user, get_company(session, code), list(roles))
            email = user.email
    click.echo(f"{email}: roles left in {code.upper()}: {', '.join(sorted(left)) or '-'}")


@user.command("list")
@click.option("--company", "code", default=None, help="Only members of this company.")
@click.pass_context
def user_list(ctx: click.Context, code: str | None) -> None:
    """List users with their companies and roles."""
    from sqlalchemy import select

    from core.companies import get_company
    from core.models import Company, User

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.Session() as session:
            only = get_company(session, code).id if code else None
            codes = dict(session.execute(select(Company.id, Company.code)).all())
            for u in session.scalars(select(User).order_by(User.email)):
                members = [m for m in u.memberships if only in (None, m.company_id)]
                if only is not None and not members:
                    continue
                where = "; ".join(
                    f"{codes[m.company_id]}: {', '.join(sorted(m.roles)) or '-'}" for m in members
                )
                state = "" if u.active else "  (inactive)"
                click.echo(f"{u.email:<32} {where}{state}")


@main.group()
def token() -> None:
    """API tokens (sent as `Authorization: Bearer TOKEN`)."""


@token.command("create")
@click.argument("email")
@click.option("--company", "code", required=True, help="Company the token acts for.")
@click.option("--name", default="", help="What the token is for.")
@click.pass_context
def token_create(ctx: click.Context, email: str, code: str, name: str) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from core.auth import create_token, get_user
    from core.companies import get_company

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.transaction() as session:
            row, plain = create_token(
                session, get_user(session, email), get_company(session, code), name
            )
            token_id = row.id
    click.echo(plain)
    click.echo(f"(token {token_id}: keep it now, it cannot be shown again)", err=True)


@token.command("list")
@click.option("--company", "code", default=None)
@click.pass_context
def token_list(ctx: click.Context, code: str | None) -> None:
    """List tokens (id, prefix, user, company, last use, revoked)."""
    from sqlalchemy import select

    from core.companies import get_company
    from core.models import ApiToken, Company

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.Session() as session:
            query = select(ApiToken).order_by(ApiToken.id)
            if code:
                query = query.where(ApiToken.company_id == get_company(session, code).id)
            codes = dict(session.execute(select(Company.id, Company.code)).all())
            for t in session.scalars(query):
                used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
                state = "revoked" if t.revoked_at else "active"
                click.echo(
                    f"{t.id:<5} yk_{t.prefix}…  {t.user.email:<28} {codes[t.company_id]:<10} "
                    f"used {used:<16} {state}  {t.name}"
                )


@token.command("revoke")
@click.argument("key")
@click.pass_context
def token_revoke(ctx: click.Context, key: str) -> None:
    """Revoke a token by its id or its prefix yk_... (as `yaprak token list` shows)."""
    from core.auth import revoke_token

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.transaction() as session:
            token_id = revoke_token(session, key).id
    click.echo(f"Token {token_id} revoked.")


# ------------------------------------------------------------------ workflows, numbers, approvals
@main.group()
def workflow() -> None:
    """Document workflows per company: roles, approval bands, accumulation."""


def _needs_addon(company: Company, document_type: str) -> None:
    addon = document_type.split(".", 1)[0]
    if addon not in company.enabled_addons:
        _fail(f"{document_type}: the add-on {addon} is not enabled for {company.code}")


def _in_company(runtime: Runtime, code: str) -> Iterator[tuple[Session, Company]]:
    from core.companies import get_company
    from core.tenancy import act_for

    with runtime.activate(), runtime.db.transaction() as session:
        company = get_company(session, code)
        act_for(session, company)
        yield session, company


@workflow.command("show")
@click.argument("document_type")
@click.option("--company", "code", required=True)
@click.pass_context
def workflow_show(ctx: click.Context, document_type: str, code: str) -> None:
    """Show a document type's workflow as the company has it."""
    from core.workflow import describe, parse_workflow, workflow_definition

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, company):
            _needs_addon(company, document_type)
            lines = describe(parse_workflow(workflow_definition(session, document_type)))
    click.echo("\n".join(lines))


@workflow.command("set")
@click.argument("document_type")
@click.option("--company", "code", required=True)
@click.option(
    "--band",
    "bands",
    multiple=True,
    help="UP_TO:ROLE,ROLE (in order); '-' for no upper limit, e.g. --band 100: "
    "--band 10000:purchasing.approver --band -:purchasing.approver,manager",
)
@click.option("--role", "roles", multiple=True, help="TRANSITION=ROLE (empty role: anyone).")
@click.option(
    "--accumulate-days",
    type=int,
    default=None,
    help="Add up the same requester's documents of the last N days.",
)
@click.pass_context
def workflow_set(
    ctx: click.Context,
    document_type: str,
    code: str,
    bands: tuple[str, ...],
    roles: tuple[str, ...],
    accumulate_days: int | None,
) -> None:
    """Change a company's workflow (bands, roles, accumulation) without code."""
    from core.workflow import change_workflow, describe, save_workflow, workflow_definition

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, company):
            _needs_addon(company, document_type)
            raw = change_workflow(
                workflow_definition(session, document_type),
                list(bands),
                list(roles),
                accumulate_days,
            )
            lines = describe(save_workflow(session, raw))
    click.echo("\n".join(lines))


@workflow.command("reset")
@click.argument("document_type")
@click.option("--company", "code", required=True)
@click.pass_context
def workflow_reset(ctx: click.Context, document_type: str, code: str) -> None:
    """Go back to the workflow the add-on ships."""
    from core.workflow import reset_workflow

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, company):
            _needs_addon(company, document_type)
            done = reset_workflow(session, document_type)
    click.echo("Back to the default workflow." if done else "The company uses the default already.")


@main.group()
def sequence() -> None:
    """Document numbers: a pattern per company and document type."""


@sequence.command("set")
@click.argument("document_type")
@click.option("--company", "code", required=True)
@click.option("--pattern", required=True, help="e.g. SO-{year}-{seq:05d}; also {yy}, {month}.")
@click.option(
    "--reset",
    type=click.Choice(["never", "yearly", "monthly"]),
    default="yearly",
    show_default=True,
)
@click.pass_context
def sequence_set(
    ctx: click.Context, document_type: str, code: str, pattern: str, reset: str
) -> None:
    """Set how a document type is numbered (counters are kept)."""
    from core.numbering import render, set_sequence

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, _):
            set_sequence(session, document_type, pattern, reset)
    from datetime import date

    click.echo(f"{document_type}: next numbers look like {render(pattern, 1, date.today())}")


@sequence.command("list")
@click.option("--company", "code", required=True)
@click.pass_context
def sequence_list(ctx: click.Context, code: str) -> None:
    """The company's number sequences and their counters."""
    from sqlalchemy import select

    from core.models import Sequence, SequenceCounter

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, _):
            for seq in session.scalars(select(Sequence).order_by(Sequence.code)):
                counters = session.scalars(
                    select(SequenceCounter)
                    .where(SequenceCounter.sequence_id == seq.id)
                    .order_by(SequenceCounter.period)
                ).all()
                taken = ", ".join(f"{c.period or 'all'}: {c.next_value - 1}" for c in counters)
                click.echo(f"{seq.code:<28} {seq.pattern:<24} {seq.reset:<8} taken {taken or '0'}")


@main.group()
def approvals() -> None:
    """Approvals waiting for users."""


@approvals.command("pending")
@click.argument("email")
@click.option("--company", "code", required=True)
@click.pass_context
def approvals_pending(ctx: click.Context, email: str, code: str) -> None:
    """Documents waiting for a decision EMAIL may take."""
    from core.auth import get_user, membership
    from core.workflow import (
        approval_amount,
        parse_workflow,
        pending_approvals,
        workflow_definition,
    )

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, company):
            person = get_user(session, email)
            if membership(session, person, company) is None:
                _fail(f"{person.email} is not a member of {company.code}")
            found = pending_approvals(session, person, company)
            for document, role in found:
                flow = parse_workflow(workflow_definition(session, document.__document_type__))
                amount = approval_amount(session, flow, document)  # what picked the band
                label = document.number or f"#{document.id}"
                click.echo(
                    f"{document.__document_type__:<24} {label:<20} "
                    f"{amount:>14} {document.currency}  as {role}"
                )
    if not found:
        click.echo("Nothing waits for this user.")


@approvals.command("delegate")
@click.argument("from_email")
@click.argument("to_email")
@click.option("--company", "code", required=True)
@click.option("--start", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--end", "end", required=True, help="Last day, YYYY-MM-DD.")
@click.pass_context
def approvals_delegate(
    ctx: click.Context, from_email: str, to_email: str, code: str, start: str, end: str
) -> None:
    """Let TO_EMAIL take FROM_EMAIL's approvals between two dates (a holiday, say)."""
    from core.auth import get_user
    from core.workflow import delegate

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, _):
            row = delegate(
                session, get_user(session, from_email), get_user(session, to_email), start, end
            )
            first, last = row.start, row.end
    click.echo(f"{to_email} approves for {from_email} from {first} to {last}.")


@approvals.command("delegations")
@click.option("--company", "code", required=True)
@click.pass_context
def approvals_delegations(ctx: click.Context, code: str) -> None:
    """List delegations (id, from, to, period)."""
    from sqlalchemy import select

    from core.models import Delegation, User

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, _):
            rows = session.scalars(select(Delegation).order_by(Delegation.start)).all()
            for row in rows:
                giver, taker = (
                    session.get(User, row.from_user_id),
                    session.get(User, row.to_user_id),
                )
                click.echo(f"{row.id:<5} {giver.email} -> {taker.email}  {row.start} .. {row.end}")
            if not rows:
                click.echo("No delegation.")


@approvals.command("undelegate")
@click.argument("delegation_id", type=int)
@click.option("--company", "code", required=True)
@click.pass_context
def approvals_undelegate(ctx: click.Context, delegation_id: int, code: str) -> None:
    """End a delegation now."""
    from core.workflow import end_delegation

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with contextmanager(_in_company)(runtime, code) as (session, _):
            end_delegation(session, delegation_id)
    click.echo(f"Delegation {delegation_id} ended.")


# ------------------------------------------------------------------ outbox
@main.group()
def outbox() -> None:
    """The e-mail outbox: what waits, what was sent, what failed."""


@outbox.command("list")
@click.option("--company", "code", default=None)
@click.option("--state", type=click.Choice(["queued", "sending", "sent", "failed"]), default=None)
@click.pass_context
def outbox_list(ctx: click.Context, code: str | None, state: str | None) -> None:
    """List messages, newest first."""
    from sqlalchemy import select

    from core.companies import get_company
    from core.models import OutboxMessage

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.Session() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
            if code:
                query = query.where(OutboxMessage.company_id == get_company(session, code).id)
            if state:
                query = query.where(OutboxMessage.state == state)
            rows = session.scalars(query).all()
            for m in rows:
                why = f"  ({m.last_error})" if m.last_error and m.state != "sent" else ""
                tries = f"{m.attempts} failed" if m.attempts else ""
                click.echo(f"{m.id:<6} {m.state:<8} {tries:<9} {m.to:<30} {m.subject}{why}")
            if not rows:
                click.echo("The outbox is empty.")


@outbox.command("send")
@click.pass_context
def outbox_send(ctx: click.Context) -> None:
    """Send every due message now (what the worker does once a minute)."""
    from core.mail import deliver_outbox, waiting_messages

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        if not runtime.config.smtp_url:
            _fail("no SMTP server is configured (YAPRAK_SMTP_URL): the mail waits in the outbox")
        sent, failed = deliver_outbox(runtime)
        waiting = waiting_messages(runtime)
    line = f"Sent {sent}, not sent {failed}."
    if waiting:
        count, first = waiting
        line += f" {count} waiting for a retry, the next at {first:%Y-%m-%d %H:%M} UTC."
    click.echo(line)
    if failed:
        raise click.exceptions.Exit(1)


@outbox.command("retry")
@click.argument("message_id", type=int)
@click.pass_context
def outbox_retry(ctx: click.Context, message_id: int) -> None:
    """Queue a failed or waiting message again, to be sent now."""
    from core.mail import retry_message

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.transaction() as session:
            retry_message(session, message_id)
    click.echo(f"Message {message_id} queued again.")


# ------------------------------------------------------------------ add-ons
@main.group()
def addons() -> None:
    """Add-ons: list, install, enable per company, check, show, scaffold."""


@addons.command("list")
@click.option(
    "--company", "code", default=None, help="Also show whether it is enabled for this company."
)
@click.pass_context
def addons_list(ctx: click.Context, code: str | None) -> None:
    """List available add-ons: version, dependencies, installed, enabled."""
    from core.companies import get_company
    from core.kernel.migrations import DatabaseState, database_state

    runtime = _state(ctx).runtime
    kernel = runtime.kernel
    try:
        state = database_state(runtime)
    except Exception as exc:
        click.echo(f"(database not readable, installed state unknown: {exc})", err=True)
        state = DatabaseState()
    enabled: frozenset[str] = frozenset()
    if code is not None:
        with _errors():
            _require_db(runtime)
            with runtime.db.Session() as session:
                enabled = get_company(session, code).enabled_addons
    header = f"{'NAME':<20} {'VERSION':<10} {'DEPENDS':<24} {'INSTALLED':<14}"
    if code:
        header += f" {'ENABLED(' + code + ')':<13}"
    header += " SUMMARY"
    click.echo(header)
    names = sorted(
        set(kernel.available) | {p.addon for p in kernel.problems} | set(kernel.excluded)
    )
    for name in names:
        spec = kernel.available.get(name) or kernel.excluded.get(name)
        version = spec.version if spec else "?"
        depends = ", ".join(map(str, spec.manifest.depends)) if spec else ""
        if name in state.needs_upgrade:
            installed = "needs upgrade"
        elif name in state.installed:
            installed = "yes"
        else:
            installed = "no"
        line = f"{name:<20} {version:<10} {depends or '-':<24} {installed:<14}"
        if code:
            line += f" {'yes' if name in enabled else 'no':<13}"
        if spec:
            line += f" {spec.manifest.summary}"
        problems = kernel.problems_of(name)
        if problems:
            line += f"  BROKEN: {problems[0].message}"
        if name in kernel.excluded:
            line += "  (left out by YAPRAK_ADDONS)"
        click.echo(line)


@addons.command("install")
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def addons_install(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Install add-ons in this database (run their migrations), without enabling them."""
    from core.kernel import lifecycle

    runtime = _state(ctx).runtime
    with _errors():
        newly = lifecycle.install(runtime, names)
    click.echo(f"Installed: {', '.join(newly)}" if newly else "Already installed.")


@addons.command("enable")
@click.argument("names", nargs=-1, required=True)
@click.option("--company", "code", required=True, help="Company code.")
@click.pass_context
def addons_enable(ctx: click.Context, names: tuple[str, ...], code: str) -> None:
    """Enable add-ons (and their dependencies) for a company, installing them if needed."""
    from core.companies import enable_addons

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        newly = enable_addons(runtime, code, names)
    code = code.upper()
    click.echo(
        f"Enabled for {code}: {', '.join(newly)}" if newly else f"Already enabled for {code}."
    )


@addons.command("disable")
@click.argument("names", nargs=-1, required=True)
@click.option("--company", "code", required=True, help="Company code.")
@click.pass_context
def addons_disable(ctx: click.Context, names: tuple[str, ...], code: str) -> None:
    """Disable add-ons for a company. Their data is kept."""
    from core.companies import disable_addons

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        done = disable_addons(runtime, code, names)
    code = code.upper()
    if done:
        click.echo(f"Disabled for {code}: {', '.join(done)} (data kept)")
    else:
        click.echo(f"Already disabled for {code}.")


@addons.command("check")
@click.pass_context
def addons_check(ctx: click.Context) -> None:
    """Check every add-on: manifest, dependencies, hooks, table prefixes, migrations."""
    from core.kernel.checks import check_addon
    from core.kernel.migrations import database_state

    runtime = _state(ctx).runtime
    kernel = runtime.kernel
    failures = [str(p) for p in kernel.problems]
    for name in kernel.order:
        failures.extend(f"{name}: {finding}" for finding in check_addon(runtime, name))
    notes: dict[str, str] = {}
    try:
        state = database_state(runtime)
    except Exception as exc:  # an unreachable database does not stop a code check
        click.echo(f"(database not checked: {type(exc).__name__}: {exc})", err=True)
    else:
        broken = {p.addon for p in kernel.problems} | set(kernel.excluded)
        failures.extend(  # installed here, but its package is gone
            f"{name}: {why}" for name, why in sorted(state.missing.items()) if name not in broken
        )
        notes = {n: " (this database needs `yaprak db upgrade`)" for n in state.needs_upgrade}
    for name in kernel.order:
        if not any(f.startswith(f"{name}:") for f in failures):
            click.echo(f"ok      {name} {kernel.available[name].version}{notes.get(name, '')}")
    for name in sorted(kernel.excluded):
        click.echo(f"skipped {name} (left out by YAPRAK_ADDONS)")
    for failure in failures:
        click.echo(f"FAILED  {failure}")
    if failures:
        raise click.exceptions.Exit(1)


@addons.command("show")
@click.argument("name")
@click.pass_context
def addons_show(ctx: click.Context, name: str) -> None:
    """Show an add-on: tables, hooks implemented and published, migrations, companies."""
    from core.kernel.migrations import database_state, enabled_companies

    runtime = _state(ctx).runtime
    kernel = runtime.kernel
    with _errors():
        spec = kernel.spec(name)
    m = spec.manifest
    loaded = kernel.loaded.get(name)
    out = [
        f"name:        {name}",
        f"version:     {spec.version}",
        f"summary:     {m.summary}",
        f"author:      {m.author}",
        f"license:     {m.license}",
        f"kernel:      {m.kernel}",
        f"package:     {spec.module} ({spec.path})",
        f"distribution:{' ' + spec.distribution}",
        f"depends:     {', '.join(map(str, m.depends)) or '-'}",
        f"needed by:   {', '.join(sorted(kernel.dependents(name))) or '-'}",
    ]
    problems = kernel.problems_of(name)
    if problems:
        out.append(f"BROKEN:      {'; '.join(p.message for p in problems)}")
    if loaded:
        out.append(f"tables:      {', '.join(kernel.tables_of(name)) or '-'}")
        out.append(f"hooks implemented: {', '.join(kernel.hooks_implemented(name)) or '-'}")
        out.append(f"hooks published:   {', '.join(loaded.published_hooks) or '-'}")
        with _errors():
            head = runtime.migrations.head_of(name)
        out.append(f"migration head:    {head or '(no migrations)'}")
    try:
        state = database_state(runtime)
        status = (
            "needs upgrade"
            if name in state.needs_upgrade
            else "installed"
            if name in state.installed
            else "not installed"
        )
        out.append(f"in this database:  {status}")
        companies = enabled_companies(runtime, name) if state.core_ready else []
        out.append(f"enabled for:       {', '.join(companies) or '-'}")
    except Exception as exc:
        out.append(f"in this database:  (unknown: {type(exc).__name__})")
    click.echo("\n".join(out))


@addons.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where to create the package folder.",
)
@click.option("--author", default="", help="Author for the manifest and pyproject.")
@click.pass_context
def addons_new(ctx: click.Context, name: str, directory: str, author: str) -> None:
    """Write a pip-installable add-on package NAME (model, migration, route, hook, test)."""
    from core.scaffold import ScaffoldError, create_addon

    try:
        target = create_addon(name, Path(directory), author=author or None)
    except ScaffoldError as exc:
        _fail(str(exc))
    click.echo(f"Created {target}")
    click.echo(f"Next: pip install -e {target} && yaprak addons enable {name} --company CODE")


# ------------------------------------------------------------------ database
@main.group()
def db() -> None:
    """Database migrations (core and one Alembic branch per add-on)."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Bring core and every installed add-on to its head."""
    from core.kernel import lifecycle

    runtime = _state(ctx).runtime
    runtime.config.ensure_home()
    with _errors():
        done = lifecycle.upgrade(runtime)
    click.echo(f"At head: {', '.join(done)}")
    stuck = {n: why for n, why in runtime.missing.items() if n not in runtime.kernel.excluded}
    for name, why in sorted(runtime.missing.items()):
        click.echo(f"Not upgraded: {name}: {why}")
    if stuck:  # a deploy script must notice an add-on left behind
        raise click.exceptions.Exit(1)


@db.command("downgrade")
@click.argument("target")
@click.pass_context
def db_downgrade(ctx: click.Context, target: str) -> None:
    """Downgrade to TARGET, given as ADDON@REVISION (ADDON@base drops its tables)."""
    from core.kernel import lifecycle

    runtime = _state(ctx).runtime
    with _errors():
        lifecycle.downgrade(runtime, target)
    click.echo(f"Downgraded to {target}")


@db.command("revision")
@click.argument("addon")
@click.option("-m", "--message", required=True, help="What the revision does.")
@click.option("--autogenerate", is_flag=True, help="Compare the add-on's models with the database.")
@click.pass_context
def db_revision(ctx: click.Context, addon: str, message: str, autogenerate: bool) -> None:
    """Write a new migration for ADDON (in its own migrations/versions folder)."""

    runtime = _state(ctx).runtime
    with _errors():
        path = runtime.migrations.revision(addon, message, autogenerate)
    if path is None:
        click.echo(f"No changes in {addon}'s models: no revision written.")
    else:
        click.echo(f"Wrote {path}")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show, for core and each add-on, the revision applied and its head."""

    runtime = _state(ctx).runtime
    m = runtime.migrations
    with _errors():
        state = m.state()
    if state.unknown_revisions:
        _fail(m._explain_unknown(state.unknown_revisions))
    for owner in m.locations:
        head = m.head_of(owner)
        mine = [r for r in state.applied if m.owner_of_revision.get(r) == owner]
        at = next((r for r in mine if not any(r in m._down_of(o) for o in mine)), None)
        mark = "head" if at == head else ("not installed" if at is None else "behind")
        click.echo(f"{owner:<20} {at or '-':<14} head {head}  ({mark})")


# ------------------------------------------------------------------ jobs
@main.group()
def jobs() -> None:
    """Scheduled jobs contributed by add-ons (run per company that enabled them)."""


@jobs.command("list")
@click.option("--company", "code", default=None, help="Only the jobs that exist for this company.")
@click.pass_context
def jobs_list(ctx: click.Context, code: str | None) -> None:
    """List scheduled jobs."""
    from core.companies import get_company
    from core.scheduler import tasks_for

    runtime = _state(ctx).runtime
    enabled = None
    if code is not None:
        with _errors():
            _require_db(runtime)
            with runtime.db.Session() as session:
                enabled = get_company(session, code).enabled_addons
    tasks = tasks_for(runtime, enabled)
    for task in tasks:
        click.echo(f"{task.qualified_name:<40} {task.schedule}")
    if not tasks:
        click.echo(f"No scheduled jobs{' for ' + code if code else ''}.")


@jobs.command("run")
@click.argument("name")
@click.option("--company", "code", required=True, help="Company code.")
@click.option("--background", is_flag=True, help="Queue it for the worker instead.")
@click.pass_context
def jobs_run(ctx: click.Context, name: str, code: str, background: bool) -> None:
    """Run the scheduled job NAME (addon.task) now for one company."""
    from core.companies import get_company
    from core.jobs import enqueue_task
    from core.kernel.errors import KernelError
    from core.scheduler import run_task, tasks_for

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        if background:
            with runtime.db.Session() as session:
                company = get_company(session, code)
                if name not in {
                    t.qualified_name for t in tasks_for(runtime, company.enabled_addons)
                }:
                    _fail(f"no scheduled job {name!r} exists for {company.code}")
                code = company.code
            enqueue_task(runtime, name, code)
            click.echo(f"Queued {name} for {code}")
            return
        try:
            run_id = run_task(runtime, name, code)
        except KernelError:
            raise
        except Exception as exc:  # the job's own failure: recorded in its run
            reason = (str(exc).strip().splitlines() or [""])[0]
            _fail(
                f"{name} failed for {code.upper()}: {type(exc).__name__}: {reason} "
                "(see `yaprak jobs runs`)"
            )
    click.echo(f"Ran {name} for {code.upper()} (run {run_id})")


@jobs.command("runs")
@click.option("--company", "code", default=None)
@click.pass_context
def jobs_runs(ctx: click.Context, code: str | None) -> None:
    """The latest job runs: state, progress, how they ended."""
    from sqlalchemy import select

    from core.companies import get_company
    from core.models import Company, JobRun

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
        with runtime.db.Session() as session:
            query = select(JobRun).order_by(JobRun.id.desc()).limit(50)
            if code:
                query = query.where(JobRun.company_id == get_company(session, code).id)
            codes = dict(session.execute(select(Company.id, Company.code)).all())
            rows = session.scalars(query).all()
            for run in rows:
                done = f"{run.done}/{run.total}" if run.total else str(run.done)
                click.echo(
                    f"{run.id:<6} {run.name:<32} {codes[run.company_id]:<10} {run.state:<8} "
                    f"{done:<10} {run.message}"
                )
            if not rows:
                click.echo("No job has run yet.")


@main.command()
@click.option("--workers", default=2, show_default=True, help="Threads running jobs.")
@click.pass_context
def worker(ctx: click.Context, workers: int) -> None:
    """Run the job queue: scheduled jobs per company, mail delivery, queued jobs."""
    from core.jobs import run_worker

    runtime = _state(ctx).runtime
    with _errors():
        _require_db(runtime)
    where = runtime.config.redis_url or str(runtime.config.home / "jobs.db")
    click.echo(f"Yaprak worker: {workers} threads, queue {where} (Ctrl+C stops)")
    with runtime.activate():
        run_worker(runtime, workers)


@main.group()
def i18n() -> None:
    """Translation catalogues of core and add-ons (English source, Turkish catalogue)."""


def _package_dir(ctx: click.Context, addon: str | None) -> Path:
    if addon is None:
        return Path(__file__).resolve().parent
    kernel = _state(ctx).runtime.kernel
    if addon not in kernel.available:
        _fail(f"addon: no add-on named {addon!r} is installed in this environment")
    return kernel.available[addon].path


@i18n.command("update")
@click.option("--addon", default=None, help="An add-on's catalogue instead of core's.")
@click.pass_context
def i18n_update(ctx: click.Context, addon: str | None) -> None:
    """Extract strings, merge them into tr/en messages.po, compile messages.mo."""
    from core.i18n_catalog import update

    folder = _package_dir(ctx, addon)
    counts = update(folder)
    click.echo(f"Updated {folder / 'translations'}")
    for language, count in counts.items():
        click.echo(f"  {language}: {count} untranslated")


@i18n.command("check")
@click.option("--addon", default=None, help="An add-on's catalogue instead of core's.")
@click.pass_context
def i18n_check(ctx: click.Context, addon: str | None) -> None:
    """List strings the Turkish catalogue does not translate, and texts that two catalogues
    (core's and the installed add-ons') translate differently (exit 1 if any)."""
    from core.i18n_catalog import conflicts, missing

    gaps = missing(_package_dir(ctx, addon), "tr")
    for gap in gaps:
        click.echo(f"{gap.reason}: {gap.msgid!r} ({gap.location})")
    kernel = _state(ctx).runtime.kernel
    packages = {"core": _package_dir(ctx, None)}
    packages.update({name: spec.path for name, spec in sorted(kernel.available.items())})
    clashes = [c for c in conflicts(packages, "tr") if addon is None or addon in c.translations]
    for clash in clashes:
        ways = "; ".join(f"{owner}: {text!r}" for owner, text in clash.translations.items())
        click.echo(f"translated differently: {clash.msgid!r} ({ways})")
    if gaps:
        _fail(f"{len(gaps)} string(s) lack a Turkish translation")
    if clashes:
        _fail(
            f"{len(clashes)} text(s) translated differently by two catalogues: give the "
            "different meanings different English texts"
        )
    click.echo("Turkish catalogue complete.")


def run() -> None:  # pragma: no cover - console entry for `python -m core`
    main(prog_name="yaprak")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
