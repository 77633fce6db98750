"""Right for the partner nobody tested (issue #28): N generated partners through import,
rendering and the engine's own preflight, judged by an independent judge.

    .venv/bin/python bench/brand.py --partners 300 [--seed 28] [--no-fixtures]
                                    [--report FILE] [--keep DIR] [--jobs 2] [--details]

Partners come from tests/partners_gen.py (16 scripts, logos 12:1 to 1:4, colours over
the gamut, 0-6 address lines, optional fields missing), are imported into a throwaway
SQLite workspace as a vendor's CSV, rendered as they would be sent (the preview, links
shaped as a send's), checked by the engine's preflight, and judged by tests/judge (which
reads the output only). Printed: the invariant failure rate per invariant and overall,
with example partners; preflight's precision and recall against the judge (a partner
preflight blocks vs. a partner with an invariant failure, or lacking a field the kit
requires for a channel a launch sends, as the suite's test counts it) and its false
blocks; the same
for the 18 hand-written hard partners as the naive baseline (the list every test knew);
and the time of each stage.

Targets (issue 28): 0 invariant failures in 300 partners; preflight recall 100% and no
false block.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hard import write_hard_partners  # noqa: E402
from tests.judge import (  # noqa: E402
    INVARIANTS,
    NOT_MEASURED,
    Browser,
    Finding,
    Judge,
    PartnerOutput,
)
from tests.judge.world import Imported, Workspace  # noqa: E402
from tests.partners_gen import partners, write_partners_csv  # noqa: E402


@dataclass
class Group:
    """One set of partners judged together (the generated ones, or the fixtures)."""

    title: str
    imported: Imported
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    blocked: dict[str, list[str]] = field(default_factory=dict)  # slug -> blocking problems
    describe: dict[str, str] = field(default_factory=dict)
    # partners whose row lacks a field the kit requires for a sent channel (the judge's
    # reading of the kit and the row): preflight must hold them though nothing is broken
    must_hold: set[str] = field(default_factory=set)


def run(
    count: int, seed: int, fixtures: bool, keep: Path | None, jobs: int, every: bool = False
) -> list[str]:
    folder = keep or Path(tempfile.mkdtemp(prefix="brand-bench-"))
    times: dict[str, float] = {}
    started = time.perf_counter()
    drawn = partners(seed, count)
    times["generate"] = time.perf_counter() - started

    clock = time.perf_counter()
    workspace = Workspace(folder / "workspace")
    groups = [
        Group(
            f"{count} generated partners (seed {seed})",
            workspace.import_csv(write_partners_csv(folder / "generated", drawn)),
            describe={p.slug: p.describe() for p in drawn},
        )
    ]
    if fixtures:
        hard = write_hard_partners(folder / "hard")
        groups.append(Group("the 18 hard fixture partners (baseline)", workspace.import_csv(hard)))
    times["workspace and import"] = time.perf_counter() - clock

    # Render as sent and judge, in `jobs` processes (each with its own Chromium): the
    # partners' renders land in the workspace's artifact cache, which the preflight reuses.
    clock = time.perf_counter()
    work = [
        (slug, row, group.imported.folder)
        for group in groups
        for slug, row in group.imported.rows.items()
    ]
    chunks = [work[i::jobs] for i in range(jobs)]
    dump_to = keep / "assets" if keep is not None else None
    args = [(folder / "workspace", chunk, dump_to) for chunk in chunks if chunk]
    if jobs == 1:
        results = [render_and_judge(*a) for a in args]
    else:
        with get_context("spawn").Pool(len(args)) as pool:
            results = pool.starmap(render_and_judge, args)
    findings = {slug: found for r in results for slug, found in r.findings.items()}
    must_hold = {slug for r in results for slug in r.must_hold}
    times["render and judge (wall)"] = time.perf_counter() - clock
    times["  render (as sent)"] = sum(r.render for r in results)
    times["  judge"] = sum(r.judge for r in results)

    clock = time.perf_counter()
    try:
        reports = workspace.preflight([slug for slug, _, _ in work])
    except Exception as exc:  # the engine's preflight failing is a figure too
        reports, preflight_error = {}, f"{type(exc).__name__}: {exc}"
    else:
        preflight_error = ""
    times["engine preflight"] = time.perf_counter() - clock
    times["total"] = time.perf_counter() - started
    workspace.close()
    if keep is None:
        shutil.rmtree(folder, ignore_errors=True)

    for group in groups:
        for slug in group.imported.rows:
            group.findings[slug] = findings[slug]
            if slug in must_hold:
                group.must_hold.add(slug)
            if slug in reports:
                group.blocked[slug] = [
                    f"{p.asset} {p.code}: {p.message}" for p in reports[slug].problems if p.blocks
                ]
    lines = []
    for group in groups:
        lines += report(group)
    if every:
        for group in groups:
            lines += details(group)
    if preflight_error:
        lines += ["", f"The engine's preflight did not run: {preflight_error}"]
    lines.append("")
    lines.append(f"Timings ({jobs} process(es) rendering and judging; 'render' and 'judge' summed)")
    judged = len(work)
    for stage, seconds in times.items():
        per = f"  ({seconds / judged * 1000:.0f} ms per partner)" if stage in PER_PARTNER else ""
        lines.append(f"  {stage:<26} {seconds:7.1f} s{per}")
    return lines


@dataclass
class Judged:
    findings: dict[str, list[Finding]]
    render: float  # seconds spent making assets
    judge: float  # seconds spent judging them
    must_hold: set[str] = field(default_factory=set)


def render_and_judge(
    workspace_dir: Path, work: list[tuple[str, dict[str, str], Path]], dump_to: Path | None
) -> Judged:
    """One worker: its partners' assets as sent, each judged (one Chromium)."""
    workspace = Workspace(workspace_dir, migrate=False)
    result = Judged({}, 0.0, 0.0)
    with Browser() as browser:
        judge = Judge(workspace.kit, browser)
        for slug, row, csv_folder in work:
            clock = time.perf_counter()
            out = workspace.output(slug, row, csv_folder)
            result.render += time.perf_counter() - clock
            clock = time.perf_counter()
            result.findings[slug] = judge.judge(out)
            if judge.must_hold(out):
                result.must_hold.add(slug)
            result.judge += time.perf_counter() - clock
            if dump_to is not None:
                dump(slug, out, dump_to)
    workspace.close()
    return result


def dump(slug: str, out: PartnerOutput, folder: Path) -> None:
    """A partner's files as sent (the email with its images inline), to look at."""
    target = folder / slug
    target.mkdir(parents=True, exist_ok=True)
    if out.email_html is not None:
        (target / "email.html").write_text(out.email_html, encoding="utf-8")
    for asset in out.assets:
        for f in asset.files:
            if f.name != "email.html" and "." in f.name:
                (target / f.name).write_bytes(f.content)


PER_PARTNER = {"  render (as sent)", "engine preflight", "  judge"}


def report(group: Group) -> list[str]:
    rows = group.imported.rows
    n = len(rows)
    lines = ["", "=" * 78, group.title, "=" * 78]
    if group.imported.refused:
        lines.append(f"import refused {len(group.imported.refused)} partner(s) (not judged):")
        for reason, slugs in _by(group.imported.refused).items():
            lines.append(f"  {len(slugs):3d}  {reason}  e.g. {', '.join(slugs[:4])}")
    failing = {s for s, f in group.findings.items() if any(x.failure for x in f)}
    lines.append(
        f"judged {n} partner(s): {len(failing)} with an invariant failure "
        f"({_pct(len(failing), n)}), {n - len(failing)} clean"
    )
    lines.append("")
    lines.append("Invariant failures (partners failing / judged, findings)")
    per: dict[str, set[str]] = defaultdict(set)
    examples: dict[str, list[Finding]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for slug, found in group.findings.items():
        for f in found:
            if not f.failure:
                continue
            per[f.code].add(slug)
            counts[f.code] += 1
            if len(examples[f.code]) < 4 and all(e.slug != slug for e in examples[f.code]):
                examples[f.code].append(f)
    for code in INVARIANTS:
        lines.append(
            f"  {code:<24} {len(per[code]):4d} / {n} ({_pct(len(per[code]), n):>6})  "
            f"{counts[code]:4d} finding(s)"
        )
    for code in INVARIANTS:
        if not examples[code]:
            continue
        lines.append(f"  -- {code}: {INVARIANTS[code]}")
        for f in examples[code]:
            kind = f"  [{group.describe[f.slug]}]" if f.slug in group.describe else ""
            lines.append(f"     {f.slug} {f.asset}: {f.detail}{kind}")
    unmeasured = [f for found in group.findings.values() for f in found if f.code == NOT_MEASURED]
    if unmeasured:
        lines.append(
            f"  not measured: {len(unmeasured)} (e.g. {unmeasured[0].slug}: "
            f"{unmeasured[0].asset} {unmeasured[0].detail})"
        )

    if not group.blocked:
        return lines
    blocked = {s for s, b in group.blocked.items() if b}
    expected = failing | group.must_hold
    hit, false_block, missed = blocked & expected, blocked - expected, expected - blocked
    lines.append("")
    lines.append("Engine preflight against the judge (per partner)")
    lines.append(
        f"  blocked {len(blocked)}, with an invariant failure {len(failing)}, lacking a "
        f"field the kit requires for a sent channel {len(group.must_hold - failing)}"
    )
    precision = len(hit) / len(blocked) if blocked else 1.0
    recall = len(hit) / len(expected) if expected else 1.0
    lines.append(
        f"  precision {precision:.0%}  recall {recall:.0%}  "
        f"false blocks {len(false_block)}  missed {len(missed)}"
    )
    blocking_codes: Counter[str] = Counter(
        b.split(":")[0] for s in blocked for b in set(group.blocked[s])
    )
    if blocking_codes:
        lines.append(
            "  blocking problems: "
            + ", ".join(f"{code} {k}" for code, k in blocking_codes.most_common())
        )
    for slug in sorted(false_block)[:8]:
        lines.append(f"  false block {slug}: {'; '.join(group.blocked[slug])[:160]}")
    for slug in sorted(missed)[:8]:
        codes = sorted({f.code for f in group.findings[slug] if f.failure}) or ["must hold"]
        lines.append(f"  missed {slug}: {', '.join(codes)}")
    return lines


def details(group: Group) -> list[str]:
    """Every finding of every partner, with what preflight blocked it for."""
    lines = ["", f"Every finding: {group.title}"]
    for slug, found in sorted(group.findings.items()):
        if not found and not group.blocked.get(slug):
            continue
        kind = f" [{group.describe[slug]}]" if slug in group.describe else ""
        lines.append(f"  {slug}{kind}")
        lines += [f"    {f.code} {f.asset}: {f.detail}" for f in found]
        lines += [f"    preflight blocks: {b[:150]}" for b in group.blocked.get(slug, [])]
    return lines


def _by(refused: dict[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for slug, reason in refused.items():
        grouped[reason].append(slug)
    return grouped


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--no-fixtures", action="store_true", help="skip the 18 hard partners")
    parser.add_argument("--report", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", type=Path, help="keep the workspace (assets, CSVs) here")
    parser.add_argument("--jobs", type=int, default=2, help="processes rendering and judging")
    parser.add_argument("--details", action="store_true", help="list every finding")
    args = parser.parse_args(argv)
    lines = run(
        args.partners,
        args.seed,
        not args.no_fixtures,
        args.keep,
        max(1, args.jobs),
        args.details,
    )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.report:
        args.report.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
