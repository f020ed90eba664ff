"""Cross-checks declared vs verified (对照查证复核), ledger rules, verification sampling, findings (问题清单)."""
