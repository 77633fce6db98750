"""How fast commands start, as ratios to a bare `import flask, sqlalchemy` in the same venv
(the floor any command of a Flask + SQLAlchemy CLI pays), each the median of N runs.

    .venv/bin/python bench/startup.py [--runs 9]

Targets (issue 17): `campaign-engine --help` <= 1.5x, `campaigns status` <= 2x.
Naive baseline, measured in the same run: the same commands with every command module
imported up front and the Flask app built first, as the CLI did before it loaded lazily
(a FlaskGroup that built the app for every command, --help included). Fair because it is
the same command with the same arguments printing the same output (the script stops if
the two print differently): the extra imports and the app are what a CLI written the
usual eager way pays, and what lazy loading saves.
"""

from __future__ import annotations

import argparse
import os
import resource
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
    # The old CLI's app factory (cli._create_app, gone with FlaskGroup in a7eb2eb).
    "from campaign_engine import bootstrap; from campaign_engine.app import create_app; "
    "from campaign_engine.settings import load_settings; "
    "create_app(runtime=bootstrap.build_runtime(load_settings())); "
)


OUTPUTS: dict[str, bytes] = {}  # what each command printed, to hold the baseline to it


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run of `argv`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    OUTPUTS[" ".join(argv)] = done.stdout
    return wall, cpu


def medians(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict:
    """Each command's median wall and CPU time. The commands take turns, run by run, so a
    slow minute of this shared machine slows them all alike instead of one of them."""
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            seen[name].append(run_once(argv, env))
    return {
        name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
        for name, got in seen.items()
    }


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
        rows = [
            ("campaign-engine --help", "'--help'", 1.5),
            ("campaign-engine campaigns status 1", "'campaigns', 'status', '1'", 2.0),
        ]
        commands = {"bare": [PYTHON, "-c", "import flask, sqlalchemy"]}
        for label, args, _ in rows:
            commands[label] = cli(args)
            commands[f"naive {label}"] = cli(args, naive=True)
        got = medians(commands, env, runs)
        for label, _, _ in rows:
            lazy, naive = commands[label], commands[f"naive {label}"]
            if OUTPUTS[" ".join(lazy)] != OUTPUTS[" ".join(naive)]:
                raise SystemExit(f"{label}: the naive baseline printed something else")
        bare_wall, bare_cpu = got["bare"]
        print(
            f"bare import flask, sqlalchemy: {bare_wall * 1000:.0f} ms wall, "
            f"{bare_cpu * 1000:.0f} ms CPU (medians of {runs}, commands interleaved)"
        )
        for label, _, target in rows:
            for name in (label, f"naive {label}"):
                wall, cpu = got[name]
                print(
                    f"{name:<42} wall {wall * 1000:5.0f} ms = {wall / bare_wall:4.2f}x   "
                    f"CPU {cpu * 1000:5.0f} ms = {cpu / bare_cpu:4.2f}x"
                    + (f"   (target <= {target}x)" if name == label else "")
                )


if __name__ == "__main__":
    main()
