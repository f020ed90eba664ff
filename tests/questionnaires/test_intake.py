"""The public respondent flow: idempotent intake, strict validation, closed pages, the two-query page, the
one-SELECT-one-INSERT submission."""

import json
import threading
import uuid
from datetime import timedelta

from sqlalchemy import event, func, select
from werkzeug.test import Client

from evalplatform.instruments import service as instruments
from evalplatform.questionnaires import service
from evalplatform.questionnaires.models import Response
from tests import factories
from tests.questionnaires.conftest import answers


def post(client, token, payload, **kwargs):
    return client.post(f"/s/{token}/responses", data=json.dumps(payload), content_type="application/json", **kwargs)


def count(session):
    session.expire_all()
    return session.scalar(select(func.count(Response.id)))


def test_same_uuid_and_same_answers_is_accepted_once(client, session, survey):
    payload = {"client_uuid": str(uuid.uuid4()), "answers": answers(), "device_token": "d1", "duration_s": 200}
    first = post(client, survey.distribution.token, payload)
    again = post(client, survey.distribution.token, payload)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert count(session) == 1


def test_same_uuid_with_other_answers_is_a_conflict(client, session, survey):
    client_uuid = str(uuid.uuid4())
    assert (
        post(client, survey.distribution.token, {"client_uuid": client_uuid, "answers": answers()}).status_code == 200
    )
    other = post(client, survey.distribution.token, {"client_uuid": client_uuid, "answers": answers(sat01="1")})
    assert other.status_code == 409
    assert "不同的内容" in other.get_json()["error"]
    assert count(session) == 1


def test_twenty_concurrent_posts_of_one_response_make_one_row(app, session, survey):
    payload = {"client_uuid": str(uuid.uuid4()), "answers": answers()}
    statuses, barrier = [], threading.Barrier(20)

    def send():
        client = app.test_client()
        barrier.wait()
        statuses.append(post(client, survey.distribution.token, payload).status_code)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 20
    assert count(session) == 1
    conflict = post(app.test_client(), survey.distribution.token, {**payload, "answers": answers(sat02="2")})
    assert conflict.status_code == 409


def test_concurrent_respondents_each_get_their_own_row_once(app, session, survey):
    """Many requests at once: the writer's role passes from request to request, none is lost or doubled."""
    sent = [{"client_uuid": str(uuid.uuid4()), "answers": answers(sat03=str(1 + i % 5))} for i in range(48)]
    statuses, barrier = [], threading.Barrier(12)

    def send(part):
        client = app.test_client()
        barrier.wait()
        statuses.extend(post(client, survey.distribution.token, payload).status_code for payload in part)

    threads = [threading.Thread(target=send, args=(sent[i::12],)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(sent)
    session.expire_all()
    stored = dict(session.execute(select(Response.client_uuid, Response.answers)).all())
    assert {str(u): a["sat03"] for u, a in stored.items()} == {p["client_uuid"]: p["answers"]["sat03"] for p in sent}


def test_bad_answers_are_refused_with_a_message_per_question_and_nothing_is_stored(client, session, survey):
    token = survey.distribution.token
    cases = [
        (answers(hacker="x"), "hacker", "问卷中没有这道题"),
        (answers(gender=1), "gender", "请选择列出的选项之一"),
        (answers(gender="9"), "gender", "请选择列出的选项之一"),
        (answers(sat03=["5"]), "sat03", "请选择列出的选项之一"),
        (answers(suggestion="字" * (1024 * 1024)), "suggestion", "不能超过"),
        ({k: v for k, v in answers().items() if k != "sat04"}, "sat04", "必答"),
        (["not", "a", "dict"], "", "格式"),
    ]
    for bad, code, message in cases:
        response = post(client, token, {"client_uuid": str(uuid.uuid4()), "answers": bad})
        assert response.status_code in (413, 422), (code, response.status_code)
        if response.status_code == 422:
            assert message in response.get_json()["errors"][code], (code, response.get_json())
    assert count(session) == 0


def test_out_of_range_numbers_and_bad_dates_are_refused(session):
    from evalplatform.instruments.answers import validate_answers
    from evalplatform.instruments.schema import AnswerErrors

    definition = {
        "title": "t",
        "sections": [
            {
                "code": "s",
                "questions": [
                    {"code": "age", "type": "integer", "label": "年龄", "min": 0, "max": 120},
                    {"code": "income", "type": "decimal", "label": "收入", "constraint": ". >= 0"},
                    {"code": "day", "type": "date", "label": "日期", "max": "2026-12-31"},
                ],
            }
        ],
    }
    for bad in (
        {"age": 121},
        {"age": "12a"},
        {"age": True},
        {"income": -1},
        {"income": "NaN"},
        {"day": "2026-02-30"},
        {"day": "2027-01-01"},
    ):
        try:
            validate_answers(definition, bad)
        except AnswerErrors as error:
            assert list(error.errors) == list(bad), bad
        else:
            raise AssertionError(f"accepted {bad}")
    assert validate_answers(definition, {"age": "35", "income": "1.5"}) == {"age": 35, "income": 1.5}


def test_a_ten_megabyte_body_is_refused_before_parsing(client, session, survey):
    body = b'{"client_uuid": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = client.post(f"/s/{survey.distribution.token}/responses", data=body, content_type="application/json")
    assert response.status_code == 413
    assert count(session) == 0


def test_garbage_and_cross_site_posts_are_refused(client, session, survey):
    token = survey.distribution.token
    assert client.post(f"/s/{token}/responses", data="{not json", content_type="application/json").status_code == 400
    assert post(client, token, {"answers": answers()}).status_code == 400
    foreign = post(
        client,
        token,
        {"client_uuid": str(uuid.uuid4()), "answers": answers()},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert count(session) == 0


def test_hidden_questions_are_not_kept(client, session, survey):
    payload = {
        "client_uuid": str(uuid.uuid4()),
        "answers": {
            "gender": "2",
            "age_group": "1",
            "identity": "2",
            "aware": "2",
            "unaware_reason": "刚搬来",
            "sat01": "5",
        },
    }
    assert post(client, survey.distribution.token, payload).status_code == 200
    stored = session.scalar(select(Response))
    assert "sat01" not in stored.answers and stored.answers["unaware_reason"] == "刚搬来"


def statements_of(app, request) -> list[str]:
    statements = []
    engine = app.extensions["evalplatform.db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = request()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.get_data(as_text=True)
    return statements


def test_the_public_page_needs_at_most_two_queries(app, client, session, survey):
    survey.distribution.quota = 100
    session.commit()
    page = f"/s/{survey.distribution.token}"
    first = statements_of(app, lambda: client.get(page))
    again = statements_of(app, lambda: client.get(page))
    # The distribution and the quota count; the frozen definition is read once, by the first request.
    assert len(first) == 3 and len(again) == 2, (first, again)
    assert not any("instrument_version" in s for s in again)
    assert "农村公路建设项目群众满意度调查问卷" in client.get(page).get_data(as_text=True)


def test_a_submission_is_one_select_and_one_insert(app, client, session, survey):
    """Through Flask (a cookie keeps a request off the fast lane): one SELECT and one INSERT."""
    client.set_cookie("seen", "1")
    post(client, survey.distribution.token, {"client_uuid": str(uuid.uuid4()), "answers": answers()})
    payload = {"client_uuid": str(uuid.uuid4()), "answers": answers()}
    statements = statements_of(app, lambda: post(client, survey.distribution.token, payload))
    assert [s.split()[0] for s in statements] == ["SELECT", "INSERT"], statements
    assert count(session) == 2


def test_the_fast_lane_needs_no_statement_of_its_own_once_warm(app, client, session, survey):
    """PostgreSQL: the common case skips the ORM session; its row goes in with others, by the group writer."""
    post(client, survey.distribution.token, {"client_uuid": str(uuid.uuid4()), "answers": answers()})
    payload = {"client_uuid": str(uuid.uuid4()), "answers": answers()}
    statements = statements_of(app, lambda: post(client, survey.distribution.token, payload))
    expected = [] if session.get_bind().dialect.name == "postgresql" else ["SELECT", "INSERT"]
    assert [s.split()[0] for s in statements] == expected, statements
    assert count(session) == 2


def test_a_link_to_an_edited_questionnaire_serves_the_new_version(client, session, survey):
    token = survey.distribution.token
    assert post(client, token, {"client_uuid": str(uuid.uuid4()), "answers": answers()}).status_code == 200
    definition = survey.instrument.latest.definition
    extra = {"code": "new_q", "type": "text", "label": "new question", "required": True}
    edited = {
        **definition,
        "sections": [
            *definition["sections"][:-1],
            {**definition["sections"][-1], "questions": [*definition["sections"][-1]["questions"], extra]},
        ],
    }
    instruments.save_definition(session, survey.instrument, survey.evaluator, factories.NOW, edited)
    fresh = service.create_distribution(
        session,
        survey.instrument,
        survey.evaluator,
        factories.NOW,
        service.DistributionFields(name="新链接", stratum="柳湾村"),
    )
    session.commit()
    assert "new question" in client.get(f"/s/{fresh.token}").get_data(as_text=True)  # the page's JSON
    assert "new question" not in client.get(f"/s/{token}").get_data(as_text=True)
    refused = post(client, fresh.token, {"client_uuid": str(uuid.uuid4()), "answers": answers()})
    assert refused.status_code == 422 and "new_q" in refused.get_json()["errors"]
    assert post(client, token, {"client_uuid": str(uuid.uuid4()), "answers": answers()}).status_code == 200


def test_closed_not_yet_open_and_full_distributions_say_so(client, session, survey):
    d = survey.distribution
    d.closes_at = factories.NOW
    session.commit()
    page = client.get(f"/s/{d.token}")
    assert page.status_code == 410 and "问卷已结束" in page.get_data(as_text=True)
    refused = post(client, d.token, {"client_uuid": str(uuid.uuid4()), "answers": answers()})
    assert refused.status_code == 410 and "已结束" in refused.get_json()["error"]
    d.closes_at, d.opens_at = None, factories.NOW + timedelta(days=3650)
    session.commit()
    assert "问卷尚未开放" in client.get(f"/s/{d.token}").get_data(as_text=True)
    d.opens_at, d.quota = None, 1
    session.commit()
    assert post(client, d.token, {"client_uuid": str(uuid.uuid4()), "answers": answers()}).status_code == 200
    assert "样本已满" in client.get(f"/s/{d.token}").get_data(as_text=True)
    assert client.get("/s/no-such-token").status_code == 404


def test_the_page_of_a_channel_closed_elsewhere_says_so_within_a_second(app, client, session, survey):
    """The fast path keeps a channel's row up to channels.ROW_SECONDS: a close committed by this process shows
    at once, one made behind its back (another worker, another host) within that bound."""
    from sqlalchemy import text

    from evalplatform.questionnaires import channels

    d, page = survey.distribution, f"/s/{survey.distribution.token}"
    assert client.get(page).status_code == 200
    session.execute(text("UPDATE distribution SET closes_at = :now WHERE id = :id"), {"now": factories.NOW, "id": d.id})
    session.commit()  # not through the ORM's row: as another process would
    rows = app.wsgi_app.channels
    if session.get_bind().dialect.name == "postgresql":
        assert client.get(page).status_code == 200  # the row kept (fast path on PostgreSQL only)
        later = rows.clock() + channels.ROW_SECONDS
        rows.clock = lambda: later
    assert client.get(page).status_code == 410
    session.refresh(d)
    d.closes_at = None
    session.commit()  # through the ORM, in this process: at once
    assert client.get(page).status_code == 200
    service.close_distribution(session, d, survey.evaluator, factories.NOW)
    session.commit()
    assert client.get(page).status_code == 410


def test_one_response_per_device_when_asked(client, session, survey):
    survey.distribution.one_per_device = True
    session.commit()
    first = post(
        client,
        survey.distribution.token,
        {"client_uuid": str(uuid.uuid4()), "answers": answers(), "device_token": "dev"},
    )
    second = post(
        client,
        survey.distribution.token,
        {"client_uuid": str(uuid.uuid4()), "answers": answers(), "device_token": "dev"},
    )
    assert first.status_code == 200 and second.status_code == 409
    assert count(session) == 1


def test_quality_flags_mark_failed_attention_and_straight_lining(client, session, survey):
    same = {f"sat{i:02d}": "5" for i in range(1, 11)}
    post(
        client,
        survey.distribution.token,
        {"client_uuid": str(uuid.uuid4()), "answers": answers(attention="5", sat_overall="5", **same)},
    )
    stored = session.scalar(select(Response))
    assert set(stored.quality_flags) == {"attention_failed", "straight_lining"}
    assert stored.valid  # flagged, never silently invalidated


def test_the_intake_runs_without_a_transaction_and_hands_the_connection_back_as_it_was(app, client, survey):
    """The full path (a cookie keeps the request off the fast lane, whose writer uses the driver directly)."""
    client.set_cookie("seen", "1")
    engine = app.extensions["evalplatform.db"].engine
    modes = []
    listener = lambda conn, *args: modes.append(conn.get_execution_options().get("isolation_level"))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert (
            post(
                client, survey.distribution.token, {"client_uuid": str(uuid.uuid4()), "answers": answers()}
            ).status_code
            == 200
        )
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert modes and set(modes) == {"AUTOCOMMIT"}
    with engine.connect() as connection:  # the pooled connection the request used, back to the default
        assert connection.get_isolation_level() == connection.default_isolation_level != "AUTOCOMMIT"


def test_the_fast_lane_answers_as_the_full_path_does(app, client, session, survey):
    """Same status, body shape and headers with or without the fast paths (Flask itself behind them)."""
    token = survey.distribution.token
    fast = post(client, token, {"client_uuid": str(uuid.uuid4()), "answers": answers()})
    full = Client(app.wsgi_app.flask)
    slow = post(full, token, {"client_uuid": str(uuid.uuid4()), "answers": answers()})
    assert fast.status_code == slow.status_code == 200
    assert fast.get_json().keys() == slow.get_json().keys() and fast.get_json()["status"] == "accepted"
    assert len(fast.get_data()) == len(slow.get_data())
    assert sorted(fast.headers.items()) == sorted(slow.headers.items())
    for page in (client.get(f"/s/{token}"), client.get(f"/s/{token}"), full.get(f"/s/{token}")):
        assert page.status_code == 200 and page.get_data() == full.get(f"/s/{token}").get_data()
    assert client.get("/healthz").get_data() == full.get("/healthz").get_data()


def test_the_fast_lane_leaves_refusals_to_the_full_path(client, session, survey):
    """Invalid answers, a retry, a closed channel: each answered by the full path, with its usual status."""
    token = survey.distribution.token
    payload = {"client_uuid": str(uuid.uuid4()), "answers": answers(), "device_token": "same-phone"}
    assert post(client, token, payload).status_code == 200
    assert post(client, token, payload).status_code == 200  # a retry: the stored row
    assert post(client, token, dict(payload, answers=answers(sat01="9"))).status_code == 422
    second = {"client_uuid": str(uuid.uuid4()), "answers": answers(), "device_token": "same-phone"}
    assert post(client, token, second).status_code == 200
    session.expire_all()
    flags = session.scalar(
        select(Response.quality_flags).where(Response.client_uuid == uuid.UUID(second["client_uuid"]))
    )
    assert "duplicate_device" in flags  # set in SQL on the fast lane
    survey.distribution.closes_at = factories.NOW
    session.commit()
    late = post(client, token, {"client_uuid": str(uuid.uuid4()), "answers": answers()})
    assert late.status_code == 410
    assert count(session) == 2


def test_the_group_writer_hands_rows_back_when_the_database_fails(tmp_path):
    """A writer that cannot connect, or whose statement fails, leaves each row to the full path (None) at
    once and keeps serving: no request waits for a writer that is gone."""
    from sqlalchemy import create_engine

    from evalplatform.questionnaires.intake import GroupWriter, Row

    unreachable = GroupWriter(
        create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    )
    failing = GroupWriter(create_engine(f"sqlite:///{tmp_path / 'empty.db'}"))  # no such table: the INSERT fails
    for writer in (unreachable, failing):
        assert [writer.write(Row(1, uuid.uuid4(), b"{}")) for _ in range(3)] == [None] * 3


def test_the_fast_lane_seals_its_rows_as_the_full_path_does(app, client, session, survey):
    """Both lanes store the same digest of the answers and a keyed seal that verify-audit recomputes."""
    from evalplatform.integrity import key_for, sha256_hex, verify_sealed

    token, sent = survey.distribution.token, answers(suggestion='路灯 "夜间" 不亮\n')
    fast = {"client_uuid": str(uuid.uuid4()), "answers": sent, "device_token": "d", "duration_s": 95}
    assert post(client, token, fast).status_code == 200
    full = Client(app.wsgi_app.flask)
    assert post(full, token, dict(fast, client_uuid=str(uuid.uuid4()))).status_code == 200
    session.expire_all()
    rows = session.scalars(select(Response).order_by(Response.id)).all()
    assert len(rows) == 2 and rows[0].answers == rows[1].answers
    assert rows[0].payload_sha256 == rows[1].payload_sha256 == sha256_hex(rows[0].answers)
    checked, problems = verify_sealed(session, key_for(session))
    assert checked >= 2 and problems == []


def _recording_writer(monkeypatch, tmp_path):
    """A GroupWriter whose statement only records its batch (the batching is what is tested here; the
    statement itself is tested through the app above)."""
    from sqlalchemy import create_engine

    from evalplatform.questionnaires.intake import GroupWriter

    writer, batches = GroupWriter(create_engine(f"sqlite:///{tmp_path / 'unused.db'}")), []
    monkeypatch.setattr(writer, "_connect", lambda batch: object())

    def insert(raw, batch):
        batches.append(len(batch))
        for waiting in batch:
            waiting.new_id = len(batches)
            waiting.wake()
        return raw

    monkeypatch.setattr(writer, "_insert", insert)
    return writer, batches


def test_a_writer_right_after_a_batch_lets_its_own_fill_up_to_that_size(monkeypatch, tmp_path):
    """Under load the first request back from a batch used to write alone; now it waits (briefly) for the
    rows of the others, and all three go in one statement."""
    import time

    from evalplatform.questionnaires import intake
    from evalplatform.questionnaires.intake import Row

    monkeypatch.setattr(intake, "GATHER_SECONDS", 10.0)  # only the third row can end this wait
    writer, batches = _recording_writer(monkeypatch, tmp_path)
    writer.last_batch, writer.last_ended = 3, time.monotonic()
    ids = []
    threads = [threading.Thread(target=lambda: ids.append(writer.write(Row(1, uuid.uuid4(), b"{}")))) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert batches == [3] and ids == [1, 1, 1]
    assert time.monotonic() - started < 5  # woken by the row that filled the batch, not by the time limit


def test_a_lone_respondent_does_not_wait_for_a_batch(monkeypatch, tmp_path):
    """After a burst a writer waits at most GATHER_SECONDS; long after one, not at all."""
    import time

    from evalplatform.questionnaires import intake
    from evalplatform.questionnaires.intake import Row

    monkeypatch.setattr(intake, "GATHER_SECONDS", 0.2)
    writer, batches = _recording_writer(monkeypatch, tmp_path)
    writer.last_batch, writer.last_ended = 8, time.monotonic()
    started = time.monotonic()
    assert writer.write(Row(1, uuid.uuid4(), b"{}")) == 1
    assert 0.2 <= time.monotonic() - started < 5  # the burst's size was not reached: written at the limit
    writer.last_batch, writer.last_ended = 8, time.monotonic() - 2 * intake.GATHER_AFTER_SECONDS
    started = time.monotonic()
    assert writer.write(Row(1, uuid.uuid4(), b"{}")) == 2
    assert time.monotonic() - started < 0.2 and batches == [1, 1]


def test_the_writer_keeps_its_connection_between_batches_and_returns_it_when_idle(monkeypatch, tmp_path):
    import time

    from evalplatform.questionnaires import intake
    from evalplatform.questionnaires.intake import Row

    monkeypatch.setattr(intake, "KEEP_SECONDS", 0.2)
    writer, batches = _recording_writer(monkeypatch, tmp_path)
    assert writer.write(Row(1, uuid.uuid4(), b"{}")) == 1
    kept = writer.raw
    assert kept is not None and writer.keeper  # held for the next batch, watched
    assert writer.write(Row(1, uuid.uuid4(), b"{}")) == 2 and writer.raw is kept  # no new checkout
    deadline = time.monotonic() + 5
    while writer.raw is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert writer.raw is None and not writer.keeper  # idle: back to the pool, and the keeper is gone


def test_after_a_fast_lane_submission_no_connection_stays_checked_out(app, client, session, survey):
    """The intake's kept connection goes back to the pool within a second or so of the last batch."""
    import time

    engine = app.extensions["evalplatform.db"].engine
    payload = {"client_uuid": str(uuid.uuid4()), "answers": answers()}
    assert post(client, survey.distribution.token, payload).status_code == 200
    deadline = time.monotonic() + 10
    while engine.pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert engine.pool.checkedout() == 0
