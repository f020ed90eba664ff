"""The `evalplatform` command: database, users, demo data, audit verification, serving."""

from __future__ import annotations

import getpass
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler

from . import audit, create_app
from .accounts import service as accounts
from .accounts.models import Firm, Role
from .archive_crypto import is_encrypted
from .audit import Anchor
from .backup import RestoreError, backup, restore
from .config import _instance_dir
from .db import db
from .demo import DEMO_PASSWORD, load_demo
from .evidence.service import verify_store
from .evidence.sweep import sweep
from .integrity import KEY_FILE
from .migrate import upgrade
from .models import blob_holders
from .verification import verify_installation
from .web import current_store


def _create_app():
    # `evalplatform run` (scripts/run.sh --dev): say what serves, not which versions (gunicorn does the same).
    WSGIRequestHandler.version_string = lambda _handler: "evalplatform-dev"
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, set_debug_flag=False, load_dotenv=False)
def main() -> None:
    """evalplatform — 第三方预算绩效评价平台."""


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic)."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Bring the database to the newest schema (creates it when empty)."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is at head")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--firm", "firm_name", help="会计师事务所名称 (firm roles)")
@click.option("--bureau", "bureau_name", help="财政局名称 (bureau role)")
@click.option("--display-name")
@click.option("--password", help="omit to be asked (not echoed)")
@with_appcontext
def create_user_command(username, role, firm_name, bureau_name, display_name, password) -> None:
    """Create a user; the firm or bureau is created when it does not exist yet."""
    password = password or getpass.getpass("密码 / password: ")
    with db.new_session() as session:
        firm = accounts.get_or_create_firm(session, firm_name) if firm_name else None
        bureau = accounts.get_or_create_bureau(session, bureau_name) if bureau_name else None
        try:
            accounts.create_user(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                firm=firm,
                bureau=bureau,
            )
        except accounts.AccountError as error:
            raise click.ClickException(str(error)) from None
        session.commit()
    click.echo(f"created {role} {username}")


@click.command("readiness-override")
@click.option("--firm", "firm_name", required=True, help="会计师事务所名称")
@click.option("--allow/--forbid", required=True, help="whether its partner may override the readiness checklist")
@with_appcontext
def readiness_override_command(firm_name, allow) -> None:
    """Let a firm's partner (复核合伙人) submit or issue an incomplete report with a recorded reason, or not."""
    with db.new_session() as session:
        firm = session.scalar(select(Firm).where(Firm.name == firm_name))
        if firm is None:
            raise click.ClickException(f"no firm named {firm_name!r}")
        before, firm.allows_readiness_override = firm.allows_readiness_override, allow
        audit.record(
            session,
            actor=None,
            action="firm.readiness_override",
            obj=firm,
            now=datetime.now(timezone.utc),
            details={"before": before, "after": allow},
        )
        session.commit()
    click.echo(f"{firm_name}: readiness override {'allowed' if allow else 'forbidden'}")


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo firm, bureau, users and engagements (idempotent)."""
    with db.new_session() as session:
        created = load_demo(session, current_app.config["STORAGE_DIR"])
        session.commit()
    click.echo("demo data loaded" if created else "demo data already present")
    click.echo(f"demo logins (password {DEMO_PASSWORD}): evaluator, reviewer, admin, bureau, auditor")


def _anchor(_ctx, _param, values):
    try:
        return tuple(Anchor.parse(v) for v in values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("verify-audit")
@click.option(
    "--expect-head",
    "anchors",
    multiple=True,
    callback=_anchor,
    metavar="[CHAIN:]N:HASH",
    help="a chain position recorded earlier (printed in every issued report): fails if that link is "
    "gone or different, i.e. the chain was truncated or rewritten; repeatable",
)
@click.option("--heads", is_flag=True, help="also print every chain's current head, to record elsewhere")
@with_appcontext
def verify_audit_command(anchors, heads) -> None:
    """Check the keyed audit chains, their anchors and every sealed row (responses, evidence, issued
    versions); exit 1 naming each problem."""
    with db.new_session() as session:
        result = verify_installation(session, anchors)
    if heads:
        for chain, (seq, row_hash) in sorted(result.chains.heads.items()):
            click.echo(f"HEAD {chain}:{seq}:{row_hash}")
    for problem in result.problems():
        click.echo(problem)
    if not result.ok:
        sys.exit(1)
    click.echo(
        f"OK: {result.chains.checked} audit events in {len(result.chains.heads)} chains, "
        f"{len(anchors)} anchors, {result.sealed_rows} sealed rows verified"
    )


@click.command("verify-evidence")
@with_appcontext
def verify_evidence_command() -> None:
    """Re-hash every stored evidence blob; exit 1 naming each missing or altered one."""
    with db.new_session() as session:
        checked, problems = verify_store(session, current_store())
    for problem in problems:
        click.echo(f"{problem.problem.upper()}: {problem.sha256}")
    if problems:
        click.echo(f"{len(problems)} of {checked} blobs failed verification")
        sys.exit(1)
    click.echo(f"OK: {checked} evidence blobs verified")


@click.command("sweep-evidence")
@click.option(
    "--grace-hours",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    help="only files idle for longer than this",
)
@click.option("--remove", is_flag=True, help="delete them (without it, only list what would go)")
@with_appcontext
def sweep_evidence_command(grace_hours, remove) -> None:
    """Unreferenced evidence blobs (left by rolled-back uploads and imports) and stale upload spool files."""
    with db.new_session() as session:
        report = sweep(
            session,
            current_store(),
            datetime.now(timezone.utc),
            holders=blob_holders(),
            grace=timedelta(hours=grace_hours),
            remove=remove,
        )
    for sha256 in report.orphans:
        click.echo(f"UNREFERENCED: {sha256}")
    for name in report.stale_incoming:
        click.echo(f"STALE UPLOAD: incoming/{name}")
    verb = "removed" if remove else "would remove (run with --remove)"
    click.echo(
        f"{report.blobs_checked} blobs checked; {verb}: {len(report.orphans)} unreferenced blobs, "
        f"{len(report.stale_incoming)} stale upload files, {report.bytes} bytes"
    )


PASSPHRASE_ENV = "EVALPLATFORM_BACKUP_PASSPHRASE"


def _passphrase(confirm: bool) -> str:
    """From EVALPLATFORM_BACKUP_PASSPHRASE (unattended runs), else asked for without echo."""
    return os.environ.get(PASSPHRASE_ENV) or click.prompt(
        "备份口令 / passphrase", hide_input=True, confirmation_prompt=confirm
    )


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="archive to write, e.g. backup-2026-11-25.tar.gz (mode 0600)",
)
@click.option(
    "--encrypt",
    is_flag=True,
    help=f"encrypt with a passphrase (AES-256-GCM, key from scrypt); from ${PASSPHRASE_ENV} or asked for",
)
@click.option(
    "--with-audit-key",
    is_flag=True,
    help="also store the audit key, so another machine can verify the restore (needs --encrypt)",
)
@with_appcontext
def backup_command(output, encrypt, with_audit_key) -> None:
    """Write the database, the evidence blobs and a manifest of hashes into one archive."""
    if with_audit_key and not encrypt:
        raise click.UsageError("--with-audit-key needs --encrypt: the key must not travel in clear with the data")
    passphrase = _passphrase(confirm=True) if encrypt else None
    manifest = backup(
        db.engine,
        current_app.config["STORAGE_DIR"],
        Path(output),
        passphrase=passphrase,
        audit_key=current_app.config["AUDIT_KEY"] if with_audit_key else None,
    )
    click.echo(
        f"backup written to {output}{' (encrypted)' if encrypt else ''}: "
        f"{sum(manifest['tables'].values())} rows, {len(manifest['blobs'])} evidence blobs"
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(archive) -> None:
    """Rebuild an empty installation (DATABASE_URL, STORAGE_DIR) from a backup archive and verify it."""
    passphrase = _passphrase(confirm=False) if is_encrypted(archive) else None
    try:
        report = restore(
            db.engine,
            current_app.config["STORAGE_DIR"],
            Path(archive),
            passphrase=passphrase,
            audit_key=current_app.config["AUDIT_KEY"],
        )
    except RestoreError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"restored and verified: {report.rows} rows in {report.tables} tables, {report.blobs} blobs, "
        f"{report.audit_events} audit events, {report.sealed_rows} sealed rows"
    )
    if report.audit_key and report.audit_key != current_app.config["AUDIT_KEY"]:
        click.echo(_install_audit_key(report.audit_key))


def _install_audit_key(key: str) -> str:
    """The archive carried the original installation's key: this one must use it from now on."""
    if os.environ.get("AUDIT_KEY"):
        return "NOTE: set AUDIT_KEY to the key stored in the backup (this installation's AUDIT_KEY differs)"
    path = Path(_instance_dir()) / KEY_FILE
    if path.exists():
        path.replace(path.with_name(KEY_FILE + ".before-restore"))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return f"the backup's audit key was installed into {path} (mode 0600)"


def register_cli(app) -> None:
    for command in (
        db_group,
        create_user_command,
        readiness_override_command,
        load_demo_command,
        verify_audit_command,
        verify_evidence_command,
        sweep_evidence_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
