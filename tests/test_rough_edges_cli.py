"""Issue 16, remaining English in Chinese output of the command line."""
import re

from kg.present import report
from kg.account import balance
from kg.pipeline.advice import advise
from kg.paths import EXAMPLES_DIR
from kg.read.profiles import read_profiles
from kg.present import balance as balance_view


def test_balance_detail_names_missing_inputs_in_the_users_language():
    values = dict(read_profiles(EXAMPLES_DIR / "typical-regions.csv").regions[0].values)
    values["coal_t"] = None
    values["forest_ha"] = None
    result = balance.account(values)
    zh = balance_view.render([("浦东新区", result)], "table", "zh", detail=True)
    en = balance_view.render([("Pudong", result)], "table", "en", detail=True)
    said_zh = [ln for ln in zh.splitlines() if "未报告" in ln]
    said_en = [ln for ln in en.splitlines() if "not reported" in ln]
    assert any("煤炭燃烧" in ln and "林地碳汇" in ln for ln in said_zh)    # the missing lines by their names
    for line in said_zh + said_en:
        assert not any(key in line for key in ("coal_t", "forest_ha", "clinker_t", "lime_t")), line


def test_advise_table_names_the_types_not_their_keys():
    advice = advise(read_profiles(EXAMPLES_DIR / "typical-regions.csv"))
    zh = report.to_table_text(advice, "zh")
    en = report.to_table_text(advice, "en")
    assert re.search(r"城市化地区 \d\.\d\d 农产品主产区 \d\.\d\d 生态功能区 \d\.\d\d", zh)   # names, not urb/agr/eco
    for text in (zh, en):
        assert " urb " not in text and " agr " not in text and "eco 0" not in text
    assert "Urbanized area" in en
