"""Evaluator pages for instruments: list and create (scratch, template, XLSForm), builder, preview, export."""

from __future__ import annotations

import copy
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import db
from ..engagements.service import load_engagement_for_user
from ..web import get_or_404, now_utc, transaction, xlsx_download
from . import languages, service, wording, xlsform, xlsform_export
from .form import respondent_context
from .forms import (
    KIND_LABELS,
    QUESTION_TYPE_LABELS,
    DefinitionForm,
    LanguageForm,
    MoveForm,
    NewInstrumentForm,
    QuestionForm,
    TranslationsForm,
)
from .models import Instrument
from .schema import DefinitionError

bp = Blueprint(
    "instruments", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/instruments"
)
XLSFORM_MAX_BYTES = 20 * 2**20
bp.add_app_template_filter(wording.in_words, "in_words")


def _load(engagement_id: int, instrument_id: int, for_write: bool = False):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=for_write)
    return engagement, get_or_404(Instrument, instrument_id, engagement=engagement)


def _new_form() -> NewInstrumentForm:
    form = NewInstrumentForm()
    form.template.choices = [(t["name"], t["title"]) for t in service.list_templates("questionnaire")]
    return form


@bp.get("")
@login_required
def index(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    library = {t["name"]: t["title"] for t in service.list_templates()}  # a template's slug → its title
    return render_template(
        "instruments/index.html",
        engagement=engagement,
        form=_new_form(),
        kinds=KIND_LABELS,
        library=library,
        instruments=service.engagement_instruments(db.session, engagement),
    )


@bp.post("")
@login_required
def create(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    form = _new_form()
    if not form.validate_on_submit():
        flash(_("表单无效，请检查后重试"), "error")
        return redirect(url_for(".index", engagement_id=engagement_id)), 303
    try:
        with transaction():
            definition, source, unsupported = _definition_for(form)
            instrument = service.create_instrument(db.session, engagement, current_user, now_utc(), definition, source)
    except (DefinitionError, xlsform.XLSFormError) as error:
        problems = getattr(error, "problems", [str(error)])
        flash(_("无法创建问卷：%(e)s", e="；".join(problems[:10])), "error")
        return redirect(url_for(".index", engagement_id=engagement_id)), 303
    for item in unsupported:
        flash(_("未导入：%(item)s", item=item), "warning")
    return redirect(url_for(".builder", engagement_id=engagement_id, instrument_id=instrument.id)), 303


def _definition_for(form):
    if form.mode.data == "template":
        try:
            return service.load_template(form.template.data or ""), form.template.data, []
        except service.InstrumentNotFound:
            raise DefinitionError([_("模板不存在")]) from None
    if form.mode.data == "xlsform":
        upload = request.files.get("file")
        if not upload or not upload.filename:
            raise DefinitionError([_("请选择 XLSForm 文件")])
        data = upload.stream.read(XLSFORM_MAX_BYTES + 1)
        if len(data) > XLSFORM_MAX_BYTES:
            raise DefinitionError([_("XLSForm 文件超过 20 MB")])
        result = xlsform.import_xlsform(data)
        return result.definition, upload.filename[:200], result.unsupported
    title = (form.title.data or "").strip() or _("未命名问卷")
    return (
        {"title": title, "kind": "questionnaire", "sections": [{"code": "s1", "title": "", "questions": []}]},
        None,
        [],
    )


@bp.get("/<int:instrument_id>")
@login_required
def builder(engagement_id: int, instrument_id: int):
    engagement, instrument = _load(engagement_id, instrument_id)
    latest = instrument.latest
    return render_template(
        "instruments/builder.html",
        engagement=engagement,
        instrument=instrument,
        version=latest,
        definition=latest.definition,
        question_form=QuestionForm(),
        move_form=MoveForm(),
        question_types=dict(QUESTION_TYPE_LABELS),
        definition_form=DefinitionForm(definition=json.dumps(latest.definition, ensure_ascii=False, indent=2)),
    )


@bp.post("/<int:instrument_id>/questions")
@login_required
def add_question(engagement_id: int, instrument_id: int):
    _engagement, instrument = _load(engagement_id, instrument_id, for_write=True)
    form = QuestionForm()
    if not form.validate_on_submit():
        flash(_("题目无效：%(e)s", e="；".join(str(e) for es in form.errors.values() for e in es)), "error")
    else:
        definition = copy.deepcopy(instrument.latest.definition)
        _append_question(definition, form)
        _save(instrument, definition)
    return redirect(url_for(".builder", engagement_id=engagement_id, instrument_id=instrument_id)), 303


def _append_question(definition: dict, form: QuestionForm) -> None:
    question = {
        "code": form.code.data.strip(),
        "type": form.type.data,
        "label": form.label.data.strip(),
        "required": bool(form.required.data),
    }
    lines = [line.strip() for line in (form.choices.data or "").splitlines() if line.strip()]
    pairs = [
        dict(zip(("code", "label"), (p.strip() for p in line.split("=", 1))))
        if "=" in line
        else {"code": str(i), "label": line}
        for i, line in enumerate(lines, start=1)
    ]
    if form.type.data == "matrix":
        question["items"] = pairs
    elif pairs:
        question["choices"] = pairs
    if form.randomize.data:
        question["randomize"] = True
    if (form.attention_expected.data or "").strip():
        question["attention_check"] = {"expected": form.attention_expected.data.strip()}
    for key in ("relevant", "constraint"):
        if getattr(form, key).data:
            question[key] = getattr(form, key).data.strip()
    sections = definition["sections"]
    title = (form.section.data or "").strip()
    target = next((s for s in sections if title and s.get("title") == title), None)
    if target is None and title:
        target = {"code": f"s{len(sections) + 1}", "title": title, "questions": []}
        sections.append(target)
    target = target or sections[-1]
    if target.get("group"):  # an imported page: the question joins the page's group (export keeps it there)
        question["group"] = (
            target["questions"][-1].get("group", target["group"]) if target["questions"] else target["group"]
        )
    target["questions"].append(question)


def _save(instrument, definition) -> bool:
    try:
        with transaction():
            version = service.save_definition(db.session, instrument, current_user, now_utc(), definition)
    except DefinitionError as error:
        flash(_("无法保存：%(e)s", e="；".join(error.problems[:10])), "error")
        return False
    flash(_("已保存（第 %(n)s 版）", n=version.number), "success")
    return True


@bp.post("/<int:instrument_id>/questions/<code>/move")
@login_required
def move_question(engagement_id: int, instrument_id: int, code: str):
    _engagement, instrument = _load(engagement_id, instrument_id, for_write=True)
    form = MoveForm()
    if form.validate_on_submit():
        definition = copy.deepcopy(instrument.latest.definition)
        for section in definition["sections"]:
            codes = [q["code"] for q in section["questions"]]
            if code in codes:
                i = codes.index(code)
                qs = section["questions"]
                if form.direction.data == "delete":
                    qs.pop(i)
                else:
                    j = i - 1 if form.direction.data == "up" else i + 1
                    if 0 <= j < len(qs):
                        qs[i], qs[j] = qs[j], qs[i]
        _save(instrument, definition)
    return redirect(url_for(".builder", engagement_id=engagement_id, instrument_id=instrument_id)), 303


@bp.post("/<int:instrument_id>/definition")
@login_required
def save_json(engagement_id: int, instrument_id: int):
    _engagement, instrument = _load(engagement_id, instrument_id, for_write=True)
    form = DefinitionForm()
    if form.validate_on_submit():
        try:
            _save(instrument, json.loads(form.definition.data))
        except ValueError:
            flash(_("JSON 格式错误"), "error")
    return redirect(url_for(".builder", engagement_id=engagement_id, instrument_id=instrument_id)), 303


@bp.get("/<int:instrument_id>/preview")
@login_required
def preview(engagement_id: int, instrument_id: int):
    _engagement, instrument = _load(engagement_id, instrument_id)
    return render_template(
        "questionnaires/respond.html",
        preview=True,
        **respondent_context(instrument.latest.definition, {"token": "preview"}),
    )


@bp.get("/<int:instrument_id>/xlsform.xlsx")
@login_required
def export_xlsform(engagement_id: int, instrument_id: int):
    _engagement, instrument = _load(engagement_id, instrument_id)
    return xlsx_download(
        xlsform_export.export_xlsform(instrument.latest.definition), f"instrument-{instrument.id}.xlsx"
    )


@bp.get("/<int:instrument_id>/languages")
@login_required
def translations(engagement_id: int, instrument_id: int):
    """Every text of the questionnaire beside its translation in one language, to edit that language."""
    engagement, instrument = _load(engagement_id, instrument_id)
    definition = instrument.latest.definition
    names = languages.languages(definition)
    language = request.args.get("language", names[1] if len(names) > 1 else names[0])
    if language not in names:
        abort(404)  # a language the questionnaire has no text in: not an id lookup
    rows = [
        (path, what, base, languages.text_in(definition, path, language))
        for path, what, base in languages.texts(definition)
    ]
    return render_template(
        "instruments/translations.html",
        engagement=engagement,
        instrument=instrument,
        definition=definition,
        names=names,
        language=language,
        rows=rows,
        form=TranslationsForm(version=str(instrument.latest.number)),
        language_form=LanguageForm(),
    )


@bp.post("/<int:instrument_id>/languages")
@login_required
def save_translations(engagement_id: int, instrument_id: int):
    _engagement, instrument = _load(engagement_id, instrument_id, for_write=True)
    definition, language = instrument.latest.definition, request.args.get("language", "")
    form = TranslationsForm()
    if not form.validate_on_submit() or form.version.data != str(instrument.latest.number):
        flash(_("问卷已被修改，请重新打开翻译页面后再保存"), "error")
    else:
        paths = [path for path, _what, _base in languages.texts(definition)]
        values = {
            path: request.form.get(f"t-{i}", "")[:2000] for i, path in enumerate(paths) if f"t-{i}" in request.form
        }
        try:
            _save(instrument, languages.with_texts(definition, language, values))
        except languages.LanguageError as error:
            flash(str(error), "error")
    return redirect(
        url_for(".translations", engagement_id=engagement_id, instrument_id=instrument_id, language=language)
    ), 303


@bp.post("/<int:instrument_id>/languages/new")
@login_required
def add_language(engagement_id: int, instrument_id: int):
    _engagement, instrument = _load(engagement_id, instrument_id, for_write=True)
    form = LanguageForm()
    language = (form.language.data or "").strip()
    if form.validate_on_submit():
        try:
            if _save(instrument, languages.with_language(instrument.latest.definition, language)):
                return redirect(
                    url_for(
                        ".translations", engagement_id=engagement_id, instrument_id=instrument_id, language=language
                    )
                ), 303
        except languages.LanguageError as error:
            flash(str(error), "error")
    return redirect(url_for(".translations", engagement_id=engagement_id, instrument_id=instrument_id)), 303
