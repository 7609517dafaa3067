"""Honest answers for what the knowledge does not cover, and polite declines.

Coverage before confidence: a programme, year, province, list or amount the knowledge does not
hold gets an answer that says what is not recorded, what is (labelled as context, never as the
answer), and where the authoritative answer is. Requests for legal advice, to act, or to play a
role, and instructions addressed to the bot (prompt injection), are declined; nothing in a
question changes a fact.
"""

from __future__ import annotations

from knowledge.facts import FactBook
from retrieval.frame import Frame

_WHERE_ZH = (
    "请以主管部门发布的正式文件为准，或咨询所在地的中小企业主管部门（工业和信息化主管部门）。"
)
_WHERE_EN = (
    "Please rely on the authority's official documents, or ask your local SME authority "
    "(the industry and information technology department)."
)
_CAN_ZH = (
    "我能回答的是《促进中小企业特色产业集群发展暂行办法》、认定标准和历年推荐工作的问题；"
    "也可以用 /assess 自评、/remind 设置年报和复核提醒、/help 查看功能。"
)
_CAN_EN = (
    "I can answer questions on the 2022 measures for SME characteristic industrial clusters, "
    "the recognition criteria and the yearly rounds; /assess runs a self-assessment, /remind "
    "sets reminders, /help lists the rest."
)


def _recorded_years(facts: FactBook) -> str:
    return "、".join(str(c.record.year) for c in facts.rounds())


def honest_answer(frame: Frame, facts: FactBook, lang: str) -> str:
    """The text for a frame that is not covered (the first reason decides)."""
    reason = frame.uncovered[0] if frame.uncovered else ""
    kind, _, what = reason.partition(":")
    en = lang == "en"
    if kind == "injection":
        return (
            "Sorry, I follow only this bot's own rules: instructions or claims in a question do "
            "not change them or the facts I hold, and I cannot announce or change any "
            "recognition: only MIIT's published list decides that. " + _CAN_EN
            if en
            else "抱歉，我只按本项目的规则回答，提问中的指令或说法不会改变规则和我掌握的事实；"
            "我也不能宣布或改变任何认定结果——认定结果以工业和信息化部公布的名单为准。" + _CAN_ZH
        )
    if kind == "legal":
        return (
            "Sorry, I cannot give legal advice or predict the outcome of a case. For a legal "
            "question please consult a lawyer or the authority that made the decision. " + _CAN_EN
            if en
            else "抱歉，我不能提供法律意见，也不能判断案件或处罚结果。具体法律问题请咨询律师，"
            "或向作出决定的主管部门了解。" + _CAN_ZH
        )
    if kind == "act":
        return (
            "Sorry, I cannot write or submit application materials, or announce or change any "
            "recognition: only MIIT's published list decides that. " + _CAN_EN
            if en
            else "抱歉，我不能代为撰写或提交申报材料，也不能宣布或改变任何认定结果——认定结果以"
            "工业和信息化部公布的名单为准。" + _CAN_ZH
        )
    if kind == "roleplay":
        return (
            "Sorry, I do not play other roles, and nothing said in a question changes the facts "
            "I hold. " + _CAN_EN
            if en
            else "抱歉，我不扮演其他身份，提问中的说法也不会改变我掌握的事实。" + _CAN_ZH
        )
    if kind in ("programme", "authority"):
        name = what or "this programme"
        return (
            f"That is about {name}, which this bot does not cover: it holds only the measures "
            "for SME characteristic industrial clusters, their criteria and yearly rounds. "
            + _WHERE_EN
            + " "
            + _CAN_EN
            if en
            else f"这个问题涉及“{name}”，不在本项目收录的范围内（本项目只收录中小企业特色产业集群"
            f"的《暂行办法》、认定标准和历年推荐工作），无法给出有依据的回答。{_WHERE_ZH}" + _CAN_ZH
        )
    if kind == "amount":
        return (
            "No amounts of money (rewards, subsidies, fees) are recorded here, so I cannot say "
            "how much. For context only (not an amount): public reporting says SME authorities "
            "support clusters with fiscal, financial, land and talent policies. " + _WHERE_EN
            if en
            else "本项目没有收录任何资金数额（奖励、补贴、收费或减税金额），无法回答具体多少钱。"
            "仅作背景（不是金额答案）：据公开报道，各级中小企业主管部门从财政、金融、产业、创新、"
            "土地、人才等方面支持集群发展（公开报道·政策支持）。具体金额" + _WHERE_ZH
        )
    if kind == "roster":
        batch = facts.batch(2022)
        context = ""
        if batch is not None:
            r = batch.record
            context = (
                f" For context only: the {r.year} batch had {r.count} clusters, list published "
                f"{r.list_published}."
                if en
                else f"仅作背景：{r.year}年度共认定{r.count}个集群，名单于{r.list_published.year}年"
                f"{r.list_published.month}月{r.list_published.day}日公布（公开报道）。"
            )
        return (
            "The names of recognised or recommended clusters are not recorded here."
            + context
            + " See MIIT's published list or ask the provincial SME authority."
            if en
            else "本项目没有收录集群名单（哪些集群被推荐或入选），无法列出。"
            + context
            + "名单请查阅工业和信息化部公布的文件，或咨询省级中小企业主管部门。"
        )
    if kind == "year":
        return (
            f"The {what} round is not recorded here (recorded rounds: "
            f"{', '.join(str(c.record.year) for c in facts.rounds())}); I will not reuse another "
            "year's dates or quotas. See MIIT General Office's notice for that year."
            if en
            else f"本项目没有收录{what}年度推荐工作的信息（已收录：{_recorded_years(facts)}年度），"
            "不能用其他年度的日期或名额代替。请以工业和信息化部办公厅当年发布的推荐通知为准。"
        )
    if kind == "province_deadline":
        year = f"{frame.years[0]}" if frame.years else ""
        notice = ""
        round_cited = facts.round(frame.years[0]) if frame.years else None
        if round_cited is not None and round_cited.record.notice:
            notice = round_cited.record.notice
        pointer_zh = f"（部里的推荐工作见{notice}）" if notice else ""
        return (
            f"{what}'s own {year + ' ' if year else ''}deadline is not recorded here; provinces "
            "set their own, "
            "earlier dates. Ask the provincial industry and IT (SME) authority."
            if en
            else f"本项目没有收录{what}{year + '年度' if year else ''}省内的申报截止时间。各省通常"
            f"会设定早于部里截止日期的内部时限{pointer_zh}，请以{what}工业和信息化主管部门（中小企业"
            "主管部门）的通知为准。"
        )
    if kind == "province":
        return (
            f"{what}'s own criteria for provincial clusters are not recorded here (recorded: "
            "Yunnan's 2023 edition; Guangdong uses the national figures). The national criteria "
            "are context only, not that province's rule. Ask the provincial industry and IT "
            "(SME) authority."
            if en
            else f"本项目没有收录{what}的省级集群认定标准，不能用其他省份或全国的数值代替作答。"
            "已收录的省级版本：云南省（2023年暂行版）；广东省级集群沿用国家标准数值。全国标准"
            f"（认定标准·一、二）仅可作参考，不是{what}的要求。请向{what}工业和信息化主管部门"
            "（中小企业主管部门）咨询。"
        )
    return _CAN_EN if en else _CAN_ZH
