"""Layouts (issue 21): the evaluator's, the respondent's and the bureau's pages on a 1366 px laptop and a 390 px
phone. Each page is photographed (test-artifacts/layouts/) and fails when anything sticks out of the viewport
sideways — except inside a container that scrolls sideways on purpose (.table-wrap, overflow-x:auto).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evalplatform.demo import DEMO_PASSWORD
from evalplatform.questionnaires.models import Distribution
from tests.e2e.conftest import ARTIFACTS
from tests.reliability.test_disclosure import scene  # noqa: F401 - the demo road project, issued once

WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}
SHOTS = ARTIFACTS / "layouts"
EVALUATOR_PAGES = [
    "/engagements",
    "/engagements/{engagement_id}",
    "/engagements/{engagement_id}/indicators/scoring",
    "/engagements/{engagement_id}/crosscheck",
    "/engagements/{engagement_id}/evidence",
    "/engagements/{engagement_id}/findings",
    "/engagements/{engagement_id}/report",
    "/engagements/{engagement_id}/audit",
    "/engagements/{engagement_id}/instruments/{instrument_id}",
]
BUREAU_PAGES = ["/bureau", "/bureau/reports/{report_id}", "/bureau/applications", "/commissions"]

# Elements wider than the viewport, outside any sideways-scrolling container; and the page's own width.
OVERFLOW_JS = """() => {
  const width = window.innerWidth, found = [];
  if (document.documentElement.scrollWidth > width) found.push(`page ${document.documentElement.scrollWidth}px`);
  const scrolls = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX; if (x === 'auto' || x === 'scroll' || x === 'hidden') return true; }
    return false; };
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 1 || scrolls(el)) continue;
    found.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} right=${Math.round(box.right)}`
               + ` "${(el.innerText || '').trim().slice(0, 30)}"`);
  }
  return found.slice(0, 8);
}"""


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _overflows(browser, base: str, who: str, username: str | None, urls: list[str]) -> dict:
    """Open each url at each width; photograph it; return what overflows, by 'width url'."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for name, (width, height) in WIDTHS.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(20_000)
        if username:
            _sign_in(page, base, username)
        for number, url in enumerate(urls):
            page.goto(base + url)
            page.wait_for_load_state()
            page.screenshot(path=str(SHOTS / f"{who}-{number:02d}-{name}.png"), full_page=True)
            sticking_out = page.evaluate(OVERFLOW_JS)
            if sticking_out:
                found[f"{width} {url}"] = sticking_out
        context.close()
    return found


@pytest.mark.parametrize("who", ["evaluator", "respondent", "bureau"])
def test_pages_fit_a_laptop_and_a_phone(browser, live_server, session, scene, who):  # noqa: F811 - fixture
    ids = scene.ids
    if who == "respondent":
        token = session.scalar(select(Distribution.token).where(Distribution.id == ids["distribution_id"]))
        urls, username = [f"/s/{token}"], None
    else:
        pages = EVALUATOR_PAGES if who == "evaluator" else BUREAU_PAGES
        urls, username = [p.format(**ids) for p in pages], who
    found = _overflows(browser, live_server, who, username, urls)
    assert not found, "\n".join(f"{page}: {'; '.join(items)}" for page, items in found.items())
