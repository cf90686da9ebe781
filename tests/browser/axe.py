"""Accessibility checks with axe-core, injected into a page under test (no app page loads it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_JS = settings.BASE_DIR / "static" / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_findings(page: Page, impacts: tuple[str, ...] = SERIOUS) -> list[dict]:
    """The violations axe-core finds in the page as it is now, of the given impacts."""
    # A toast about to fade in, or fading, is part transparent: axe would measure the fade.
    expect(page.locator(".toast:not(.show):not(.hide), .toast.showing")).to_have_count(0)
    for toast in page.locator(".toast.show").all():
        expect(toast).to_have_css("opacity", "1")
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated, not added as a <script> element: the page's CSP would refuse that.
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in impacts]


def sideways_overflow(page: Page) -> str:
    """'' when the page fits the window's width; else by how much it does not, and the outermost
    elements that stick out (the ones to fix), for the failure message."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const over = document.documentElement.scrollWidth - width;
        if (over <= 0) return "";
        const sticks = (el) => el.getBoundingClientRect().right > width + 0.5;
        const sticking = Array.from(document.querySelectorAll("body *")).filter((el) => {
            if (!sticks(el) || el.getBoundingClientRect().width === 0) return false;
            // Inside a scrolling box it scrolls there, unless it is positioned against
            // something outside that box (a visually-hidden span in a wide table, say).
            let positioned = getComputedStyle(el).position === "absolute";
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                const style = getComputedStyle(up);
                if (style.overflowX !== "visible" && !positioned) return false;
                if (style.position !== "static") positioned = false;
            }
            // the outermost: its parent fits (the parent is stretched by it otherwise)
            const parent = el.parentElement;
            return !parent || parent === document.body || !sticks(parent)
                || getComputedStyle(parent).display === "contents";
        });
        const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + Array.from(el.classList).slice(0, 3).map((c) => "." + c).join("");
        return `${over} px, from: ${sticking.slice(0, 5).map(name).join(", ")}`;
    }"""
    )


def describe(findings: list[dict], *, nodes: int = 4) -> str:
    """Violations as a person reads them: rule, impact, what to do, and where (a few nodes)."""
    lines = []
    for finding in findings:
        lines.append(f"  [{finding['impact']}] {finding['id']}: {finding['help']}")
        for node in finding["nodes"][:nodes]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            lines.append(f"      at {target}\n         {node['html'][:160]}\n         {summary}")
        if len(finding["nodes"]) > nodes:
            lines.append(f"      … and {len(finding['nodes']) - nodes} more")
    return "\n".join(lines)
