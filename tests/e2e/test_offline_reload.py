"""A respondent loses the network half-way and reloads: the service worker serves the page from its cache,
the draft comes back from local storage, a response submitted offline waits in the outbox through another
reload, and it reaches the server exactly once when the network returns.

"No network" is real here: the server is stopped (and the browser told it is offline), then started again on
the same port."""

import threading

from sqlalchemy import func, select
from werkzeug.serving import make_server

from evalplatform.questionnaires.models import Response
from tests.e2e.test_respondent_paging import PAGED, distribute


class StoppableServer:
    def __init__(self, app):
        self.app, self.port, self.running = app, 0, False
        self.start()

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def stop(self):
        if not self.running:
            return
        self.running = False
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


def rows(session):
    session.expire_all()
    return session.scalar(select(func.count(Response.id)))


def outbox(page):
    return page.evaluate("JSON.parse(localStorage.getItem('evalplatform.outbox') || '[]').length")


def wait_until_cached(page):
    """The worker is active and the page and its three assets are in the cache."""
    page.wait_for_function("""async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        if (!reg || !reg.active) return false;
        const cache = await caches.open(document.getElementById('survey').dataset.cache);
        return (await cache.keys()).length >= 4;
    }""")


def test_reload_without_network_keeps_the_form_the_draft_and_the_queue(browser, app, session):
    server = StoppableServer(app)
    _world, distribution = distribute(session, PAGED)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{server.url}/s/{distribution.token}")
        wait_until_cached(page)
        page.get_by_label("使用", exact=True).check()
        page.get_by_label("每周往返镇上几次？").fill("2")
        page.get_by_test_id("survey-next").click()
        page.get_by_label("满意", exact=True).check()

        server.stop()
        context.set_offline(True)
        page.reload()
        assert page.get_by_text("使用评价").is_visible() and page.get_by_label("满意", exact=True).is_checked()
        page.get_by_test_id("survey-prev").click()
        assert page.get_by_label("每周往返镇上几次？").input_value() == "2"
        page.get_by_test_id("survey-next").click()
        page.get_by_test_id("survey-next").click()
        page.get_by_label("主要出行目的").fill("上学")
        page.get_by_test_id("survey-next").click()
        page.get_by_test_id("survey-submit").click()
        page.get_by_text("网络不可用").wait_for()
        assert outbox(page) == 1

        page.reload()  # still no network: the queued response is still there, and says so
        page.get_by_test_id("survey-pending").wait_for()
        assert outbox(page) == 1 and rows(session) == 0

        server.start()
        context.set_offline(False)
        page.get_by_test_id("survey-thanks").wait_for()
        assert outbox(page) == 0
        page.reload()
        page.get_by_test_id("survey-done").wait_for()
        page.wait_for_timeout(300)
        assert rows(session) == 1
        [response] = session.scalars(select(Response)).all()
        assert response.answers == {"uses": "1", "visits": 2, "sat_road": "4", "purpose": "上学", "trips": 104}
    finally:
        context.close()
        server.stop()
