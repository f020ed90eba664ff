"""Units on every number (issue 21): money with 元 and separators, counts as integers, differences of rates in
百分点, file sizes in KB/MB — on the demo's evaluator pages, written by evalplatform.formatting."""

import re

from sqlalchemy import select

from evalplatform.demo import DEMO_PASSWORD, load_demo
from evalplatform.engagements.models import Engagement
from tests.conftest import login
from tests.reliability.test_words_not_codes import visible_text


def _pages(app, session, client) -> dict[str, str]:
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    login(client, "evaluator", DEMO_PASSWORD)
    base = f"/engagements/{road.id}"
    return {
        name: visible_text(client.get(base + path).get_data(as_text=True))
        for name, path in {
            "detail": "",
            "crosscheck": "/crosscheck",
            "evidence": "/evidence",
            "scoring": "/indicators/scoring",
        }.items()
    } | {"list": visible_text(client.get("/engagements").get_data(as_text=True))}


def test_numbers_carry_their_units(app, session, client):
    pages = _pages(app, session, client)
    assert "38,600,000.00元" in pages["detail"] and "38,600,000.00元" in pages["list"]
    crosscheck = pages["crosscheck"]
    assert "30,813,374.24元" in crosscheck or "元" in crosscheck.split("资金到位", 1)[1][:40]
    assert not re.search(r"\d\.00 ?(项|户|座|个|份)", crosscheck)  # counts are integers
    assert "个百分点" in crosscheck  # a difference of rates
    assert re.search(r"\d+ KB", pages["evidence"])  # file sizes
    assert "实际支出资金" in pages["scoring"] and re.search(r"实际支出资金\s*元", pages["scoring"])
