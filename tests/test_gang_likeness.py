"""Issue #21: gang-likeness separates counterfeit gangs from legitimate multi-platform
operators, also where no shop was flagged; `clusters --leads` and `evaluate` report it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.analysis import ganglike
from graphinv.analysis.evaluate import ranking_metrics, roc_auc
from graphinv.analysis.projection import Projection
from graphinv.analysis.weighting import build_evidence
from graphinv.cli.app import app
from tests.examples_support import load_generator


def _two_operators() -> tuple[object, list[int], list[int]]:
    """A brand (3 shops, one seller name, one phone) and a gang (3 shops, three seller
    names, one payment account); returns the evidence and both clusters' ordinals."""
    p = Projection()
    brand = [p.add_node("Shop", f"ebay:b{i}", platform=p_) for i, p_ in
             enumerate(("ebay", "etsy", "amazon"))]
    gang = [p.add_node("Shop", f"ebay:g{i}", platform=p_) for i, p_ in
            enumerate(("ebay", "etsy", "amazon"))]
    acme = p.add_node("Seller", "US:acme trading")
    phone = p.add_node("Phone", "+12025550101")
    pay = p.add_node("PaymentAccount", "payoneer:555")
    for s in brand:
        p.add_link("OPERATES", acme, s)
        p.add_link("USES_PHONE", s, phone)
    for i, s in enumerate(gang):
        p.add_link("OPERATES", p.add_node("Seller", f"CN:name {i}"), s)
        p.add_link("PAID_VIA", s, pay)
    ev = build_evidence(p)
    return ev, [ev.shop_ord[s] for s in brand], [ev.shop_ord[s] for s in gang]


def test_one_operator_is_not_gang_like_many_names_on_one_account_are() -> None:
    ev, brand, gang = _two_operators()
    fb = ganglike.cluster_features(ev, brand)  # type: ignore[arg-type]
    fg = ganglike.cluster_features(ev, gang)  # type: ignore[arg-type]
    assert fb["seller_identities"] == 0.0 and fb["shared_across_sellers"] == 0.0
    assert fg["seller_identities"] == pytest.approx(2 / 3, abs=1e-6)
    assert fg["shared_across_sellers"] == 1.0
    # No flag anywhere: structure alone ranks the gang above the brand.
    gb = ganglike.combine({**fb, "flag_risk": 0.0})
    gg = ganglike.combine({**fg, "flag_risk": 0.0})
    assert gb < 0.5 < gg
    reasons = ganglike.top_reasons({**fg, "flag_risk": 0.0})
    assert reasons[0] == {"feature": "seller_identities", "value": 0.666667,
                          "contribution": 2.666668}
    assert ganglike.top_reasons({**fb, "flag_risk": 0.0}) == []


def test_missing_seller_names_are_their_own_reason() -> None:
    p = Projection()
    shops = [p.add_node("Shop", f"ebay:s{i}") for i in range(4)]
    phone = p.add_node("Phone", "+12025550101")
    named = p.add_node("Seller", "US:acme trading")
    for i, s in enumerate(shops):
        p.add_link("USES_PHONE", s, phone)
        if i < 2:
            p.add_link("OPERATES", named, s)
    ev = build_evidence(p)
    f = ganglike.cluster_features(ev, [ev.shop_ord[s] for s in shops])
    assert f["seller_identities"] == 0.0  # the two named shops share one name
    assert f["hidden_sellers"] == 0.5
    assert ganglike.top_reasons(f)[0]["feature"] == "hidden_sellers"


def test_country_spread_relative_to_size() -> None:
    """Issue #21 item 3: a gang's shops sit in several countries, a legitimate operator's
    in its one seat; shops without a country say nothing."""
    p = Projection()
    shops = [p.add_node("Shop", f"ebay:c{i}", country=c)
             for i, c in enumerate(("CN", "HK", "TR", None, "CN"))]
    phone = p.add_node("Phone", "+12025550101")
    for s in shops:
        p.add_link("USES_PHONE", s, phone)
    ev = build_evidence(p)
    ords = [ev.shop_ord[s] for s in shops]
    f = ganglike.cluster_features(ev, ords)
    assert f["country_spread"] == 0.5  # 3 countries over 5 shops: (3 - 1) / (5 - 1)
    assert ganglike.cluster_features(ev, [ords[0], ords[4]])["country_spread"] == 0.0
    assert ganglike.cluster_features(ev, [ords[0], ords[3]])["country_spread"] == 0.0
    assert ganglike.cluster_features(ev, ords[:3])["country_spread"] == 1.0
    assert ganglike.contributions(f)["country_spread"] == ganglike.WEIGHTS["country_spread"] * 0.5


def test_reappearance_after_a_sibling_flag() -> None:
    p = Projection()
    a = p.add_node("Shop", "ebay:a", first_seen="2024-01-01")
    b = p.add_node("Shop", "ebay:b", first_seen="2024-06-01")
    ph = p.add_node("Phone", "+12025550101")
    p.add_link("USES_PHONE", a, ph)
    p.add_link("USES_PHONE", b, ph)
    p.flagged.add(a)
    p.flags[a] = ['{"flag": "takedown", "date": "2024-03-01"}']
    ev = build_evidence(p)
    shops = [ev.shop_ord[a], ev.shop_ord[b]]
    assert ganglike.cluster_features(ev, shops)["reappearance"] == 1.0
    p.flags[a] = ['{"flag": "takedown", "date": "2024-09-01"}']  # b opened before it
    assert ganglike.cluster_features(build_evidence(p), shops)["reappearance"] == 0.0


def test_roc_auc_and_top_precision_are_exact() -> None:
    assert roc_auc([True, False], [0.5, 0.5]) == 0.5
    assert roc_auc([True, True], [0.1, 0.2]) is None
    rows = [(True, True, 0.9, 0.0), (False, True, 0.8, 0.0), (True, False, 0.7, 1.0),
            (False, False, 0.1, 0.5)]
    m = ranking_metrics(rows, k=2)
    assert (m["auc"], m["auc_unflagged"], m["top_precision"]) == (0.75, 1.0, 0.5)
    assert (m["risk_auc"], m["risk_auc_unflagged"], m["risk_top_precision"]) == (0.625, 0.5, 0.5)
    # Among unflagged clusters only: the gang (0.9) first, then the legit one (0.8).
    assert (m["unflagged_top_precision"], m["risk_unflagged_top_precision"]) == (0.5, 0.5)
    assert ranking_metrics(rows, k=1)["unflagged_top_precision"] == 1.0
    # Risk ties (0.0, 0.0) at the cut count against the gang.
    assert ranking_metrics(rows, k=1)["risk_unflagged_top_precision"] == 0.0
    # A tie at the cut counts against the gangs.
    assert ranking_metrics([(False, True, 1.0, 0.0), (True, True, 1.0, 0.0)],
                           k=1)["top_precision"] == 0.0


ROWS = 5000
# The weights in graphinv/analysis/ganglike.py were calibrated on seed 11; these are others.
SEEDS = (12, 13)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_generator_gangs_rank_above_legit_operators(runner: CliRunner, tmp_path: Path,
                                                    seed: int) -> None:
    data = tmp_path / "gen"
    load_generator().generate(data, rows=ROWS, seed=seed, shapes=True)
    args = ["--data-dir", str(tmp_path / "store")]
    res = runner.invoke(app, [*args, "ingest", str(data / "listings.csv"),
                              "--flags", str(data / "flags.csv")])
    assert res.exit_code == 0, (res.output, res.exception)
    res = runner.invoke(app, [*args, "clusters", "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    clusters = json.loads(res.stdout)
    assert all(set(c["features"]) >= set(ganglike.FEATURES) for c in clusters)
    assert all(c["reasons"] == ganglike.top_reasons(c["features"]) for c in clusters)

    res = runner.invoke(app, [*args, "evaluate", "--truth", str(data / "truth.csv"),
                              "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    ev = json.loads(res.stdout)
    rk = ev["ranking"]
    assert ev["f1"] >= 0.95, ev
    assert rk["unflagged_gang_clusters"] >= 20 and rk["unflagged_legit_clusters"] >= 30, rk
    assert rk["auc"] >= 0.90, rk
    assert rk["auc_unflagged"] >= 0.85, rk
    assert rk["top_precision"] >= 0.95, rk
    # Flags alone cannot tell an unflagged gang from a brand (the baseline).
    assert rk["risk_auc_unflagged"] < 0.7, rk

    res = runner.invoke(app, [*args, "clusters", "--leads", "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    leads = json.loads(res.stdout)
    assert leads and all(c["flagged_shops"] == 0 for c in leads)
    assert len(leads) == sum(1 for c in clusters if c["flagged_shops"] == 0)
    scores = [c["gang_likeness"] for c in leads]
    assert scores == sorted(scores, reverse=True)
    assert leads[0]["reasons"], leads[0]
