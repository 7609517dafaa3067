"""`smebot kb` — look at the knowledge base: `kb dump [--json]`, `kb show <引用>`, `kb check`.

`kb dump --json` is a stable interface (../shared/CONTRACTS.md): one JSON document on stdout,
`{"documents": [{"doc", "title", "articles": [{"ref", "chapter", "item", "text"}], "missing"}]}`.
Extra keys ("kind", "source", "heading", "label", "notes") are allowed by the contract.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from bot.cli import CliError

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase, Located, MissingArticle
    from knowledge.models import Article, Document

_SHOW_EXAMPLES = "第十五条、第六条（四）、认定标准·一、who-applies"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kb = subparsers.add_parser(
        "kb",
        help="查看知识库（暂行办法、通知、认定标准、补充资料）",
        description="查看知识库：暂行办法条文、印发通知、认定标准和公开报道整理的补充资料。",
    )
    commands = kb.add_subparsers(dest="kb_command", metavar="SUBCOMMAND")

    dump = commands.add_parser("dump", help="列出全部文档和条文")
    dump.add_argument("--json", action="store_true", help="输出 JSON（格式见 CONTRACTS.md）")
    dump.set_defaults(handler=_dump)

    show = commands.add_parser("show", help="显示一条条文，例如：第十五条、第六条（四）")
    show.add_argument("ref", nargs="+", help=f"条文引用，例如：{_SHOW_EXAMPLES}")
    show.add_argument("--json", action="store_true", help="输出 JSON")
    show.set_defaults(handler=_show)

    check = commands.add_parser("check", help="校验数据文件并显示内容哈希")
    check.set_defaults(handler=_check)

    kb.set_defaults(handler=lambda args: _usage(kb))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _load() -> KnowledgeBase:
    # Imported here so `smebot --help` and other sub-commands don't pay for loading policy data.
    from knowledge.errors import KnowledgeDataError
    from knowledge.kb import default_knowledge_base

    try:
        return default_knowledge_base()
    except KnowledgeDataError as exc:
        raise CliError(f"知识库数据有误：{exc}") from exc


def _print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


# -- dump ------------------------------------------------------------------------------------


def dump_payload(kb: KnowledgeBase) -> dict[str, Any]:
    """The `kb dump --json` document (CONTRACTS.md)."""
    return {"documents": [_document_json(document) for document in kb.documents]}


def _document_json(document: Document) -> dict[str, Any]:
    return {
        "doc": document.id,
        "title": document.title,
        "kind": document.kind,
        "source": document.source,
        "articles": [
            {
                "ref": article.ref,
                "chapter": article.chapter,
                "item": article.item,
                "text": article.text,
                "heading": article.heading,
                "label": article.label,
            }
            for article in document.articles
        ],
        "missing": list(document.missing),
        "notes": list(document.notes),
    }


def _dump(args: argparse.Namespace) -> int:
    kb = _load()
    if args.json:
        _print_json(dump_payload(kb))
        return 0
    lines: list[str] = []
    for document in kb.documents:
        count = len(document.articles)
        lines.append(f"{document.id}  {document.title}（{document.kind}，{count} 个条目）")
        lines.append(f"  来源：{document.source}")
        for article in document.articles:
            if document.kind == "measures":
                name = article.label
                if article.heading and not article.text.startswith(article.heading):
                    name += f" {article.heading}"
            else:
                name = f"{article.ref} {article.heading or ''}".strip() + f"（{article.label}）"
            lines.append(f"  - {name}：{_shorten(article.text, 36)}")
        if document.missing:
            lines.append(f"  原文缺失：{'、'.join(document.missing)}")
        lines.append("")
    sys.stdout.write("\n".join(lines))
    return 0


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- show ------------------------------------------------------------------------------------


def _show(args: argparse.Namespace) -> int:
    kb = _load()
    ref_text = " ".join(args.ref)
    hit = kb.resolve(ref_text)
    if hit is None:
        raise CliError(f"找不到条文“{ref_text}”。可以这样写：{_SHOW_EXAMPLES}。")
    from knowledge.kb import MissingArticle

    if isinstance(hit, MissingArticle):
        if args.json:
            _print_json(_missing_json(hit))
        else:
            sys.stdout.write(render_missing(hit))
        return 0
    items = kb.items_of(hit.doc_id, hit.ref) if hit.item is None else ()
    if args.json:
        payload = _located_json(hit)
        if items:
            payload["items"] = [
                {"item": a.item, "heading": a.heading, "text": a.text, "label": a.label}
                for a in items
            ]
        _print_json(payload)
    else:
        sys.stdout.write(render_article(hit, items))
    return 0


def render_article(hit: Located, items: tuple[Article, ...] = ()) -> str:
    """An article as a person reads it: citation, where it sits, heading, text (and items)."""
    lines = [hit.label]
    if hit.document.kind == "measures":
        lines.append(f"{hit.document.title} · {hit.chapter}")
    else:
        lines.append(hit.document.title)
    lines.extend(_body_lines(hit.article))
    for item in items:
        lines.extend(_body_lines(item))
    if hit.document.kind == "facts":
        lines.append("（补充资料，据公开报道整理，不是《暂行办法》的条文。）")
    return "\n".join(lines) + "\n"


def _body_lines(article: Article) -> list[str]:
    marker = article.item or ""
    # Most item texts open with their heading sentence; where the source lost it (第六条（四）)
    # or for fact sheets, the heading is shown on its own line above the text.
    if article.heading and not article.text.startswith(article.heading):
        return [f"{marker}{article.heading}", article.text]
    return [f"{marker}{article.text}"]


def render_missing(missing: MissingArticle) -> str:
    """Say plainly that the source lacks the article; point to related public reporting."""
    where = f"（{missing.chapter}）" if missing.chapter else ""
    lines = [
        missing.label,
        f"本条原文在所收录的文本中缺失{where}，本助手不作补写，也不引用它的内容。",
    ]
    if missing.see_also:
        lines.append("相关内容的公开报道（条号未经核实，不能当作本条引用）：")
        for fact in missing.see_also:
            lines.append(f"- {fact.heading or fact.ref}（{fact.label}，{fact.ref}）：{fact.text}")
    return "\n".join(lines) + "\n"


def _located_json(hit: Located) -> dict[str, Any]:
    return {
        "doc": hit.doc_id,
        "ref": hit.ref,
        "item": hit.item,
        "chapter": hit.chapter,
        "heading": hit.heading,
        "label": hit.label,
        "text": hit.text,
        "missing": False,
    }


def _missing_json(missing: MissingArticle) -> dict[str, Any]:
    return {
        "doc": missing.doc_id,
        "ref": missing.ref,
        "chapter": missing.chapter,
        "label": missing.label,
        "missing": True,
        "see_also": [_located_json(fact) for fact in missing.see_also],
    }


# -- check -----------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    kb = _load()
    articles = sum(len(document.articles) for document in kb.documents)
    print(f"知识库校验通过：{len(kb.documents)} 个文档，{articles} 个条目。")
    print(f"数据目录：{kb.data_dir}")
    print(f"内容哈希：{kb.content_hash()}")
    return 0
