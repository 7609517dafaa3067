"""The off-topic gate (retrieval/gate.py) on questions that share one word with the knowledge
(集群 / cluster in its computing sense), and on in-scope questions naming a cluster's industry."""

from __future__ import annotations

import pytest

from retrieval.service import Answerer


@pytest.mark.parametrize(
    "question",
    [
        "Zookeeper集群选举失败怎么处理",
        "Cassandra集群怎么增加节点",
        "How can I rebalance shards across an OpenSearch cluster?",
        "My RabbitMQ cluster lost a node overnight, how do I recover?",
    ],
)
def test_a_computing_cluster_is_off_topic(fake_answerer: Answerer, question: str) -> None:
    assert not fake_answerer.gate.judge(question).in_domain
    answer = fake_answerer.ask(question)
    assert not answer.in_scope and not answer.citations


@pytest.mark.parametrize(
    "question",
    [
        "五金集群能不能申报国家级",
        "我们县的竹木加工集群要交年报吗",
        "Can a bicycle cluster apply for recognition?",
        "Is a textile cluster in a mountainous county eligible?",
        "陶瓷产业集群是什么意思",
        # Colloquial fragments jieba does not know (交来) are noise, not another topic.
        "年报啥时候交来着",
    ],
)
def test_a_cluster_named_by_its_industry_stays_in_domain(
    fake_answerer: Answerer, question: str
) -> None:
    assert fake_answerer.gate.judge(question).in_domain, question
