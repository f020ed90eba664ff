"""Evaluator pages: create from a template, build, distribute with QR, review responses, export safely."""

import io
import json
import uuid
from datetime import timezone
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from evalplatform.instruments.models import Instrument
from evalplatform.questionnaires.exports import responses_frame
from evalplatform.questionnaires.models import Distribution, Response
from tests.conftest import csrf_token, login, post_form
from tests.questionnaires.conftest import answers

EVIL = "<script>alert('x')</script>"


def test_evaluator_creates_from_a_template_adds_a_question_and_distributes(client, session, survey):
    login(client, survey.evaluator.username)
    base = f"/engagements/{survey.engagement.id}"
    page = f"{base}/instruments"
    assert "养老服务补贴项目服务对象满意度调查问卷" in client.get(page).get_data(as_text=True)
    created = post_form(client, page, {"mode": "template", "template": "satisfaction-elderly-care-subsidy"})
    assert created.status_code == 303
    instrument = session.scalars(select(Instrument).order_by(Instrument.id.desc())).first()
    builder = created.headers["Location"]
    added = post_form(
        client,
        f"{builder}/questions",
        {"code": "evil", "type": "single_choice", "label": EVIL, "choices": f"a={EVIL}\nb=正常"},
        page=builder,
    )
    assert added.status_code == 303
    html = client.get(builder).get_data(as_text=True)
    assert EVIL not in html and "&lt;script&gt;" in html
    preview = client.get(f"{builder}/preview").get_data(as_text=True)
    assert EVIL not in preview and "\\u003cscript\\u003e" in preview  # JSON island escaped; JS sets textContent
    check = post_form(
        client,
        f"{builder}/questions",
        {
            "code": "check",
            "type": "satisfaction",
            "label": "本题请选“满意”",
            "attention_expected": "4",
            "randomize": "y",
        },
        page=builder,
    )
    assert check.status_code == 303
    session.expire_all()
    added_q = session.get(Instrument, instrument.id).latest.definition["sections"][-1]["questions"][-1]
    assert added_q["attention_check"] == {"expected": "4"} and added_q["randomize"] is True
    bad = post_form(
        client, f"{builder}/questions", {"code": "x", "type": "single_choice", "label": "无选项"}, page=builder
    )
    assert bad.status_code == 303 and "需要至少一个选项" in client.get(builder).get_data(as_text=True)

    refused = post_form(
        client,
        f"{base}/surveys",
        {"instrument_id": instrument.id, "name": "东区", "stratum": "东区", "population": "-3"},
        page=f"{base}/surveys",
    )
    assert refused.status_code == 303 and "总体规模应为正整数" in client.get(f"{base}/surveys").get_data(as_text=True)
    made = post_form(
        client,
        f"{base}/surveys",
        {"instrument_id": instrument.id, "name": "东区", "stratum": "东区", "quota": "50", "population": "640"},
        page=f"{base}/surveys",
    )
    assert made.status_code == 303
    distribution = session.scalars(select(Distribution).where(Distribution.instrument_id == instrument.id)).one()
    assert distribution.population == 640
    listing = client.get(f"{base}/surveys").get_data(as_text=True)
    assert f"/s/{distribution.token}" in listing and "0 / 50" in listing and "总体 640" in listing
    png = client.get(f"{base}/surveys/{distribution.id}/qr.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = client.get(f"{base}/surveys/{distribution.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    poster = client.get(f"{base}/surveys/{distribution.id}/poster").get_data(as_text=True)
    assert "<svg" in poster and "扫描" in poster and distribution.token in poster


def test_responses_are_listed_shown_escaped_invalidated_and_exported_safely(client, session, survey):
    token = survey.distribution.token
    for i in range(3):
        client.post(
            f"/s/{token}/responses",
            content_type="application/json",
            data=json.dumps(
                {"client_uuid": str(uuid.uuid4()), "answers": answers(suggestion=f'=HYPERLINK("x") {EVIL} {i}')}
            ),
        )
    login(client, survey.evaluator.username)
    base = f"/engagements/{survey.engagement.id}/surveys"
    listing = client.get(f"{base}/responses").get_data(as_text=True)
    response = session.scalars(select(Response)).first()
    assert f"/responses/{response.id}" in listing
    detail_url = f"{base}/responses/{response.id}"
    detail = client.get(detail_url).get_data(as_text=True)
    assert EVIL not in detail and "&lt;script&gt;" in detail and "满意" in detail
    assert post_form(client, f"{detail_url}/invalidate", {"reason": ""}, page=detail_url).status_code == 303
    session.expire_all()
    assert session.get(Response, response.id).valid
    post_form(client, f"{detail_url}/invalidate", {"reason": "调查员代填"}, page=detail_url)
    session.expire_all()
    assert session.get(Response, response.id).invalid_reason == "调查员代填"

    xlsx = client.get(f"{base}/instruments/{survey.instrument.id}/responses.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    suggestion = [r[header.index("suggestion 您对本项目还有哪些意见或建议？")] for r in rows[1:]]
    assert all(s.startswith("'=") for s in suggestion)
    assert isinstance(rows[1][header.index("ID") if "ID" in header else 0], int)
    assert "满意" in rows[1] and "4" in rows[1]
    # Times as the bureau reads them: Beijing time, named in the header (stored in UTC).
    stored = session.get(Response, rows[1][0]).submitted_at.replace(tzinfo=timezone.utc)
    shown = rows[1][header.index("提交时间（北京时间）")]
    assert shown == stored.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    csv_text = client.get(f"{base}/instruments/{survey.instrument.id}/responses.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text


def test_responses_frame_has_one_row_per_response_and_a_column_per_question(client, session, survey):
    token = survey.distribution.token
    for value in ("5", "4"):
        client.post(
            f"/s/{token}/responses",
            content_type="application/json",
            data=json.dumps({"client_uuid": str(uuid.uuid4()), "answers": answers(sat01=value), "duration_s": 300}),
        )
    frame = responses_frame(session, survey.instrument)
    assert len(frame) == 2
    assert {"response_id", "distribution_id", "stratum", "submitted_at", "valid", "invalid_reason", "sat01"} <= set(
        frame.columns
    )
    assert sorted(frame["sat01"]) == ["4", "5"] and set(frame["stratum"]) == {"柳湾村"}
    labelled = responses_frame(session, survey.engagement, labels=True)
    assert sorted(labelled["sat01"]) == ["满意", "非常满意"]


def test_an_xlsform_upload_creates_an_instrument_and_lists_what_was_not_imported(client, session, survey):
    from tests.instruments.test_xlsform import household_survey

    login(client, survey.evaluator.username)
    page = f"/engagements/{survey.engagement.id}/instruments"
    token = csrf_token(client, page)
    created = client.post(
        page, data={"csrf_token": token, "mode": "xlsform", "file": (io.BytesIO(household_survey()), "农户调查.xlsx")}
    )
    assert created.status_code == 303
    builder = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "农户调查" in builder and "未导入" in builder and "geopoint" in builder
    broken = client.post(page, data={"csrf_token": token, "mode": "xlsform", "file": (io.BytesIO(b"junk"), "x.xlsx")})
    assert "无法读取 XLSForm" in client.get(broken.headers["Location"]).get_data(as_text=True)


def test_the_commissioning_bureau_neither_reads_nor_edits_questionnaires(client, session, survey):
    login(client, survey.bureau_user.username)
    page = f"/engagements/{survey.engagement.id}/instruments"
    assert client.get(page).status_code == 404
    assert post_form(client, page, {"mode": "scratch", "title": "x"}, page="/bureau").status_code == 404
