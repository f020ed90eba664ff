"""An evaluator on a phone inspects a site: GPS from the browser, items, a photo, both signatures, all while
offline; the page is reloaded offline (the queue survives in IndexedDB), the phone comes back online and
everything arrives exactly once; the record sheet then shows the photo, the GPS and the signatures."""

from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func, select

from evalplatform.engagements import service as engagements
from evalplatform.evidence.models import Evidence
from evalplatform.inspections.models import Inspection, InspectionEntry, InspectionPhoto
from evalplatform.instruments import service as instruments
from tests import factories
from tests.evidence import files

CHECKLIST = {
    "title": "村道验收勘查表",
    "kind": "checklist",
    "sections": [
        {
            "code": "s",
            "title": "路面",
            "questions": [
                {
                    "code": "width",
                    "type": "single_choice",
                    "label": "路面宽度符合设计",
                    "required": True,
                    "choices": [
                        {"code": c, "label": l}
                        for c, l in [("pass", "符合"), ("fail", "不符合"), ("partial", "部分符合"), ("na", "不适用")]
                    ],
                    "measure": {"key": "road_width_m", "label": "实测宽度", "unit": "m", "quantity": "length"},
                    "photos_required": 1,
                },
                {
                    "code": "drain",
                    "type": "single_choice",
                    "label": "排水沟通畅",
                    "required": True,
                    "choices": [
                        {"code": c, "label": l}
                        for c, l in [("pass", "符合"), ("fail", "不符合"), ("partial", "部分符合"), ("na", "不适用")]
                    ],
                },
            ],
        }
    ],
}


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def sign(phone, testid):
    pad = phone.get_by_test_id(testid)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + 40)
    phone.mouse.down()
    for step in range(1, 8):
        phone.mouse.move(box["x"] + 20 + step * 25, box["y"] + 40 + (step % 2) * 50)
    phone.mouse.up()


def test_an_offline_inspection_arrives_exactly_once(browser, live_server, session, tmp_path):
    world = factories.World(session)
    engagements.save_site(
        session,
        world.engagement,
        world.evaluator,
        factories.NOW,
        name="柳湾村段",
        address=None,
        latitude=None,
        longitude=None,
    )
    instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, CHECKLIST)
    session.commit()
    photo = Path(tmp_path / "路面.jpg")
    photo.write_bytes(files.jpeg(width=320, height=240))

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": 28.6821, "longitude": 115.8579, "accuracy": 15},
    )
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill(world.evaluator.username)
    phone.get_by_label("密码").fill(factories.PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url("**/engagements")
    app_url = f"{live_server}/engagements/{world.engagement.id}/inspections/app"
    phone.goto(app_url)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")

    phone.get_by_label("勘查点").select_option(label="柳湾村段")
    phone.get_by_label("勘查表").select_option(label="村道验收勘查表")
    phone.get_by_label("在场勘查人员（每行一人）").fill("张明\n李华")
    phone.get_by_test_id("start-inspection").click()
    phone.get_by_test_id("gps").get_by_text("28.682100, 115.857900").wait_for()
    phone.get_by_test_id("queue-status").get_by_text("全部已上传").wait_for()
    assert count(session, Inspection) == 1

    context.set_offline(True)
    width = phone.locator('.item[data-code="width"]')
    width.get_by_label("符合", exact=True).check()
    width.get_by_label("实测宽度（m）").fill("4.5")
    phone.get_by_test_id("photo-width").set_input_files(str(photo))
    width.get_by_text("路面.jpg").wait_for()
    queued = phone.get_by_test_id("thumb-width")  # the picture itself, from the phone's queue, while offline
    queued.wait_for()
    assert queued.get_attribute("src").startswith("blob:")
    expect(queued).to_have_js_property("naturalWidth", 320)
    phone.get_by_test_id("save-width").click()
    drain = phone.locator('.item[data-code="drain"]')
    drain.get_by_label("不符合", exact=True).check()
    phone.get_by_test_id("save-drain").click()
    expect(drain.locator(".err")).to_contain_text("请在备注中说明情况")
    drain.get_by_label("备注").fill("出口处淤堵约 3 米")
    phone.get_by_test_id("save-drain").click()
    expect(drain.get_by_label("备注")).to_be_disabled()  # read-only until the server acknowledges it
    expect(drain.locator(".state")).to_have_text("待上传")
    phone.get_by_label("被勘查单位代表姓名").fill("赵刚")
    sign(phone, "sig-team")
    sign(phone, "sig-unit")
    phone.get_by_test_id("finish").click()
    phone.get_by_test_id("queue-status").get_by_text("6 条待上传").wait_for()

    phone.reload()  # offline: the service worker serves the app, IndexedDB still holds the queue
    phone.get_by_test_id("queue-status").get_by_text("6 条待上传").wait_for()
    expect(phone.get_by_test_id("thumb-width")).to_have_js_property("naturalWidth", 320)
    assert phone.locator('.item[data-code="width"] input[type=number]').input_value() == "4.5"
    assert count(session, InspectionEntry) == 0 and count(session, InspectionPhoto) == 0

    context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.get_by_test_id("queue-status").get_by_text("全部已上传").wait_for()
    phone.reload()
    phone.get_by_test_id("queue-status").get_by_text("全部已上传").wait_for()
    phone.wait_for_timeout(300)
    assert count(session, InspectionEntry) == 2 and count(session, InspectionPhoto) == 3
    assert count(session, Evidence) == 3
    inspection = session.scalar(select(Inspection))
    assert inspection.is_finished and inspection.unit_representative == "赵刚"
    sent = phone.get_by_test_id("thumb-width")  # once acknowledged, the server's preview of the evidence
    assert "/preview" in sent.get_attribute("src")
    expect(sent).not_to_have_js_property("naturalWidth", 0)
    assert {e.item_code: str(e.measured_value) for e in inspection.entries}["width"].startswith("4.5")

    phone.get_by_test_id("record-link").click()
    sheet = phone.get_by_test_id("record-sheet")
    sheet.wait_for()
    assert "28.682100, 115.857900" in phone.get_by_test_id("sheet-gps").inner_text()
    assert "出口处淤堵约 3 米" in sheet.inner_text()
    for image in [
        sheet.locator(".sheet-photo img").first,
        phone.get_by_test_id("team-signature"),
        phone.get_by_test_id("unit-signature"),
    ]:
        image.wait_for()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 2
