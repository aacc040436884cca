"""Add 100,000 generated resources of mixed Chinese (Traditional and Simplified) and English text to a bench database.

Each resource gets a current Markdown version, a few tags and its search document. The search rows are
bulk-inserted in one transaction, but their folded text and FTS5 tokens come from core/search.py's own
functions (`fold`, `_tokens`, `_clean`), and `verify_index` re-indexes a sample through
`services.reindex` and checks that it writes exactly the rows the bulk insert wrote.
"""

from __future__ import annotations

import datetime as dt
import html
import multiprocessing
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text

RESOURCES = 100_000
HOME_RESOURCES = 2_000  # the measured community library (/c/bench-home/resources/) lists this many
BATCH = 5_000
RANDOM_SEED = 20241124
SIMPLIFIED_SHARE = 0.3  # documents written in Simplified script; queries in either script find both
ENGLISH_SHARE = 0.15  # chance that a sentence carries an English phrase

TERMS = (
    "教案", "數學", "分數", "通分", "約分", "課程", "教師", "學生", "評量", "閱讀", "實驗", "自然",
    "科學", "國語", "英語", "社會", "藝術", "健康", "體育", "綜合", "活動", "學習單", "教學", "設計",
    "單元", "目標", "策略", "討論", "合作", "學習", "差異化", "提問", "思考", "素養", "導向", "探究",
    "實作", "觀察", "記錄", "報告", "小組", "同儕", "觀課", "議課", "備課", "公開", "授課", "回饋",
    "作業", "練習", "測驗", "試卷", "題目", "解題", "概念", "理解", "應用", "比較", "分析", "歸納",
    "寫作", "朗讀", "詞語", "句型", "段落", "文章", "故事", "繪本", "圖表", "統計", "幾何", "面積",
    "體積", "小數", "乘法", "除法", "時間", "地圖", "歷史", "地理", "環境", "生態", "植物", "動物",
    "電路", "磁鐵", "聲音", "光線", "天氣", "水資源", "能源", "家長", "班級", "經營", "輔導", "特殊",
    "教育", "資訊", "科技", "程式", "媒體", "影片", "簡報", "教具", "遊戲", "評分", "規準", "檔案",
    "反思", "成果", "研究", "行動", "專題",
)
GLUE = ("的", "與", "和", "在", "進行", "透過", "利用", "讓", "引導", "完成", "以及", "運用")
ENGLISH = (
    "lesson plan", "fraction", "common denominator", "reading comprehension", "science experiment",
    "formative assessment", "rubric", "inquiry-based learning", "worksheet", "group discussion", "geometry",
    "literacy", "vocabulary", "feedback", "project", "portfolio", "classroom observation", "differentiation",
    "scaffolding", "number sense", "problem solving", "phonics", "STEM", "reflection", "peer review",
)
SUBJECTS = ("國語", "數學", "英語", "自然", "社會", "藝術", "健體", "綜合")
GRADES = ("一年級", "二年級", "三年級", "四年級", "五年級", "六年級", "七年級", "八年級", "九年級")
KINDS = ("lesson_plan", "teaching_case", "courseware", "test_paper", "video", "reading", "research_output")
TAGS = ("素養導向", "差異化", "共同備課", "公開授課", "閱讀理解", "分數", "探究", "STEM", "學習單", "評量",
        "数学", "课程设计", "Reading", "Assessment", "Fractions")


@dataclass(frozen=True)
class SeededResources:
    """What the search benchmark needs to know about the resources it got."""

    rows: dict[str, int]
    seconds: float
    token_seconds: float  # of those, folding and tokenizing in core/search.py


class _Writer:
    """Random titles and bodies from the teaching vocabulary, in Traditional or Simplified script."""

    def __init__(self, rng: random.Random) -> None:
        import opencc

        self.rng = rng
        t2s = opencc.OpenCC("t2s")
        self.vocab = {False: (TERMS, GLUE), True: (tuple(t2s.convert(w) for w in TERMS),
                                                    tuple(t2s.convert(w) for w in GLUE))}

    def sentence(self, simplified: bool) -> str:
        terms, glue = self.vocab[simplified]
        rng = self.rng
        words = []
        for _ in range(rng.randint(3, 7)):
            words.append(rng.choice(terms))
            if rng.random() < 0.5:
                words.append(rng.choice(terms))
            if rng.random() < 0.4:
                words.append(rng.choice(glue))
        if rng.random() < ENGLISH_SHARE:
            words.insert(rng.randrange(len(words)), f" {rng.choice(ENGLISH)} ")
        return "".join(words).strip() + rng.choice("，。。；")

    def title(self, simplified: bool, subject: str, grade: str) -> str:
        terms, _glue = self.vocab[simplified]
        title = f"{grade}{subject}{self.rng.choice(terms)}{self.rng.choice(terms)}：{self.rng.choice(terms)}"
        if self.rng.random() < 0.2:
            title += f" ({self.rng.choice(ENGLISH).title()})"
        return title

    def body(self, simplified: bool) -> str:
        paragraphs = []
        length = self.rng.randint(200, 450)
        while length > 0:
            paragraph = "".join(self.sentence(simplified) for _ in range(self.rng.randint(2, 5)))
            paragraphs.append(paragraph)
            length -= len(paragraph)
        return "\n\n".join(paragraphs)


SENTENCES = 20_000  # per script: bodies are drawn from this pool, so generating 100,000 of them stays cheap


def _records(count: int, home_id: int, others: list[int], members: dict[int, list[int]], user_ids: list[int],
             tag_rows: list[dict[str, Any]], now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Generate the resources, each with the text services.reindex would give index_document."""
    rng = random.Random(RANDOM_SEED)
    writer = _Writer(rng)
    pools = {script: [writer.sentence(script) for _ in range(SENTENCES)] for script in (False, True)}
    for resource_id in range(1, count + 1):
        community_id = home_id if resource_id <= HOME_RESOURCES else rng.choice(others)
        simplified = rng.random() < SIMPLIFIED_SHARE
        pool = pools[simplified]
        subject, grade = rng.choice(SUBJECTS), rng.choice(GRADES)
        paragraphs = ["".join(rng.choices(pool, k=rng.randint(2, 4))) for _ in range(rng.randint(2, 4))]
        tags = rng.sample(tag_rows, rng.randint(0, 3))
        yield {
            "id": resource_id, "community_id": community_id, "simplified": simplified,
            "author_id": rng.choice(members.get(community_id) or user_ids),
            "title": writer.title(simplified, subject, grade)[:200], "subject": subject, "grade": grade,
            "description": "".join(rng.choices(pool, k=2)), "body": "\n\n".join(paragraphs),
            "kind": rng.choice(KINDS), "visibility": rng.choices(("community", "school", "public"),
                                                                weights=(70, 20, 10))[0],
            "updated_at": now - dt.timedelta(minutes=rng.randint(1, 1_000_000)),
            "downloads": rng.randint(0, 300), "tags": [tag["id"] for tag in tags],
            "tag_names": " ".join(sorted(tag["name"] for tag in tags)),  # Resource.tags is ordered by name
        }


def _plain(markdown: str) -> str:
    return "\n".join(paragraph.strip() for paragraph in markdown.split("\n\n"))


def _index_text(record: dict[str, Any]) -> dict[str, Any]:
    """Fold and tokenize one resource's search text with core/search.py's own functions (in a worker)."""
    from workspace.core import search
    from workspace.core.text import markdown_to_text

    started = time.perf_counter()
    # services.reindex: the version's text and the description as plain words, comments (none), tags, subject,
    # grade, file name (none); then what index_document does. verify_index checks that this stays so.
    # markdown_to_text costs ~5 ms a text; these texts hold no markup, so their words are the paragraphs
    # (checked against markdown_to_text for every 200th resource here, and by verify_index).
    body, description = _plain(record["body"]), _plain(record["description"])
    if record["id"] % 200 == 1 and (body, description) != (markdown_to_text(record["body"]),
                                                           markdown_to_text(record["description"])):
        raise ValueError(f"resource {record['id']}: generated text is not plain Markdown")
    parts = [body, description, record["tag_names"], record["subject"], record["grade"]]
    title = search._clean(record["title"])[: search.MAX_TITLE]
    body = search._clean("\n".join(part for part in parts if part))[: search.MAX_BODY]
    folded_title, folded_body = search.fold(title), search.fold(body)
    record.update(search_title=title, search_body=body, folded_title=folded_title, folded_body=folded_body,
                  fts_title=" ".join(search._tokens(folded_title)), fts_body=" ".join(search._tokens(folded_body)))
    record["token_seconds"] = time.perf_counter() - started
    return record


def seed_resources(app: Any, *, count: int = RESOURCES, home_id: int = 1,
                   processes: int | None = None) -> SeededResources:
    """Insert `count` resources, their versions, tags and search documents into the app's database."""
    from workspace.auth.models import User
    from workspace.communities.models import Community, Membership
    from workspace.core import search
    from workspace.extensions import db
    from workspace.resources.models import Resource, ResourceVersion, Tag, resource_tags

    started = time.perf_counter()
    token_seconds = 0.0
    now = dt.datetime.now(dt.UTC)
    rows = {"resources": 0, "resource_versions": 0, "resource_tags": 0, "search_documents": 0, "search_fts": 0}
    with app.app_context():
        community_ids = list(db.session.scalars(select(Community.id).order_by(Community.id)))
        members: dict[int, list[int]] = {}
        for community_id, user_id in db.session.execute(
                select(Membership.community_id, Membership.user_id).where(Membership.left_at.is_(None))):
            members.setdefault(community_id, []).append(user_id)
        user_ids = list(db.session.scalars(select(User.id)))
        others = [community_id for community_id in community_ids if community_id != home_id]
        db.session.remove()
        tag_rows = [{"id": i + 1, "name": name} for i, name in enumerate(TAGS)]
        records = _records(count, home_id, others, members, user_ids, tag_rows, now)
        # Folding and tokenizing is most of the cost: workers do it while this process inserts.
        context = multiprocessing.get_context("fork")
        with context.Pool(processes or max(1, len(os.sched_getaffinity(0)))) as pool, \
                db.engine.begin() as connection:
            connection.execute(insert(Tag), tag_rows)
            batch: list[dict[str, Any]] = []
            for record in pool.imap(_index_text, records, chunksize=250):
                token_seconds += record["token_seconds"]
                batch.append(record)
                if len(batch) == BATCH or record["id"] == count:
                    _insert(connection, batch, rows, Resource, ResourceVersion, resource_tags,
                            search.SearchDocument, search.FTS_TABLE)
                    batch = []
            connection.exec_driver_sql(  # merge the b-trees, as a long-lived index is
                f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}) VALUES ('optimize')")  # noqa: S608 - a constant
            connection.exec_driver_sql("ANALYZE")
        db.engine.dispose()
    return SeededResources(rows, time.perf_counter() - started, token_seconds)


def _insert(connection: Any, batch: list[dict[str, Any]], rows: dict[str, int], *tables: Any) -> None:
    resource_table, version_table, tag_table, document_table, fts_table = tables
    resources = [{
        "id": r["id"], "community_id": r["community_id"], "author_id": r["author_id"], "title": r["title"],
        "kind": r["kind"], "subject": r["subject"], "grade": r["grade"], "description": r["description"],
        "description_html": f"<p>{html.escape(r['description'])}</p>", "visibility": r["visibility"],
        "current_version_id": None, "download_count": r["downloads"], "created_at": r["updated_at"],
        "updated_at": r["updated_at"], "deleted_at": None, "deleted_by_id": None,
    } for r in batch]
    versions = [{
        "id": r["id"], "resource_id": r["id"], "number": 1, "blob_id": None, "filename": "",
        "media_type": "text/markdown", "size": len(r["body"].encode()), "body": r["body"],
        "body_html": "".join(f"<p>{html.escape(p)}</p>" for p in r["body"].split("\n\n")),
        "extracted_text": r["body"], "note": "", "uploader_id": r["author_id"], "created_at": r["updated_at"],
    } for r in batch]
    links = [{"resource_id": r["id"], "tag_id": tag_id} for r in batch for tag_id in r["tags"]]
    documents = [{
        "id": r["id"], "kind": "resource", "object_id": r["id"], "community_id": r["community_id"],
        "visibility": r["visibility"], "title": r["search_title"], "body": r["search_body"],
        "folded_title": r["folded_title"], "folded_body": r["folded_body"], "updated_at": r["updated_at"],
    } for r in batch]
    fts = [{"rowid": r["id"], "title": r["fts_title"], "body": r["fts_body"]} for r in batch]
    connection.execute(insert(resource_table), resources)
    connection.execute(insert(version_table), versions)
    connection.execute(text("UPDATE resources SET current_version_id = id WHERE id BETWEEN :a AND :b"),
                       {"a": batch[0]["id"], "b": batch[-1]["id"]})
    if links:
        connection.execute(insert(tag_table), links)
    connection.execute(insert(document_table), documents)
    insert_fts = f"INSERT INTO {fts_table} (rowid, title, body) VALUES (:rowid, :title, :body)"  # noqa: S608
    connection.execute(text(insert_fts), fts)
    for name, part in (("resources", resources), ("resource_versions", versions), ("resource_tags", links),
                       ("search_documents", documents), ("search_fts", fts)):
        rows[name] += len(part)


def verify_index(app: Any, sample: int = 50) -> list[str]:
    """Re-index a sample through services.reindex and compare with the bulk rows; roll back; list differences."""
    from workspace.core import search
    from workspace.extensions import db
    from workspace.resources import services
    from workspace.resources.models import Resource

    problems: list[str] = []
    query = text("SELECT d.kind, d.object_id, d.community_id, d.visibility, d.title, d.body, d.folded_title, "  # noqa: S608
                 f"d.folded_body, f.title, f.body FROM search_documents d JOIN {search.FTS_TABLE} f "
                 "ON f.rowid = d.id WHERE d.kind = 'resource' AND d.object_id = :id")
    with app.app_context():
        total = db.session.scalar(select(Resource.id).order_by(Resource.id.desc()).limit(1)) or 0
        for resource_id in random.Random(1).sample(range(1, total + 1), min(sample, total)):
            before = db.session.execute(query, {"id": resource_id}).one()
            services.reindex(db.session.get(Resource, resource_id))
            db.session.flush()
            after = db.session.execute(query, {"id": resource_id}).one()
            if tuple(before) != tuple(after):
                fields = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
                problems.append(f"resource {resource_id}: columns {fields} differ from index_document's")
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return problems
