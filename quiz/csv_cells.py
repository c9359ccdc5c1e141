"""One cell writer for every CSV the app makes (the account export, the question export).

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before
one) as a formula, and a formula can fetch URLs or run commands: text anyone typed (an answer, a prompt, a
section title) goes out with a leading apostrophe instead, which spreadsheets show as plain text.
"""

import json

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # key points, coverage, ticks: one JSON array per cell
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if isinstance(value, str) and text[:1] in FORMULA_STARTS else text
