"""`flask demo load`: a demo province with story cases, or N bulk cases for benchmarks.

DEMO ONLY: the accounts it creates share a published password.
"""

import random
from datetime import datetime, time, timezone

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from complaints import clock
from complaints.services import demo


@click.group("demo", help="Demo data (DEMO ONLY: the accounts have a published password).")
def group():
    pass


def _now_for(today) -> datetime:
    """The wall clock when `today` is today; else the end of that working day (local)."""
    if today >= clock.today():
        return clock.now()
    return datetime.combine(today, time(17, 30), clock.LOCAL_TZ).astimezone(timezone.utc)


def _echo_credentials(credentials: list[demo.Credential]) -> None:
    if not credentials:
        return
    click.echo("")
    click.echo(f"DEMO ONLY — every account below has the password {demo.DEMO_PASSWORD!r}.")
    click.echo("Never load demo data into a real installation.")
    width = max(len(c.username) for c in credentials)
    click.echo(f"  {'username':<{width}}  {'role':<14}  {'agency':<12}  agency name")
    for c in credentials:
        click.echo(f"  {c.username:<{width}}  {c.role:<14}  {c.agency_code or '-':<12}  "
                   f"{c.agency_name}")


@group.command("load")
@click.option("--if-empty", is_flag=True,
              help="Load no demo data if any case, agency or account already exists (the "
                   "reference data and localities are still added when missing).")
@click.option("--force", is_flag=True,
              help="Load even though the database already holds cases, agencies or "
                   "accounts (never on a real installation).")
@click.option("--cases", "bulk_cases", type=click.IntRange(min=0), default=None,
              help="Bulk mode for benchmarks: insert N synthetic cases fast.")
@click.option("--story-cases", type=click.IntRange(min=0), default=300, show_default=True,
              help="Cases told through the services (ignored with --cases).")
@click.option("--seed", type=int, default=2026, show_default=True,
              help="Seed of the random generator (same seed, same data).")
@click.option("--today", "today_", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The demo's today (default: today in Asia/Ho_Chi_Minh).")
@click.option("--chunk-size", type=click.IntRange(min=100), default=20_000,
              show_default=True, help="Rows per bulk insert (with --cases).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar.")
@with_appcontext
def load(if_empty, force, bulk_cases, story_cases, seed, today_, chunk_size, progress):
    """Load the demo province of Hải Phòng and its cases (DEMO ONLY)."""
    today = today_.date() if today_ else clock.today()
    if today > clock.today():
        raise click.BadParameter("must not be in the future", param_hint="--today")
    # One command typed from the README on a live system must not add accounts with the
    # published password to real data: refuse before writing anything (--if-empty, as
    # `make run` uses it, still skips quietly below).
    if not if_empty and not force and demo.database_in_use():
        raise click.ClickException(
            "the database already holds cases, agencies or accounts: demo data (accounts "
            "with a published password) not loaded. Use --if-empty to skip quietly, or "
            "--force to add it anyway (never on a real installation).")
    now = _now_for(today)
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # reproducible demo data, not security

    loaded = demo.prepare_reference_data(now)
    if loaded:
        click.echo(f"Localities: {loaded} loaded.")
    if if_empty and demo.database_in_use():
        click.echo("Demo data not loaded: the database already has cases, agencies or "
                   "accounts.")
        return

    if bulk_cases is not None:
        result = demo.load_bulk(bulk_cases, today, now, rng, chunk_size=chunk_size,
                                progress=progress)
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(result.statuses.items()))
        click.echo(f"Bulk: {result.cases} cases as of {today:%Y-%m-%d} ({statuses}); "
                   f"{result.due} due for the escalation sweep.")
        if result.province_built:
            _echo_credentials(demo.demo_credentials())
        return

    province = demo.build_province(now, rng)
    click.echo(f"Province: {province.agencies} agencies, {province.routing_rules} routing "
               f"rules, {province.users} users added.")
    with tqdm(total=story_cases, unit="case", disable=not progress or not story_cases,
              desc="story cases") as bar:
        story = demo.load_story(story_cases, today, now, rng, progress=bar.update)
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(story.statuses.items()))
    click.echo(f"Story: {story.cases} cases as of {today:%Y-%m-%d} ({statuses}).")
    held = demo.load_reception_sessions(today, now, random.Random(rng.random()))  # noqa: S311  # nosec B311
    click.echo(f"Reception days: {held} sessions held by agency heads recorded.")
    for code, pin in story.samples:
        click.echo(f"  citizen look-up: tracking code {code}, PIN {pin}")
    _echo_credentials(province.credentials)
