"""The domain dictionary, synonym map and tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.errors import KnowledgeDataError
from knowledge.lexicon import Lexicon, default_lexicon, load_lexicon
from retrieval.text import (
    PolicyTokenizer,
    detect_lang,
    latin_share,
    normalize,
    split_sentences,
)


@pytest.fixture(scope="module")
def tokenizer() -> PolicyTokenizer:
    return PolicyTokenizer()


def test_packaged_lexicon_loads_with_the_domain_words() -> None:
    lexicon = default_lexicon()
    for word in ("特色产业集群", "专精特新", "小巨人", "单项冠军", "主管部门", "复核", "有效期"):
        assert word in lexicon.words
    synonyms = lexicon.synonym_map()
    assert "有效期" in synonyms["多久"]
    assert "申报" in synonyms["报名"]
    assert "复核" in synonyms["续期"]
    assert "4月30日" in synonyms["年报"]


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("version: 1\nwords: []\n", "words"),
        ("version: 1\nwords: [集群]\nsynonyms: {多久: []}\n", "synonyms"),
        ("version: 1\nwords: [集群, 集群]\n", "words"),
        ("version: 1\nwords: ['两 个词']\n", "words"),
        ("version: 1\nwords: [集群]\nsurprise: 1\n", "surprise"),
        ("words: [集群\n", "(yaml)"),
    ],
)
def test_bad_lexicon_names_file_and_field(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeDataError) as caught:
        load_lexicon(path)
    assert caught.value.path == path
    assert caught.value.field.startswith(field)
    assert str(path) in str(caught.value)


def test_domain_terms_stay_whole(tokenizer: PolicyTokenizer) -> None:
    words = tokenizer.words("中小企业特色产业集群的有效期由主管部门复核")
    for term in ("特色产业集群", "有效期", "主管部门", "复核"):
        assert term in words


def test_without_the_dictionary_jieba_splits_the_term() -> None:
    # The same tokenizer with an empty domain dictionary: the term no longer survives, which
    # shows the dictionary (not jieba's defaults) keeps it whole.
    bare = PolicyTokenizer(Lexicon(words=("占位词",), synonyms=(), stopwords=frozenset()))
    assert "特色产业集群" not in bare.words("特色产业集群")


def test_stopwords_and_punctuation_are_dropped(tokenizer: PolicyTokenizer) -> None:
    words = tokenizer.words("请问，集群的有效期是什么？！")
    assert "请问" not in words and "什么" not in words
    assert not any(w in "，？！ " for w in words)


def test_synonyms_expand_how_people_ask(tokenizer: PolicyTokenizer) -> None:
    terms = tokenizer.query("集群管几年？")
    assert "有效期" in terms.tokens
    annual = tokenizer.query("年报什么时候交")
    assert "4月30日" in annual.tokens and "年度" in annual.tokens
    assert "年报" in annual.excused  # replaced by its expansion: not penalised as unknown
    assert "申报" in tokenizer.query("怎么报名").tokens
    english = tokenizer.query("How long is it valid?")
    assert "有效期" in english.tokens


def test_latin_synonyms_match_whole_words_only(tokenizer: PolicyTokenizer) -> None:
    assert "复核" not in tokenizer.query("reviewer").tokens
    assert "复核" in tokenizer.query("the review").tokens


def test_script_share_and_language() -> None:
    assert latin_share("集群的有效期") == 0.0
    assert latin_share("How long?") == 1.0
    assert 0 < latin_share("SME 集群") < 1
    assert latin_share("4月30日") == 0.0  # digits are neutral
    assert detect_lang("When is the report due?") == "en"
    assert detect_lang("集群的有效期多久 ok") == "zh"


def test_normalize_handles_control_characters_and_width() -> None:
    assert normalize("集群\x00\x07有效期\u200b") == "集群 有效期"
    assert normalize("４月３０日") == "4月30日"
    assert len(normalize("集" * 5000)) <= 1000


def test_split_sentences_keeps_punctuation() -> None:
    assert split_sentences("集群有效期为三年。有效期满后复核；通过的延长三年。") == [
        "集群有效期为三年。",
        "有效期满后复核；",
        "通过的延长三年。",
    ]


def test_foreign_topics_are_recognised_unless_about_a_cluster() -> None:
    lexicon = default_lexicon()
    assert lexicon.foreign_topic("高新技术企业认定要什么条件") == "高新技术企业认定"
    assert lexicon.foreign_topic("集群里的高新技术企业认定情况") is None
    assert lexicon.foreign_topic("集群有效期多久") is None


def test_names_in_a_chinese_question_do_not_make_it_english() -> None:
    assert detect_lang("MongoDB副本集ReplicaSet怎么配置") == "zh"
    assert detect_lang("What is 专精特新?") == "en"  # English function words carry it
