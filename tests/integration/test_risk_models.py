"""The delinquency models on a synthetic book of 2,000 loans over two years: features at a month
end read nothing after it, training is reproducible, reason codes add up with the base value
to the model's output, scores are the model's probabilities, and the measures are honest."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from html import unescape

import numpy as np
import pytest
from sqlalchemy import Engine, delete, select, update

from integration.api_client import rows, staff_browser
from lms.demo.synthetic_risk import build
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.migrate import upgrade
from lms.platform.errors import InvalidError
from lms.risk import measures
from lms.risk.features import NAMES, eligible, features, outcomes
from lms.risk.models import LoanMonth, LoanScore, RiskBin, RiskModel
from lms.risk.monitoring import alerts, judged_month, realised, stability
from lms.risk.overview import loan_risk, overview
from lms.risk.scoring import WORDS, booster, contributions, explain, score
from lms.risk.training import dataset, train
from lms.servicing.models import Loan

LAST = date(2026, 10, 31)
AT = date(2026, 3, 31)


def _book(db_url: str, engine: Engine, loans: int = 2000) -> UnitOfWork:
    upgrade(db_url)
    sessions = make_session_factory(engine)
    with UnitOfWork(sessions) as uow:
        build(uow, loans=loans, months=24, last=LAST)
        uow.commit()
    return UnitOfWork(sessions)


def test_features_at_a_month_end_read_nothing_after_it(db_url: str, engine: Engine) -> None:
    with _book(db_url, engine) as uow:
        before = features(uow, AT)
        bad = outcomes(uow, eligible(before, "dpd30"), "dpd30")
        assert len(before.loan_ids) > 1000 and 0 < bad.sum() < len(bad)
        # every later month made as bad as can be, and the loans' later fates changed
        uow.session.execute(update(LoanMonth).where(LoanMonth.month > AT).values(
            dpd=999, max_dpd=999, overdue_days=31, bounces=9, broken_promises=9))  # fmt: skip
        uow.session.execute(update(Loan).where(Loan.status != "active").values(
            status="active", closed_on=None, written_off_on=None))  # fmt: skip
        after = features(uow, AT)
        assert np.array_equal(before.loan_ids, after.loan_ids)
        assert np.array_equal(before.matrix, after.matrix, equal_nan=True)
        # while the outcomes, which look ahead, see it
        assert outcomes(uow, eligible(after, "dpd30"), "dpd30").all()


def test_training_scoring_and_reason_codes(db_url: str, engine: Engine) -> None:
    with _book(db_url, engine) as uow:
        first = train(uow, target="dpd30", actor="risk-team")
        second = train(uow, target="dpd30", actor="risk-team")
        # the same history and seed: the same trees, byte for byte, and the same measures
        assert first.booster == second.booster and first.card["held_out"] == second.card["held_out"]
        assert (first.version, second.version, first.active, second.active) == (1, 2, False, True)
        card = second.card
        assert card["months"]["held_out"] == ["2026-05-31", "2026-06-30", "2026-07-31"]
        assert card["months"]["learnt_from"][-1] == "2026-02-28"  # its outcomes end by 31 May
        # the measures of the held-out months, recomputed here from the model and the data
        held = tuple(date.fromisoformat(m) for m in card["months"]["held_out"])
        x, y = dataset(uow, held, "dpd30", tuple(card["branches"]))
        p = booster(second.id, second.booster).predict(x)
        assert card["held_out"]["model"]["auc"] == round(measures.auc(y, p), 4)
        assert card["held_out"]["dpd_rule"]["auc"] == round(
            measures.auc(y, x[:, NAMES.index("dpd")]), 4
        )
        assert card["held_out"]["model"]["auc"] > card["held_out"]["dpd_rule"]["auc"]
        # reason codes: the contributions and the base value add up to the model's log-odds
        parts = contributions(second, x)
        raw = booster(second.id, second.booster).predict(x, raw_score=True)
        assert np.allclose(parts.sum(axis=1), raw, rtol=0, atol=1e-9)
        assert score(uow, LAST) > 500
        assert score(uow, LAST) == 0  # scored once
        stored = uow.session.scalars(select(LoanScore).where(LoanScore.month == LAST)).all()
        frame = eligible(features(uow, LAST, branches=tuple(card["branches"])), "dpd30")
        probability = dict(zip(frame.loan_ids.tolist(),
                               booster(second.id, second.booster).predict(frame.matrix),
                               strict=True))  # fmt: skip
        assert {s.loan_id for s in stored} == set(probability)
        for s in stored:
            # in parts per million, rounded (from the contributions: within one part of it)
            assert math.isclose(s.pd_ppm, 1_000_000 * probability[s.loan_id], abs_tol=1)
            assert s.model_id == second.id
        worst = max(stored, key=lambda s: s.pd_ppm)
        assert worst.band == "E"
        # its reasons, worked out when read: the three largest contributions that raise it
        row = frame.matrix[frame.loan_ids == worst.loan_id]
        parts = contributions(second, row)[0][:-1]
        top = [NAMES[k] for k in np.argsort(-parts)[:3]]
        assert all(parts[NAMES.index(n)] > 0 for n in top)
        why = loan_risk(uow, worst.loan_id).scores[0][4]
        assert [w.split(":")[0] for w in why] == [WORDS[n] for n in top]
        # terms changed after scoring: the reasons are of the loan now, and say so
        uow.session.execute(update(Loan).where(Loan.id == worst.loan_id).values(
            principal=Decimal("9999999"), annual_rate=Decimal("9.5")))  # fmt: skip
        why = loan_risk(uow, worst.loan_id).scores[0][4]
        assert (
            why[-1] == "(worked out from the loan's terms now, which changed after it was scored)"
        )


def test_too_short_a_history_is_refused(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    sessions = make_session_factory(engine)
    with UnitOfWork(sessions) as uow:
        build(uow, loans=200, months=6, last=LAST)
        with pytest.raises(InvalidError) as refused:
            train(uow, target="dpd30", actor="risk-team")
        assert refused.value.problems == [("history", "3 month ends have 3 months of history "
            "after them; at least 6 are needed (the last 3 held out, the ones learnt from ending "
            "3 months before them)")]  # fmt: skip
        with pytest.raises(InvalidError):
            train(uow, target="dpd60", actor="risk-team")
        assert uow.session.scalars(select(RiskModel)).all() == []


def _learnt_psi(edges: list[float], learnt: list[float], values: np.ndarray) -> float:
    """PSI against the learnt shares, the loans counted one by one (a bin holds the values up
    to and including its upper edge; the last bin, the unknowns)."""
    found = [0] * (len(edges) + 2)
    for v in values.tolist():
        found[
            -1 if math.isnan(v) else next((k for k, e in enumerate(edges) if v <= e), len(edges))
        ] += 1
    shares = [max(n / len(values), 0.0001) for n in found]
    return sum((a - e) * math.log(a / e) for a, e in zip(shares, learnt, strict=True))


def test_stability_realised_rates_and_alerts(db_url: str, engine: Engine) -> None:
    june, july = date(2026, 6, 30), date(2026, 7, 31)
    with _book(db_url, engine) as uow:
        model = train(uow, target="dpd30", actor="risk-team")
        assert stability(uow, model, july) == []  # nothing scored at July yet
        score(uow, june)
        scored = score(uow, july)
        assert judged_month(uow, "dpd30") == july  # October's three months are not in yet
        bands = realised(uow, "dpd30", july)
        assert sum(b.loans for b in bands) == scored
        frame = eligible(features(uow, july, branches=tuple(model.card["branches"])), "dpd30")
        assert (
            sum(round(b.realised * b.loans) for b in bands) == outcomes(uow, frame, "dpd30").sum()
        )
        rates = [b.realised for b in bands if b.loans >= 30]
        assert rates == sorted(rates) and rates[0] < rates[-1]  # the riskier bands went bad more
        # a month like the ones learnt from is stable; shift July's arrears and it is not
        steady = {s.name: s for s in stability(uow, model, july)}
        ref = model.card["reference"]
        for k, name in enumerate(NAMES):  # the bins kept at scoring: the loans' own figures
            bins = ref["features"][name]
            want = _learnt_psi(bins["edges"], bins["shares"], frame.matrix[:, k])
            assert math.isclose(steady[name].against_learnt, want, abs_tol=1e-12)
        p = booster(model.id, model.booster).predict(frame.matrix)
        want = _learnt_psi(ref["score"]["edges"], ref["score"]["shares"], p)
        assert math.isclose(steady["score"].against_learnt, want, abs_tol=1e-12)
        assert steady["score"].against_learnt < 0.1 and steady["dpd"].month_on_month is not None
        assert stability(uow, model, june)[0].month_on_month is None  # May was not scored
        assert not [a for a in alerts(list(steady.values()), []) if a.startswith("dpd:")]
        uow.session.execute(update(LoanMonth).where(LoanMonth.month == july).values(
            dpd=LoanMonth.dpd + 25, max_dpd=LoanMonth.max_dpd + 25))  # fmt: skip
        for kept in (LoanScore, RiskBin):  # July scored again on the shifted months
            uow.session.execute(delete(kept).where(kept.month == july))
        score(uow, july)
        shifted = stability(uow, model, july)
        found = alerts(shifted, [])
        assert any(a.startswith("dpd: PSI ") and "month on month" in a for a in found)
        assert any(a.startswith("score: PSI ") for a in found)


def test_the_risk_page_and_the_loan_page(db_url: str, engine: Engine) -> None:
    with _book(db_url, engine) as uow:
        model = train(uow, target="dpd30", actor="risk-team")
        score(uow, LAST)
        shown = overview(uow, branch=None)
        worst = uow.session.scalar(select(LoanScore).order_by(LoanScore.pd_ppm.desc()).limit(1))
        safest = uow.session.scalar(select(LoanScore).order_by(LoanScore.pd_ppm).limit(1))
        assert worst is not None and safest is not None and safest.band == "A"
        frame = features(uow, LAST, low=safest.loan_id, high=safest.loan_id,
                         branches=tuple(model.card["branches"]))  # fmt: skip
        told = explain(uow, model, frame.matrix, frame.branches)[0]
        uow.commit()
    assert [b.band for b in shown.bands] == sorted(b.band for b in shown.bands)
    with staff_browser(db_url, ("risk",)) as browser:
        page = browser.get("/app/risk")
        assert page.status_code == 200
        models = rows(page.text, "models-table")
        held = model.card["held_out"]
        assert models[0][1:2] == ["1"]
        assert models[0][4] == f"{held['model']['auc']:.3f} ({held['dpd_rule']['auc']:.3f})"
        bands = rows(page.text, "bands-table")
        assert [r[0] for r in bands] == [b.band for b in shown.bands]
        assert [int(r[1]) for r in bands] == [b.loans for b in shown.bands]
        forecast = rows(page.text, "forecast-table")
        assert len(forecast) == 7 and forecast[0][0] == f"{LAST} (now)"
        loan = browser.get(f"/app/loans/{worst.loan_id}")
        assert f"Risk: band {worst.band}</h2>" in loan.text  # scoring the newest month bands it
        scored = rows(loan.text, "loan-scores")
        assert scored[0][3] == worst.band and len(unescape(scored[0][4]).split("; ")) == 3
        # reasons are worked out when the page is opened, the safest loan's too
        shown = rows(browser.get(f"/app/loans/{safest.loan_id}").text, "loan-scores")
        assert shown[0][3] == "A" and unescape(shown[0][4]) == ("; ".join(told) or "-")
    with staff_browser(db_url, ("branch_manager",), ["PUN01"]) as browser:
        mine = browser.get("/app/risk")
        assert mine.status_code == 200 and '<option value="PUN01" selected>' in mine.text
        assert "the whole book" not in mine.text
        assert browser.get("/app/risk", params={"branch": "BLR01"}).status_code == 404
