"""A query, read the way a person means it, and the questions that answer it, best first.

The box takes words, "a phrase" and -without. A question matches when it holds any of the words (or their
other spellings, abbreviations, the word written with or without hyphens, or the bank's word for a typo);
questions that hold every word come first (two words of the query that name one thing in the shared
vocabulary count as one), then by how much of the query their prompt states, the words typed together that
it says together, how rare the matched words are, whether it asks what the term is or how it works, and how
little else the prompt is about ("What is gradient descent?" before "Compare gradient descent with Adam").
Both databases only find candidates; the order is computed here, the same on both.
"""

import itertools
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from rapidfuzz.distance import Levenshtein

from quiz.search.analysis import STOPWORDS, other_forms, query_compounds, token_terms, words
from quiz.search.analysis import terms as analysed
from quiz.search.vocabulary import abbreviations, concepts, same_names, spelled_out

# Of the questions found, how many the final order is computed for (the rest follow in the database's order).
RERANKED = 100
# Up to this many matches the database ranks them all (prompt and answer) to choose those RERANKED; past it,
# only those matching in the prompt. Ranking in full reads each match's whole vector (PostgreSQL: ~20 ms for
# 1,000); the labelled queries' top 3 are the same at 150, 300 and 1,000.
RANKED_IN_FULL = 300
# A word used by at most this many questions is checked against the bank's words for a likelier spelling (one
# used by ten times as many questions, and at least five).
RARE = 3
# A word used by more than this share of the questions ("model", "data", "training" in an ML bank) is too
# common to find a question by: when the query has rarer words, only the questions holding one of those match,
# and the common words count in the order alone (Lucene's "common terms"). A question saying only "model" of
# "model good offline but bad online" answers nothing asked; finding the 8,000 such of 10,000 questions was
# half of that query's time on PostgreSQL.
COMMON = 0.25

Phrase = tuple[str, ...]


@dataclass
class Clause:
    """One thing asked for: a word or a "phrase" as typed, and every way of writing it that counts."""

    typed: str
    alternatives: list[Phrase]
    # The word's other inflections ("imbalance" for "imbalanced"): ways of saying it once the bank uses them.
    forms: list[Phrase] = field(default_factory=list)
    # Alternatives the databases match by their words in any order, not as a phrase: a phrase makes PostgreSQL
    # re-read every candidate's whole vector for positions (18 ms for "MAP estimate" at 10,000 questions, 2 as
    # words). The order still ranks the questions saying it as a phrase first.
    loose: set[Phrase] = field(default_factory=set)


@dataclass
class SearchResult:
    ids: list[int] = field(default_factory=list)  # best first
    with_every_word: int = 0  # how many of ``ids`` (the first ones) hold every word
    suggestion: str = ""  # the query with its likely typos corrected, when any were
    terms: frozenset[str] = frozenset()  # what to mark in the excerpts


_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def parse(text: str) -> tuple[list[Clause], list[Clause]]:
    """The clauses asked for and the ones excluded (``-word``, ``-"a phrase"``)."""
    wanted: list[Clause] = []
    excluded: list[Clause] = []
    for match in _TOKEN_RE.finditer(text):
        if match[2] is not None:  # a phrase
            negated, typed = match[1], match[2]
            phrase = tuple(t for token in words(typed) for t in _phrase_terms(token))
            clauses = [Clause(typed, [phrase])] if phrase else []
        else:
            negated, typed = match[3], match[4]
            clauses = [_word_clause(token) for token in words(typed)]
            clauses = _join_compounds([clause for clause in clauses if clause.alternatives], typed)
        (excluded if negated else wanted).extend(clauses)
    return _join_phrases(wanted), excluded


def _phrase_terms(token: str) -> list[str]:
    # Inside a phrase a code name is its parts in order (the index holds them in order too).
    terms = token_terms(token)
    return terms[:-1] if len(terms) > 1 else terms


def _word_clause(token: str) -> Clause:
    terms = token_terms(token)
    if not terms:
        return Clause(token, [])
    if len(terms) > 1:  # a code name: its parts in order, or the name joined
        return Clause(token, [tuple(terms[:-1]), (terms[-1],)])
    alternatives = [(terms[0],)]
    alternatives += [phrase for phrase in abbreviations().get(terms[0], ()) if phrase not in alternatives]
    named = [phrase for phrase in same_names().get(terms[0], ()) if phrase not in alternatives]
    forms = [(form,) for form in other_forms(token)]
    return Clause(token, alternatives + named, forms, loose={phrase for phrase in named if len(phrase) > 1})


def _join_compounds(clauses: list[Clause], typed: str) -> list[Clause]:
    """A word typed with hyphens ("multi-class") is one clause: its parts in order, or the word joined."""
    for parts, term in query_compounds(typed).items():
        for i in range(len(clauses) - len(parts) + 1):
            run = clauses[i : i + len(parts)]
            if tuple(clause.alternatives[0] for clause in run) == tuple((part,) for part in parts):
                clauses[i : i + len(parts)] = [Clause("-".join(c.typed for c in run), [parts, (term,)])]
                break
    return clauses


def _join_phrases(clauses: list[Clause]) -> list[Clause]:
    """Words that spell out an abbreviation the bank uses ("principal component analysis") each also accept
    the abbreviation ("pca"): a question that only says "PCA" holds every word; "component" alone, some.
    So with a name written shortened or joined ("batch norm": "batch normalization", "batchnorm")."""
    spelled, named = abbreviations(), same_names()
    i = 0
    while i < len(clauses):
        for n in (4, 3, 2):
            run = clauses[i : i + n]
            phrase = tuple(clause.alternatives[0][0] for clause in run if len(clause.alternatives[0]) == 1)
            if len(run) == n and len(phrase) == n and (phrase in spelled or phrase in named):
                same = spelled.get(phrase, []) + named.get(phrase, [])
                for clause in run:
                    added = [other for other in same if other not in clause.alternatives]
                    clause.alternatives += added
                    clause.loose.update(other for other in added if len(other) > 1)
                i += n
                break
        else:
            i += 1
    return clauses


def _same_things(clauses: list[Clause]) -> list[list[int]]:
    """The clauses grouped by what they name: words of one query that the shared vocabulary
    (quiz/feedback/vocabulary.py) gives as names of one concept ("feature scaling normalisation") are one
    group. A question holds every word when it says each group one way or another; saying both still ranks
    above saying one ("sgd vs adam")."""
    named = concepts()
    groups: list[list[int]] = []
    for i, clause in enumerate(clauses):
        first = clause.alternatives[0]
        mine = named.get(first[0], frozenset()) if len(first) == 1 else frozenset()
        for group in groups:
            other = clauses[group[0]].alternatives[0]
            if mine and len(other) == 1 and mine & named.get(other[0], frozenset()):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def _vocabulary(
    db: str, clauses: list[Clause]
) -> tuple[dict[str, tuple[str, int]], dict[str, list[Phrase]], int]:
    """term -> (the word people write for it, how many questions use it), for every term of ``clauses``;
    term -> what it stands for, for the abbreviations among them that the bank spells out; and how many
    active questions there are (0 when the bank uses none of the terms). One query."""
    from quiz.models import SearchStats, SearchTerm

    terms = sorted(
        {term for clause in clauses for phrase in clause.alternatives + clause.forms for term in phrase}
    )
    if not terms:
        return {}, {}, 0
    # Raw SQL: building the same query with the ORM cost more than running it (1.4 ms of 2.5).
    among, params = _among(connections[db].vendor, terms)
    sql = (
        f"SELECT term, word, questions, stands_for, (SELECT questions FROM {SearchStats._meta.db_table} "  # noqa: S608
        f"WHERE id = 1) FROM {SearchTerm._meta.db_table} WHERE term {among}"
    )
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    known = {term: (word, count) for term, word, count, _, _ in rows}
    defined = {
        term: [tuple(p.split()) for p in stands.split("|")] for term, _, _, stands, _ in rows if stands
    }
    total = (rows[0][4] or 0) if rows else 0  # the same on every row
    return known, defined, total


def _correct(clauses: list[Clause], known: dict[str, tuple[str, int]]) -> dict[str, str]:
    """Add the bank's likelier spelling to each one-word clause whose word the bank (almost) never uses: one
    used by ten times as many questions, and at least five; when no question uses the word, any the bank uses.

    Words are compared as typed and as terms: a typo often breaks the stemmer's suffix rules ("hallucinaton"
    stays whole where "hallucination" gives "hallucin"), so the terms are far apart when the words are not.
    Returns typed word -> the bank's word, and adds the corrections' counts to ``known``. One query for all.
    """
    from quiz.models import SearchTerm

    rare = [
        clause
        for clause in clauses
        if len(clause.alternatives) == 1
        and len(term := clause.alternatives[0]) == 1
        and len(term[0]) >= 4
        and term[0].isalpha()
        and known.get(term[0], ("", 0))[1] <= RARE
    ]
    if not rare:
        return {}
    near = models.Q()
    for clause in rare:
        term = clause.alternatives[0][0]
        reach = _reach(term)
        typed, typed_reach = clause.typed, _reach(clause.typed)
        near |= models.Q(
            term__startswith=term[0], length__gte=len(term) - reach, length__lte=len(term) + reach
        )
        near |= models.Q(
            word__startswith=typed[0],
            word_length__gte=len(typed) - typed_reach,
            word_length__lte=len(typed) + typed_reach,
        )
    candidates = list(
        SearchTerm.objects.annotate(length=Length("term"), word_length=Length("word"))
        .filter(near)
        .values_list("term", "word", "questions")
    )
    corrections = {}
    for clause in rare:
        term, typed = clause.alternatives[0][0], clause.typed
        uses = known.get(term, ("", 0))[1]
        floor = max(4, uses * 10) if uses else 0
        scored = [
            (min(_distance(term, other), _distance(typed, word)), -count, other, word)
            for other, word, count in candidates
            if count > floor and other != term
        ]
        scored = [row for row in scored if row[0] < math.inf]
        if scored:
            _, count, other, word = min(scored)
            clause.alternatives.append((other,))
            known[other] = (word, -count)
            corrections[clause.typed] = word
    return corrections


def _reach(term: str) -> int:
    """How many edits a typo of ``term`` may be from the bank's word."""
    return 1 if len(term) <= 5 else 2


def _distance(typed: str, bank: str) -> float:
    """Edits from ``typed`` to ``bank`` when it is within reach (same first letter), else infinity."""
    if typed[:1] != bank[:1]:
        return math.inf
    distance = Levenshtein.distance(typed, bank, score_cutoff=_reach(typed))
    return distance if distance <= _reach(typed) else math.inf


def _idf(phrase: Phrase, counts: dict[str, int], total: int) -> float:
    count = min((counts.get(term, 0) for term in phrase), default=0)
    return math.log(1 + (total - count + 0.5) / (count + 0.5))


def search(text: str, within=None) -> SearchResult:
    """The ids of the active questions that match ``text``, best first; ``within``: only those of this
    queryset (the page's other filters)."""
    from quiz.models import Question

    wanted, excluded = parse(text)
    if not wanted:
        return SearchResult()
    db = within.db if within is not None else Question.objects.db
    known, defined, total = _vocabulary(db, wanted)
    for clause in wanted:
        clause.alternatives += [form for form in clause.forms if form[0] in known]
        # An abbreviation the bank spells out somewhere ("difference-in-differences (DiD)") finds the
        # questions that only spell it out.
        said = clause.alternatives[0]
        if len(said) == 1:
            spelled = [p for p in defined.get(said[0], ()) if p not in clause.alternatives]
            clause.alternatives += spelled
            clause.loose.update(spelled)
    corrections = _correct(wanted, known)
    suggestion = ""
    if corrections:
        suggestion = " ".join(corrections.get(token, token) for token in text.split())
    engine = _ENGINES[connections[db].vendor == "postgresql"]
    # Ranking every match costs more than finding it (bm25 over 7,000 of 10,000 questions is four times the
    # match), so past RANKED_IN_FULL matches the database ranks only the questions whose prompt matches (where
    # the question a person wants states the words), and only the first RERANKED; the rest follow in id order.
    finding = _finding(wanted, known, total)
    sql, params = engine(finding, excluded, every=False)
    matching = _matches(db, sql, params)
    if not matching:
        return SearchResult(suggestion=suggestion)
    prompt_only = len(matching) > RANKED_IN_FULL
    # The common words still count in choosing whom to rank: "how many users do I need" holds "users" and
    # "need" in its prompt.
    scored = [clause for clause in wanted if clause not in finding]
    ranking = engine(finding, excluded, every=False, ranked=matching, prompt_only=prompt_only, scored=scored)
    best = _ids(db, *ranking)
    groups = _same_things(wanted)
    merged = [
        Clause(
            " ".join(wanted[i].typed for i in group),
            [p for i in group for p in wanted[i].alternatives],
            loose={p for i in group for p in wanted[i].loose},
        )
        for group in groups
    ]
    every = set(_matches(db, *engine(merged, excluded, every=True))) if len(merged) > 1 else set(matching)
    # The filters run over the matches alone, and no filter at all reads only the retired questions' index:
    # checking every match against the questions' rows (long texts) costs more than the search itself.
    if within is None:
        allowed = set(matching) - set(_ids(db, _RETIRED, [True]))
    else:
        found = RawSQL(sql, params)  # noqa: S611 - our own SQL; the user's words are a parameter
        allowed = set(within.order_by().filter(pk__in=found).values_list("pk", flat=True))
    every &= allowed
    # Those holding every word first, the database's best of each kind before the rest in id order. Lists,
    # not one dict grown four times: a common word matches 8,000 questions at 10,000.
    ranked_first = set(best)
    candidates = [pk for pk in best if pk in every]
    candidates += [pk for pk in matching if pk in every and pk not in ranked_first]
    candidates += [pk for pk in best if pk in allowed and pk not in every]
    candidates += [pk for pk in matching if pk in allowed and pk not in every and pk not in ranked_first]
    counts = {term: count for term, (_, count) in known.items()}
    ranked = _rank(db, candidates, wanted, groups, every, counts)
    marked = frozenset(term for clause in wanted for phrase in clause.alternatives for term in phrase)
    return SearchResult(ranked, len(every), suggestion, marked)


def _finding(wanted: list[Clause], known: dict[str, tuple[str, int]], total: int) -> list[Clause]:
    """The clauses a question must hold one of to match: the rarer ones when some are common (``COMMON``)."""

    def uses(clause: Clause) -> int:
        return sum(min(known.get(term, ("", 0))[1] for term in phrase) for phrase in clause.alternatives)

    # A word no question uses finds nothing either way: it makes no query narrower.
    rarer = [clause for clause in wanted if 0 < uses(clause) <= COMMON * total]
    return rarer if rarer and total else wanted


def _ids(db: str, sql: str, params: list) -> list[int]:
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _matches(db: str, sql: str, params: list) -> list[int]:
    """The ids of an unranked match, in id order."""
    if connections[db].vendor != "postgresql":
        return _ids(db, sql, params)
    # One array, not a row per id: for a common word's 8,000 matches at 10,000 questions, 10 ms instead of 18.
    sql = f"SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM ({sql}) AS found(id)"  # noqa: S608
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _among(vendor: str, ids: list[int]) -> tuple[str, list]:
    """SQL testing that ``id`` is one of ``ids``, and its parameters. PostgreSQL takes them as one array: a
    placeholder each made the driver parse a query of 200 placeholders (2 ms of a query's 20)."""
    if vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _padded(phrase: Phrase) -> str:
    """``phrase`` as it is found in analysed text padded with spaces: ``_padded(p) in f" {terms} "`` is
    whether the terms hold the phrase in order."""
    return f" {' '.join(phrase)} "


# A prompt asking what something is, how it works or what it measures ("What is regularization …?",
# "Explain dropout", "Walk through the RLHF pipeline", "How does a canary release work?", "What does ROC AUC
# measure?"): the question about it.
_DEFINING = (
    re.compile(
        r"\s*(?:what\s+(?:is|are)(?:\s+meant\s+by)?|what\s+do\s+you\s+(?:mean|understand)\s+by|explain"
        r"|define|describe|walk\s+(?:me\s+)?through)\s+(?:(?:a|an|the)\s+)?(?P<subject>.*)",
        re.IGNORECASE | re.DOTALL,
    ),
    re.compile(
        r"\s*how\s+(?:does|do|is|are)\s+(?:(?:a|an|the)\s+)?(?P<subject>[^,.?]*?)\s+work\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\s*what\s+(?:does|do)\s+(?:(?:a|an|the)\s+)?(?P<subject>[^,.?]*?)\s+"
        r"(?:measure|mean|represent|capture|estimate|tell\s+you)\b",
        re.IGNORECASE,
    ),
)


@lru_cache(maxsize=8192)
def _defined(prompt_md: str) -> str:
    """The term a prompt asks what it is or how it works (its subject's first), or ""."""
    for pattern in _DEFINING:
        asked = pattern.match(prompt_md)
        subject = analysed(asked["subject"][:200]) if asked else []
        if subject:
            return subject[0]
    return ""


def _rank(db: str, candidates, wanted: list[Clause], groups, every: set[int], counts) -> list[int]:
    from quiz.models import Question

    top = candidates[:RERANKED]
    if not top:
        return []
    # A question holding every word holds each somewhere: only the others' (long) answers are read.
    others = [pk for pk in top if pk not in every]
    # Raw SQL: the same query built by the ORM (an IN and a CASE of up to 100 ids each) took 7 ms, 2 here.
    vendor = connections[db].vendor
    among_others, others_params = _among(vendor, others)
    among_top, top_params = _among(vendor, top)
    answer = f"CASE WHEN id {among_others} THEN search_answer ELSE '' END" if others else "''"
    sql = (
        f"SELECT id, search_prompt, prompt_md, {answer} "  # noqa: S608 - placeholders only
        f"FROM {Question._meta.db_table} WHERE id {among_top}"
    )
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [*(others_params if others else []), *top_params])
        found = cursor.fetchall()
    rows = {pk: (f" {prompt} ", f" {said} ", md) for pk, prompt, md, said in found}
    total = max(counts.values(), default=1) + 1
    position = {pk: i for i, pk in enumerate(top)}
    terms = {term for clause in wanted for phrase in clause.alternatives for term in phrase}
    joined = set(spelled_out().values())
    group_of = {i: g for g, group in enumerate(groups) for i in group}
    rarity = [{p: _idf(p, counts, total) for p in clause.alternatives} for clause in wanted]
    rarest = [max(clause.values()) for clause in rarity]
    # What each way of saying a clause looks like in the analysed texts, built once for all candidates.
    said_as = [[(_padded(p), r) for p, r in clause.items()] for clause in rarity]
    # Words typed side by side that a prompt also says side by side, in order ("feature scaling").
    pairs = [
        [_padded(a + b) for a in first.alternatives for b in then.alternatives]
        for first, then in itertools.pairwise(wanted)
    ]

    def key(pk: int):
        prompt, answer, prompt_md = rows.get(pk, ("  ", "  ", ""))
        holds_every = pk in every
        # Per clause, how rare the rarest way of saying it that the prompt uses (the word typed before the
        # bank's commoner spelling of it); 0 when the prompt does not say it.
        said_rarity = [max([r for text, r in ways if text in prompt], default=0) for ways in said_as]
        if holds_every:
            anywhere = [True] * len(groups)
        else:
            anywhere = [False] * len(groups)
            for i, (said, ways) in enumerate(zip(said_rarity, said_as, strict=True)):
                if not anywhere[group_of[i]] and (said or any(text in answer for text, _ in ways)):
                    anywhere[group_of[i]] = True
        weight = 0.0
        for i, said in enumerate(said_rarity):
            if anywhere[group_of[i]]:
                weight += 3 * said or rarest[i]
        in_prompt = sum(1 for said in said_rarity if said)
        together = sum(1 for pair in pairs if any(text in prompt for text in pair))
        content = [t for t in prompt.split() if t not in STOPWORDS and t not in joined] or [""]
        focus = sum(1 for t in content if t in terms) / len(content)
        defines = _defined(prompt_md) in terms
        return (
            # Asking what the term is counts as much as one more pair of words said together: "What is
            # LoRA, and why is it popular for fine-tuning?" before "… serve 100 LoRA fine-tunes …".
            *(not holds_every, -sum(anywhere), -in_prompt, -together - defines),
            *(-round(weight, 6), not defines, -focus, position[pk]),
        )

    # The rest keep the database's order, those with every word first.
    tail = candidates[RERANKED:]
    return sorted(top, key=key) + [pk for pk in tail if pk in every] + [pk for pk in tail if pk not in every]


# The databases' own syntax for the same query.


def _indexed(phrase: Phrase) -> Phrase:
    """What the index holds for ``phrase``: a spelled-out abbreviation is one term of its own there."""
    joined = spelled_out().get(phrase)
    return (joined,) if joined else phrase


def _fts5(clauses: list[Clause], joiner: str) -> str:
    def alternative(phrase: Phrase, loose: set[Phrase]) -> str:
        if phrase in loose:
            return "(" + " AND ".join(f'"{term}"' for term in _indexed(phrase)) + ")"
        return '"' + " ".join(_indexed(phrase)) + '"'

    either = ("(" + " OR ".join(alternative(p, c.loose) for p in c.alternatives) + ")" for c in clauses)
    return f" {joiner} ".join(either)


def _sqlite(wanted, excluded, every: bool, ranked=(), prompt_only=False, scored=()) -> tuple[str, list]:
    """The ids matching the clauses in id order; given the ``ranked`` ids (those matching), the first
    RERANKED by FTS5's bm25 (a prompt match weighs ten answer matches), of those whose prompt matches when
    ``prompt_only``; the ``scored`` clauses count in that order but find nothing."""
    match = _fts5(wanted, "AND" if every else "OR")
    if scored:
        match = f"({match}) AND ({_fts5(wanted + scored, 'OR')})"
    if prompt_only:
        match = f"{{search_prompt}} : ({match})"
    if excluded:
        match = f"({match}) NOT ({_fts5(excluded, 'OR')})"
    sql = "SELECT rowid FROM quiz_question_fts WHERE quiz_question_fts MATCH %s"
    if ranked:
        sql += f" ORDER BY bm25(quiz_question_fts, 10.0, 1.0) LIMIT {RERANKED}"
    return sql, [match]


def _tsquery(clauses: list[Clause], joiner: str) -> str:
    def alternative(phrase: Phrase, loose: set[Phrase]) -> str:
        return "(" + (" & " if phrase in loose else " <-> ").join(_indexed(phrase)) + ")"

    either = ("(" + " | ".join(alternative(p, c.loose) for p in c.alternatives) + ")" for c in clauses)
    return f" {joiner} ".join(either)


def _postgresql(wanted, excluded, every: bool, ranked=(), prompt_only=False, scored=()) -> tuple[str, list]:
    """The ids matching the clauses in id order; given the ``ranked`` ids (those matching), the first
    RERANKED by ts_rank (the prompt weighs A, the answer B), of those whose prompt matches (by the prompt's
    own vector) when ``prompt_only``; the ``scored`` clauses count in that order but find nothing.

    The matches come through ``quiz_question_matches`` (migration 0024) and the prompts' ranking through
    ``quiz_question_best_prompts`` (0030): from the GIN indexes, never a scan; the full ranking reads the
    ranked ids' rows by primary key."""
    query = _tsquery(wanted, "&" if every else "|")
    if scored:
        query = f"({query}) & ({_tsquery(wanted + scored, '|')})"
    if excluded:
        query = f"({query}) & !({_tsquery(excluded, '|')})"
    if not ranked:
        return "SELECT id FROM quiz_question_matches(to_tsquery('simple', %s)) AS id", [query]
    if prompt_only:
        return _RANKED_BY_PROMPT, [query]
    return _RANKED, [query, list(ranked)]


# Constants: the user's words are the one parameter.
_RANKED = (
    "SELECT q.id FROM quiz_question q, to_tsquery('simple', %s) query "  # noqa: S608
    "WHERE q.id = ANY(%s) "
    f"ORDER BY ts_rank(q.search_vector, query) DESC, q.id LIMIT {RERANKED}"
)
# Through the partial index "question_retired": a few rows, never the long texts. "retired = %s", not
# "retired": SQLite only takes the index for the condition it was made with (a scan: 22 ms at 10,000).
_RETIRED = "SELECT id FROM quiz_question WHERE retired = %s"
# Through the prompt vector's index (migration 0030): never a scan of every row.
_RANKED_BY_PROMPT = f"SELECT quiz_question_best_prompts(to_tsquery('simple', %s), {RERANKED})"


_ENGINES = {False: _sqlite, True: _postgresql}


class Ranked:
    """``questions`` in the order of ``ids``, for a Paginator: each page is one query for its own rows."""

    def __init__(self, questions, ids: list[int]) -> None:
        self.questions, self.ids = questions, ids

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self):
        for start in range(0, len(self.ids), 500):
            yield from self[start : start + 500]

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        wanted = self.ids[index]
        rows = {row.pk: row for row in self.questions.filter(pk__in=wanted)}
        return [rows[pk] for pk in wanted if pk in rows]
