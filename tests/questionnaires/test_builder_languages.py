"""Editing each language of a questionnaire in the builder, and what the respondent page then offers."""

import io
import json
import re

from sqlalchemy import select

from evalplatform.instruments import languages
from evalplatform.instruments.models import Instrument
from tests.conftest import csrf_token, login
from tests.questionnaires.xlsform_corpus import CORPUS, to_xlsx


def upload(client, survey, form):
    page = f"/engagements/{survey.engagement.id}/instruments"
    created = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "mode": "xlsform",
            "file": (io.BytesIO(to_xlsx(form)), "form.xlsx"),
        },
    )
    assert created.status_code == 303
    return created.headers["Location"]


def fields(html):
    """{base text: (field name, current value)} of the translation table."""
    return {
        label: (name, value)
        for name, label, value in re.findall(
            r'<textarea name="(t-\d+)"[^>]*aria-label="([^"]*)"[^>]*>([^<]*)</textarea>', html
        )
    }


def test_the_builder_edits_a_translation_and_adds_a_language(client, session, survey):
    login(client, survey.evaluator.username)
    builder = upload(client, survey, CORPUS["kobo_roads"])
    page = f"{builder}/languages"
    html = client.get(page).get_data(as_text=True)
    assert "Chinese (zh)" in html and "English (en)" in html
    found = fields(html)
    assert found["家庭常住人口"][1] == "People in household" and found["青石镇"][1] == "Qingshi"
    data = {
        "csrf_token": csrf_token(client, page),
        "version": "1",
        found["家庭常住人口"][0]: "Household members",
        found["受访地点"][0]: "Where",
        found["青石镇"][0]: "",
    }
    assert client.post(f"{page}?language=English (en)", data=data).status_code == 303
    session.expire_all()
    definition = session.scalars(select(Instrument).order_by(Instrument.id.desc())).first().latest.definition
    assert languages.text_in(definition, ("question", "hh_size", "label"), "English (en)") == "Household members"
    assert languages.text_in(definition, ("choice", "district", "qs"), "English (en)") == ""
    assert definition["sections"][0]["translations"]["English (en)"]["title"] == "Where"
    assert definition["sections"][0]["questions"][0]["label"] == "所在乡镇"  # the base text is untouched

    added = client.post(f"{page}/new", data={"csrf_token": csrf_token(client, page), "language": "Français (fr)"})
    assert added.status_code == 303 and "Fran" in added.headers["Location"]
    french = client.get(added.headers["Location"]).get_data(as_text=True)
    name, value = fields(french)["所在乡镇"]
    assert value == ""
    client.post(
        f"{page}?language=Français (fr)", data={"csrf_token": csrf_token(client, page), "version": "1", name: "Canton"}
    )
    session.expire_all()
    definition = session.scalars(select(Instrument).order_by(Instrument.id.desc())).first().latest.definition
    assert definition["languages"] == ["English (en)", "Français (fr)"]
    assert languages.text_in(definition, ("question", "district", "label"), "Français (fr)") == "Canton"
    preview = client.get(f"{builder}/preview").get_data(as_text=True)
    island = re.search(r'<script type="application/json" id="survey-definition">(.*?)</script>', preview, re.S).group(1)
    offered = json.loads(island)
    assert offered["languages"] == ["English (en)", "Français (fr)"]
    assert offered["sections"][0]["questions"][0]["translations"]["Français (fr)"] == {"label": "Canton"}


def test_a_stale_translation_form_is_refused_and_a_duplicate_language_named(client, session, survey):
    login(client, survey.evaluator.username)
    builder = upload(client, survey, CORPUS["three_languages"])
    page = f"{builder}/languages"
    stale = client.post(
        f"{page}?language=中文 (zh)",
        data={"csrf_token": csrf_token(client, page), "version": "7", "t-0": "x"},
        follow_redirects=True,
    )
    assert "问卷已被修改" in stale.get_data(as_text=True)
    again = client.post(
        f"{page}/new", data={"csrf_token": csrf_token(client, page), "language": "中文 (zh)"}, follow_redirects=True
    )
    assert "已有语言 中文 (zh)" in again.get_data(as_text=True)
