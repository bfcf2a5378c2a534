"""One factory makes the decision core from the same config groups as ``ticklab backtest``."""

import numpy as np

from sim.api import compose
from sim.core.enums import AccountMode, TradingState
from sim.core_config import build_core
from sim.data.symbols import load_symbol


def test_build_core_from_config_reads_strategy_risk_and_account():
    # Arrange
    cfg = compose(["strategy.fast=20", "strategy.slow=80", "account=hedging",
                   "account.balance=2500", "risk.max_order_lots=1.5"])
    # Act
    core = build_core(cfg, [load_symbol("EURUSD"), load_symbol("USDJPY")])
    # Assert
    rec = core.record
    assert rec["mode"] == AccountMode.HEDGING and rec["n_sym"] == 2
    assert rec["balance"] == rec["equity"] == 2500.0
    assert rec["limits"]["max_order_lots"] == 1.5 and not rec["limits"]["kill"]
    assert rec["trading_state"] == TradingState.ACTIVE and rec["next_cid"] == 1
    assert rec["spec"][1]["digits"] == 3 and rec["spec"][0]["digits"] == 5
    assert np.isclose(core.params[0]["alpha_fast"], 2 / 21)
