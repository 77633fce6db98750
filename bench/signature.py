"""The email-signature image, which mail clients fetch on every open of every email a
partner's staff send: /s/<token>.png served from the artifact cache (and a revalidation
answered 304 by its ETag), beside the naive baseline from the same run.

    .venv/bin/python bench/signature.py [--requests 300]

In-process through Flask's test client (no network), on SQLite.

Naive baseline: the same request to the same view, with the artifact cache taken out of
the view's path (services/workspace/library.cached_render replaced by a plain render):
the token checked, the partner, its live campaign, customisations and tracked links read,
and the banner drawn anew by the kit's signature renderer for each request, as a view
written without the cache would. Fair because it answers the same URL with the same
bytes: the script stops if the baseline's image differs from the served one, or if the
banner was not drawn on every request (a path the replacement does not reach).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from campaign_engine.app import create_app  # noqa: E402
from campaign_engine.db import Partner  # noqa: E402
from campaign_engine.services.assets.artifacts import render_now  # noqa: E402
from campaign_engine.services.workspace import library  # noqa: E402
from campaign_engine.services.workspace.snippet import SignatureTokens  # noqa: E402
from tests.worlds import launched_campaign  # noqa: E402


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
    token = SignatureTokens(runtime.settings.signing_keys).make(partner.id)
    url = f"/s/{token}.png"
    first = client.get(url)
    etag = first.headers["ETag"]
    served = timed(lambda: client.get(url), args.requests)
    revalidated = timed(lambda: client.get(url, headers={"If-None-Match": etag}), args.requests)
    drawn = []

    def render_every_time(storage_dir, kit, renderers, brand, channel, links):
        drawn.append(channel)
        return "", render_now(renderers, channel, brand, links), True

    with mock.patch.object(library, "cached_render", render_every_time):
        naive_answer = client.get(url)
        naive = timed(lambda: client.get(url), args.requests)
    if naive_answer.data != first.data or len(drawn) != args.requests + 1:
        raise SystemExit(
            f"the baseline drew {len(drawn)} banners for {args.requests + 1} requests; "
            f"same image as served: {naive_answer.data == first.data}"
        )
    print(line("/s/<token>.png (artifact cache)", served))
    print(line("/s/<token>.png revalidated (304)", revalidated))
    print(line("naive: draw the banner per request", naive))
    print(f"-> {statistics.median(naive) / statistics.median(served):.1f}x faster than naive")
    runtime.close()


if __name__ == "__main__":
    main()
