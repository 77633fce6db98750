"""`kits validate | load | preview | preflight | feedback`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from campaign_engine import bootstrap
from campaign_engine.cli import cli, database, emit, runtime, unit_of_work
from campaign_engine.domain.kit import kit_schema
from campaign_engine.errors import KitError
from campaign_engine.services.assets.kits import find_version, load_kit, validate_kit
from campaign_engine.services.assets.preview import Preview, browser_html, preview_partner
from campaign_engine.services.partners.customisation import customisations_for
from campaign_engine.services.partners.directory import get_partner

KIT_DIR = click.Path(path_type=Path, file_okay=False)


def _with_extension(name: str, media_type: str) -> str:
    """Inline images are named by their Content-ID ("partner-logo"); a file on disk needs
    its extension to open."""
    if Path(name).suffix:
        return name
    return f"{name}.{media_type.partition('/')[2] or 'bin'}"


def _personalised(preview: Preview, name: str) -> bytes | None:
    """The email as the sample recipient would see it, not the per-partner template."""
    if preview.email is None or name not in ("email.html", "email.txt"):
        return None
    if name == "email.txt":
        return preview.email.body_text.encode()
    return browser_html(preview.email).encode()


@cli.group()
def kits() -> None:
    """Campaign kits: validate, load, preview."""


@kits.command("validate")
@click.argument("path", type=KIT_DIR)
def kits_validate(path: Path) -> None:
    """Check a kit completely and list every problem with file:line."""
    try:
        kit = validate_kit(path, bootstrap.make_renderers)
    except KitError as exc:
        click.echo(f"{path}: {len(exc.problems)} problem(s)", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(
        f"{path}: kit '{kit.spec.slug}' is valid ({', '.join(kit.spec.channels())}; "
        f"locales {', '.join(kit.spec.locales)})"
    )


@kits.command("schema")
def kits_schema() -> None:
    """Print the JSON Schema of kit.yaml (docs/kit.schema.json is this output)."""
    click.echo(json.dumps(kit_schema(), indent=2, ensure_ascii=False))


@kits.command("load")
@click.argument("path", type=KIT_DIR)
@click.option("--json", "as_json", is_flag=True)
def kits_load(path: Path, as_json: bool) -> None:
    """Validate and store a kit as an immutable version."""
    with unit_of_work() as (_, session):
        version = load_kit(session, path, bootstrap.make_renderers)
        data = {
            "kit": version.kit.slug,
            "version_id": version.id,
            "content_hash": version.content_hash,
        }
    emit(data, as_json, f"loaded kit '{data['kit']}' version {data['content_hash'][:12]}")


@kits.command("preview")
@click.argument("path", type=KIT_DIR)
@click.option("--partner", "slug", required=True, help="Partner slug to co-brand for.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
def kits_preview(path: Path, slug: str, out_dir: Path) -> None:
    """Write every asset of the kit, co-branded for one partner, into OUT."""
    kit = validate_kit(path, bootstrap.make_renderers)
    with runtime() as rt, rt.sessions() as session:
        partner = get_partner(session, slug)
        loaded = find_version(session, kit.spec.slug, kit.content_hash)
        preview = preview_partner(
            kit,
            bootstrap.renderers_for(kit),
            partner,
            rt.settings.public_base_url,
            storage_dir=rt.settings.storage_dir,
            customisations=customisations_for(session, partner.id, loaded) if loaded else None,
        )
        from_address = rt.settings.email.from_address
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for asset in preview.assets:
        for item in asset.files:
            target = out_dir / _with_extension(item.name, item.media_type)
            target.write_bytes(_personalised(preview, item.name) or item.content)
            written.append(target.name)
            if item.media_type == "application/pdf":
                (out_dir / f"{Path(item.name).stem}-page1.png").write_bytes(
                    bootstrap.pdf_thumbnail(item.content)
                )
                written.append(f"{Path(item.name).stem}-page1.png")
    if preview.email is not None:
        (out_dir / "email.eml").write_bytes(
            bootstrap.email_bytes(preview.email, from_address, "preview")
        )
        written.append("email.eml")
    cached = "" if preview.rendered else " (all from the artifact cache)"
    click.echo(f"wrote {len(written)} files for {slug} to {out_dir}{cached}")
    for asset, reason in preview.held.items():  # what a launch would not send either
        click.echo(f"not made: {asset}: {reason}")


@kits.command("preflight")
@click.argument("path", type=KIT_DIR)
@click.option("--partner", "slugs", multiple=True, help="Only these partners (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
@click.option("--no-browser", is_flag=True, help="Skip the 390 px width check in Chromium.")
def kits_preflight(path: Path, slugs: tuple[str, ...], as_json: bool, no_browser: bool) -> None:
    """Render the kit for every partner (or those named), with what each stored for a kit
    of this slug, and check each asset; exit 1 when any problem would hold a partner's
    deliveries."""
    from campaign_engine.services.assets.preflight.run import as_json as report_json
    from campaign_engine.services.assets.preflight.run import preflight
    from campaign_engine.services.partners.customisation import stored_customisations
    from campaign_engine.services.partners.directory import list_partners

    kit = validate_kit(path, bootstrap.make_renderers)
    with runtime() as rt, rt.sessions() as session:
        partners = [get_partner(session, s) for s in slugs] if slugs else list_partners(session)
        reports = preflight(
            kit,
            bootstrap.renderers_for(kit),
            partners,
            base_url=rt.settings.public_base_url,
            storage_dir=rt.settings.storage_dir,
            browser=not no_browser,
            customisations=lambda p: stored_customisations(session, kit.spec, p.id),
        )
    blocked = [r for r in reports if r.blocked]
    if as_json:
        click.echo(json.dumps(report_json(reports), indent=2, ensure_ascii=False))
    else:
        for report in reports:
            for problem in report.problems:
                click.echo(
                    f"{report.slug}: {problem.severity} {problem.asset} {problem.code}: "
                    f"{problem.message}"
                )
        click.echo(
            f"{len(reports)} partner(s) checked: {len(blocked)} held by a blocking problem, "
            f"{sum(len(r.problems) for r in reports)} problem(s) in all"
        )
    if blocked:
        raise SystemExit(1)


@kits.command("feedback")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True)
def kits_feedback(slug: str, as_json: bool) -> None:
    """What partners said about a kit, over its launched campaigns: opt-outs and skips by
    reason, channel, tier and region against the programme, ratings, comments, edits."""
    from campaign_engine.commands.campaigns_report import feedback_text
    from campaign_engine.services.feedback.report import kit_feedback

    with database() as (_, session):
        report = kit_feedback(session, slug)
    emit(report.model_dump(mode="json"), as_json, feedback_text(report))
