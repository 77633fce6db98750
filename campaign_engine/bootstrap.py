"""The composition root: the one module that picks concrete renderers and connectors."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from campaign_engine.db.session import make_engine, make_session_factory
from campaign_engine.domain.kit import KitContent
from campaign_engine.errors import ConfigError
from campaign_engine.pipeline.executors import Executor, LocalExecutor
from campaign_engine.ports import BrandContext, Connector, KitRenderers, Message
from campaign_engine.runtime import Runtime
from campaign_engine.settings import Settings
from connectors.dkim import DkimKey
from connectors.httpjson import JsonApi
from connectors.hubspot import HubSpotConnector
from connectors.linkedin import LinkedInConnector
from connectors.mime import fast_wire_bytes
from connectors.outbox import MaildirOutbox
from connectors.portal import PortalQueue
from connectors.salesforce import SalesforceConnector
from connectors.smtp import SmtpConfig, SmtpConnector
from connectors.webhook import WebhookConnector
from renderers.crm import CrmRenderer
from renderers.email import EmailRenderer
from renderers.pdf import PdfRenderer
from renderers.signature import SignatureRenderer, banner_png
from renderers.social import SocialRenderer
from renderers.web import WebRenderer

_cache: dict[tuple[str, str], KitRenderers] = {}
_cache_lock = threading.Lock()


def make_renderers(kit: KitContent) -> KitRenderers:
    """Fresh renderers for a kit (used by validation, which must not trust a cache)."""
    assets = kit.spec.assets
    return KitRenderers(
        email=EmailRenderer(kit) if assets.email else None,
        pdf=PdfRenderer(kit) if assets.pdf else None,
        social=SocialRenderer(kit) if assets.social else None,
        crm=CrmRenderer(kit) if assets.crm else None,
        web=WebRenderer(kit) if assets.web else None,
        signature=SignatureRenderer(kit) if assets.signature else None,
    )


def renderers_for(kit: KitContent) -> KitRenderers:
    """Long-lived renderers per kit version: fonts, compiled templates and decoded
    backgrounds are reused across every partner the process renders."""
    # Keyed by the folder too: renderers read the kit's files from it as they render, and
    # a second engine in the same process (a test's, a restore's) may hold the same
    # version in a storage folder of its own after the first one's is gone.
    key = (str(kit.root), kit.content_hash)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = make_renderers(kit)
        return _cache[key]


def dkim_key(settings: Settings) -> DkimKey | None:
    config = settings.email.dkim
    if config is None:
        return None
    try:
        pem = config.private_key_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config key 'email.dkim.private_key_path': {exc}") from None
    return DkimKey(config.domain, config.selector, pem)


def email_connector(settings: Settings) -> Connector:
    email = settings.email
    if email.transport == "outbox":
        return MaildirOutbox(email.outbox_dir, email.from_address, dkim_key(settings))
    smtp = email.smtp
    return SmtpConnector(
        SmtpConfig(
            host=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password,
            security=smtp.security,
            timeout=smtp.timeout,
            pool_size=smtp.pool_size,
            from_address=email.from_address,
            dkim=dkim_key(settings),
        )
    )


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    api = JsonApi(
        timeout=settings.connectors.http_timeout,
        allow_private=settings.connectors.allow_private_networks,
    )
    connectors: dict[str, Connector] = {
        "email": email_connector(settings),
        "portal": PortalQueue(),
        "webhook": WebhookConnector(
            settings.webhooks.outbound_secret,
            timeout=settings.connectors.http_timeout,
            allow_private=settings.connectors.allow_private_networks,
        ),
        "hubspot": HubSpotConnector(api),
        "salesforce": SalesforceConnector(api),
        "linkedin": LinkedInConnector(api),
    }
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        connectors=connectors,
        renderers=renderers_for,
        banner=banner_png,
    )


def email_bytes(message: Message, from_address: str, idempotency_key: str) -> bytes:
    """The message exactly as the email connectors would send it (for previews)."""
    return fast_wire_bytes(message, from_address, idempotency_key)


def pdf_thumbnail(pdf: bytes, width: int = 400) -> bytes:
    """PNG of a PDF's first page (pypdfium2), for preview grids."""
    import io

    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = width / page.get_width()
        image = page.render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        document.close()


def make_executor(runtime: Runtime) -> Executor:
    """`local`: threads in this process; `celery`: tasks to `campaign-engine worker`s."""
    if runtime.settings.executor == "celery":
        from campaign_engine.pipeline.celery_app import CeleryExecutor

        return CeleryExecutor(runtime)
    return LocalExecutor(runtime, runtime.settings.dispatch.workers)


_child_kits: dict[str, KitContent] = {}


def render_in_child(
    kit_root: str,
    content_hash: str,
    storage_dir: str,
    brand: BrandContext,
    channel: str,
    links: dict[str, str],
) -> str:
    """Runs in a render-pool process: its kits and renderers (fonts, templates, decoded
    backgrounds) live as long as the process; the result lands in the artifact cache."""
    from campaign_engine.services.assets.artifacts import cached_render
    from campaign_engine.services.assets.kits import read_kit

    kit = _child_kits.get(content_hash)
    if kit is None:
        loaded, _ = read_kit(Path(kit_root))
        assert loaded is not None
        kit = _child_kits[content_hash] = replace(loaded, content_hash=content_hash)
    key, _, _ = cached_render(Path(storage_dir), kit, renderers_for(kit), brand, channel, links)
    return key


def attach_render_pool(runtime: Runtime, processes: int) -> None:
    """The embedded mode renders in processes (rendering is CPU-bound; threads would share
    one core) and sends from threads (sending waits on I/O)."""
    if processes > 0 and runtime.render_pool is None:
        runtime.render_pool = ProcessRenderPool(runtime.settings.storage_dir, processes)


class ProcessRenderPool:
    """runtime.RenderPool over spawned processes, each keeping its kits' renderers."""

    def __init__(self, storage_dir: Path, processes: int) -> None:
        self.storage_dir = storage_dir
        self.pool = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn")
        )

    def render(
        self, kit: KitContent, brand: BrandContext, channel: str, links: Mapping[str, str]
    ) -> None:
        self.pool.submit(
            render_in_child,
            str(kit.root),
            kit.content_hash,
            str(self.storage_dir),
            brand,
            channel,
            dict(links),
        ).result()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)
