"""Co-branding speed: per asset, whole kit per partner, N partners on W cores, cache hits,
each beside a naive baseline measured in the same run.

    .venv/bin/python bench/render.py [--partners 1000] [--workers 2] [--baseline 30]

What a launch renders per partner is every channel's assets (email, social, crm, web,
signature); the brochure goes out with no campaign send, so it renders on first use (a
preview, a runway attachment) and is timed on its own line, and with the kit, too.

Naive baseline: the same assets for the same partners (every channel's, no brochure), the
way a render job written without the product's optimisations does it: fresh renderers
for each partner (make_renderers: a new Jinja environment, WeasyPrint font configuration
and decoded backgrounds; what renderers_for keeps for the process), then each channel
rendered once, serially in one process, with no artifact cache and no render pool. It is
a fair comparison because both paths produce the same files for the same partners (the
script stops if they do not): the per-partner ratio measures renderer reuse alone, the
throughput line the reuse and the pool together. The throughput baseline adds the
partner's brand building (logo normalisation), which the pool run counts too.
Targets (issue 17): whole kit <= 150 ms per partner on one core; 1,000 partners <= 90 s on
2 cores (render alone); a cache hit >= 50x faster than a render; >= 3x the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from functools import cache
from multiprocessing import Pool
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from campaign_engine.bootstrap import make_renderers, renderers_for  # noqa: E402
from campaign_engine.demo.programme import PALETTE, sample_logo  # noqa: E402
from campaign_engine.domain.brand import readable_text_on  # noqa: E402
from campaign_engine.ports import BROCHURE  # noqa: E402
from campaign_engine.services.assets.artifacts import cached_render, render_now  # noqa: E402
from campaign_engine.services.assets.brand.logos import normalise_logo  # noqa: E402
from campaign_engine.services.assets.kits import read_kit  # noqa: E402
from campaign_engine.services.assets.sample_partner import sample_brand  # noqa: E402

KIT, _ = read_kit(ROOT / "kits" / "secure-cloud-q3")
CHANNELS = KIT.spec.channels()  # what a launch renders
WITH_BROCHURE = [*CHANNELS, BROCHURE]
LOCALES = ["en-GB", "de-DE", "fr-FR", "en-US"]


def links(channel: str) -> dict[str, str]:
    return {name: f"https://t.example/r/{channel}-{name}" for name in KIT.spec.links}


@cache
def brand(i: int):
    rng = Random(i)
    colour = PALETTE[i % len(PALETTE)]
    logo = normalise_logo(sample_logo(f"Partner {i}", colour, rng), where="bench")
    return replace(
        sample_brand(),
        slug=f"p{i}",
        name=f"Partner {i} Systems",
        logo_png=logo,
        primary_color=colour,
        text_on_primary=readable_text_on(colour),
        locale=LOCALES[i % len(LOCALES)],
    )


def file_names(assets) -> list[str]:
    """What a render produced, to hold the baseline to the same output."""
    return sorted(f"{a.channel}/{a.asset}/{f.name}" for a in assets for f in a.files)


def whole_kit(i: int, targets: list[str] = CHANNELS, seen: dict | None = None) -> float:
    partner = brand(i)  # brand building is not rendering: kept out of the timing
    start = time.perf_counter()
    renderers = renderers_for(KIT)
    assets = []
    for channel in targets:
        assets += render_now(renderers, channel, partner, links(channel))
    elapsed = time.perf_counter() - start
    if seen is not None:
        seen[i] = file_names(assets)
    return elapsed


def naive_kit(i: int, seen: dict) -> float:
    """The same channels for the same partner, with renderers built for this partner
    alone (nothing kept from the previous one), no cache, one process."""
    partner = brand(i)
    start = time.perf_counter()
    renderers = make_renderers(KIT)
    assets = []
    for channel in CHANNELS:
        assets += render_now(renderers, channel, partner, links(channel))
    elapsed = time.perf_counter() - start
    seen[i] = file_names(assets)
    return elapsed


def brand_building(count: int) -> float:
    """Median seconds to build a partner's brand (logo normalisation included), on
    partners not built before: the pool run pays it per partner, so the extrapolated
    baseline does too."""
    runs = []
    for i in range(10_000, 10_000 + count):
        start = time.perf_counter()
        brand.__wrapped__(i)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def whole_kit_with_brand(i: int) -> int:
    """The throughput run counts everything a worker does, logo normalisation included;
    returns how many files it rendered."""
    renderers = renderers_for(KIT)
    partner = brand(i)
    files = 0
    for channel in CHANNELS:
        files += sum(len(a.files) for a in render_now(renderers, channel, partner, links(channel)))
    return files


def per_asset(samples: int = 15) -> dict[str, float]:
    """Each asset for partners it has not rendered before, as a launch renders them: the
    renderers keep what they learnt of a partner (the brochure's last eight layouts, the
    social texts' fitting), so timing one partner again and again measures a re-render."""
    renderers = renderers_for(KIT)
    timings = {}
    for name in ("email", "pdf", "social", "crm", "web"):
        renderer = getattr(renderers, name)
        renderer.render(brand(99), lambda n: f"https://t.example/{n}")
        runs = []
        for i in range(100, 100 + samples):
            b = brand(i)  # built before the clock starts, as whole_kit's
            start = time.perf_counter()
            renderer.render(b, lambda n: f"https://t.example/{n}")
            runs.append(time.perf_counter() - start)
        timings[name] = statistics.median(runs)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=int, default=30, help="partners for the naive run")
    args = parser.parse_args()

    print("per asset, warm renderers, a partner not rendered before (median):")
    for name, seconds in per_asset().items():
        print(f"  {name:<7} {seconds * 1000:8.1f} ms")
    for i in range(3):
        whole_kit(i, WITH_BROCHURE)  # warm up
    warm_files: dict[int, list[str]] = {}
    naive_files: dict[int, list[str]] = {}
    warm = statistics.median(whole_kit(i, seen=warm_files) for i in range(3, 33))
    full = statistics.median(whole_kit(i, WITH_BROCHURE) for i in range(33, 63))
    naive = statistics.median(naive_kit(i, naive_files) for i in range(3, 3 + args.baseline))
    both = sorted(warm_files.keys() & naive_files.keys())
    different = [i for i in both if warm_files[i] != naive_files[i]]
    if not both or different:
        raise SystemExit(f"the baseline rendered other files than the kit for partners {different}")
    print(f"whole kit per partner, one core:     {warm * 1000:8.1f} ms   (target <= 150 ms)")
    print(f"  and its brochure on first use:     {(full - warm) * 1000:8.1f} ms")
    print(f"  kit and brochure together:         {full * 1000:8.1f} ms")
    print(
        f"naive baseline per partner:          {naive * 1000:8.1f} ms   "
        f"-> {naive / warm:.1f}x faster (target >= 3x)"
    )

    storage = Path(tempfile.mkdtemp())
    b = brand(7)
    start = time.perf_counter()
    for channel in CHANNELS:
        cached_render(storage, KIT, renderers_for(KIT), b, channel, links(channel))
    miss = time.perf_counter() - start
    hits = []
    for _ in range(20):
        start = time.perf_counter()
        for channel in CHANNELS:
            cached_render(storage, KIT, renderers_for(KIT), b, channel, links(channel))
        hits.append(time.perf_counter() - start)
    hit = statistics.median(hits)
    print(f"cache miss (render + store):         {miss * 1000:8.1f} ms")
    print(
        f"cache hit:                           {hit * 1000:8.2f} ms   "
        f"-> {warm / hit:.0f}x faster than a render (target >= 50x)"
    )

    start = time.perf_counter()
    with Pool(args.workers) as pool:
        files = pool.map(whole_kit_with_brand, range(args.partners), chunksize=10)
    elapsed = time.perf_counter() - start
    per_partner = len(naive_files[both[0]])
    if sum(files) != per_partner * args.partners:
        raise SystemExit(
            f"the pool rendered {sum(files)} files, the baseline's rate is for "
            f"{per_partner} a partner"
        )
    naive_worker = naive + brand_building(min(args.baseline, 10))
    print(
        f"{args.partners} partners on {args.workers} processes: {elapsed:8.1f} s      "
        f"{args.partners / elapsed:.1f} partners/s (target <= 90 s for 1,000)"
    )
    print(
        f"naive baseline, same partners, one process (extrapolated from {args.baseline}): "
        f"{naive_worker * args.partners:.1f} s"
    )


if __name__ == "__main__":
    main()
