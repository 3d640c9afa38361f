"""axe-core (pinned in tests/browser/package-lock.json) run over a page or frame in Chromium."""
from __future__ import annotations

from sciatica_rasa.stack import ROOT

AXE_SOURCE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(frame, selector: str | None = None) -> list[str]:
    """axe-core's violations in a page or frame, or in the element `selector` names (open shadow
    roots included, frames not: check each frame itself), as 'rule: element' lines."""
    # Mid-animation a fading message has too little contrast: check what stays on screen.
    frame.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    frame.evaluate(AXE_SOURCE.read_text())  # run by the browser's debugger, outside the page's CSP
    return frame.evaluate(
        """selector => axe.run(selector || document, {iframes: false}).then(r => r.violations.flatMap(
              v => v.nodes.map(n => `${v.id}: ${JSON.stringify(n.target)}`)))""",
        selector,
    )
