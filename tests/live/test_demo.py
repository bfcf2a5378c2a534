"""Demo mode against the fake EA as the demo account: orders go out as commands, fills come
back through the core, and the journal reconciles with the fake EA's own record."""

from collections import Counter

import pytest
from live_session import live_config, run_session, sample

from live.fake_ea import EAOptions
from live.journal import read_journal
from live.reconcile import differences


@pytest.mark.parametrize("account", ["netting", "hedging"])
def test_demo_orders_fill_through_the_core_and_reconcile(tmp_path, account):
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo",
                      f"account={'hedging' if account == 'hedging' else 'default'}")
    runner, ea, why = run_session(cfg, sample(40_000),
                                  EAOptions(speed=0, mode="demo", account=account,
                                            linger_s=5.0))  # a loaded runner may lag
    assert why == "bye"
    rows = read_journal(tmp_path / "s.sqlite", runner.session)
    kinds = Counter(r["kind"] for r in rows)
    broker = ea.broker.venue.state
    n_deals = int(broker.account["n_deals"])
    # every decision went out once, was accepted once and filled once; nothing in flight
    assert kinds["decision"] == kinds["command"] == kinds["ack"] == n_deals > 100
    assert kinds["deal"] == n_deals == int(runner.core.record["n_fills"])
    cids = [r["cid"] for r in rows if r["kind"] == "command"]
    assert len(set(cids)) == len(cids)
    assert not runner.ea.inflight and not runner.ea.unknown
    # the journal's deals are the broker's own deals, in order (price, lots, side)
    ours = [(r["price"], r["volume"], r["deal_type"]) for r in rows if r["kind"] == "deal"]
    deals = broker.V[2][:n_deals]
    theirs = [(float(d["price"]), float(d["volume"]), 0 if d["type"] == 0 else 1)
              for d in deals]
    assert ours == theirs
    # the core's book equals the broker's positions; the session reconciled at its start
    assert differences(runner.core, runner.names, ea.broker.snapshot(0, 0, "")) == []
    assert kinds["reconcile"] == 1 and all(r["ok"] for r in rows if r["kind"] == "reconcile")
    assert runner.core.record["balance"] == pytest.approx(float(broker.account["balance"]))


def test_demo_refuses_a_real_account(tmp_path):
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo")
    runner, ea, why = run_session(cfg, sample(2_000), EAOptions(speed=0, mode="demo",
                                                                trade_mode="real",
                                                                hello_timeout_s=3))
    assert why.startswith("error: mode=demo on a real account")
