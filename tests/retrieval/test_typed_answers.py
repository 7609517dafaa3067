"""Answers computed from typed records for classes a fresh QA probe found answered from the
wrong unit: a year's question that is not about its round card, a batch's size, the review, the
yearly report, the procedure and its parties, who applies, a province's edition as a whole, the
measures' own document facts, and parts of one question sharing its year or province."""

from __future__ import annotations

from retrieval.key_facts import english_fact
from retrieval.multipart import split_parts
from retrieval.service import Answerer


def _refs(answer: object) -> list[str]:
    return [f"{c.doc}/{c.ref}" for c in answer.citations]  # type: ignore[attr-defined]


def test_a_year_named_with_another_question_is_not_answered_with_the_round_card(
    fake_answerer: Answerer,
) -> None:
    western = fake_answerer.ask("2023年那一轮推荐，西部省份的集群要求会放宽一些吗")
    assert "西部地区" in western.answer and "放宽" in western.answer
    assert _refs(western)[0] == "facts-rounds/round-2023"
    assert "最多推荐6个" not in western.answer.split("\n")[0]
    one_field = fake_answerer.ask("2022年推荐的时候，一个细分领域可以推两个集群吗")
    assert "同一细分领域只推荐一个集群" in one_field.answer
    assert _refs(one_field)[0] == "facts-rounds/round-2022"


def test_a_batch_size_is_never_the_rounds_quota(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("2024年度全国一共认定了多少个特色产业集群")
    assert "未收录2024年度集群名单" in answer.answer
    assert "最多推荐" not in answer.answer
    recorded = fake_answerer.ask("2022年度一共认定了多少个集群")
    assert "100个" in recorded.answer


def test_the_review_of_a_batch_states_when_its_validity_ends(fake_answerer: Answerer) -> None:
    recorded = fake_answerer.ask("2022年评上的集群啥时候要复核")
    assert "2025年12月31日" in recorded.answer and "2025年度推荐工作" in recorded.answer
    assert _refs(recorded)[0] == "facts-batches/renewal-review"
    unrecorded = fake_answerer.ask("2024年认定的集群什么时候复核")
    assert "2027年12月31日" in unrecorded.answer
    assert "未收录" in unrecorded.answer  # when that review starts is not recorded
    assert "2025年度推荐工作" not in unrecorded.answer  # never another batch's launch
    by_round = fake_answerer.ask("2025年开展复核的是哪一年认定的集群")
    assert "2022年度认定的集群" in by_round.answer


def test_what_the_review_checks_is_the_plan_not_the_term(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("三年到期后复核重点考核哪些内容")
    lead = answer.answer.split("\n")[0]
    assert "三年发展规划目标" in lead
    assert _refs(answer)[0] == "measures-2022/第十五条"
    english = fake_answerer.ask("What does the review at the end of the term check?")
    assert "development plan" in english.answer.split("\n")[0]


def test_the_yearly_duty_is_the_april_report(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("成为国家级集群以后每年都要做些什么")
    assert "4月30日" in answer.answer and "工业和信息化部" in answer.answer
    assert _refs(answer)[0] == "measures-2022/第十六条"
    dated = fake_answerer.ask("我们是2022年度认定的集群，2025年4月份要交什么？")
    assert "2025年4月30日前填报2024年度" in dated.answer


def test_a_later_part_takes_the_year_the_question_names(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("2022年每省最多推荐几个？报送截止是哪天？")
    assert "最多推荐5个" in answer.answer and "2022年10月31日" in answer.answer
    assert "4月30日" not in answer.answer  # not the annual report's date
    batch = fake_answerer.ask("我们是2024年度认定的集群，明年4月份要做什么？有效期到哪天？")
    assert "4月30日" in batch.answer and "2027年12月31日" in batch.answer


def test_parts_answered_from_one_unit_keep_each_fact(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("甘肃省级集群拟认定名单公示多久？申报主体是谁？")
    lead = answer.answer.split("\n")[0]
    assert "5个工作日" in lead and "县级工业和信息化主管部门" in lead
    assert _refs(answer) == ["facts-provincial/gansu-procedure"]


def test_a_fragment_that_asks_nothing_stays_with_its_question() -> None:
    assert split_parts("整个认定流程怎么走？从县里一直到部里") == [
        "整个认定流程怎么走，从县里一直到部里"
    ]
    assert len(split_parts("有效期几年？年报几号交？")) == 2


def test_the_procedure_lists_every_step_with_its_source(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("国家级特色产业集群的认定程序分几步走")
    assert "共3步" in answer.answer
    for actor in ("县级中小企业主管部门", "省级中小企业主管部门", "工业和信息化部"):
        assert actor in answer.answer
    assert "第十二条、第十三条" in answer.answer  # missing from the source, said so
    assert _refs(answer) == [
        "facts-reporting/who-applies",
        "facts-reporting/provincial-step",
        "measures-2022/第十四条",
    ]
    english = fake_answerer.ask("What is the procedure to get a cluster recognised?")
    assert "3 steps" in english.answer and "MIIT" in english.answer
    gansu = fake_answerer.ask("甘肃省级集群认定要走什么程序")
    assert _refs(gansu) == ["facts-provincial/gansu-procedure"]


def test_one_partys_step_answers_what_that_party_does(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("省级主管部门收到县里的申报以后要做哪些事")
    assert "初审" in answer.answer
    assert _refs(answer) == ["facts-reporting/provincial-step"]
    ministry = fake_answerer.ask("各省推荐上去之后工信部做什么")
    assert _refs(ministry) == ["measures-2022/第十四条"]


def test_a_company_cannot_apply_itself_even_after_a_long_story(
    fake_answerer: Answerer,
) -> None:
    answer = fake_answerer.ask(
        "你好，我在县里开了一家做五金配件的公司，十几年了，想问问我们公司能不能直接申报特色产业集群？"
    )
    assert answer.answer.startswith("答：不能。")
    assert "县级中小企业主管部门" in answer.answer
    assert "不是《暂行办法》条文原文" in answer.answer  # public reporting, labelled
    assert _refs(answer) == ["facts-reporting/who-applies"]


def test_the_materials_question_says_what_is_and_is_not_recorded(
    fake_answerer: Answerer,
) -> None:
    answer = fake_answerer.ask("申报国家级集群需要准备哪些材料")
    assert "申报表" in answer.answer and "未收录" in answer.answer


def test_a_provinces_criteria_as_a_whole(fake_answerer: Answerer) -> None:
    same = fake_answerer.ask("广东的省级集群认定门槛和国家的一样不一样")
    assert same.answer.startswith("答：一样。")
    assert "40亿元" in same.answer
    assert _refs(same)[0] == "facts-provincial/provincial-criteria"
    other = fake_answerer.ask("云南省级集群认定标准与国家标准有什么区别")
    assert other.answer.startswith("答：不一样。")
    assert "10亿元" in other.answer and "40亿元" in other.answer


def test_the_measures_own_number_and_dates(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("这个暂行办法是哪个文件印发的，文号多少")
    assert "工信部企业〔2022〕119号" in answer.answer and "2022年9月13日" in answer.answer
    assert _refs(answer)[0] == "notice-2022-119/number"
    in_force = fake_answerer.ask("暂行办法哪天开始施行的")
    assert _refs(in_force)[0] == "measures-2022/第十九条"
    purpose = fake_answerer.ask("出台这个办法是为了什么")
    assert "119号" not in purpose.answer.split("\n")[0]


def test_common_words_alone_do_not_earn_a_typed_answer(fake_answerer: Answerer) -> None:
    # "who", "steps" and "materials" are policy cues only inside the domain.
    for question in ("Who won the football match last night?", "做红烧肉的步骤有哪些"):
        assert not fake_answerer.ask(question).in_scope, question


def test_a_dimension_asked_as_a_whole_lists_its_requirements(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("开放合作这一块，认定标准要求做到什么")
    assert answer.answer.startswith("答：全国（2022年版）认定标准·七")
    assert "未随附本方面的具体数值" in answer.answer  # no national figure, said so
    assert _refs(answer) == ["criteria-national-2022/七"]
    english = fake_answerer.ask("Is a three-year development plan required for recognition?")
    assert "development plan" in english.answer and _refs(english) == [
        "criteria-national-2022/八"
    ]
    # The measures' own cultivation item is 第六条's, not a criteria dimension.
    measures = fake_answerer.ask("办法里对绿色低碳转型有什么要求")
    assert _refs(measures)[0] != "criteria-national-2022/六"


def test_a_concept_named_gets_every_condition_that_names_it(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("对集群的主导产业有哪些要求")
    assert "高于70%" in answer.answer and "县域主导或特色产业" in answer.answer
    assert {"criteria-national-2022/一", "criteria-national-2022/四"} <= set(_refs(answer))
    figure = fake_answerer.ask("主导产业产值占比最低要多少")
    assert "县域主导或特色产业" not in figure.answer


def test_the_criteria_asked_for_in_english_are_listed(fake_answerer: Answerer) -> None:
    for question in ("What dimensions do the recognition criteria have?",
                     "What are the standards a cluster is judged by?"):
        answer = fake_answerer.ask(question)
        assert "eight dimensions" in answer.answer, question
        assert "1. Strong core competitiveness" in answer.answer


def test_the_county_boundary_gets_its_verdict_both_ways(fake_answerer: Answerer) -> None:
    within = fake_answerer.ask("我们的企业分散在本县四个镇，算一个集群能报吗")
    assert within.answer.startswith("答：可以。")
    across = fake_answerer.ask("两个县的企业能不能合在一起报一个集群")
    assert across.answer.startswith("答：不能。")
    assert _refs(across) == ["measures-2022/第二条", "criteria-national-2022/gate"]
    assert not fake_answerer.ask("跨两个县的高速公路怎么走最快").in_scope


def test_who_recognises_is_not_who_applies(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("国家级特色产业集群最后是谁来认定的")
    assert "由工业和信息化部认定" in answer.answer
    assert _refs(answer) == ["measures-2022/第四条", "measures-2022/第十四条"]


def test_what_a_recognised_cluster_gets_is_the_support_fact(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("成为国家级集群能得到哪些扶持")
    assert _refs(answer) == ["facts-reporting/policy-support"]
    assert "金额" in answer.answer or "数额" in answer.answer  # amounts: not recorded


def test_where_the_list_is_published_is_not_a_roster_request(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("认定的集群名单会在什么网站上公布")
    assert answer.in_scope and _refs(answer)[0] == "measures-2022/第十四条"
    roster = fake_answerer.ask("2022年入选名单里有哪些集群")
    assert not roster.in_scope  # the list itself is not held


def test_term_and_what_follows_are_both_answered(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("集群资格管几年？过期了以后怎么办？")
    lead = answer.answer.split("\n")[0]
    assert "三年" in lead and "复核" in lead
    assert len({c.ref for c in answer.citations}) == len(answer.citations)


def test_revocation_for_tax_evasion_is_a_yes(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("认定以后集群企业要是被查出偷漏税，会不会被取消认定")
    assert answer.answer.startswith("答：会。")
    assert _refs(answer)[0] == "facts-reporting/revocation"


def test_how_often_one_can_apply_is_the_yearly_round(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("特色产业集群是不是每年都能申报一次")
    assert answer.answer.startswith("答：是。") and "按年度开展" in answer.answer
    assert "4月30日" not in answer.answer  # not the annual report
    assert {"facts-rounds/round-2022", "facts-rounds/round-2025"} <= set(_refs(answer))


def test_a_limit_named_in_the_question_is_explained_not_judged(
    fake_answerer: Answerer,
) -> None:
    answer = fake_answerer.ask("100平方公里这个面积上限是硬性要求吗")
    assert "软性要求" in answer.answer and "达标" not in answer.answer
    judged = fake_answerer.ask("我们集群面积130平方公里，会不会不合格")
    assert "超出 30 平方公里" in judged.answer


def test_a_share_asked_in_english_is_not_the_output(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("What share of cluster output must SMEs contribute nationally?")
    lead = answer.answer.split("\n")[0]
    assert "70%" in lead and "40" not in lead


def test_english_counts_are_rendered_in_english() -> None:
    assert english_fact("认定200个左右") == "about 200 clusters (认定200个左右)"
    assert english_fact("最多推荐8个") == "at most 8 clusters (最多推荐8个)"


def test_the_term_and_its_denial_of_permanence(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("一个集群评上以后能管多少年")
    assert answer.answer.startswith("答：三年。")
    assert _refs(answer)[0] == "measures-2022/第十五条"
    forever = fake_answerer.ask("Does the recognition last forever?")
    assert forever.answer.startswith("Short answer: No")


def test_a_problem_after_recognition_revokes_it(fake_answerer: Answerer) -> None:
    english = fake_answerer.ask(
        "If one of our firms commits tax evasion after the cluster is recognised, what happens?"
    )
    assert "revoked" in english.answer
    assert _refs(english) == ["facts-reporting/revocation"]
    before = fake_answerer.ask("集群里有企业前年发生过较大环境污染事故，今年还能申报吗")
    assert before.answer.startswith("答：不能。")  # before recognition: the gate bars it


def test_english_round_and_batch_questions_ask_one_field(fake_answerer: Answerer) -> None:
    deadline = fake_answerer.ask(
        "By when did provinces have to submit for the 2023 recommendation round?"
    )
    assert "July 31, 2023" in deadline.answer and "at most" not in deadline.answer
    validity = fake_answerer.ask("Until when is the 2024 batch valid?")
    assert "December 31, 2027" in validity.answer


def test_a_rounds_own_rule_answers_its_yes_or_no(fake_answerer: Answerer) -> None:
    western = fake_answerer.ask("2023年那次推荐，西部地区的集群是不是有放宽？")
    assert western.answer.startswith("答：可以。") or western.answer.startswith("答：有。")
    assert "西部地区" in western.answer
    one = fake_answerer.ask("2022年同一个细分领域可以推两个集群上去吗")
    assert one.answer.startswith("答：不能。") and "只推荐一个" in one.answer
    inherited = fake_answerer.ask("2024年对西部地区还有放宽吗")
    assert "其余要求与2023年度相同" in inherited.answer
    elsewhere = fake_answerer.ask("2025年推荐对西部地区有没有放宽")
    assert "未提及" in elsewhere.answer and "仅作背景" in elsewhere.answer
    assert not elsewhere.answer.startswith("答：有")  # another year's rule is not the answer


def test_the_gate_by_its_name_is_in_domain(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("基本条件具体指什么")
    assert answer.in_scope and _refs(answer)[0] == "criteria-national-2022/gate"


def test_a_province_as_background_keeps_the_county_rule(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("我在江苏一个县的工信局，我们的集群跨了县界，还能报吗")
    assert answer.answer.startswith("答：不能。")


def test_a_part_with_its_own_cue_keeps_its_topic(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("有效期多久？每年的工作情况什么时候报？")
    assert "三年" in answer.answer and "4月30日" in answer.answer


def test_the_gate_asked_by_name_gives_both_conditions(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("一票否决的前提条件有哪几条")
    assert "任何一项不满足" in answer.answer
    assert "县级行政区划" in answer.answer and "偷漏税" in answer.answer
    assert _refs(answer) == ["criteria-national-2022/gate"]


def test_voluntary_and_mandatory_get_their_yes_and_no(fake_answerer: Answerer) -> None:
    assert fake_answerer.ask("Is it mandatory for counties to apply?").answer.startswith(
        "Short answer: No: applying is voluntary"
    )
    assert fake_answerer.ask("申报集群是自愿的吗").answer.startswith("答：是。")


def test_how_long_a_list_is_publicised_is_not_a_roster_request(
    fake_answerer: Answerer,
) -> None:
    answer = fake_answerer.ask("甘肃省级集群的拟认定名单要公示多少天")
    assert answer.in_scope and "5个工作日" in answer.answer


def test_a_share_given_as_two_amounts_is_computed(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("全集群产值80亿，其中中小企业产值50亿，中小企业占比够不够")
    assert answer.frame.indicators["sme_output_share_pct"] == 62.5
    assert "差 7.5 个百分点" in answer.answer


def test_rd_growth_is_not_output_growth(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("按云南标准，我们中小企业研发经费年均增长4%够吗")
    assert answer.frame.indicators == {"rd_growth_pct": 4}
    assert "云南省认定标准·四" in answer.answer


def test_another_things_validity_or_recognition_is_not_the_clusters(
    fake_answerer: Answerer,
) -> None:
    for question in ("身份证有效期是多久", "工伤认定要多长时间", "How long is a work permit valid?",
                     "上市公司年报什么时候披露"):
        answer = fake_answerer.ask(question)
        assert not answer.in_scope, question
        assert "三年" not in answer.answer and "3 years" not in answer.answer
    # The knowledge's own questions, with no subject word, are still answered.
    for question in ("有效期多长？", "年报什么时候交？", "省里收到申报材料以后做什么"):
        assert fake_answerer.ask(question).in_scope, question


def test_an_item_asked_about_by_its_words_is_quoted(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("第六条中开放合作那一项具体说了什么")
    assert _refs(answer) == ["measures-2022/第六条"]
    assert answer.citations[0].item == "（五）"
    whole = fake_answerer.ask("第六条有哪几项")
    assert "6个方面" in whole.answer


def test_a_batch_named_with_its_round_word_is_the_batch(fake_answerer: Answerer) -> None:
    validity = fake_answerer.ask("要是2023年这一批认定的，有效期截至哪天")
    assert "2026年12月31日" in validity.answer
    count = fake_answerer.ask("2022年那批全国一共评了多少个集群")
    assert "100个" in count.answer


def test_a_request_for_the_list_is_answered_honestly(fake_answerer: Answerer) -> None:
    for question in ("河南2024年有哪些集群入选", "Which clusters were recognised in Hubei?"):
        answer = fake_answerer.ask(question)
        assert not answer.in_scope and "roster" in answer.frame.uncovered, question


def test_a_must_question_on_a_dimension_gets_its_yes(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("认定时是不是一定要有三年发展规划")
    assert answer.answer.startswith("答：是，须满足。")


def test_a_part_on_a_borrowed_topic_adds_no_stray_quote(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask(
        "我们集群三年产值40亿、41亿、43亿，对照国家标准能不能过？哪一项有问题？"
    )
    assert answer.answer.startswith("答：不够")
    assert "第二条" not in answer.answer


def test_who_organises_the_yearly_report_is_not_the_applicant(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("年度工作情况几号前报？由谁组织、报给谁？")
    assert "4月30日" in answer.answer and "省级中小企业主管部门" in answer.answer
    assert "申报主体" not in answer.answer


def test_a_named_place_or_body_owns_the_application_asked(fake_answerer: Answerer) -> None:
    for question in ("特色小镇怎么申报", "经济技术开发区申报条件是什么"):
        answer = fake_answerer.ask(question)
        assert not answer.in_scope, question
        assert "共3步" not in answer.answer
    # A kind of enterprise is still the knowledge's 企业; a verb is not an owner.
    assert fake_answerer.ask("乡镇企业多的县申报要哪些材料").in_scope
    assert fake_answerer.ask("省里收到申报材料以后做什么").in_scope


def test_another_schemes_conditions_are_not_the_criteria(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("农业产业强镇的认定条件有哪些")
    assert not answer.in_scope
    assert "八个方面" not in answer.answer
    assert fake_answerer.ask("集群的认定条件有哪些").in_scope


def test_materials_asked_with_a_company_word_are_the_materials(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("企业多的县申报集群要准备哪些材料")
    assert "申报表" in answer.answer and "未收录" in answer.answer


def test_a_figure_exactly_at_the_limit_gets_its_verdict(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("中小企业产值占比正好70%，按国家标准够不够")
    assert "达标" in answer.answer and "不低于 70%" in answer.answer
    strict = fake_answerer.ask("产值年均增速刚好10%算达标吗")
    assert strict.answer.startswith("答：不够")  # 高于10%: exactly 10 does not pass


def test_a_neighbouring_county_is_across_counties(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("我们集群有一块在隔壁县，两边合起来能按一个集群报吗")
    assert answer.answer.startswith("答：不能。")


def test_not_even_one_is_zero(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("专精特新有12家，一家小巨人和单项冠军都没有，第二方面够吗")
    assert answer.frame.indicators.get("champion_or_little_giant_count") == 0


def test_english_programmes_and_size_classes_are_not_covered(fake_answerer: Answerer) -> None:
    for question in (
        "What are the criteria for the advanced manufacturing cluster competition?",
        "How many employees can a firm have and still count as a medium-sized enterprise?",
    ):
        assert not fake_answerer.ask(question).in_scope, question


def test_a_province_adopting_the_national_figures_says_so(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("广东省级集群的产值门槛是多少")
    assert "40亿元" in answer.answer and "广东省级集群沿用国家认定标准的数值" in answer.answer
    assert _refs(answer)[0] == "criteria-national-2022/一"


def test_a_unit_declared_once_applies_to_the_series(fake_answerer: Answerer) -> None:
    for question in (
        "三年产值依次是41、45、50（单位：亿元），国家标准够吗",
        "Output in the last three years: 41, 45 and 50 (in hundred million yuan). Enough?",
    ):
        answer = fake_answerer.ask(question)
        assert answer.frame.indicators["output_value_yi"] == [41, 45, 50], question


def test_another_programmes_duties_asked_in_english_are_not_ours(
    fake_answerer: Answerer,
) -> None:
    for question in (
        "Must little giant firms file an annual report every April?",
        "How long is the innovative SME evaluation valid?",
    ):
        answer = fake_answerer.ask(question)
        assert not answer.in_scope, question
        assert "April 30" not in answer.answer


def test_english_multi_part_on_applying_and_what_follows(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("Who files the application, and what happens next?")
    assert "county-level SME authority" in answer.answer and "MIIT" in answer.answer
    assert "3 steps" in answer.answer


def test_expiry_is_not_automatic_renewal(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("有效期满了以后怎么办，会不会自动延续")
    assert answer.answer.startswith("答：不会自动延续。")
    parts = fake_answerer.ask("有效期到了以后怎么办？会不会自动延续")
    assert "不是" in parts.answer and "复核" in parts.answer


def test_a_count_named_as_the_requirement_is_explained(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("Do we need at least 10 specialised SMEs for the second dimension?")
    assert "at least 10 firms" in answer.answer and "met" not in answer.answer


def test_a_year_before_the_first_batch_gets_no_dates(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("2020年认定的那批集群有效期到哪天")
    assert "未收录2020年度" in answer.answer
    assert "2023年12月31日" not in answer.answer  # no rule applied to a batch that never was
    named = fake_answerer.ask("假如是2025年度推荐认定的集群，有效期从哪年到哪年")
    assert "2026年1月1日至2028年12月31日" in named.answer
    assert "2022年度" not in named.answer.split("\n")[0]  # never another year's dates as the answer


def test_the_askers_own_figures_at_the_limit_are_judged(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("我们的主导产业占比正好70%，国家标准下怎么算")
    assert "恰好等于不算达标" in answer.answer


def test_what_a_cluster_is_is_article_2(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("特色产业集群的范围到底怎么界定，按县还是按市")
    assert answer.answer.startswith("答：集群是定位在县级区划范围内")
    assert _refs(answer) == ["measures-2022/第二条"]


def test_fraud_in_the_materials_is_the_rule_on_fraud(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("申报材料弄虚作假会有什么后果")
    assert "取消申报" in answer.answer and "申报表" not in answer.answer


def test_probe_seven_classes(fake_answerer: Answerer) -> None:
    # A computing cluster with a number word is still off topic.
    assert not fake_answerer.ask("How do I configure a Kafka cluster on two servers?").in_scope
    # A pilot city's application is that scheme's, not the cluster procedure.
    pilot = fake_answerer.ask("中小企业数字化转型试点城市申报条件是什么")
    assert not pilot.in_scope and "共3步" not in pilot.answer
    # A province known only by its procedure has no recorded thresholds.
    gansu = fake_answerer.ask("甘肃省级集群的产值门槛是多少")
    assert not gansu.in_scope and "甘肃省" in gansu.answer
    assert fake_answerer.ask("甘肃省级集群谁来申报").in_scope
    # English revoking, and two neighbouring counties.
    revoked = fake_answerer.ask("On what grounds can a recognition be revoked?")
    assert _refs(revoked) == ["facts-reporting/revocation"]
    assert fake_answerer.ask("May a cluster span two adjacent counties?").answer.startswith("No.")


def test_final_review_questions(fake_answerer: Answerer) -> None:
    # A cluster's three yearly amounts are its output, even without the word 产值.
    series = fake_answerer.ask("我们县轴承集群前年33亿、去年38亿、今年预计44亿，国家级够格吗")
    assert series.frame.indicators["output_value_yi"] == [33, 38, 44]
    single = fake_answerer.ask("去年集群拿了300万补贴，今年能拿多少？")
    assert "output_value_yi" not in single.frame.indicators  # a single amount may be money
    # "到期后谁来复核" after a batch's window is the review, not the window twice.
    review = fake_answerer.ask("2024年度认定的集群，有效期到哪天？到期后谁来复核？")
    assert "2027年12月31日" in review.answer and "工业和信息化部组织复核" in review.answer
    # A comparison spread over two parts is answered with both sides.
    compared = fake_answerer.ask("云南省级集群对中小企业产值占比要求多少？和国家标准比呢？")
    assert "不低于50%" in compared.answer and "不低于70%" in compared.answer
