"""Uncertainty of the account (issue 14): the Monte Carlo (IPCC Approach 2) against Approach 1 error propagation
on a linear case, reproducibility, type robustness across draws, the ranges as sourced data, the command line."""
import json

import numpy as np
import pytest
from rdflib.namespace import DCTERMS, SKOS

from kg.reason import uncertainty

from kg.account import balance
from kg.knowledge.graph import knowledge_graph
from kg.namespaces import TH
from kg.paths import EXAMPLES_DIR

from test_balance import COUNTY

# A linear case: coal and grid electricity only (independent, symmetric ranges: activity ±10 % and ±3 %,
# NCV ±10 %, EF 5.4 %, grid factor ±10 %). Other inputs not reported.
LINEAR = {"region_id": "L1", "year": 2022, "grid_region": "central", "coal_t": 100_000, "electricity_mwh": 200_000}


def half_width(interval):
    return (interval[1] - interval[0]) / 2


def test_monte_carlo_matches_approach_1_within_ten_percent_on_a_linear_case():
    [mc] = uncertainty.monte_carlo([LINEAR], draws=20_000, seed=14, robustness=False)
    a1 = uncertainty.approach1(LINEAR)
    # by hand: coal 197,789.68 t × √(0.10² + 0.10² + 0.054²) = 29,947; electricity 107,900 × √(0.03² + 0.10²)
    # = 11,265; total half-width √(29,947² + 11,265²) = 31,995 t
    assert half_width(a1["emissions_t_co2e"]) == pytest.approx(31_995, rel=1e-3)
    assert half_width(mc["emissions_t_co2e"]) == pytest.approx(half_width(a1["emissions_t_co2e"]), rel=0.10)
    centre = sum(mc["emissions_t_co2e"]) / 2
    assert centre == pytest.approx(197_789.68 + 107_900, rel=0.02)


def test_intervals_hold_the_point_estimate_and_are_reproducible_with_a_seed():
    r = balance.account(COUNTY)
    a = uncertainty.monte_carlo([COUNTY], draws=2_000, seed=7)
    b = uncertainty.monte_carlo([COUNTY], draws=2_000, seed=7)
    c = uncertainty.monte_carlo([COUNTY], draws=2_000, seed=8)
    assert a == b and a != c
    u = a[0]
    for key in ("emissions_t_co2e", "sinks_t_co2e", "balance_ratio"):
        lo, hi = u[key]
        assert lo < r[key] < hi, key
    assert u["draws"] == 2_000 and u["seed"] == 7
    # the asymmetric N2O and land-use ranges make the emission interval wider above than below
    lo, hi = u["emissions_t_co2e"]
    assert hi - r["emissions_t_co2e"] > r["emissions_t_co2e"] - lo


def test_regions_are_drawn_independently_but_share_the_coefficient_draws():
    twins = uncertainty.monte_carlo([COUNTY, dict(COUNTY, region_id="T002")], draws=500, seed=3)
    # same inputs, own activity errors: close but not identical intervals
    assert twins[0]["emissions_t_co2e"] != twins[1]["emissions_t_co2e"]
    assert twins[0]["emissions_t_co2e"] == pytest.approx(twins[1]["emissions_t_co2e"], rel=0.05)


def test_close_calls_change_type_more_often_than_clear_ones():
    from kg.bench import generated_batch
    from kg.reason.fast import reason_batch, rules

    regions = generated_batch(300).regions
    mc = uncertainty.monte_carlo(regions, draws=200, seed=1)
    shares = np.array([u["type_change_share"] for u in mc])
    assert ((0 <= shares) & (shares <= 1)).all()
    assert (shares > 0).any() and (shares < 1).all()
    verdicts = reason_batch([r.values for r in regions], balance.account_many(regions))
    # the Monte Carlo's point-estimate type is the one `tanheng advise` gives, for every region
    base = uncertainty._TypeScoring([r.values for r in regions]).base
    order = rules().type_order
    assert [order[i] if i < len(order) else None for i in base] == [v.type_iri for v in verdicts]
    gap = np.array([sorted((s for s in v.scores.values() if s is not None), reverse=True)[:2] for v in verdicts])
    close = (gap[:, 0] - gap[:, 1]) < rules().margin
    assert shares[close].mean() > shares[~close].mean()
    assert [u["model_change_share"] for u in mc] == pytest.approx(shares.tolist())   # one model per type


def test_every_coefficient_group_and_activity_input_has_a_sourced_range():
    g = knowledge_graph()
    groups, columns = uncertainty.ranges()
    cs = balance.compile_set()
    fixed = {"gwp-ch4", "gwp-n2o", "c-to-co2", "n2o-n-to-n2o", "c-to-ch4"}      # metrics and molar ratios
    for comp in cs.flux:
        for grp in comp.groups:
            assert grp in groups or grp in fixed, (comp.line.key, grp)
        for col in comp.line.activity_fields():
            assert col in columns, (comp.line.key, col)
    for s in g.subjects(predicate=TH.lowerPct):
        assert str(g.value(s, TH.confidence)) in {"verified", "derived", "unconfirmed"}
        assert g.value(s, SKOS.note) is not None and g.value(s, DCTERMS.source) is not None


def test_multipliers_put_the_stated_range_at_the_2_5_and_97_5_percentiles():
    z = np.random.default_rng(0).standard_normal(400_000)
    for lower, upper in ((0.10, 0.10), (0.70, 2.00)):
        m = uncertainty.multipliers(z, lower, upper)
        lo, hi = np.percentile(m, [2.5, 97.5])
        assert lo == pytest.approx(1 - lower, abs=0.01) and hi == pytest.approx(1 + upper, rel=0.02)


def _examples(name):
    from kg.paths import EXAMPLES_DIR

    return str(EXAMPLES_DIR / name)


def test_cli_uncertainty_adds_intervals_to_the_json_and_a_table(capsys):
    from kg.cli import main

    assert main(["balance", _examples("typical-regions.csv"), "--format", "json", "--uncertainty", "200",
                 "--seed", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    for item in out:
        u = item["balance"]["uncertainty"]
        assert set(u) >= {"emissions_t_co2e", "sinks_t_co2e", "balance_ratio", "type_change_share",
                          "model_change_share", "draws", "seed"}
        assert u["emissions_t_co2e"][0] < item["balance"]["emissions_t_co2e"] < u["emissions_t_co2e"][1]
        assert "ipcc_categories" not in item["balance"]            # only with --detail
    assert main(["balance", _examples("typical-regions.csv"), "--format", "md", "--lang", "en",
                 "--uncertainty", "200", "--seed", "5"]) == 0
    text = capsys.readouterr().out
    assert "95 % interval" in text and "type changes" in text


def test_cli_boundary_detail_and_bad_draws(capsys):
    from kg.cli import main

    assert main(["balance", _examples("typical-regions.csv"), "--format", "json", "--boundary", "territorial",
                 "--detail"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(i["balance"]["boundary"] == "territorial" and "electricity" in i["balance"]["memo"] for i in out)
    assert out[0]["balance"]["ipcc_categories"]["coal"] == "1.A"
    assert main(["balance", _examples("typical-regions.csv"), "--uncertainty", "1"]) == 2
    assert "100,000" in capsys.readouterr().err


def test_monte_carlo_draws_land_in_the_results_table(tmp_path):
    """Issue 12 item 4 / issue 14 item 5: `balance --uncertainty N --results DIR` writes every draw (scenario
    'monte-carlo', draw 1 … N) to the tidy table; its percentiles are the intervals the account reports."""
    import contextlib
    import io

    from kg.cli import main
    from kg.pipeline import results

    out = tmp_path / "b.json"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["balance", str(EXAMPLES_DIR / "typical-regions.csv"), "--uncertainty", "200", "--seed", "5",
                     "--format", "json", "--results", str(tmp_path / "res")]) == 0
    out.write_text(buf.getvalue())
    accounts = {r["region_id"]: r["balance"] for r in json.loads(out.read_text())}
    _, rows = results.query(tmp_path / "res", "SELECT region_id, count(DISTINCT draw), min(draw), max(draw), "
                            "quantile_cont(value, 0.025), quantile_cont(value, 0.975) FROM results "
                            "WHERE figure = 'net_t_co2e' AND scenario = 'monte-carlo' GROUP BY region_id")
    assert {r[0] for r in rows} == set(accounts)
    for rid, n, first, last, lo, hi in rows:
        assert (n, first, last) == (200, 1, 200)
        assert [lo, hi] == pytest.approx(accounts[rid]["uncertainty"]["net_t_co2e"], rel=1e-9)
    assert main(["balance", str(EXAMPLES_DIR / "typical-regions.csv"), "--results", str(tmp_path / "x")]) == 2


def _draws_of(regions, **kw):
    kept = {}
    out = uncertainty.monte_carlo(regions, keep_draws=lambda sl, e, s: kept.update({sl.start: (e, s)}), **kw)
    return out, kept


def test_a_region_gets_the_same_draws_whatever_else_the_run_holds():
    """Issue 12 item 4: a sweep split into parts (processes, cluster tasks) must give one process's numbers. Each
    region draws from streams named by its block, column and line — not from what else the batch holds."""
    from kg.bench import generate, batch_from_rows

    rows = generate(600, seed=4)
    for r in rows[300:]:
        r.pop("cattle_head")                         # the second half lacks a line the first half has
    regions = batch_from_rows(rows).regions
    whole, whole_draws = _draws_of(regions, draws=60, seed=11)
    block = uncertainty.CHUNK
    head, head_draws = _draws_of(regions[:2 * block], draws=60, seed=11)
    tail, tail_draws = _draws_of(regions[2 * block:], draws=60, seed=11, first=2 * block)
    assert whole == head + tail
    assert sorted(whole_draws) == [0, block, 2 * block]
    for start, (e, s) in {**head_draws, **{2 * block + k: v for k, v in tail_draws.items()}}.items():
        assert (e == whole_draws[start][0]).all() and (s == whole_draws[start][1]).all()
    with pytest.raises(ValueError):
        uncertainty.monte_carlo(regions[:10], draws=10, seed=1, first=5)
    # without a seed, the one drawn is reported and repeats the run
    fresh = uncertainty.monte_carlo(regions[:3], draws=40)
    assert isinstance(fresh[0]["seed"], int)
    assert uncertainty.monte_carlo(regions[:3], draws=40, seed=fresh[0]["seed"]) == fresh


@pytest.mark.cluster
@pytest.mark.slow
def test_monte_carlo_on_a_local_cluster_gives_one_process_numbers(tmp_path, monkeypatch, capsys):
    """Issue 12 item 4: Monte Carlo sweeps on a real Dask LocalCluster (2 workers), three tasks of whole blocks:
    the intervals and every draw written to the results dataset equal those of one process."""
    from kg.bench import generated_batch
    from kg.cli import main
    from kg.pipeline import results, sweeps

    regions = generated_batch(600, seed=5).regions
    monkeypatch.setattr(sweeps, "MC_BLOCKS_PER_TASK", 1)                  # 600 regions → 3 tasks
    here_draws, there_draws = {}, {}
    here = sweeps.monte_carlo(regions, draws=50, seed=21,
                              keep_draws=lambda sl, e, s: here_draws.update({sl.start: (e, s)}))
    there = sweeps.monte_carlo(regions, cluster="local", draws=50, seed=21,
                               keep_draws=lambda sl, e, s: there_draws.update({sl.start: (e, s)}))
    assert there == here
    assert sorted(there_draws) == sorted(here_draws) == [0, 256, 512]
    assert all((there_draws[k][0] == here_draws[k][0]).all() and (there_draws[k][1] == here_draws[k][1]).all()
               for k in here_draws)
    # as a user runs it: the same JSON and the same results table with and without --cluster
    answers = []
    for name, extra in (("one", []), ("dask", ["--cluster", "local"])):
        assert main(["balance", str(EXAMPLES_DIR / "typical-regions.csv"), "--uncertainty", "100", "--seed", "5",
                     "--format", "json", "--results", str(tmp_path / name), *extra]) == 0
        table = results.query(tmp_path / name, "SELECT * FROM results ORDER BY region_id, figure, draw")
        answers.append((json.loads(capsys.readouterr().out), table))
    assert answers[0] == answers[1]
    assert main(["balance", str(EXAMPLES_DIR / "typical-regions.csv"), "--cluster", "local"]) == 2
    assert "--uncertainty" in capsys.readouterr().err
