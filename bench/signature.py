"""The email-signature image, which mail clients fetch on every open of every email a
partner's staff send: /s/<token>.png served from the artifact cache (and a revalidation
answered 304 by its ETag), beside the naive baseline from the same run: drawing the banner
anew for each request.

    .venv/bin/python bench/signature.py [--requests 300]

In-process through Flask's test client (no network), on SQLite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from campaign_engine.app import create_app  # noqa: E402
from campaign_engine.db import Partner  # noqa: E402
from campaign_engine.services.assets.brand.context import brand_context  # noqa: E402
from campaign_engine.services.workspace.snippet import SignatureTokens  # noqa: E402
from renderers.signature import banner_png  # noqa: E402
from tests.worlds import launched_campaign  # noqa: E402

KIT = ROOT / "kits" / "secure-cloud-q3"


def timed(call, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def line(label: str, times: list[float]) -> str:
    p99 = times[int(len(times) * 0.99) - 1]
    return f"{label:38} median {statistics.median(times):6.2f} ms   p99 {p99:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-signature-"))
    runtime, _ = launched_campaign(
        work, f"sqlite:///{work}/db.sqlite", partners=3, contacts=1, name="Signature"
    )
    app = create_app(runtime)
    client = app.test_client()
    with runtime.sessions() as session:
        partner = session.scalar(select(Partner))
        brand = brand_context(partner)
    token = SignatureTokens(runtime.settings.signing_keys).make(partner.id)
    url = f"/s/{token}.png"
    etag = client.get(url).headers["ETag"]
    served = timed(lambda: client.get(url), args.requests)
    revalidated = timed(lambda: client.get(url, headers={"If-None-Match": etag}), args.requests)
    font, logo = str(KIT / "fonts" / "DejaVuSans-Bold.ttf"), (KIT / "assets" / "vendor-logo.png")
    naive = timed(
        lambda: banner_png(brand, "Free backup check", font, logo.read_bytes()), args.requests
    )
    print(line("/s/<token>.png (artifact cache)", served))
    print(line("/s/<token>.png revalidated (304)", revalidated))
    print(line("naive: draw the banner per request", naive))
    print(f"-> {statistics.median(naive) / statistics.median(served):.1f}x faster than naive")
    runtime.close()


if __name__ == "__main__":
    main()
