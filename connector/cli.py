"""The `connector` command line. It only wires: settings → store → poller / submitter → status."""

from __future__ import annotations

import datetime as dt
import json
import sys
from functools import wraps
from typing import Annotated

import typer
from rich.console import Console

from connector.errors import ConfigError, ConnectorError
from connector.logging import configure_logging, get_logger
from connector.settings import Settings, load_settings

app = typer.Typer(help="Declares Dendreo's health-and-safety trainings in the Passeport de Prévention.", no_args_is_help=True)
db_app = typer.Typer(help="State store maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
err_console = Console(stderr=True)
log = get_logger(__name__)


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


def cli_errors(func):
    """Turn every ConnectorError into one clear sentence and its exit code."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ConnectorError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("Interrupted; the store keeps what was committed, the next run resumes from there.")
            raise typer.Exit(130) from None

    return wrapper


def parse_month(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise ConfigError(f"Option {option} takes a month as YYYY-MM, not '{value}'.") from None


def _open_store(settings: Settings):
    from connector.store import Store

    return Store.open(settings)


def do_sync(settings: Settings, store, first: dt.date | None = None, last: dt.date | None = None) -> dict:
    from connector.dendreo.client import DendreoClient
    from connector.dendreo.poller import Poller
    from connector.runs import recorded_run

    with recorded_run(store, "sync") as summary, DendreoClient(settings.dendreo) as client:
        report = Poller(client, store, settings, run_id=summary["run_id"]).sync(first, last)
        summary.update(report.as_dict())
    return summary


@app.command()
@cli_errors
def sync(
    from_month: Annotated[str | None, typer.Option("--from", help="First month to read (YYYY-MM): backfill.")] = None,
    to_month: Annotated[str | None, typer.Option("--to", help="Last month to read (YYYY-MM); default: this month.")] = None,
) -> None:
    """Read completed sessions from Dendreo and apply the rules (incremental unless --from/--to)."""
    settings = _settings()
    first, last = parse_month(from_month, "--from"), parse_month(to_month, "--to")
    if first and last and first > last:
        raise ConfigError("Option --from must not be after --to.")
    store = _open_store(settings)
    summary = do_sync(settings, store, first, last)
    console.print(
        f"Synced ({summary['mode']}): {summary['sessions_read']} sessions read, "
        f"{summary['titulaires_created']} new and {summary['titulaires_updated']} updated titulaires, "
        f"{summary['requests']} requests in {summary['wall_s']} s."
    )


@app.command()
@cli_errors
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    limit: Annotated[int | None, typer.Option(help="Show at most this many problems.")] = None,
) -> None:
    """Counts by state, every problem with its reason (NIR masked), deadlines, recent runs."""
    from connector.status import collect_status, render_status

    settings = _settings()
    store = _open_store(settings)
    data = collect_status(store, today=dt.date.today(), limit=limit)
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        render_status(data, console)


def do_submit(settings: Settings, store, *, dry_run: bool = False, limit: int | None = None) -> dict:
    from connector.portal.submitter import Submitter
    from connector.runs import recorded_run

    with recorded_run(store, "submit-dry-run" if dry_run else "submit") as summary:
        report = Submitter(store, settings, run_id=summary["run_id"], dry_run=dry_run, limit=limit).run()
        summary.update(report.as_dict())
    return summary


def _print_submit(summary: dict) -> None:
    if summary.get("dry_run"):
        console.print(f"Dry run: {len(summary.get('would_declare', []))} declaration(s) filled up to the recap page, none confirmed.")
        for entry in summary.get("would_declare", []):
            console.print(f"  {entry['session']} {entry['type']} × {entry['titulaires']}: {entry['result']}")
            for error in entry.get("errors", []):
                console.print(f"      {error}", highlight=False)
        return
    console.print(
        f"Submitted: {summary['declared']} titulaires declared in {summary['declarations']} declarations, "
        f"{summary['rejected']} rejected by the portal, {summary['in_doubt']} in doubt "
        f"({summary['reconciled_declared']} found and {summary['reconciled_ready']} requeued by reconciliation), "
        f"in {summary['wall_s']} s."
    )


@app.command()
@cli_errors
def submit(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fill up to the recap page, confirm nothing, change no state.")] = False,
    limit: Annotated[int | None, typer.Option(help="Declare at most this many titulaires.")] = None,
) -> None:
    """Declare ready titulaires through the portal's web form (≤ 50 per declaration)."""
    settings = _settings()
    store = _open_store(settings)
    _print_submit(do_submit(settings, store, dry_run=dry_run, limit=limit))


@app.command()
@cli_errors
def run(
    from_month: Annotated[str | None, typer.Option("--from", help="Backfill from this month (YYYY-MM).")] = None,
    to_month: Annotated[str | None, typer.Option("--to", help="Backfill up to this month (YYYY-MM).")] = None,
    limit: Annotated[int | None, typer.Option(help="Declare at most this many titulaires.")] = None,
) -> None:
    """Sync from Dendreo, then declare what is ready (the scheduled job; --from/--to to backfill)."""
    settings = _settings()
    first, last = parse_month(from_month, "--from"), parse_month(to_month, "--to")
    store = _open_store(settings)
    summary = do_sync(settings, store, first, last)
    console.print(f"Synced ({summary['mode']}): {summary['sessions_read']} sessions, {summary['requests']} requests.")
    _print_submit(do_submit(settings, store, limit=limit))


@app.command()
@cli_errors
def login(
    check: Annotated[bool, typer.Option("--check", help="Only tell whether the saved session is still valid.")] = False,
    timeout: Annotated[float, typer.Option(help="Minutes to wait for the person to log in.")] = 10.0,
) -> None:
    """Log in to the portal once by hand (visible browser) and save the session for later runs."""
    from connector.portal.login import check_login, interactive_login

    settings = _settings()
    if check:
        ok, message = check_login(settings)
        console.print(message)
        raise typer.Exit(0 if ok else 1)
    path = interactive_login(settings, timeout_s=timeout * 60)
    console.print(f"Portal session saved to {path} (mode 0600). Runs will use it until it expires.")


@app.command()
@cli_errors
def schedule() -> None:
    """Run sync + submit on the schedule's crontab until stopped (the container's command)."""
    from connector.scheduler import build_scheduler

    settings = _settings()
    store = _open_store(settings)

    def job() -> None:
        do_sync(settings, store)
        do_submit(settings, store)

    scheduler = build_scheduler(settings.schedule, job)
    log.info("schedule.started", cron=settings.schedule.cron, timezone=settings.schedule.timezone)
    console.print(f"Scheduled: '{settings.schedule.cron}' ({settings.schedule.timezone}). Ctrl-C stops.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@app.command()
@cli_errors
def demo() -> None:
    """Start both sandboxes, sync a few months, declare through the web form, show the status."""
    from connector.demo import run_demo

    run_demo(console)


@db_app.command("upgrade")
@cli_errors
def db_upgrade() -> None:
    """Apply the schema migrations (also done at the start of every command)."""
    from connector.store import db

    settings = _settings()
    engine = db.make_engine(settings.effective_database_url)
    db.upgrade(engine)
    console.print(f"Store at revision {db.current_revision(engine)} ({engine.url.render_as_string(hide_password=True)}).")


@app.command()
@cli_errors
def sandbox(
    host: str = "127.0.0.1",
    dendreo_port: Annotated[int, typer.Option(help="Port of the Dendreo API sandbox.")] = 8701,
    portal_port: Annotated[int, typer.Option(help="Port of the Passeport portal sandbox.")] = 8702,
    sessions: Annotated[int, typer.Option(help="Sessions generated in the Dendreo sandbox.")] = 60,
    months: Annotated[int, typer.Option(help="Months the generated sessions span.")] = 3,
    seed: int = 1,
    invalid_share: Annotated[float, typer.Option(help="Share of learners seeded with a data problem.")] = 0.05,
    portal_db: Annotated[str | None, typer.Option(help="SQLite file of the portal sandbox.")] = None,
    session_lifetime: Annotated[float | None, typer.Option(help="Portal login session lifetime (s).")] = None,
    latency_ms: Annotated[int, typer.Option(help="Latency added to every portal request.")] = 0,
    fail_before_record: Annotated[float, typer.Option(help="Probability of a 500 on confirmation before recording.")] = 0.0,
    fail_after_record: Annotated[float, typer.Option(help="Probability of a 500 on confirmation after recording.")] = 0.0,
    confirm_delay: Annotated[float, typer.Option(help="Seconds the confirmation page takes.")] = 0.0,
    maintenance: Annotated[bool, typer.Option(help="Serve the maintenance page.")] = False,
    inspection: Annotated[bool, typer.Option(help="Enable the portal's /_sandbox JSON endpoints.")] = True,
) -> None:
    """Serve the Dendreo API sandbox and the portal sandbox until interrupted."""
    import time

    from connector.sandbox.launch import start_sandboxes

    _settings()
    handles = start_sandboxes(
        host=host,
        dendreo_port=dendreo_port,
        portal_port=portal_port,
        sessions=sessions,
        months=months,
        seed=seed,
        invalid_share=invalid_share,
        portal_db=portal_db,
        portal_overrides={
            k: v
            for k, v in dict(
                session_lifetime_s=session_lifetime,
                latency_ms=latency_ms,
                fail_before_record_probability=fail_before_record,
                fail_after_record_probability=fail_after_record,
                confirm_delay_s=confirm_delay,
                maintenance=maintenance,
                inspection_enabled=inspection,
            ).items()
            if v is not None
        },
    )
    console.print(f"Dendreo API sandbox: {handles.dendreo_base_url}  (key: {handles.dendreo_api_key})")
    console.print(f"Portal sandbox:      {handles.portal.url}  (SIRET {handles.account['siret']}, {handles.account['nom']} {handles.account['prenom']}, password: {handles.account['password']})")
    console.print("Ctrl-C stops both.")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        handles.stop()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
