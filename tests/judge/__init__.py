"""An independent judge of co-branded assets (issue #28): invariants checked on the output
only, never with the engine's own code for the same question (nothing here imports
renderers/ or campaign_engine.services.assets.preflight, except world.py's call of the engine's
preflight, which the bench compares against the judge).

    with Browser() as browser:
        findings = Judge(kit, browser).judge(workspace.output(slug, row))

Each finding is (partner slug, asset, invariant code, detail); tests.judge.findings lists
the codes.
"""

from tests.judge.browser import Browser
from tests.judge.findings import INVARIANTS, NOT_MEASURED, Finding
from tests.judge.judge import Judge, PartnerOutput

__all__ = ["INVARIANTS", "NOT_MEASURED", "Browser", "Finding", "Judge", "PartnerOutput"]
