"""Load and validate the knowledge base: the measures, the covering notice, the fact sheets and
(through `knowledge.criteria`) the criteria editions.

Data files (knowledge/data/, YAML, UTF-8):

- `measures-*.yaml`  — chapters -> articles -> items (第六条's six items); missing articles listed
- `notice-*.yaml`    — a notice as a flat list of parts (number, addressees, body, ...)
- `facts/*.yaml`     — fact sheets, one article per fact with its source line and typed `records`
- `criteria/*.yaml`  — owned by `knowledge.criteria`; included through `list_editions()`

Other files (lexicon, FAQ) are not loaded here but count towards `content_hash()`. File schemas
and builders: `knowledge.kb_files`. Every error is a `KnowledgeDataError` naming file and field.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.errors import KnowledgeDataError
from knowledge.facts import Cited, FactBook
from knowledge.kb_files import (
    MeasuresFile,
    MissingSpec,
    PlainFile,
    build_measures,
    build_plain,
    check_fact_refs_unique,
    criteria_documents,
    data_files,
    parse_yaml_mapping,
    validate_file,
)
from knowledge.models import Article, Document
from knowledge.refs import article_ref, normalize, parse_measures_ref

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
MEASURES_DOC_ID = "measures-2022"

__all__ = [
    "DEFAULT_DATA_DIR",
    "MEASURES_DOC_ID",
    "KnowledgeBase",
    "Located",
    "MissingArticle",
    "UnknownReferenceError",
    "default_knowledge_base",
    "load_knowledge_base",
]


class UnknownReferenceError(KeyError):
    """A document id or ref that the knowledge base does not hold."""

    def __str__(self) -> str:  # KeyError's repr-quoting makes messages unreadable in Chinese.
        return str(self.args[0]) if self.args else ""


# --------------------------------------------------------------------------------------------
# The knowledge base


@dataclass(frozen=True)
class Located:
    """An article together with the document it belongs to (what a citation needs)."""

    document: Document
    article: Article

    @property
    def doc_id(self) -> str:
        return self.document.id

    @property
    def ref(self) -> str:
        return self.article.ref

    @property
    def item(self) -> str | None:
        return self.article.item

    @property
    def chapter(self) -> str | None:
        return self.article.chapter

    @property
    def heading(self) -> str | None:
        return self.article.heading

    @property
    def text(self) -> str:
        return self.article.text

    @property
    def label(self) -> str:
        return self.article.label


@dataclass(frozen=True)
class MissingArticle:
    """An article the source lacks, with public reporting on related topics (article numbers of
    which are not confirmed: these are pointers, never the article's content)."""

    document: Document
    ref: str
    chapter: str | None
    label: str  # how it would be cited: "《暂行办法》第七条"
    see_also: tuple[Located, ...] = ()

    @property
    def doc_id(self) -> str:
        return self.document.id


@dataclass
class KnowledgeBase:
    """Every document the bot may quote, in a fixed order: measures, criteria, notices, facts."""

    documents: tuple[Document, ...]
    data_dir: Path
    _hash: str
    _missing: dict[tuple[str, str], MissingArticle] = field(default_factory=dict)
    # Typed records (rounds, batches, validity, provincial editions) stated by the fact sheets.
    facts: FactBook = field(default_factory=FactBook)
    _by_id: dict[str, Document] = field(init=False, repr=False)
    _by_label: dict[str, Located] = field(init=False, repr=False)
    _by_bare_ref: dict[str, Located] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {doc.id: doc for doc in self.documents}
        labels: dict[str, list[Located]] = {}
        bare: dict[str, list[Located]] = {}
        for located in self.iter_articles():
            # 第六条's lead entry and its items share a ref; the label tells them apart.
            labels.setdefault(normalize(located.label), []).append(located)
            if located.document.kind in ("facts", "notice", "faq"):
                bare.setdefault(located.ref, []).append(located)
        # Only unambiguous labels and refs can be found without naming the document.
        self._by_label = {key: hits[0] for key, hits in labels.items() if len(hits) == 1}
        self._by_bare_ref = {key: hits[0] for key, hits in bare.items() if len(hits) == 1}

    # -- plain access --------------------------------------------------------------------------

    def iter_articles(self) -> Iterator[Located]:
        for document in self.documents:
            for article in document.articles:
                yield Located(document, article)

    def document(self, doc_id: str) -> Document:
        try:
            return self._by_id[doc_id]
        except KeyError:
            raise UnknownReferenceError(f"unknown document {doc_id!r}") from None

    @property
    def measures(self) -> Document:
        """The measures (the first measures document)."""
        for document in self.documents:
            if document.kind == "measures":
                return document
        raise UnknownReferenceError("no measures document loaded")

    def article(self, doc_id: str, ref: str, item: str | None = None) -> Article:
        """The article `ref` (and `item`, e.g. "（四）") of document `doc_id`.

        For 第六条 without an item this is its lead sentence. Raises UnknownReferenceError.
        """
        document = self.document(doc_id)
        wanted_item = normalize(item) if item else None
        if wanted_item and not wanted_item.startswith("（"):
            wanted_item = f"（{wanted_item}）"
        for article in document.articles:
            if article.ref == ref and article.item == wanted_item:
                return article
        what = f"{ref}{wanted_item or ''}"
        if ref in document.missing:
            raise UnknownReferenceError(f"{doc_id} {what}: missing from the source")
        raise UnknownReferenceError(f"{doc_id} has no {what}")

    def full_text(self, doc_id: str, ref: str, item: str | None = None) -> str:
        """An article's whole text for a reader: 第六条 is its lead-in and its six items."""
        text = self.article(doc_id, ref, item).text
        if item is None:
            items = self.items_of(doc_id, ref)
            for i in items:  # (四)'s scraped body lacks its (restored) heading
                head = "" if i.text.startswith(i.heading or "") else f"{i.heading}。"
                text += f"\n{i.item}{head}{i.text}"
        return text

    def items_of(self, doc_id: str, ref: str) -> tuple[Article, ...]:
        """The items of an article (第六条's six), in order; empty for most articles."""
        document = self.document(doc_id)
        return tuple(a for a in document.articles if a.ref == ref and a.item is not None)

    def missing(self, doc_id: str, ref: str) -> MissingArticle | None:
        return self._missing.get((doc_id, ref))

    def content_hash(self) -> str:
        """sha256 over every data file (path and bytes): changes whenever any data changes."""
        return self._hash

    # -- finding what people type --------------------------------------------------------------

    def resolve(self, ref_text: str) -> Located | MissingArticle | None:
        """Like `find`, but an article the source lacks comes back as a `MissingArticle`."""
        text = ref_text.strip()
        if not text:
            return None
        measures_ref = parse_measures_ref(text)
        if measures_ref is not None:
            return self._resolve_measures(
                self.measures.id, measures_ref.ref, measures_ref.item_marker
            )
        key = normalize(text)
        if key in self._by_label:
            return self._by_label[key]
        if key in self._by_bare_ref:
            return self._by_bare_ref[key]
        in_doc = self._split_doc_prefix(text)
        if in_doc is not None:
            return self._resolve_in(*in_doc)
        return self._resolve_criteria_label(key)

    def find(self, ref_text: str) -> Located | None:
        """Find an article from how a person writes its citation; None if there is none.

        Accepts "第十五条", "第6条", "15", "第六条（四）", "6.4", "《暂行办法》第十五条",
        "认定标准·一", "云南省认定标准·一", "criteria-national-2022 一", "who-applies",
        "notice-2022-119 body". A missing article gives None (see `resolve`).
        """
        hit = self.resolve(ref_text)
        return hit if isinstance(hit, Located) else None

    def _resolve_measures(
        self, doc_id: str, ref: str, item: str | None
    ) -> Located | MissingArticle | None:
        document = self.document(doc_id)
        missing = self._missing.get((doc_id, ref))
        if missing is not None:
            return missing
        for article in document.articles:
            if article.ref == ref and article.item == item:
                return Located(document, article)
        return None

    def _split_doc_prefix(self, text: str) -> tuple[Document, str] | None:
        """ "criteria-national-2022 一" / "notice-2022-119:body" -> (document, ref)."""
        for separator in (" ", ":", "：", "#", "/", "·"):
            head, sep, tail = text.partition(separator)
            if sep and head.strip() in self._by_id and tail.strip():
                return self._by_id[head.strip()], tail.strip()
        return None

    def _resolve_in(self, document: Document, ref: str) -> Located | MissingArticle | None:
        if document.kind == "measures":
            measures_ref = parse_measures_ref(ref)
            if measures_ref is None:
                return None
            return self._resolve_measures(document.id, measures_ref.ref, measures_ref.item_marker)
        key = normalize(ref)
        if document.kind == "criteria":
            # "criteria-national-2022 1" / "… 第一项" -> "一"; "门槛" -> the gate.
            number = parse_measures_ref(key)
            if number is not None and number.item is None:
                key = article_ref(number.article)[1:-1]
            elif key in ("门槛", "前置条件", "否决项", "基本条件"):
                key = "gate"
        for article in document.articles:
            if normalize(article.ref) == key and article.item is None:
                return Located(document, article)
        return None

    def _resolve_criteria_label(self, key: str) -> Located | None:
        """ "认定标准一", "国家认定标准·第一项", "云南认定标准·1" -> that criteria dimension."""
        head, marker, tail = key.rpartition("认定标准")
        if not marker:
            return None
        tail = tail.lstrip("·・.-:：")
        criteria = [doc for doc in self.documents if doc.kind == "criteria"]
        if not criteria or not tail:
            return None
        head = head.removesuffix("省").removesuffix("《").removeprefix("《")
        chosen: Document | None = None
        if head in ("", "国家", "全国", "国家级"):
            national = [doc for doc in criteria if "national" in doc.id]
            chosen = sorted(national, key=lambda d: d.id)[-1] if national else criteria[0]
        else:
            for doc in criteria:
                if head in doc.title or any(a.label.startswith(head) for a in doc.articles):
                    chosen = doc
                    break
        if chosen is None:
            return None
        hit = self._resolve_in(chosen, tail.removesuffix("项").removesuffix("条"))
        return hit if isinstance(hit, Located) else None


# --------------------------------------------------------------------------------------------
# Loading


def load_knowledge_base(
    data_dir: Path | None = None, *, include_criteria: bool = True
) -> KnowledgeBase:
    """Load and validate every document. Raises `KnowledgeDataError` naming file and field.

    The criteria editions come from `<data_dir>/criteria` through `knowledge.criteria`
    (`include_criteria=False` leaves them out, e.g. for tests of this loader alone).
    """
    directory = (data_dir or DEFAULT_DATA_DIR).resolve()
    if not directory.is_dir():
        raise KnowledgeDataError(directory, "(data dir)", "not a directory")

    files = data_files(directory)
    digest = hashlib.sha256()
    measures: list[Document] = []
    notices: list[Document] = []
    facts: list[Document] = []
    missing_specs: dict[tuple[str, str], MissingSpec] = {}
    doc_files: dict[str, Path] = {}
    records: list[Cited] = []

    for path in files:
        raw = path.read_bytes()
        relative = path.relative_to(directory).as_posix()
        digest.update(relative.encode("utf-8") + b"\0" + raw + b"\0")
        if path.suffix not in (".yaml", ".yml"):
            continue
        if path.parent == directory and path.name.startswith("measures-"):
            spec = validate_file(MeasuresFile, path, parse_yaml_mapping(path, raw))
            document, missing = build_measures(path, spec)
            measures.append(document)
            missing_specs.update({(document.id, ref): m for ref, m in missing.items()})
        elif path.parent == directory and path.name.startswith("notice-"):
            plain = validate_file(PlainFile, path, parse_yaml_mapping(path, raw))
            if plain.kind != "notice":
                raise KnowledgeDataError(path, "kind", "expected 'notice' in a notice-*.yaml file")
            document, _records = build_plain(path, plain)
            notices.append(document)
        elif path.parent == directory / "facts":
            plain = validate_file(PlainFile, path, parse_yaml_mapping(path, raw))
            if plain.kind != "facts":
                raise KnowledgeDataError(path, "kind", "expected 'facts' in a facts/ file")
            document, cited = build_plain(path, plain)
            facts.append(document)
            records.extend(cited)
        else:
            continue  # another module's file (criteria, lexicon, FAQ)
        if document.id in doc_files:
            raise KnowledgeDataError(
                path,
                "id",
                f"duplicate document id {document.id} (also in {doc_files[document.id].name})",
            )
        doc_files[document.id] = path

    if not measures:
        raise KnowledgeDataError(directory, "measures-*.yaml", "no measures file found")
    check_fact_refs_unique(facts, doc_files)

    criteria: list[Document] = []
    if include_criteria and directory == DEFAULT_DATA_DIR:
        criteria = criteria_documents(None)
    elif include_criteria and (directory / "criteria").is_dir():
        criteria = criteria_documents(directory / "criteria")
    documents = (*measures, *criteria, *notices, *facts)
    kb = KnowledgeBase(
        documents=documents,
        data_dir=directory,
        _hash=digest.hexdigest(),
        facts=FactBook(tuple(records)),
    )
    kb._missing.update(_resolve_missing(kb, missing_specs))
    return kb


def _resolve_missing(
    kb: KnowledgeBase, specs: dict[tuple[str, str], MissingSpec]
) -> dict[tuple[str, str], MissingArticle]:
    out: dict[tuple[str, str], MissingArticle] = {}
    facts = {a.ref: a for a in kb.iter_articles() if a.document.kind == "facts"}
    for (doc_id, ref), spec in specs.items():
        for s, fact_ref in enumerate(spec.see_also):
            if fact_ref not in facts:
                where = f"{spec.where}.see_also[{s}]"
                raise KnowledgeDataError(spec.path, where, f"unknown fact ref {fact_ref!r}")
        related = tuple(facts[fact_ref] for fact_ref in spec.see_also)
        document = kb.document(doc_id)
        out[(doc_id, ref)] = MissingArticle(document, ref, spec.chapter, spec.label, related)
    return out


@functools.cache
def default_knowledge_base() -> KnowledgeBase:
    """The package's knowledge base, loaded once per process."""
    return load_knowledge_base()
