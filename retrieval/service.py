"""The retrieval service: question -> frame -> computed or retrieved, cited answer (or an honest
refusal).

`build_answerer(config)` builds everything once: chunks, the BM25 index, the question framer, the
off-topic gate and the Chroma index (rebuilt when the knowledge files, the FAQ or the model
change). `Answerer.ask` is safe to call from several threads (handlers use `asyncio.to_thread`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.kb import KnowledgeBase, default_knowledge_base
from knowledge.lexicon import Lexicon
from retrieval.answer import Answer, Citation
from retrieval.cache import cache_key, cached
from retrieval.chunks import Chunk, Target, Unit, build_chunks, chunks_digest, units_from_documents
from retrieval.compose import Composer, missing_answer, refusal
from retrieval.config import FusionConfig, RetrievalConfig
from retrieval.dense import DenseIndex, LazyEmbeddings, load_embeddings
from retrieval.faq import FAQ_PATH, FaqEntry, check_citations, load_faq
from retrieval.frame import CLUSTER_WORD, Frame, Framer
from retrieval.fusion import Hit, in_scope
from retrieval.gate import DomainGate
from retrieval.honest import honest_answer
from retrieval.lexical import LexicalIndex, segment
from retrieval.multipart import MultiPart
from retrieval.ranking import UnitRanker
from retrieval.respond import Responder, with_sources
from retrieval.text import (
    PolicyTokenizer,
    default_tokenizer,
    detect_lang,
    normalize,
)

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

__all__ = ["Answer", "Answerer", "Citation", "Hit", "RetrievalConfig", "build_answerer"]

log = logging.getLogger(__name__)

_SECONDARY_KINDS = frozenset({"facts"})
_REGION = re.compile(r"^(.{2,8}?)(?:省|自治区|市)?认定标准")
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class Answerer(UnitRanker, MultiPart):
    """Ranks the knowledge base's units for a question and composes the cited answer."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        tokenizer: PolicyTokenizer,
        faq: Sequence[FaqEntry],
        dense: Callable[[Sequence[Chunk]], DenseIndex] | None = None,
        config: RetrievalConfig | None = None,
        faq_path: Path | None = None,
    ) -> None:
        self.kb = kb
        self.tokenizer = tokenizer
        self.config = config or RetrievalConfig()
        self.fusion: FusionConfig = self.config.fusion
        self.threshold = self.fusion.refusal_threshold
        self.units: list[Unit] = units_from_documents(kb.documents)
        self._units = {unit.target.key: unit for unit in self.units}
        known = {(u.target.doc, u.target.ref, u.target.item) for u in self.units}
        self.faq = check_citations(faq, known, faq_path)
        self.chunks = build_chunks(self.units, self.faq)
        self.chunk_digest = chunks_digest(self.chunks)
        cache_dir = self.config.index_dir if self.config.startup_cache else None
        lexicon_key = str(tokenizer.lexicon.source.stat().st_mtime_ns) + str(
            tokenizer.lexicon.source
        )
        corpus = cached(
            cache_dir,
            "lexical",
            cache_key([c.text for c in self.chunks], lexicon_key),
            lambda: segment(self.chunks, tokenizer),
        )
        self.lexical = LexicalIndex(self.chunks, tokenizer, corpus, self.config.lexical)
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
        self.framer = Framer(lexicon=tokenizer.lexicon, facts=kb.facts)
        # Fact units about one province's own scheme (甘肃省's procedure): not the national answer.
        self._provincial_units = {
            Target(c.doc, c.ref, None).key: c.record.province  # type: ignore[union-attr]
            for c in kb.facts.provincial_procedures()
        }
        # Fact units about one year's round or batch: another year's step back (its figures
        # are never the answer to this year's question).
        self._year_units = {
            Target(c.doc, c.ref, None).key: c.record.year  # type: ignore[union-attr]
            for c in [*kb.facts.rounds(), *kb.facts.batches()]
        }
        self.responder = Responder(kb, self.framer, self._units)
        english = [q for e in self.faq for q in e.questions if q.isascii()]
        english += [e.en for e in self.faq if e.en]
        english += [key for key, _ in tokenizer.lexicon.synonyms if key.isascii()]
        for edition in self.framer.editions.values():
            english += [edition.title_en, edition.gate.name_en]
            english += [d.name_en for d in edition.dimensions]
            english += [i.question_en for i in edition.indicators()]
        chinese = [f"{u.heading or ''} {u.text}" for u in self.units]
        chinese += [q for e in self.faq for q in e.questions if not q.isascii()]
        chinese += [*tokenizer.lexicon.words, *(k for k, _ in tokenizer.lexicon.synonyms)]
        # How people ask is neutral to the gate; what they ask about (年报, 材料, 印发) is not
        # a way of asking, so those intents' cues are left to the gate's frequencies.
        cues = [
            c
            for name, group in self.framer.vocab.intents.items()
            if name not in _TOPICAL_INTENTS
            for c in group
        ]
        gate_counts = cached(
            cache_dir,
            "gate",
            cache_key(chinese, english, lexicon_key),
            lambda: DomainGate(tokenizer, chinese, english, self.config.gate).counts(),
        )
        self.gate = DomainGate(
            tokenizer, chinese, english, self.config.gate, cues, counts=tuple(gate_counts)
        )
        self._lock = threading.Lock()
        self._preparing: threading.Thread | None = None

    # -- answering -----------------------------------------------------------------------------

    def ask(self, question: str, lang: str | None = None) -> Answer:
        """A cited answer, or a polite refusal; never raises on odd input."""
        try:
            return self._ask(question, lang)
        except Exception:  # a bug in the frame must not cost the user an answer
            log.exception("answering failed; falling back to plain retrieval")
            text = normalize(str(question or ""))
            fallback_lang = lang if lang in ("zh", "en") else detect_lang(text)
            empty = self.framer.frame("", fallback_lang)
            result = self._retrieve(text, empty, fallback_lang) if text else None
            if result is None:
                declined = refusal(str(question or ""), fallback_lang)
                return Answer(str(question), False, declined.answer, [], 0.0, fallback_lang, empty)
            return Answer(
                str(question), True, result[0], result[1], result[2], fallback_lang, empty
            )

    def _ask(self, question: str, lang: str | None) -> Answer:
        original = question if isinstance(question, str) else str(question or "")
        text = normalize(original)
        # An English question gets an English lead whatever the user's interface language;
        # otherwise the caller's language (the user's setting) wins over detection.
        detected = detect_lang(text)
        lang = "en" if detected == "en" else (lang if lang in ("zh", "en") else detected)
        if not re.search(r"[\w\u4e00-\u9fff]", text):
            empty = refusal(original, lang, empty=True)
            return Answer(original, False, empty.answer, [], 0.0, lang, self.framer.frame("", lang))
        text = self.tokenizer.correct(text)
        frame = self.framer.frame(text, lang)
        found, missing = self.explicit_refs(text)
        # A question naming an article of the measures, figures of the criteria or a recorded
        # round is about them, whatever its other words.
        settled = self.responder.settles(frame)
        named = (
            found
            or frame.names_a_record(self.kb.facts)
            or settled
            # "山东有哪些集群入选": a request for the list is answered honestly, not refused.
            or ("roster" in frame.uncovered and CLUSTER_WORD.search(text.lower()) is not None)
        )
        in_domain = bool(named) or self.gate.judge(text).in_domain
        vocab = self.tokenizer.lexicon.frame
        owner = None if named else self.gate.foreign_owner(
            text, vocab.shared_attributes, vocab.action_attributes, vocab.institution_suffixes
        )
        if owner is not None and frame.covered and not frame.decline:
            # "驾照有效期是几年": the validity asked for is a driving licence's, not a cluster's.
            frame = replace(frame, covered=False, uncovered=(f"programme:{owner}",))
        if frame.decline:
            # A request to write something else (a poem, a translation) is off topic, not a
            # request to act on an application or a recognition.
            if frame.decline == "act" and not in_domain:
                return self._refuse(original, text, lang, detected, frame, 0.0)
            return Answer(original, False, honest_answer(frame, self.kb.facts, lang), [], 0.0,
                          lang, frame)
        if missing:
            answer = self._missing(original, lang, missing[0])
            return Answer(original, True, answer.answer, answer.citations, 1.0, lang, frame)
        if not in_domain:
            return self._refuse(original, text, lang, detected, frame, 0.0)
        # A question the knowledge settles outright (a cluster across counties) is answered
        # even with a province named as background ("我是浙江某县的……跨了县界").
        background = settled and "省级" not in frame.question and all(
            reason.startswith("province:") for reason in frame.uncovered
        )
        if not frame.covered and not background:
            return Answer(original, False, honest_answer(frame, self.kb.facts, lang), [], 0.0,
                          lang, frame)
        # A comparison spans its parts ("云南要求多少？和国家标准比怎么样？"): a computed answer of
        # the whole question with both sides comes before the parts.
        if frame.has("comparison") and len(frame.editions) > 1:
            whole = self._answer_part(text, frame, lang)
            if whole is not None and whole[2] == 1.0:
                return Answer(original, True, whole[0], whole[1], 1.0, lang, frame)
        several = self.answer_parts(text, frame, lang)
        if several is not None:
            return Answer(original, True, several[0], several[1], 1.0, lang, frame)
        result = self._answer_part(text, frame, lang)
        if result is None:
            top = self.search(text, k=1)
            return self._refuse(original, text, lang, detected, frame, top[0].score if top else 0)
        body, citations, score = result
        return Answer(original, True, body, citations, score, lang, frame)

    def _refuse(
        self, original: str, text: str, lang: str, detected: str, frame: Frame, score: float
    ) -> Answer:
        # Text with Chinese in it gets a Chinese refusal unless the user chose English.
        if lang == "en" and detected == "en" and _CJK_CHAR.search(text) and not _has_words(
            text, self.tokenizer.lexicon
        ):
            lang = "zh"
        answer = refusal(original, lang)
        return Answer(original, False, answer.answer, [], score, lang, frame)

    def _answer_part(
        self, text: str, frame: Frame, lang: str, *, judged: bool = False
    ) -> tuple[str, list[Citation], float] | None:
        """One part: computed from the frame when it can be, else retrieved and quoted."""
        found, _missing = self.explicit_refs(text)
        named = self._units[found[0]] if found else None
        item = (
            self.responder.item_by_topic(named.target.ref, text)
            if named is not None and named.target.item is None
            else None
        )
        if item is not None:  # the article named, one of its items asked about by its words
            body, citations = Composer(lambda _s: 0.0, self.config.compose).compose(
                text, lang, [(item, 1.0)], self._english, whole=True
            )
            return body, citations, 1.0
        if found and (frame.has("article_text", "list", "open") or len(text) <= 12):
            unit = self._units[found[0]]
            items = self.responder.article_items(unit.target.ref, lang)
            if items is not None and unit.target.item is None:
                return items.text(lang), items.citations, 1.0
        typed = self.responder.typed(frame, lang)
        if (
            typed is not None
            and typed.needs_evidence
            and not judged
            and not CLUSTER_WORD.search(text.lower())
        ):
            # With the subject named (集群, cluster) the gate has already judged the question.
            hits = self.search(text, k=1, frame=frame)
            if not in_scope(hits, self.threshold):
                return None
        if typed is not None:
            return with_sources(typed, lang, lambda c: c.label), typed.citations, 1.0
        return self._retrieve(text, frame, lang)

    def _retrieve(
        self, text: str, frame: Frame, lang: str
    ) -> tuple[str, list[Citation], float] | None:
        cfg = self.fusion
        hits = self.search(text, k=cfg.max_citations + 2, frame=frame)
        if self.tokenizer.lexicon.foreign_topic(text) or not in_scope(hits, self.threshold):
            return None
        top = hits[0].score
        chosen = [hits[0]] + [
            hit
            for hit in hits[1:]
            if hit.score >= max(cfg.related_min_score, cfg.related_ratio * top)
        ]
        chosen = chosen[: cfg.max_citations]
        ranked = [(self._units[hit.key], hit.score) for hit in chosen]
        top_unit = ranked[0][0]
        if frame.has("list") or (
            frame.has("article_text") and top_unit.doc_kind == "measures"
        ):
            items = self.responder.article_items(top_unit.target.ref, lang)
            if items is not None:
                return items.text(lang), items.citations, top
        query_tokens = set(self.tokenizer.query(text).tokens)

        def score_sentence(sentence: str) -> float:
            words = set(self.tokenizer.words(sentence))
            return sum(self.lexical.idf(t) or 0.0 for t in words & query_tokens)

        whole = top_unit.doc_kind == "criteria" and frame.has("threshold", "list")
        extra = ["who"] if frame.has("who_applies") else []  # lead with the party
        body, citations = Composer(score_sentence, self.config.compose).compose(
            text, lang, ranked, self._english, whole=whole, extra_intents=extra
        )
        if frame.yesno:
            lead = self.responder.yesno_lead(frame, top_unit, lang)
            if lead:
                body = (f"{lead} " if lang == "en" else f"答：{lead}\n") + body.removeprefix(
                    "答："
                )
        return body, citations, top

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


_TOPICAL_INTENTS = frozenset({"annual_report", "review_content", "document", "materials"})
_EN_WORD = re.compile(r"[A-Za-z]+")


def _has_words(text: str, lexicon: Lexicon) -> bool:
    """Whether the Latin part of `text` reads as English (any word the stopword list or an
    English synonym key knows), not as keyboard noise ("asdfqwer zxcv")."""
    known = set(lexicon.stopwords) | {
        part for key, _ in lexicon.synonyms for part in key.lower().split()
    }
    return any(word.lower() in known for word in _EN_WORD.findall(text))


def build_answerer(
    config: RetrievalConfig | None = None,
    *,
    kb: KnowledgeBase | None = None,
    warm_up: bool = False,
    embeddings: Embeddings | None = None,
    progress: bool = False,
    force_rebuild: bool = False,
) -> Answerer:
    """Build the answerer once from its config (the app composes it into its settings).

    The dense index lives in Chroma (`config.index_dir`, or the server at `config.chroma_host`)
    and is rebuilt whenever the knowledge content hash, the FAQ or the model changed. With
    `dense_mode="lazy"` nothing of it is touched here: it is checked, opened and the model
    loaded on the first English question (in the background) or right away with `warm_up`;
    `progress`/`force_rebuild` (the `index` command) and "blocking" prepare it now.
    """
    config = config or RetrievalConfig()
    model = config.embedding_model
    vectors = embeddings or LazyEmbeddings(lambda: load_embeddings(model))
    kb = kb or default_knowledge_base()
    # One tokenizer per process: jieba's dictionary costs 0.5-3 s to load.
    tokenizer = default_tokenizer()
    faq = load_faq(config.faq_path or FAQ_PATH)
    host = config.chroma_host

    def make_dense(chunks: Sequence[Chunk]) -> DenseIndex:
        return DenseIndex(
            chunks,
            vectors,
            model=model,
            content_hash=kb.content_hash(),
            chunk_digest=chunks_digest(chunks),
            persist_dir=None if host else config.index_dir,
            host=host,
            port=config.chroma_port,
        )

    answerer = Answerer(
        kb, tokenizer=tokenizer, faq=faq, dense=make_dense, config=config,
        faq_path=config.faq_path,
    )
    assert answerer.dense is not None
    if force_rebuild or progress or config.dense_mode == "blocking":
        built = answerer.dense.ensure(progress=progress, force=force_rebuild)
        if built:
            log.info("rebuilt the dense index (%s)", answerer.dense.collection_name)
        if config.dense_mode == "blocking":
            answerer.dense.prepare()
    elif warm_up and config.dense_mode == "lazy":
        answerer.warm_up()
    return answerer
