"""`smebot ask / index / eval`: output shapes per CONTRACTS.md, stdout holding only JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.retrieval.conftest import HashingEmbeddings


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI builds its own answerer; give it the fake embedding instead of the real model.
    monkeypatch.setattr("retrieval.service.load_embeddings", lambda name: HashingEmbeddings())


def test_ask_json_is_one_contract_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "集群的有效期是多长时间？", "--json"]) == 0
    out = capsys.readouterr().out
    payload = json.loads(out)  # the whole of stdout is one JSON document
    # The contract's keys in order, then what the bot understood (CONTRACTS.md "frame").
    assert list(payload) == ["question", "in_scope", "answer", "citations", "score", "frame"]
    frame = payload["frame"]
    assert {"intents", "edition", "edition_known", "year", "indicators", "covered"} <= set(frame)
    assert frame["intents"] == ["validity"] and frame["edition"] == "national-2022"
    assert frame["edition_known"] is True and frame["covered"] is True
    assert payload["in_scope"] is True
    assert "三年" in payload["answer"]
    assert payload["citations"][0]["doc"] == "measures-2022"
    assert payload["citations"][0]["ref"] == "第十五条"
    assert set(payload["citations"][0]) == {"doc", "ref", "quote"}


def test_ask_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "集群的有效期是多长时间？"]) == 0
    out = capsys.readouterr().out
    assert "三年" in out and "《暂行办法》第十五条" in out


def test_ask_out_of_scope_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "今天天气怎么样", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["in_scope"] is False
    assert payload["citations"] == []
    assert "/help" in payload["answer"]


def test_batch_is_json_lines_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = [
        "年报什么时候交", "", "今天天气怎么样", "   ", "第七条讲什么", "How long is it valid?",
    ]
    batch = tmp_path / "questions.txt"
    batch.write_text("\n".join(questions) + "\n", encoding="utf-8")
    assert main(["ask", "--batch", str(batch), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    payloads = [json.loads(line) for line in lines]
    asked = [q for q in questions if q.strip()]
    assert [p["question"] for p in payloads] == asked
    assert [p["in_scope"] for p in payloads] == [True, False, True, True]


def test_ask_errors_exit_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--batch", str(tmp_path / "nope.txt"), "--json"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nope.txt" in captured.err
    assert main(["ask"]) != 0
    assert capsys.readouterr().out == ""


def test_index_reports_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index"]) == 0
    assert "rebuilt" in capsys.readouterr().out
    assert main(["index"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["index", "--force"]) == 0
    assert "rebuilt" in capsys.readouterr().out


def test_eval_prints_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = tmp_path / "eval.yaml"
    questions.write_text(
        "version: 1\nquestions:\n"
        "  - q: 集群的有效期是多长时间？\n    expect: [measures-2022/第十五条]\n"
        "  - q: 今天天气怎么样\n    expect: out\n"
        "  - q: 第七条讲什么\n    expect: [missing/第七条]\n",
        encoding="utf-8",
    )
    assert main(["eval", "--old", "--file", str(questions), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["hit@1"] == 1.0 and summary["refusal_recall"] == 1.0
    assert summary["questions"] == 3
    assert main(["eval", "--old", "--file", str(questions)]) == 0
    out = capsys.readouterr().out
    assert "hit@1" in out and "MRR" in out and "refusal precision" in out


def test_eval_reports_per_category_on_both_halves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "eval.yaml"
    questions.write_text(
        "version: 2\nquestions:\n"
        "  - {q: 集群的有效期是多长时间？, cat: in_scope, kind: plain,"
        " cite: [[measures-2022/第十五条]], must: [三年]}\n"
        "  - {q: 年报什么时候交, cat: in_scope, kind: plain,"
        " cite: [[measures-2022/第十六条]], must: [4月30日]}\n"
        "  - {q: 今天天气怎么样, cat: off_topic, kind: daily}\n"
        "  - {q: 2026年推荐名额是多少, cat: neighbouring, kind: year, must_not: [8个]}\n",
        encoding="utf-8",
    )
    assert main(["eval", "--file", str(questions), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    # Within a category the 1st question is tuning, the 2nd test.
    assert rows["tuning/in_scope"] == {"n": 1, "right": 1, "complete": 1, "wrongly_declined": 0}
    assert rows["test/in_scope"] == {"n": 1, "right": 1, "complete": 1, "wrongly_declined": 0}
    assert rows["tuning/off_topic"] == {"n": 1, "handled": 1}
    assert rows["tuning/neighbouring"] == {"n": 1, "handled": 1}
    assert main(["eval", "--file", str(questions)]) == 0
    assert "wrongly-declined" in capsys.readouterr().out


def test_eval_rejects_a_bad_question_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "eval.yaml"
    bad.write_text("version: 1\nquestions:\n  - q: 问题\n    expect: maybe\n", encoding="utf-8")
    assert main(["eval", "--file", str(bad)]) != 0
    assert "eval.yaml" in capsys.readouterr().err
