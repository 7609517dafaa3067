"""Ranking the knowledge's units for a question: BM25 and (for English, once the model is
loaded) dense scores fused with priors, explicit article references, and the deferral of a unit
that only points to an article. A base of `retrieval.service.Answerer`."""

from __future__ import annotations

import atexit
import logging
import re
import threading

from knowledge.kb import KnowledgeBase
from knowledge.refs import article_ref, parse_measures_ref
from retrieval.chunks import Chunk, Target, Unit
from retrieval.config import FusionConfig, RetrievalConfig
from retrieval.dense import DenseIndex
from retrieval.frame import Frame, Framer
from retrieval.fusion import Hit, dense_weight, fuse
from retrieval.lexical import LexicalIndex
from retrieval.text import PolicyTokenizer, latin_share, normalize

log = logging.getLogger("retrieval.service")

# How long a process that is stopping waits for a model warm-up still under way (seconds).
WARM_UP_EXIT_WAIT_S = 120.0
_REF_IN_TEXT = re.compile(
    r"第[零〇一二两三四五六七八九十百\d]{1,4}条(?:第?[（(]?[一二三四五六七八九十\d][）)]?项?)?"
)
# A pointer from one unit to an article of the measures ("见《暂行办法》第十五条").
_POINTER = re.compile(r"《暂行办法》(第[一二三四五六七八九十]{1,3}条)")
_EN_ARTICLE = re.compile(r"\barticle\s+(\d{1,2})(?:\s*\((\d)\))?", re.IGNORECASE)


class UnitRanker:
    """Search over the units; the attributes are set by `Answerer.__init__`."""

    kb: KnowledgeBase
    tokenizer: PolicyTokenizer
    config: RetrievalConfig
    fusion: FusionConfig
    chunks: list[Chunk]
    lexical: LexicalIndex
    dense: DenseIndex | None
    framer: Framer
    _units: dict[str, Unit]
    _secondary: set[str]
    _provincial_units: dict[str, str]
    _year_units: dict[str, int]
    _lock: threading.Lock
    _preparing: threading.Thread | None

    def warm_up(self) -> threading.Thread | None:
        """Load the embedding model in a background thread (for a long-running bot: the first
        English question then needn't wait ~10 s for torch). Chinese questions never wait."""
        if self.dense is None or self.dense.ready or self.config.dense_mode == "off":
            return None
        with self._lock:
            if self._preparing is None:
                self._preparing = threading.Thread(
                    target=self._prepare_dense, name="smebot-model-warm-up", daemon=True
                )
                self._preparing.start()
                # Python 3.11 ends a daemon thread at exit with pthread_exit, which aborts the
                # process ("FATAL: exception not rethrown") if the thread is inside torch's C++
                # (importing or loading the model): a stop during warm-up waits for it instead.
                atexit.register(self._preparing.join, WARM_UP_EXIT_WAIT_S)
            return self._preparing

    def _prepare_dense(self) -> None:
        assert self.dense is not None
        try:
            self.dense.prepare()
        except Exception as exc:  # a broken model must not take the bot down: lexical answers
            # A process that stops during the warm-up (the libraries can no longer start threads
            # or register exit hooks) has nothing to warn about; otherwise one line, no traceback.
            stopping = not threading.main_thread().is_alive()
            (log.debug if stopping else log.warning)(
                "the dense index could not be prepared (%s); answering without it", exc
            )

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

    def search(self, question: str, k: int = 5, frame: Frame | None = None) -> list[Hit]:
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
        weight = dense_weight(latin_share(text), self.fusion)
        dense_scores: dict[str, float] = {}
        if weight > 0 and self._dense_usable():
            assert self.dense is not None
            dense_scores = {m.chunk_id: m.similarity for m in self.dense.search(text)}
        else:
            weight = 0.0
        explicit, _missing = self.explicit_refs(text)
        hits = fuse(
            self.chunks,
            lexical_scores,
            dense_scores,
            weight,
            priors=self._priors(frame),
            explicit=explicit,
            config=self.fusion,
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
            if hit.key in pointed and hit.score >= self.fusion.defer_ratio * first.score:
                return [hit, *hits[:index], *hits[index + 1 :]]
        return hits

    def _dense_usable(self) -> bool:
        """Dense scores only when the mode allows it; "lazy" never waits for the model (it
        starts loading it for later questions instead)."""
        if self.dense is None or self.config.dense_mode == "off":
            return False
        if self.config.dense_mode == "blocking" or self.dense.ready:
            return True
        self.warm_up()
        return False

    def _priors(self, frame: Frame | None = None) -> dict[str, float]:
        """Primary sources over the fact sheets that restate them, and units that speak of
        what the question asks for ("有哪些支持" -> a unit about 支持). (The province, year and
        answer-type priors the frame made unnecessary are gone: a province's or a year's
        question is answered from its edition or typed record, not by nudging ranks.)"""
        cfg = self.fusion
        cues: list[str] = []
        if frame is not None:
            vocab = self.framer.vocab.intents
            for intent in frame.intents:
                if intent in cfg.content_intents:
                    cues += [c for c in vocab.get(intent, ()) if len(c) > 1]
        # The criteria editions in scope (national unless a province's own is asked for).
        in_scope_docs = {f"criteria-{e}" for e in (frame.editions if frame else ())}
        if not in_scope_docs:
            in_scope_docs = {f"criteria-{self.framer.national}"}
        priors: dict[str, float] = {}
        for key, unit in self._units.items():
            factor = cfg.secondary_prior if unit.target.doc in self._secondary else 1.0
            if unit.doc_kind == "criteria" and unit.target.doc not in in_scope_docs:
                factor *= cfg.other_edition_prior
            province = self._provincial_units.get(key)
            if province is not None and (frame is None or frame.province != province):
                factor *= cfg.other_edition_prior  # another province's own scheme steps back
            year = self._year_units.get(key)
            if year is not None and frame is not None and frame.years and (
                year not in frame.years
            ):
                factor *= cfg.other_edition_prior  # another year's round or batch steps back
            if cues and any(cue in (unit.heading or "") for cue in cues):
                factor *= cfg.intent_heading_prior  # the unit is about what is asked
            elif cues and any(cue in unit.text for cue in cues):
                factor *= cfg.intent_prior
            if factor != 1.0:
                priors[key] = factor
        return priors
