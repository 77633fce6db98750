"""How fast commands start, as ratios to a bare `import flask, sqlalchemy` in the same venv
(the floor any command of a Flask + SQLAlchemy CLI pays), each the median of N runs.

    .venv/bin/python bench/startup.py [--runs 9]

Targets (issue 17): `campaign-engine --help` <= 1.5x, `campaigns status` <= 2x.
Naive baseline, measured in the same run: the same commands with every command module
imported up front and the Flask app built first, as the CLI did before it loaded lazily.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
NAIVE = (
    "import campaign_engine.commands.campaigns, campaign_engine.commands.kits, "
    "campaign_engine.commands.partners, campaign_engine.commands.serve, "
    "campaign_engine.commands.reports, campaign_engine.commands.runway, "
    "campaign_engine.commands.users, campaign_engine.commands.consent; "
    "from campaign_engine.cli import _create_app; _create_app(); "
)


def seconds(argv: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cli(args: str, naive: bool = False) -> list[str]:
    prefix = NAIVE if naive else ""
    run = f"from campaign_engine.cli import main; import sys; sys.argv = ['x', {args}]; main()"
    code = prefix + run
    return [PYTHON, "-c", code]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        config.write_text(f"database_url: sqlite:///{folder}/b.db\ndata_dir: {folder}\n")
        env = {**os.environ, "CAMPAIGN_ENGINE_CONFIG": str(config)}
        subprocess.run(
            [PYTHON, "-m", "campaign_engine", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
        )
        kit = str(ROOT / "kits" / "secure-cloud-q3")
        subprocess.run(
            [
                PYTHON,
                "-m",
                "campaign_engine",
                "campaigns",
                "create",
                "--kit",
                kit,
                "--name",
                "Bench",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        bare = seconds([PYTHON, "-c", "import flask, sqlalchemy"], env, runs)
        rows = [
            ("campaign-engine --help", "'--help'", 1.5),
            ("campaign-engine campaigns status 1", "'campaigns', 'status', '1'", 2.0),
        ]
        print(f"bare import flask, sqlalchemy: {bare * 1000:.0f} ms (median of {runs})")
        for label, args, target in rows:
            now = seconds(cli(args), env, runs)
            naive = seconds(cli(args, naive=True), env, runs)
            print(
                f"{label:<36} {now * 1000:5.0f} ms = {now / bare:4.2f}x bare "
                f"(target <= {target}x)   naive: {naive * 1000:5.0f} ms = {naive / bare:4.2f}x"
            )


if __name__ == "__main__":
    main()
