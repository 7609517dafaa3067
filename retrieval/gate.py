"""The off-topic gate: is a question about this domain at all? Judged from word frequencies,
not from topic lists.

Every content word of the question is weighed twice: how much more often the knowledge uses it
than general language does (its *lift*: 集群, 复核, 有效期, 申报 have a large one; 国家, 发展 a
small one), and, for a word the knowledge never uses, how specific it is in general language
(比特币, 负载均衡, 湖人 are rare, hence telling; 今天, 怎么 are common, hence not). The question is
in the domain when the knowledge's words carry enough weight and outweigh the foreign ones.

General-language frequencies: jieba's own dictionary for Chinese (already loaded by the
tokenizer, so it costs nothing) and `wordfreq` for English. 集群 in its computing sense
(服务器集群, Redis 集群) is foreign by this measure: the words around it (服务器, 节点, 扩容,
Redis) are specific and absent from the knowledge. The knowledge's subject (its most frequent
word: 集群, cluster) never carries a question alone: set aside, together with the one foreign
word naming the cluster's kind (陶瓷, Hadoop), the rest of the question must still lean to the
knowledge ("Hadoop集群搭建教程" does not: 教程 outweighs 搭建, a word the knowledge uses once).
Other domain words (公示, 主导产业, 暂行办法) are not used in other senses and carry a question
as before.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from retrieval.config import GateConfig
from retrieval.text import PolicyTokenizer

_LATIN_WORD = re.compile(r"[a-z][a-z0-9&'-]*[a-z0-9]|[a-z]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_EN_STOP = frozenset(
    [
        # Numbers and particles the knowledge uses too ("three years") say nothing of a topic.
        "one",
        "two",
        "three",
        "four",
        "five",
        "up",
        "set",
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "can",
        "could",
        "should",
        "would",
        "will",
        "may",
        "might",
        "must",
        "i",
        "we",
        "you",
        "he",
        "she",
        "it",
        "they",
        "my",
        "our",
        "your",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "with",
        "by",
        "from",
        "at",
        "as",
        "about",
        "into",
        "than",
        "then",
        "so",
        "if",
        "not",
        "no",
        "yes",
        "me",
        "us",
        "please",
        "tell",
        "any",
        "some",
        "much",
        "many",
        "more",
        "most",
        "get",
        "got",
        "have",
        "has",
        "had",
        "s",
        "t",
        "its",
        "it's",
        "what's",
        "i'm",
    ]
)


# Interrogative morphemes: a word holding one (哪天, 咋算, 啥时候, 几号) is question scaffolding,
# whatever its frequency, never a topic.
_INTERROGATIVE = frozenset("哪啥咋怎谁几吗呢么嘛吧")


@dataclass(frozen=True)
class GateVerdict:
    in_domain: bool
    domain: float  # summed lift of the knowledge's words
    foreign: float  # summed specificity of words the knowledge never uses
    words: tuple[tuple[str, float, bool], ...]  # (word, weight, in the knowledge)


@lru_cache(maxsize=4096)
def _english_zipf(word: str) -> float:
    from wordfreq import zipf_frequency  # imported on the first English word only (~0.5 s)

    return float(zipf_frequency(word, "en"))


class DomainGate:
    """Built once from the knowledge's texts (Chinese and English)."""

    def __init__(
        self,
        tokenizer: PolicyTokenizer,
        chinese_texts: Iterable[str],
        english_texts: Iterable[str],
        config: GateConfig,
        question_words: Iterable[str] = (),
        counts: tuple[dict[str, int], dict[str, int]] | None = None,
    ) -> None:
        """`counts`: `self.counts()` of an earlier gate over the same texts (start-up cache)."""
        self.tokenizer = tokenizer
        self.config = config
        # How people ask (the frame's cue words: 最晚, 截止, 多久): neutral, never foreign.
        self._question_words = frozenset(w.lower() for w in question_words)
        if counts is None:
            zh = Counter(word for text in chinese_texts for word in self._zh_words(text))
            en = Counter(
                self._stem(word) for text in english_texts for word in self._en_words(text)
            )
            counts = (dict(zh), dict(en))
        self._zh, self._en = counts
        self._zh_total = sum(self._zh.values()) or 1
        self._en_total = sum(self._en.values()) or 1
        # The knowledge's subject: its most frequent word in each language (集群, cluster), and
        # a word general language uses in other senses too (a server cluster, a star cluster).
        self._subjects = tuple(
            max(counts, key=counts.__getitem__) for counts in (self._zh, self._en) if counts
        )
        freq, total = tokenizer.general_frequencies()
        self._freq = freq
        self._freq_total = total or 1

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        return self._zh, self._en

    def _zh_words(self, text: str) -> list[str]:
        # Document numbers (119号, 〔2023〕44号) are words of the knowledge; years are not
        # (2024 names a world cup as well as a round).
        numbers = re.findall(r"(?<!\d)\d{2,3}(?=号)", text)
        return [w for w in self.tokenizer.cut(text) if _CJK.search(w)] + numbers

    @staticmethod
    def _en_words(text: str) -> list[str]:
        return [w for w in _LATIN_WORD.findall(text.lower()) if w not in _EN_STOP]

    @staticmethod
    def _stem(word: str) -> str:
        """A crude English stem, the same on both sides ("recommendations" ~ "recommend")."""
        for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "es", "s", "ed"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                return word[: -len(suffix)]
        return word

    def _zh_general(self, word: str) -> float:
        count = self._freq.get(word, 0)
        return max(count, 1) / self._freq_total

    def judge(self, text: str) -> GateVerdict:
        cfg = self.config
        words: list[tuple[str, float, bool]] = []
        domain = foreign = 0.0
        # Foreign words general language knows (教程, 节点, hadoop): evidence of another topic.
        # Fragments it does not know (后要, 交来 from colloquial speech) are segmentation noise.
        named: dict[str, float] = {}
        for word in dict.fromkeys(self._zh_words(text)):
            general = self._zh_general(word) if not word.isdigit() else 1e-6
            if self._zh.get(word):
                known = self._known(self._zh[word], self._zh_total)
                weight = max(0.0, math.log(known / general))
                domain += weight
                words.append((word, weight, True))
            elif word in self._question_words or _INTERROGATIVE & set(word):
                words.append((word, 0.0, False))
            else:
                weight = min(cfg.foreign_cap, max(0.0, -math.log(general) - cfg.common_word_nats))
                foreign += weight
                if self._freq.get(word, 0):
                    named[word] = weight
                words.append((word, weight, False))
        for word in dict.fromkeys(self._en_words(text)):
            general = 10 ** (_english_zipf(word) - 9) if len(word) > 1 else 1e-3
            general = max(general, 1e-9)
            stem = self._stem(word)
            if self._en.get(stem):
                known = self._known(self._en[stem], self._en_total)
                weight = max(0.0, math.log(known / general)) * cfg.english_lift_scale
                domain += weight
                words.append((word, weight, True))
            else:
                weight = min(
                    cfg.foreign_cap, max(0.0, -math.log(general) - cfg.english_common_word_nats)
                )
                foreign += weight
                if _english_zipf(word) > 0:
                    named[word] = weight
                words.append((word, weight, False))
        # The subject alone is weak evidence: 集群 / cluster is a computing word too ("Hadoop集群
        # 搭建教程", "an Elasticsearch cluster with 3 nodes"). When it is the question's
        # strongest domain word, set it aside, and the heaviest foreign word (a question about a
        # cluster names its kind: 陶瓷, 汽配, furniture; so does one about a Redis cluster); the
        # rest must still be more the knowledge's words than another topic's.
        head, top = max(((w, word) for word, w, known in words if known), default=(0.0, ""))
        other = sum(named.values()) - max(named.values(), default=0.0)
        in_domain = (
            domain >= cfg.min_domain
            and domain >= cfg.foreign_ratio * foreign
            and (not self._is_subject(top) or domain - head >= cfg.rest_ratio * other)
        )
        return GateVerdict(in_domain, round(domain, 3), round(foreign, 3), tuple(words))

    def foreign_owner(
        self,
        text: str,
        attributes: frozenset[str],
        actions: frozenset[str] = frozenset(),
        suffixes: tuple[str, ...] = (),
    ) -> str | None:
        """A word general language knows and the knowledge never uses, standing right before
        one of the knowledge's shared attributes (驾照 in 驾照有效期, visa in "visa valid"), in a
        question that never names the knowledge's subject: the thing the question is about."""
        low = text.lower()
        if any(subject in low for subject in self._subjects):
            return None
        tokens = self._zh_words(text) + self._en_words(text)
        for index, word in enumerate(tokens[:-1]):
            institution = bool(suffixes) and word.endswith(suffixes)
            # A name of a place or body counts even when general language lacks it (强镇).
            named_body = institution and len(word) >= 2 and not self._zh.get(word)
            if not (self._owner_like(word) or named_body):
                continue
            following = tokens[index + 1 : index + 3]
            if word.isascii():
                # English keeps its small words: "visa valid", "a licence's validity", but not
                # "required for recognition".
                if following and following[0] in attributes and re.search(
                    rf"\b{re.escape(word)}(?:'s)?\s+{re.escape(following[0])}", low
                ):
                    return word
                continue
            attribute = following[0] if following else ""
            if (
                attribute not in attributes | actions
                and len(following) > 1
                and self._filler(attribute)
            ):
                attribute = following[1]  # "高新区怎么认定": past the interrogative
            if attribute in attributes or (attribute in actions and institution):
                return word
        return None

    def _owner_like(self, word: str) -> bool:
        """A real word of general language (in its dictionary) that the knowledge lacks."""
        if word in self._question_words or _INTERROGATIVE & set(word):
            return False
        if word in self.tokenizer.lexicon.stopwords:  # 如果, 我们: function words own nothing
            return False
        if word.isascii():
            return len(word) > 2 and not self._en.get(self._stem(word)) and _english_zipf(word) > 0
        if len(word) < 2 or self._zh.get(word) or not self._freq.get(word, 0):
            return False
        # 乡镇企业 is a kind of 企业, a word of the knowledge: its head is not foreign.
        return not any(self._zh.get(word[i:]) for i in range(1, len(word) - 1))

    def _filler(self, word: str) -> bool:
        """A word between an owner and its attribute that changes nothing (怎么, 的, is)."""
        return (word in self._question_words or bool(_INTERROGATIVE & set(word))
                or len(word) == 1 or word in _EN_STOP)

    def _is_subject(self, word: str) -> bool:
        """集群 itself, or an English form of cluster (clusters, cluster's); not a compound the
        knowledge alone uses (产业集群, 特色产业集群)."""
        return any(
            word == subject or (word.isascii() and word.startswith(subject))
            for subject in self._subjects
        )

    def _known(self, count: int, total: int) -> float:
        """The knowledge's probability of a word, absolutely discounted: in so small a corpus a
        word seen once (搭建, in one sentence of 第六条) is over-estimated."""
        return max(count - self.config.count_discount, 0.1) / total

