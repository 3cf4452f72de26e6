"""What-if: sliders that change a region's activity data by a percentage and
recompute its carbon balance through kg.account.scenario.run (the app computes nothing
itself). A fragment, so moving a slider reruns only this panel."""
from __future__ import annotations

import streamlit as st

from app.advice_view import balance_panel
from kg.present.numbers import number, ratio
from app.i18n import lang, pick, t
from app.widgets import md
from kg.account import balance, scenario
from kg.errors import UserError
from kg.knowledge import catalog
from kg.present import scenario as scenario_view


@st.fragment
def whatif_panel(analysis: dict, region: dict, advice: dict, index: int) -> None:
    """The sliders, the balance after the changes, and the region's report downloads (in this fragment,
    so that the report always carries the sliders as they stand)."""
    st.markdown(f"### {t('whatif.title')}")
    changes = _sliders_and_result(analysis, region)
    st.session_state.setdefault("whatif_changes", {})[region["region_id"]] = changes
    st.markdown(f"### {t('diag.downloads')}")
    from app.session import region_report_buttons

    region_report_buttons(analysis, advice, index, key="dl")


def _sliders_and_result(analysis: dict, region: dict) -> dict:
    profile = analysis["batch"].get(region["region_id"])
    if profile is None:
        return {}
    values = dict(profile.values)
    labels = {f["key"]: f for f in catalog.profile_fields()}
    # only numeric inputs the region reported can be scaled
    fields = [f for f in balance.input_fields() if isinstance(values.get(f), (int, float))]
    if not fields:
        st.caption(t("whatif.nothing"))
        return {}
    st.caption(t("whatif.caption"))
    changes = {}
    cols = st.columns(3)
    for i, f in enumerate(fields):
        name = pick(labels[f], "label") if f in labels else f
        pct = cols[i % 3].slider(name, -100, 100, 0, step=5, format="%d%%",
                                 key=f"whatif_{region['region_id']}_{f}")
        if pct:
            changes[f] = f"{pct:+d}%"
    if not changes:
        return {}
    coefficient_set = st.session_state.get("coefficient_set") or "default"
    try:
        result = scenario.run(values, changes, region_id=region["region_id"], coefficient_set=coefficient_set)
    except UserError as exc:  # a message naming region, field and value
        st.error(md(exc.message(lang())))
        return changes
    # the changed profile is validated like a file: a broken rule (forest larger than the county)
    # is an error above the figures, a warning a warning
    checks = scenario_view.validation_lines(result, region["region_id"], lang(), labelled=True)
    if checks:
        (st.warning if result["after_valid"] else st.error)(md("  \n".join(checks)))
    totals = result["totals"]
    c = st.columns(4)
    for col, key, label, shown in zip(c, ("emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio"),
                                      ("balance.emissions", "balance.sinks", "balance.net", "balance.ratio"),
                                      (number, number, number, ratio)):
        change = totals[key]["change"]
        col.metric(t(label), shown(totals[key]["after"]), delta=None if change is None else shown(change),
                   delta_color="inverse" if key in ("emissions_t_co2e", "net_t_co2e") else "normal")
    with st.expander(t("whatif.after")):
        balance_panel(result["after"], key=f"whatif_{region['region_id']}")
    return changes
