"""Issue 16, remaining English in Chinese output of the command line."""
from kg import balance, report
from kg.advice import advise
from kg.paths import EXAMPLES_DIR
from kg.profiles import read_profiles


def test_balance_detail_names_missing_inputs_in_the_users_language():
    values = dict(read_profiles(EXAMPLES_DIR / "typical-regions.csv").regions[0].values)
    values["coal_t"] = None
    values["forest_ha"] = None
    result = balance.account(values)
    zh = balance.render([("浦东新区", result)], "table", "zh", detail=True)
    en = balance.render([("Pudong", result)], "table", "en", detail=True)
    assert "煤炭消费量（吨）" in zh and "林地（公顷）" in zh and "coal_t" not in zh and "forest_ha" not in zh
    assert "coal consumption (t)" in en and "coal_t" not in en


def test_advise_table_names_the_types_not_their_keys():
    advice = advise(read_profiles(EXAMPLES_DIR / "typical-regions.csv"))
    zh = report.to_table_text(advice, "zh")
    en = report.to_table_text(advice, "en")
    assert "城市化地区 1.00 农产品主产区 0.10 生态功能区 0.08" in zh           # 浦东新区
    for text in (zh, en):
        assert " urb " not in text and " agr " not in text and "eco 0" not in text
    assert "Urbanized area" in en
