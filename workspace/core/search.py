"""One search interface for every area: index a document, search what the caller may see, highlight matches.

Text is folded (compatibility forms, case, diacritics, Traditional → Simplified, character by character)
and cut into tokens we control: every CJK character, every overlapping CJK bigram and every other word.
SQLite keeps the tokens in an FTS5 table, PostgreSQL in tsvector columns; both run the same plan with
the same rules, so the same data gives the same hits in the same order (snippets are built in Python).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    cast,
    column,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.orm import Mapped, mapped_column

from workspace.core.cache import NEUTRAL
from workspace.core.database import UTCDateTime, utcnow
from workspace.core.fragments import FragmentStore
from workspace.core.i18n import script_converter
from workspace.extensions import db

MAX_TITLE = 500
MAX_BODY = 100_000
MAX_QUERY = 200  # characters of a query we read; the rest cannot make a typed search better
MAX_TERMS = 12
MAX_RUN = 32  # characters of one CJK run in a query
MAX_WORD = 64  # characters of a word token, in documents and queries alike
# PostgreSQL refuses a tsvector over 1 MB; both databases index the same tokens, so the budget is shared.
TOKEN_BYTES = 900_000
RERANK_LIMIT = 1000  # count occurrences for ranking only when this few documents match (keeps big sets fast)
SNIPPET_LENGTH = 160
SNIPPET_BEFORE = 40

FTS_TABLE = "search_fts"
PG_VECTOR_COLUMNS = frozenset({"tsv", "title_tsv"})
PG_VECTOR_INDEX = "ix_search_documents_tsv"

# Han (with radicals and compatibility forms), kana and bopomofo are searched by character n-grams.
_CJK = (
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf"
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD_CLASS = f"[^\\W_{_CJK}]"
# Tokens hold no ASCII punctuation or space, so FTS5's `ascii` tokenizer splits them exactly where we join them.
_WORD_CHAR = re.compile(_WORD_CLASS)
_WORD_RUN = re.compile(f"{_WORD_CLASS}*")
_TOKEN = re.compile(f"(?P<cjk>[{_CJK}]+)|(?P<word>{_WORD_CLASS}+)")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # PostgreSQL text takes no NUL; UTF-8 takes no lone surrogate
_ASCII_CONTROLS = {code: " " for code in [*range(32), 127]}
_SPACES = re.compile(r"\s+")

_t2s = script_converter("t2s")  # the one converter of core/i18n
_FTS = table(FTS_TABLE, column("rowid", Integer), column("title", Text), column("body", Text))


class SearchDocument(db.Model):
    """One searchable record of some area (a resource, thread, post, plan …) with its folded text."""

    __tablename__ = "search_documents"
    __cache_rule__ = NEUTRAL  # a copy of records that bump their own counters; search pages are not cached
    __table_args__ = (
        UniqueConstraint("kind", "object_id"),
        Index("ix_search_documents_community_kind", "community_id", "kind"),
        Index("ix_search_documents_visibility", "visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int]
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    visibility: Mapped[str] = mapped_column(String(20), default="community")
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    body: Mapped[str] = mapped_column(Text)
    # Folded copies: exact substring checks for long Chinese terms and occurrence counts, the same on both databases.
    folded_title: Mapped[str] = mapped_column(Text)
    folded_body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchDocument {self.kind}:{self.object_id}>"


@dataclass(frozen=True)
class SearchHit:
    """One result: what it points at, its title and a snippet, both with `<mark>` around matches."""

    kind: str
    object_id: int
    community_id: int | None
    title: str
    title_html: Markup
    snippet: Markup
    score: int
    document_id: int


@dataclass(frozen=True)
class SearchPage:
    """A page of results and how many there are in all."""

    query: str
    hits: list[SearchHit]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


@dataclass(frozen=True)
class _Term:
    text: str  # folded
    is_word: bool  # a word matches as a prefix of a word; otherwise a run of CJK characters

    @property
    def tokens(self) -> list[str]:
        if self.is_word or len(self.text) <= 2:
            return [self.text]
        return list(dict.fromkeys(self.text[i : i + 2] for i in range(len(self.text) - 1)))

    @property
    def needs_check(self) -> bool:
        """Say whether bigrams alone may match where the run itself does not (three characters or more)."""
        return not self.is_word and len(self.text) > 2


# Folding ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _fold_char(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Cf", "Cs", "Co", "Cn"):
        return ""  # zero-width and format characters must not split or join words
    if category == "Cc":
        return " "
    if _CJK_CHAR.match(char):
        return _t2s.convert(unicodedata.normalize("NFKC", char))
    # Per character, so that a position in folded text always maps back to the original (for snippets).
    decomposed = unicodedata.normalize("NFKD", char)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKC", bare.casefold())
    return _t2s.convert(folded) if _CJK_CHAR.search(folded) else folded


def fold(value: str) -> str:
    """Fold text for matching: compatibility forms, case, diacritics and Traditional → Simplified script."""
    if value.isascii():
        return value.lower().translate(_ASCII_CONTROLS)
    return "".join([_fold_char(char) for char in value])


def _fold_with_map(value: str) -> tuple[str, list[int]]:
    pieces: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(value):
        folded = _fold_char(char)
        pieces.append(folded)
        origins.extend([index] * len(folded))
    return "".join(pieces), origins


def _tokens(folded: str, budget: int = TOKEN_BYTES) -> list[str]:
    """List the distinct tokens of folded text in order of first appearance, within a byte budget."""
    ordered: dict[str, None] = {}
    for match in _TOKEN.finditer(folded):
        run = match.group("cjk")
        if run is None:
            ordered[match.group("word")[:MAX_WORD]] = None
        else:
            ordered.update(dict.fromkeys(run))
            ordered.update(dict.fromkeys(map(operator.add, run, run[1:])))
    tokens = list(ordered)
    if len(folded) * 12 + len(tokens) * 8 <= budget:  # a cheap upper bound settles nearly every document
        return tokens
    used = 0
    for count, token in enumerate(tokens):
        used += len(token.encode()) + 8
        if used > budget:
            return tokens[:count]
    return tokens


def _terms(query: str) -> list[_Term]:
    terms: dict[_Term, None] = {}
    for match in _TOKEN.finditer(fold(query[:MAX_QUERY])):
        run = match.group("cjk")
        term = _Term(run[:MAX_RUN], False) if run else _Term(match.group("word")[:MAX_WORD], True)
        terms.setdefault(term, None)
    return list(terms)[:MAX_TERMS]


def _clean(value: str | None) -> str:
    return _UNSTORABLE.sub("", value or "")


# Indexing -----------------------------------------------------------------------------------------


def index_document(
    kind: str,
    object_id: int,
    *,
    community_id: int | None,
    title: str,
    body: str,
    visibility: str = "community",
    updated_at: dt.datetime | None = None,
) -> SearchDocument:
    """Add or replace the search document of one record (flushed, not committed)."""
    title = _clean(title)[:MAX_TITLE]
    body = _clean(body)[:MAX_BODY]
    document = db.session.scalar(
        select(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.object_id == object_id)
    )
    if document is None:
        document = SearchDocument(kind=kind, object_id=object_id)
        db.session.add(document)
    document.community_id = community_id
    document.visibility = visibility
    document.title = title
    document.body = body
    document.folded_title = fold(title)
    document.folded_body = fold(body)
    document.updated_at = updated_at or utcnow()
    db.session.flush()
    _write_tokens(document)
    return document


def _write_tokens(document: SearchDocument) -> None:
    title_tokens = _tokens(document.folded_title)
    body_tokens = _tokens(document.folded_body)
    if db.session.get_bind().dialect.name == "postgresql":
        statement = text(
            "UPDATE search_documents SET tsv = array_to_tsvector(:all), title_tsv = array_to_tsvector(:title)"
            " WHERE id = :id"
        ).bindparams(bindparam("all", type_=ARRAY(Text)), bindparam("title", type_=ARRAY(Text)))
        everything = list(dict.fromkeys(title_tokens + body_tokens))
        db.session.execute(statement, {"all": everything, "title": title_tokens, "id": document.id})
        return
    # A row left behind (say, by a table copy that dropped the delete trigger) must not survive a reused id.
    db.session.execute(delete(_FTS).where(_FTS.c.rowid == document.id))
    db.session.execute(
        insert(_FTS).values(rowid=document.id, title=" ".join(title_tokens), body=" ".join(body_tokens))
    )


def remove_document(kind: str, object_id: int) -> bool:
    """Remove the search document of one record; say whether there was one."""
    document_id = db.session.scalar(
        select(SearchDocument.id).where(SearchDocument.kind == kind, SearchDocument.object_id == object_id)
    )
    if document_id is None:
        return False
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(delete(_FTS).where(_FTS.c.rowid == document_id))
    db.session.execute(
        delete(SearchDocument).where(SearchDocument.id == document_id).execution_options(synchronize_session="fetch")
    )
    return True


def reindex_all() -> int:
    """Rebuild every document's tokens from its stored text (after a change of the folding rules)."""
    count = 0
    for document in db.session.scalars(select(SearchDocument).order_by(SearchDocument.id)):
        document.folded_title = fold(document.title)
        document.folded_body = fold(document.body)
        db.session.flush()
        _write_tokens(document)
        count += 1
    return count


# Searching ----------------------------------------------------------------------------------------


def search(
    query: str,
    *,
    kinds: Iterable[str] | None = None,
    community_ids: Iterable[int] | None = None,
    include_public: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Find the documents matching every term of `query` among those the caller may see.

    `community_ids=None` means every community (trusted callers only); `include_public` adds public
    documents of any community. Title matches come first, then documents with more occurrences, then
    the newest (highest id).
    """
    limit = max(0, min(int(limit), 100))
    offset = max(0, int(offset))
    terms = _terms(query or "")
    if not terms:
        return SearchPage(query, [], 0, limit, offset)

    document = SearchDocument.__table__.c
    dialect = db.session.get_bind().dialect.name
    checks = [
        or_(_contains(document.folded_title, term.text, dialect), _contains(document.folded_body, term.text, dialect))
        for term in terms
        if term.needs_check
    ]
    scope: list[ColumnElement[bool]] = []
    if kinds is not None:
        scope.append(document.kind.in_(list(kinds)))
    if community_ids is not None:
        visible: list[ColumnElement[bool]] = [document.community_id.in_(list(community_ids))]
        if include_public:
            visible.append(document.visibility == "public")
        scope.append(or_(*visible))
    title_checks = [_contains(document.folded_title, term.text, dialect) for term in terms if term.needs_check]

    if dialect == "sqlite":
        ranked, total = _rank_from_fts(terms, scope, checks, title_checks, limit, offset)
    else:
        ranked, total = _rank_in_sql(terms, dialect, [*scope, *checks], title_checks, limit, offset)
    if not ranked:
        return SearchPage(query, [], total, limit, offset)
    texts = {
        row.id: row
        for row in db.session.execute(
            select(
                document.id,
                document.kind,
                document.object_id,
                document.community_id,
                document.title,
                document.body,
                document.folded_body,
            ).where(document.id.in_([rank.id for rank in ranked]))
        )
    }
    hits = [
        SearchHit(
            kind=row.kind,
            object_id=row.object_id,
            community_id=row.community_id,
            title=row.title,
            title_html=_marked(row.title, None, terms),
            snippet=_marked(row.body, row.folded_body, terms),
            score=int(rank.title_hit) * 1_000_000 + int(rank.occurrences),
            document_id=row.id,
        )
        for rank in ranked
        for row in [texts[rank.id]]
    ]
    return SearchPage(query, hits, total, limit, offset)


@dataclass(frozen=True)
class _Ranked:
    id: int
    title_hit: int
    occurrences: int


def _occurrences(terms: Sequence[_Term]) -> ColumnElement[int]:
    body = SearchDocument.__table__.c.folded_body
    counted: ColumnElement[int] = literal(0)
    for term in terms:
        removed = func.length(body) - func.length(func.replace(body, literal(term.text, Text), literal("", Text)))
        counted = counted + removed / len(term.text)
    return counted


def _rank_in_sql(terms: Sequence[_Term], dialect: str, conditions: list[ColumnElement[bool]],
                 title_checks: list[ColumnElement[bool]], limit: int, offset: int,
                 *, matched: bool = False) -> tuple[list[_Ranked], int]:
    """Rank in one SQL sort: title hits first, then more occurrences (only for small sets), then newest.

    `matched` says the conditions already name the matching ids, so the index need not be asked again.
    """
    document = SearchDocument.__table__.c
    if not matched:
        conditions = [_matches(terms, dialect, title_only=False), *conditions]
    # Counting stops past RERANK_LIMIT: beyond it the exact number costs a pass over every match.
    total = db.session.scalar(select(func.count()).select_from(
        select(document.id).where(*conditions).limit(RERANK_LIMIT + 1).subquery())) or 0
    if total == 0 or offset >= total or limit == 0:
        return [], total
    title_hit = case((and_(_matches(terms, dialect, title_only=True), *title_checks), 1), else_=0)
    occurrences = _occurrences(terms) if total <= RERANK_LIMIT else literal(0)
    # Rank on narrow rows first: sorting thousands of matches must not drag their bodies along.
    rows = db.session.execute(
        select(document.id, title_hit.label("title_hit"), occurrences.label("occurrences"))
        .where(*conditions)
        .order_by(title_hit.desc(), occurrences.desc(), document.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_Ranked(row.id, int(row.title_hit), int(row.occurrences)) for row in rows], total


def _fts_expression(terms: Sequence[_Term], *, title_only: bool) -> str:
    column_filter = "title : " if title_only else ""
    return " AND ".join(
        column_filter + '"' + token.replace('"', '""') + '"' + ("*" if term.is_word else "")
        for term in terms
        for token in term.tokens
    )


def _fts_ids(expression: str, conditions: Sequence[ColumnElement[bool]], *, limit: int, offset: int = 0,
             exclude: ColumnElement[bool] | None = None) -> list[int]:
    """Ids matching in the FTS5 index, newest first, streamed from the index and stopped at the limit."""
    document = SearchDocument.__table__.c
    query = (
        select(_FTS.c.rowid)
        .select_from(_FTS.join(SearchDocument.__table__, document.id == _FTS.c.rowid))
        .where(literal_column(FTS_TABLE).op("MATCH", is_comparison=True)(expression), *conditions)
        .order_by(_FTS.c.rowid.desc())
        .limit(limit)
        .offset(offset)
    )
    if exclude is not None:
        query = query.where(exclude)
    return list(db.session.scalars(query))


def _rank_from_fts(terms: Sequence[_Term], scope: list[ColumnElement[bool]], checks: list[ColumnElement[bool]],
                   title_checks: list[ColumnElement[bool]], limit: int,
                   offset: int) -> tuple[list[_Ranked], int]:
    """Rank on SQLite without collecting every match: the same order as _rank_in_sql, found faster.

    A short query can match most documents. Up to RERANK_LIMIT matches the exact ranking (with
    occurrence counts) runs over those few ids; beyond it the order is title hits, newest first,
    then the rest, newest first — both read from the index in rowid order and stopped at the page.
    """
    conditions = [*scope, *checks]
    everything = _fts_expression(terms, title_only=False)
    capped = _fts_ids(everything, conditions, limit=RERANK_LIMIT + 1)
    total = len(capped)
    if total == 0 or offset >= total or limit == 0:
        return [], total
    if total <= RERANK_LIMIT:
        document = SearchDocument.__table__.c
        return _rank_in_sql(terms, "sqlite", [document.id.in_(capped)], title_checks, limit, offset, matched=True)
    titles = _fts_expression(terms, title_only=True)
    title_ids = _fts_ids(titles, [*conditions, *title_checks], limit=offset + limit)
    ranked = [_Ranked(id_, 1, 0) for id_ in title_ids[offset:offset + limit]]
    if len(ranked) < limit:
        # FTS5 takes MATCH only on the table's own name: the inner query names it too, uncorrelated.
        in_titles = _FTS.c.rowid.in_(
            select(_FTS.c.rowid)
            .where(literal_column(FTS_TABLE).op("MATCH", is_comparison=True)(titles))
            .correlate(None)
        )
        not_a_title_hit = not_(and_(in_titles, *title_checks)) if title_checks else not_(in_titles)
        rest = _fts_ids(everything, conditions, limit=limit - len(ranked), offset=max(0, offset - len(title_ids)),
                        exclude=not_a_title_hit)
        ranked += [_Ranked(id_, 0, 0) for id_ in rest]
    return ranked, total


def _matches(terms: Sequence[_Term], dialect: str, *, title_only: bool) -> ColumnElement[bool]:
    """Build the index condition: every token of every term, words as prefixes; user text is only ever quoted."""
    tokens = [(token, term.is_word) for term in terms for token in term.tokens]
    if dialect == "postgresql":
        expression = " & ".join(_tsquery_quote(token) + (":*" if prefix else "") for token, prefix in tokens)
        vector = literal_column("search_documents.title_tsv" if title_only else "search_documents.tsv")
        return vector.op("@@", is_comparison=True)(cast(bindparam(None, expression, type_=Text), TSQUERY))
    column_filter = "title : " if title_only else ""
    expression = " AND ".join(
        column_filter + '"' + token.replace('"', '""') + '"' + ("*" if prefix else "") for token, prefix in tokens
    )
    matching = select(_FTS.c.rowid).where(literal_column(FTS_TABLE).op("MATCH", is_comparison=True)(expression))
    return SearchDocument.__table__.c.id.in_(matching)


def _tsquery_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _contains(column_: Any, needle: str, dialect: str) -> ColumnElement[bool]:
    if not needle:
        return false()
    function = func.strpos if dialect == "postgresql" else func.instr
    return function(column_, literal(needle, Text)) > 0


# Highlighting -------------------------------------------------------------------------------------


def _spans(folded: str, terms: Sequence[_Term]) -> list[tuple[int, int]]:
    """Find the matched stretches of folded text: CJK runs anywhere, words from their start to their end."""
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term.text)
        while start != -1:
            end = start + len(term.text)
            if not term.is_word:
                spans.append((start, end))
            elif start == 0 or not _WORD_CHAR.match(folded, start - 1):
                word_end = _WORD_RUN.match(folded, end)
                spans.append((start, word_end.end() if word_end else end))
            start = folded.find(term.text, start + 1)
    return sorted(spans)


def _render(original: str, marks: list[tuple[int, int]], start: int, end: int) -> Markup:
    """Escape original[start:end] with `<mark>` around the given original-text stretches."""
    parts: list[str] = []
    position = start
    for mark_start, mark_end in _merge(marks):
        mark_start, mark_end = max(mark_start, start), min(mark_end, end)
        if mark_start >= mark_end or mark_start < position:
            continue
        parts.append(_SPACES.sub(" ", str(escape(original[position:mark_start]))))
        parts.append(f"<mark>{escape(original[mark_start:mark_end])}</mark>")
        position = mark_end
    parts.append(_SPACES.sub(" ", str(escape(original[position:end]))))
    return Markup("".join(parts))  # noqa: S704 - every piece of user text above went through escape()


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _to_original(spans: list[tuple[int, int]], origins: list[int], shift: int = 0) -> list[tuple[int, int]]:
    return [(origins[start] + shift, origins[end - 1] + 1 + shift) for start, end in spans]


def highlight(value: str, terms_or_query: Sequence[_Term] | str) -> Markup:
    """Escape a short text whole, with `<mark>` around what the query matches (in the original script)."""
    terms = _terms(terms_or_query) if isinstance(terms_or_query, str) else terms_or_query
    folded, origins = _fold_with_map(value)
    return _render(value, _to_original(_spans(folded, terms), origins), 0, len(value))


# Marked titles and snippets per process, by text and query: a search list (and the library's) is asked again with
# the same words after every write, and folding a body to cut its snippet was half of that page's Python work.
# Keyed by the text's hash and length, not the text, so that a long body is not kept; bounded like the fragments.
_MARKED = FragmentStore(max_bytes=4 * 1024 * 1024)


def _marked(text: str, folded: str | None, terms: Sequence[_Term]) -> Markup:
    """highlight(text) when `folded` is None, else _snippet(text, folded), each worked out once per text and query."""
    key = (folded is None, hash(text), len(text), tuple(terms))
    found = _MARKED.get(key)
    if found is None:
        found = highlight(text, terms) if folded is None else _snippet(text, folded, terms)
        _MARKED.put(key, found)
    return found  # type: ignore[return-value]  # kept as the Markup it was made


def _snippet(body: str, folded_body: str, terms: Sequence[_Term]) -> Markup:
    """Cut a stretch of the body around its first match and mark the matches in it."""
    first = min((start for start, _ in _spans(folded_body, terms)), default=None)
    if first is None:
        end = min(len(body), SNIPPET_LENGTH)
        return _render(body, [], 0, end) + (Markup("…") if end < len(body) else "")
    # Folding rarely changes lengths, so the match sits near the same place in the original: fold only a
    # window there, and the whole body only when the window misses.
    slack = 200
    low = max(0, first - SNIPPET_BEFORE - slack)
    high = min(len(body), first + SNIPPET_LENGTH + slack)
    folded, origins = _fold_with_map(body[low:high])
    spans = [span for span in _spans(folded, terms) if span[0] > 0 or low == 0]
    if not spans:
        low = 0
        folded, origins = _fold_with_map(body)
        spans = _spans(folded, terms)
    marks = _to_original(spans, origins, low)
    start = max(0, marks[0][0] - SNIPPET_BEFORE)
    end = min(len(body), start + SNIPPET_LENGTH)
    snippet = _render(body, marks, start, end)
    return (Markup("…") if start > 0 else Markup("")) + snippet + (Markup("…") if end < len(body) else "")


# Migrations ---------------------------------------------------------------------------------------


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Hide from autogenerate the search objects only one database has and no model declares."""
    if type_ == "table":
        return not (name == FTS_TABLE or (name or "").startswith(FTS_TABLE + "_"))
    if type_ == "column" and parent_names.get("table_name") == "search_documents":
        return name not in PG_VECTOR_COLUMNS
    if type_ == "index":
        return name != PG_VECTOR_INDEX
    return True
