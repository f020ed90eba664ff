"""The offline app's files: ES modules served locally, every one of them in the service worker's cache list,
and the whole app within the page-weight budget of a phone on a rural network."""

import json
import re

from tests.conftest import login
from tests.inspections.helpers import setting

BUDGET_KIB = 100  # as the respondent page (bench/intake.py page_kb)
MODULE_RE = re.compile(r'<script type="module" src="([^"]+)"')
IMPORT_RE = re.compile(r'^import [^;]+ from "(\./[^"]+)";', re.MULTILINE)
STATIC_RE = re.compile(r"^var STATIC = (\[.*\]);$", re.MULTILINE)


def modules_of(client, url: str, found: dict[str, bytes]) -> dict[str, bytes]:
    """The module at `url` and every module it imports, transitively, as served."""
    response = client.get(url)
    assert response.status_code == 200 and "javascript" in response.mimetype, url
    found[url] = response.data
    for name in IMPORT_RE.findall(response.get_data(as_text=True)):
        target = url.rsplit("/", 1)[0] + "/" + name[2:]
        if target not in found:
            modules_of(client, target, found)
    return found


def test_the_app_loads_its_modules_which_the_worker_caches_within_the_budget(client, session):
    world, _site, _version = setting(session)
    login(client, world.evaluator.username)
    base = f"/engagements/{world.engagement.id}/inspections"
    page = client.get(f"{base}/app")
    (entry,) = MODULE_RE.findall(page.get_data(as_text=True))
    modules = modules_of(client, entry, {})
    assert len(modules) >= 6  # inspect.js and its queue, form, camera, signing modules at least
    worker = client.get(f"{base}/sw.js")
    cached = json.loads(STATIC_RE.search(worker.get_data(as_text=True)).group(1))
    assert set(modules) <= set(cached)
    weight = len(page.data) + len(worker.data) + sum(len(client.get(url).data) for url in cached)
    assert weight / 1024 < BUDGET_KIB, f"{weight / 1024:.1f} KiB"
