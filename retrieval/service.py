"""The retrieval service: question -> cited answer (or an honest refusal).

`build_answerer(settings)` builds everything once: chunks, the BM25 index, the Chroma index
(rebuilt when the knowledge files, the FAQ or the model change). `Answerer.ask` is safe to call
from several threads (handlers use `asyncio.to_thread`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from knowledge.kb import KnowledgeBase, default_knowledge_base
from knowledge.lexicon import Lexicon
from knowledge.refs import article_ref, parse_measures_ref
from retrieval.answer import Answer, Citation
from retrieval.chunks import Chunk, Target, Unit, build_chunks, chunks_digest, units_from_documents
from retrieval.compose import Composer, detect_intents, fact_matches, missing_answer, refusal
from retrieval.dense import PACKAGED_MODEL, DenseIndex, LazyEmbeddings, load_embeddings
from retrieval.faq import FAQ_PATH, FaqEntry, check_citations, load_faq
from retrieval.fusion import (
    ANSWER_TYPE_PRIOR,
    DEADLINE_PRIOR,
    DEFER_RATIO,
    NAMED_REGION_PRIOR,
    REFUSAL_THRESHOLD,
    REGIONAL_PRIOR,
    SECONDARY_PRIOR,
    YEAR_HEADING_PRIOR,
    YEAR_MISMATCH_PRIOR,
    Hit,
    dense_weight,
    fuse,
    in_scope,
)
from retrieval.lexical import LexicalIndex
from retrieval.text import (
    PolicyTokenizer,
    default_tokenizer,
    detect_lang,
    latin_share,
    normalize,
)

__all__ = ["Answer", "Answerer", "Citation", "Hit", "build_answerer"]

log = logging.getLogger(__name__)

MAX_CITATIONS = 3
# Further citations must score at least this share of the best one (and pass the gate).
RELATED_RATIO = 0.8
# ... and clear the refusal gate by a margin: a unit barely above it is not reliable enough
# to show beside the answer (it read as noise, e.g. 第四条 next to an output-value question).
RELATED_FLOOR = 1.25
_SECONDARY_KINDS = frozenset({"facts"})
_REF_IN_TEXT = re.compile(
    r"第[零〇一二两三四五六七八九十百\d]{1,4}条(?:第?[（(]?[一二三四五六七八九十\d][）)]?项?)?"
)
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_REGION = re.compile(r"^(.{2,8}?)(?:省|自治区|市)?认定标准")
# Fact kinds whose presence in a unit is a fair sign it answers the question.
_TYPED_INTENTS = ("deadline", "count", "percent", "amount")
# A pointer from one unit to an article of the measures ("见《暂行办法》第十五条").
_POINTER = re.compile(r"《暂行办法》(第[一二三四五六七八九十]{1,3}条)")
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_EN_ARTICLE = re.compile(r"\barticle\s+(\d{1,2})(?:\s*\((\d)\))?", re.IGNORECASE)


class Answerer:
    """Ranks the knowledge base's units for a question and composes the cited answer."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        tokenizer: PolicyTokenizer,
        faq: Sequence[FaqEntry],
        dense: Callable[[Sequence[Chunk]], DenseIndex] | None = None,
        threshold: float = REFUSAL_THRESHOLD,
        faq_path: Path | None = None,
    ) -> None:
        self.kb = kb
        self.tokenizer = tokenizer
        self.threshold = threshold
        self.units: list[Unit] = units_from_documents(kb.documents)
        self._units = {unit.target.key: unit for unit in self.units}
        known = {(u.target.doc, u.target.ref, u.target.item) for u in self.units}
        self.faq = check_citations(faq, known, faq_path)
        self.chunks = build_chunks(self.units, self.faq)
        self.chunk_digest = chunks_digest(self.chunks)
        self.lexical = LexicalIndex(self.chunks, tokenizer)
        self.dense: DenseIndex | None = dense(self.chunks) if dense else None
        self._english = {
            Target(e.cite.doc, e.cite.ref, e.cite.item).key: e.en for e in self.faq if e.en
        }
        self._secondary = {d.id for d in kb.documents if d.kind in _SECONDARY_KINDS}
        # Provincial criteria editions and the region name people would use for them
        # ("云南省认定标准·一" -> "云南"); the national edition has a bare "认定标准" label.
        self._regions: dict[str, str] = {}
        for document in kb.documents:
            if document.kind == "criteria" and document.articles:
                match = _REGION.match(document.articles[0].label)
                if match:
                    self._regions[document.id] = match.group(1)
        self._lock = threading.Lock()

    def warm_up(self) -> threading.Thread | None:
        """Load the embedding model in a background thread (for a long-running bot: the first
        English question then needn't wait ~10 s for torch). Chinese questions never wait."""
        embeddings = self.dense.embeddings if self.dense is not None else None
        if not isinstance(embeddings, LazyEmbeddings) or embeddings.loaded:
            return None
        thread = threading.Thread(target=embeddings.get, name="smebot-model-warm-up", daemon=True)
        thread.start()
        return thread

    # -- ranking -----------------------------------------------------------------------------

    def unit(self, key: str) -> Unit:
        return self._units[key]

    def explicit_refs(self, text: str) -> tuple[list[str], list[str]]:
        """Article refs the question names: (target keys that exist, refs the source lacks)."""
        measures = self.kb.measures
        found: list[str] = []
        missing: list[str] = []
        mentions = [m.group(0) for m in _REF_IN_TEXT.finditer(text)]
        for match in _EN_ARTICLE.finditer(text):
            number, item = int(match.group(1)), match.group(2)
            mentions.append(article_ref(number) + (f"（{item}）" if item else ""))
        for mention in mentions:
            parsed = parse_measures_ref(mention)
            if parsed is None:
                continue
            if parsed.ref in measures.missing:
                missing.append(parsed.ref)
                continue
            key = Target(measures.id, parsed.ref, parsed.item_marker).key
            if key in self._units:
                found.append(key)
        return found, missing

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """The top `k` units for a question, best first (no gate applied)."""
        text = self.tokenizer.correct(normalize(question))
        if not text:
            return []
        lexical = self.lexical.search(text)
        lexical_scores = {
            chunk.id: float(score)
            for chunk, score in zip(self.chunks, lexical.scores, strict=True)
            if score > 0
        }
        weight = dense_weight(latin_share(text))
        dense_scores: dict[str, float] = {}
        if weight > 0 and self.dense is not None:
            dense_scores = {m.chunk_id: m.similarity for m in self.dense.search(text)}
        else:
            weight = 0.0
        explicit, _missing = self.explicit_refs(text)
        hits = fuse(
            self.chunks,
            lexical_scores,
            dense_scores,
            weight,
            priors=self._priors(text),
            explicit=explicit,
        )
        return self._defer(hits)[:k]

    def _defer(self, hits: list[Hit]) -> list[Hit]:
        """A unit that only points to an article of the measures for the matter ("见《暂行办法》
        第十五条") steps behind that article when the article scores nearly as well."""
        if len(hits) < 2:
            return hits
        measures = self.kb.measures.id
        first = hits[0]
        unit = self._units[first.key]
        if unit.doc_kind == "measures":
            return hits
        pointed = {Target(measures, ref, None).key for ref in _POINTER.findall(unit.text)}
        for index, hit in enumerate(hits[1:4], start=1):
            if hit.key in pointed and hit.score >= DEFER_RATIO * first.score:
                return [hit, *hits[:index], *hits[index + 1 :]]
        return hits

    def _priors(self, text: str) -> dict[str, float]:
        """Per-unit score factors: primary sources over fact sheets, the national criteria
        unless a province is named, units of the year asked about."""
        years = set(_YEAR.findall(text))
        named = {region for region in self._regions.values() if region in text}
        typed = [i for i in detect_intents(text) if i in _TYPED_INTENTS]
        priors: dict[str, float] = {}
        for key, unit in self._units.items():
            factor = 1.0
            if unit.target.doc in self._secondary:
                factor *= SECONDARY_PRIOR
            if unit.doc_kind == "criteria":
                region = self._regions.get(unit.target.doc)
                # No province named: the national edition. A province named: its edition.
                if region is not None and region not in named:
                    factor *= REGIONAL_PRIOR
                elif region is None and named:
                    factor *= NAMED_REGION_PRIOR
            if years and not any(y in f"{unit.heading or ''}{unit.text}" for y in years):
                factor *= YEAR_MISMATCH_PRIOR
            elif years and any(y in (unit.heading or "") for y in years):
                factor *= YEAR_HEADING_PRIOR
            # Facts a unit gives only as examples ("例如有省份……") are not what it states.
            if "deadline" in typed and fact_matches(unit.text, "deadline", examples=False):
                factor *= DEADLINE_PRIOR
            elif typed and any(
                fact_matches(unit.text, intent, examples=False) for intent in typed
            ):
                factor *= ANSWER_TYPE_PRIOR
            if factor != 1.0:
                priors[key] = factor
        return priors

    # -- answering -----------------------------------------------------------------------------

    def ask(self, question: str, lang: str | None = None) -> Answer:
        """A cited answer, or a polite refusal; never raises on odd input."""
        original = question if isinstance(question, str) else str(question or "")
        text = normalize(original)
        # An English question gets an English lead whatever the user's interface language;
        # otherwise the caller's language (the user's setting) wins over detection.
        detected = detect_lang(text)
        lang = "en" if detected == "en" else (lang if lang in ("zh", "en") else detected)
        if not re.search(r"[\w\u4e00-\u9fff]", text):
            return refusal(original, lang, empty=True)
        _found, missing = self.explicit_refs(text)
        if missing:
            return self._missing(original, lang, missing[0])
        text = self.tokenizer.correct(text)
        hits = self.search(text, k=MAX_CITATIONS + 2)
        if self.tokenizer.lexicon.foreign_topic(text) or not in_scope(hits, self.threshold):
            # Text with Chinese in it gets a Chinese refusal unless the user chose English.
            if lang == "en" and detected == "en" and _CJK_CHAR.search(text) and not _has_words(
                text, self.tokenizer.lexicon
            ):
                lang = "zh"
            answer = refusal(original, lang)
            top_score = hits[0].score if hits else 0.0
            return Answer(original, False, answer.answer, [], top_score, lang)
        top = hits[0].score
        chosen = [hits[0]] + [
            hit
            for hit in hits[1:]
            if hit.score >= max(RELATED_FLOOR * self.threshold, RELATED_RATIO * top)
        ]
        chosen = chosen[:MAX_CITATIONS]
        # A question comparing years ("2024年和2025年……有变化吗") cites the unit about each.
        years = list(dict.fromkeys(_YEAR.findall(text)))
        if len(years) > 1:
            for year in years:
                if any(year in (self._units[h.key].heading or "") for h in chosen):
                    continue
                about = next(
                    (
                        h
                        for h in hits
                        if year in (self._units[h.key].heading or "")
                        and h.score >= self.threshold
                    ),
                    None,
                )
                if about is not None and len(chosen) < MAX_CITATIONS:
                    chosen.insert(1, about)
        ranked = [(self._units[hit.key], hit.score) for hit in chosen]
        query_tokens = set(self.tokenizer.query(text).tokens)

        def score_sentence(sentence: str) -> float:
            words = set(self.tokenizer.words(sentence))
            return sum(self.lexical.idf(t) or 0.0 for t in words & query_tokens)

        body, citations = Composer(score_sentence).compose(text, lang, ranked, self._english)
        return Answer(original, True, body, citations, top, lang)

    def _missing(self, question: str, lang: str, ref: str) -> Answer:
        record = self.kb.missing(self.kb.measures.id, ref)
        related: list[Unit] = []
        if record is not None:
            for located in record.see_also:
                key = Target(located.doc_id, located.ref, located.item).key
                if key in self._units:
                    related.append(self._units[key])
        label = record.label if record is not None else f"《暂行办法》{ref}"
        body, citations = missing_answer(question, lang, label, related)
        return Answer(question, True, body, citations, 1.0, lang)


_EN_WORD = re.compile(r"[A-Za-z]+")


def _has_words(text: str, lexicon: Lexicon) -> bool:
    """Whether the Latin part of `text` reads as English (any word the stopword list or an
    English synonym key knows), not as keyboard noise ("asdfqwer zxcv")."""
    known = set(lexicon.stopwords) | {
        part for key, _ in lexicon.synonyms for part in key.lower().split()
    }
    return any(word.lower() in known for word in _EN_WORD.findall(text))


def _setting(settings: Any, name: str, default: Any) -> Any:
    return getattr(settings, name, default) if settings is not None else default


def build_answerer(
    settings: Any = None,
    *,
    kb: KnowledgeBase | None = None,
    embeddings: Embeddings | None = None,
    faq_path: Path | None = None,
    progress: bool = False,
    force_rebuild: bool = False,
    warm_up: bool = False,
) -> Answerer:
    """Build the answerer once (settings: infra.settings.Settings or anything with its fields).

    The dense index lives in Chroma (`data_dir/chroma`, or the server at `chroma_host`) and is
    rebuilt here whenever the knowledge content hash, the FAQ or the model changed; the model
    itself loads only when an English or mixed question first needs it (or right away, in the
    background, with `warm_up=True`).
    """
    if settings is None:
        from infra.settings import Settings

        settings = Settings()
    model = str(_setting(settings, "embedding_model", PACKAGED_MODEL))
    vectors = embeddings or LazyEmbeddings(lambda: load_embeddings(model))
    if warm_up and isinstance(vectors, LazyEmbeddings):
        # Start loading torch and the model now, overlapping the rest of the build.
        threading.Thread(target=vectors.get, name="smebot-model-load", daemon=True).start()
    kb = kb or default_knowledge_base()
    data_dir = Path(_setting(settings, "data_dir", Path.cwd() / "data"))
    # One tokenizer per process: jieba's dictionary costs 0.5-3 s to load.
    tokenizer = default_tokenizer()
    faq = load_faq(faq_path or FAQ_PATH)
    host = _setting(settings, "chroma_host", None)
    port = int(_setting(settings, "chroma_port", 8000))
    chroma_dir = Path(_setting(settings, "chroma_dir", data_dir / "chroma"))

    def make_dense(chunks: Sequence[Chunk]) -> DenseIndex:
        return DenseIndex(
            chunks,
            vectors,
            model=model,
            content_hash=kb.content_hash(),
            chunk_digest=chunks_digest(chunks),
            persist_dir=None if host else chroma_dir,
            host=host,
            port=port,
        )

    answerer = Answerer(kb, tokenizer=tokenizer, faq=faq, dense=make_dense, faq_path=faq_path)
    assert answerer.dense is not None
    built = answerer.dense.ensure(progress=progress, force=force_rebuild)
    if built:
        log.info("rebuilt the dense index (%s)", answerer.dense.collection_name)
    return answerer
