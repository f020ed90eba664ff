#!/usr/bin/env bash
# Re-extracts messages into the English catalogue; new ones arrive with an empty msgstr to fill in.
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o "$pot" --no-location . 2>/dev/null
.venv/bin/pybabel update -i "$pot" -d evalplatform/translations --no-fuzzy-matching --ignore-obsolete 2>/dev/null
rm -f "$pot"
.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po
with open("evalplatform/translations/en/LC_MESSAGES/messages.po", "rb") as po:
    missing = [m.id for m in read_po(po) if m.id and not m.string]
print(f"{len(missing)} untranslated" + "".join(f"\n  {m!r}" for m in missing))
PY
