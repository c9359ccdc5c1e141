"""Search over the questions: one behaviour on SQLite and PostgreSQL.

The way in is ``query.search(questions, text)``: the matching questions' ids best first, with what the
query meant (the terms it looked for, a "did you mean"). Text is analysed once, by our own code
(``analysis``: words, code names, British and American spelling, Snowball stems), both when a question is
indexed and when a query is read. Each database only matches the analysed terms (SQLite's FTS5,
PostgreSQL's tsvector with the plain 'simple' configuration) and the final order is computed here, so both
databases find and rank the same questions. The index follows every write to a question
(``index.search_fields``); the vocabulary behind "did you mean" is rebuilt by each content load and import
(``index.rebuild_vocabulary``), never by a page view.

``search`` lives in ``quiz.search.query``; this package imports nothing, so the models can use ``index``.
"""
