"""Messages made where no request is at hand (services, the job worker, the CLI) and shown on a page later.

`N_("…")` marks a msgid for the catalogue without translating it (the extractor knows the keyword);
`translate(msgid, **params)` renders it in the reader's language inside a request, in Chinese (the source
language, which reports and the audit chain are written in) outside one.
"""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def N_(msgid: str) -> str:
    return msgid


def translate(msgid: str, **params) -> str:
    if not has_request_context():
        return msgid % params if params else msgid
    names = {k: gettext(v) if isinstance(v, str) and v else v for k, v in params.items()}
    return gettext(msgid, **names)
