"""User-facing strings in Chinese (default) and English, and a tiny lookup helper.

`t("start.greeting", lang, name=...)` formats the string for `lang`, falling back to Chinese.
Strings here are *templates*: values passed as keyword arguments are HTML-escaped by `t()`, so
a user's name can never break the markup. Other features may keep their own tables and use
`pick(lang, zh=..., en=...)` for one-off strings.
"""

from __future__ import annotations

from infra.rendering import escape

DEFAULT_LANG = "zh"

TEXTS: dict[str, dict[str, str]] = {
    "start.greeting": {
        "zh": "您好，{name}！我是<b>集群通</b>，"
        "工信部《促进中小企业特色产业集群发展暂行办法》的助手。\n"
        "\n"
        "1. 问政策：直接发问题，我按《暂行办法》和认定标准作答并注明出处。\n"
        "2. 自评估：/assess 对照认定标准逐项检查，指出差距。\n"
        "3. 记期限：/remind 或 /subscribe 2022 提醒年报与复核时间。\n"
        "\n"
        "可以先试试下面的问题：",
        "en": "Hello, {name}! I am <b>集群通</b> (Cluster Guide), an assistant for MIIT's 2022 "
        "measures on SME characteristic industrial clusters.\n"
        "\n"
        "1. Ask: send any question; answers cite the measures and the criteria.\n"
        "2. Self-assess: /assess checks your cluster against the criteria, gap by gap.\n"
        "3. Deadlines: /remind or /subscribe 2022 for annual report and review reminders.\n"
        "\n"
        "Try one of these questions:",
    },
    "help": {
        "zh": "<b>使用说明</b>\n"
        "直接发送问题即可，例如“集群认定后有效期多久？”。回答会引用原文，点“查看原文”看整条。\n"
        "\n"
        "/assess — 对照认定标准自评估\n"
        "/remind — 设置年报、复核提醒\n"
        "/subscribe &lt;批次年份&gt; — 一步订阅某批次集群的全部提醒\n"
        "/reminders — 查看和取消提醒\n"
        "/cancel — 退出当前流程\n"
        "/lang — 切换语言（中文 / English）\n"
        "/forget — 删除我的数据\n"
        "/help — 本说明\n"
        "\n"
        "在群组中，请 @我 或使用命令。",
        "en": "<b>How to use</b>\n"
        "Just send a question, e.g. \u201cHow long is a cluster's recognition valid?\u201d. "
        "Answers quote the source; tap \u201cFull text\u201d to read the whole article.\n"
        "\n"
        "/assess — self-assessment against the criteria\n"
        "/remind — annual report and review reminders\n"
        "/subscribe &lt;batch year&gt; — all reminders for a cluster of that batch\n"
        "/reminders — list and cancel reminders\n"
        "/cancel — leave the current flow\n"
        "/lang — switch language (中文 / English)\n"
        "/forget — delete my data\n"
        "/help — this help\n"
        "\n"
        "In groups, mention me or use a command.",
    },
    "lang.choose": {
        "zh": "请选择语言 / Choose a language:",
        "en": "Choose a language / 请选择语言:",
    },
    "lang.set": {"zh": "已切换为中文。", "en": "Language set to English."},
    "lang.unknown": {
        "zh": "不支持该语言。用法：/lang zh 或 /lang en",
        "en": "Unsupported language. Usage: /lang zh or /lang en",
    },
    "forget.confirm": {
        "zh": "确定删除您在本机器人的全部数据吗？"
        "包括提问记录、反馈、自评估和提醒。此操作无法撤销。",
        "en": "Delete all your data held by this bot — questions, feedback, assessments and "
        "reminders? This cannot be undone.",
    },
    "forget.button.yes": {"zh": "确认删除", "en": "Delete my data"},
    "forget.button.no": {"zh": "取消", "en": "Cancel"},
    "forget.done": {
        "zh": "已删除您的全部数据。再次发消息即可重新开始。",
        "en": "All your data has been deleted. Send a message any time to start again.",
    },
    "forget.kept": {"zh": "好的，数据保持不变。", "en": "OK, nothing was deleted."},
    "cancel.done": {"zh": "已退出当前流程。", "en": "Left the current flow."},
    "cancel.nothing": {
        "zh": "当前没有进行中的流程。发送 /help 查看用法。",
        "en": "There is nothing to cancel. Send /help to see what I can do.",
    },
    "ask.non_text": {
        "zh": "我只能读文字消息。请用文字发送您的问题，或发送 /help 查看用法。",
        "en": "I can only read text. Please type your question, or send /help.",
    },
    "ask.unknown_command": {
        "zh": "没有这个命令。发送 /help 查看可用命令。",
        "en": "Unknown command. Send /help to see what I can do.",
    },
    "ask.empty": {
        "zh": "请在 @我 之后写上您的问题。",
        "en": "Please write your question after mentioning me.",
    },
    "ask.button.source": {"zh": "查看原文", "en": "Full text"},
    "ask.button.source_n": {"zh": "查看原文 {n}", "en": "Full text {n}"},
    "ask.source_missing": {
        "zh": "原文暂缺：{label}",
        "en": "The source text is not available: {label}",
    },
    "ask.answer_gone": {
        "zh": "这条回答已过期，请重新提问。",
        "en": "This answer has expired; please ask again.",
    },
    "ask.feedback_thanks_up": {"zh": "谢谢反馈！", "en": "Thanks for the feedback!"},
    "ask.feedback_thanks_down": {
        "zh": "谢谢，我们会改进这类回答。",
        "en": "Thanks — we will improve answers like this.",
    },
}

EXAMPLE_QUESTIONS: dict[str, tuple[str, ...]] = {
    "zh": (
        "集群认定后有效期多久？",
        "申报特色产业集群需要满足哪些条件？",
        "集群每年需要报送什么材料？",
    ),
    "en": (
        "How long is a cluster's recognition valid?",
        "What conditions must a cluster meet to apply?",
        "What must a recognised cluster report each year?",
    ),
}


def normalise_lang(lang: str | None) -> str:
    return "en" if lang == "en" else DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, **values: object) -> str:
    """The string `key` in `lang` (Chinese when missing), with escaped `values` filled in."""
    table = TEXTS[key]
    template = table.get(normalise_lang(lang)) or table[DEFAULT_LANG]
    if not values:
        return template
    return template.format(**{name: escape(value) for name, value in values.items()})


def pick(lang: str | None, *, zh: str, en: str) -> str:
    """Inline choice for one-off strings."""
    return en if normalise_lang(lang) == "en" else zh


def examples(lang: str | None) -> tuple[str, ...]:
    return EXAMPLE_QUESTIONS[normalise_lang(lang)]
