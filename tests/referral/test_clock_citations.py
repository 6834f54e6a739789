"""Every legal clock of the criminal transfer names the article that sets its limit (issue 10: the
procuratorate's 7- and 15-day 立案监督 clocks cited the rule without one)."""

from __future__ import annotations

import re

from referral import clocks

ARTICLE = re.compile(r"^《[^》]+》(（[^）]+）)?第[一二三四五六七八九十百]+条(第[一二三四五六七八九十]+款)?$")


def test_every_transfer_clock_cites_its_article():
    specs = [value for value in vars(clocks).values() if isinstance(value, clocks.ClockSpec)]
    assert len(specs) >= 10
    uncited = [spec.code for spec in specs if not ARTICLE.match(spec.legal_basis)]
    assert uncited == []


def test_the_supervision_clocks_cite_item_ten_of_the_procuratorates_rule():
    assert clocks.EXPLANATION.legal_basis == "《人民检察院办理行政执法机关移送涉嫌犯罪案件的规定》（高检发释字〔2001〕4号）第十条第一款"
    assert clocks.ORDERED_FILING.legal_basis.endswith("第十条第二款")
    assert (clocks.EXPLANATION.amount, clocks.ORDERED_FILING.amount) == (7, 15)
