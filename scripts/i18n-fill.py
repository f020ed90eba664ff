"""Fills empty English msgstr from a JSON object {msgid: translation}: scripts/i18n-fill.py file.json"""

import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "evalplatform/translations/en/LC_MESSAGES/messages.po"
translations = json.load(open(sys.argv[1], encoding="utf-8"))
with open(PO, "rb") as po:
    catalog = read_po(po)
for message in catalog:
    if message.id and not message.string and message.id in translations:
        message.string = translations[message.id]
with open(PO, "wb") as po:
    write_po(po, catalog, width=120)
