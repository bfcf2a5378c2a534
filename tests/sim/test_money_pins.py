"""Rules that mutation testing found unpinned (`./dev mutate`, docs/execution.md "Mutation
testing"): each mutant below survived the whole suite until this file.  Every expected
figure is computed by hand from mt-execution.md, never by the code under test.

Common setup (mt-execution.md 11): USD account, leverage 1:100, EURUSD contract 100 000.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import strategies.scripted as sc
from sim.config import AccountConfig, ExecutionConfig, symbol_records
from sim.core.decision import DecisionCore
from sim.core.enums import (
    AccountMode,
    Action,
    CalcMode,
    OrderState,
    OrderType,
    Retcode,
    Side,
    TradingState,
)
from sim.data.symbols import SymbolSpec
from sim.venue.money import profit_ccy_nb, round_money_nb
from sim.venue.sim_venue import SimVenue
from tests.sim.venue_cases import EURUSD, T0, S, close, done, new, plain, run

TUE_ROLL = pd.Timestamp("2024-01-16T22:00:00Z").value      # server midnight ending Tuesday
WED_ROLL = pd.Timestamp("2024-01-17T22:00:00Z").value      # ... ending Wednesday (x3)


# -- swaps (4.1) --

@pytest.mark.parametrize("otype,swap", [
    # mutant: the 360-day year of interest swaps made 365.
    # EURUSD long 1.00, -3.6 %: 100 000 EUR x 3.6 / 100 / 360 = 10.00 EUR x BID 1.20000
    # = -12.00 USD (365 days: 9.863 EUR -> -11.84)
    (OrderType.BUY, -12.00),
    # short +3.6 %: +10.00 EUR x ASK 1.20100 = +12.01 USD (365 days: +11.85)
    (OrderType.SELL, 12.01),
])
def test_forex_interest_swap_uses_a_360_day_year(otype, swap):
    eu = plain("EURUSD", swap_mode="interest_open", swap_long=-3.6, swap_short=3.6,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    q = {0: [(T0, 1.10000, 1.10010), (TUE_ROLL - S, 1.20000, 1.20100),
             (TUE_ROLL + S, 1.20000, 1.20100)]}
    r = run([eu], q, [new(T0, otype, 1.0), close(TUE_ROLL + S, 1001, 1.0)], swaps=True,
            balance=100_000.0)
    assert done(r)[1]["swap"] == swap


def test_cfd_interest_swap_uses_a_360_day_year_and_the_open_price():
    # mutant: 360 -> 365 in the CFD branch.  US500 CFD (USD), contract 10, long 2.00 opened
    # at ask 3 600.0, -7.2 %: lot cost 10 x 3 600.0 = 36 000; 36 000 x 2 x 7.2 / 100 / 360
    # = 14.40 a night; Tuesday x1 -> -14.40 (365 days: -14.20).  The close quote differs
    # from the open (3 700.0), and interest_open prices the lot at the open.
    us500 = SymbolSpec(name="US500", digits=1, tick_size=0.1, contract_size=10,
                       calc_mode="cfd", currency_base="USD", currency_profit="USD",
                       currency_margin="USD", volume_min=0.1, volume_step=0.1,
                       volume_max=100, swap_mode="interest_open", swap_long=-7.2,
                       swap_short=-7.2, swap_days=(0, 1, 1, 1, 1, 1, 0))
    q = {0: [(T0, 3_599.5, 3_600.0), (TUE_ROLL - S, 3_699.5, 3_700.0),
             (TUE_ROLL + S, 3_699.5, 3_700.0)]}
    r = run([us500], q, [new(T0, OrderType.BUY, 2.0), close(TUE_ROLL + S, 1001, 2.0)],
            swaps=True, balance=100_000.0)
    assert done(r)[1]["swap"] == -14.40


@pytest.mark.parametrize("otype,swap", [
    # mutant: a deposit-currency swap that ignores the volume.
    # currency_deposit, -5.00 USD per lot long, 0.30 lot: Tuesday x1 -1.50, Wednesday x3
    # -4.50 -> -6.00 (ignoring the volume: -20.00)
    (OrderType.BUY, -6.00),
    # +2.00 USD per lot short: 0.30 x 2.00 x (1 + 3) = +2.40 (ignoring the volume: +8.00)
    (OrderType.SELL, 2.40),
])
def test_deposit_currency_swap_is_per_lot(otype, swap):
    eu = plain("EURUSD", swap_mode="currency_deposit", swap_long=-5.0, swap_short=2.0,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    q = {0: [(T0, 1.10000, 1.10010), (WED_ROLL + S, 1.10000, 1.10010)]}
    r = run([eu], q, [new(T0, otype, 0.3), close(WED_ROLL + S, 1001, 0.3)], swaps=True)
    assert done(r)[1]["swap"] == swap


# -- the entry check deducts the entry commission (3.2) --

@pytest.mark.parametrize("balance,retcodes", [
    # mutant: a free-margin check that ignores the entry commission.
    # Buy 1.00 at ask 1.10010 needs 1 000 EUR x 1.10010 = 1 100.10 USD and pays 3.50 at once.
    # balance 1 102.00: 1 102.00 - 3.50 - 0 = 1 098.50 < 1 100.10 -> 10019 (without the
    # commission 1 102.00 >= 1 100.10 would fill)
    (1_102.00, [Retcode.NO_MONEY]),
    # balance 1 104.00: 1 104.00 - 3.50 = 1 100.50 >= 1 100.10 -> filled
    (1_104.00, [Retcode.DONE]),
])
def test_entry_check_deducts_the_commission(balance, retcodes):
    eu = plain("EURUSD", commission_per_lot=3.5)
    r = run([eu], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, OrderType.BUY, 1.0)],
            balance=balance, commission=True)
    assert r.deals["retcode"].tolist() == retcodes
    # a rejection row takes no deal ticket (0); an executed deal the first one
    assert r.deals["deal"].tolist() == ([0] if retcodes == [Retcode.NO_MONEY] else [1])
    if retcodes == [Retcode.DONE]:
        assert r.account[0]["balance"] == pytest.approx(balance - 3.50, abs=1e-9)
        assert r.account[0]["margin"] == pytest.approx(1_100.10, abs=1e-9)


# -- routing: volumes go down to the lot step, never up --

def core_for(rows, limits=None):
    p = sc.Params(rows=tuple(rows))
    syms = symbol_records([EURUSD], AccountConfig())
    return DecisionCore(sc, sc.make_params(p), syms, AccountMode.NETTING, 10_000.0,
                        limits=limits, data=sc.make_data(p))


def test_volumes_round_down_to_the_lot_step():
    # mutant: lot-step rounding that rounds up.  EURUSD step 0.01:
    # 0.157 = 15.7 steps -> 15 -> 0.15; 0.0999999 = 9.99999 steps -> 9 -> 0.09;
    # 0.30 stays 0.30 (0.30 / 0.01 is 29.999999999999996 in floats: not 0.29)
    rows = [new(T0, OrderType.BUY, 0.157), new(T0, OrderType.BUY, 0.0999999),
            new(T0, OrderType.SELL, 0.30)]
    out = core_for(rows).tick(T0, 0, 1.10000, 1.10010).copy()
    assert out["volume"].tolist() == [0.15, 0.09, 0.30]


@pytest.mark.parametrize("target,otype,volume", [
    (0.257, OrderType.BUY, 0.25),           # from flat: 25.7 steps -> 25
    (-0.0999999, OrderType.SELL, 0.09),     # 9.99999 steps -> 9
])
def test_target_volume_rounds_down_to_the_lot_step(target, otype, volume):
    out = core_for([sc.target(T0, target)]).tick(T0, 0, 1.10000, 1.10010).copy()
    assert out["type"].tolist() == [otype]
    assert out["volume"].tolist() == [volume]


# -- risk: REDUCING lets only exposure-reducing orders through --
# The risk stage (sim/core/risk.py) is being rewritten elsewhere; this pins the public
# behaviour of sim.core.decision.DecisionCore.  If the denial's retcode is renamed, adjust
# RISK_DENIAL below.  Mutant: a REDUCING check that lets everything through.

RISK_DENIAL = Retcode.RISK_HALTED


def test_reducing_denies_new_exposure_and_lets_reductions_through():
    rows = [new(T0, OrderType.BUY, 1.0),                        # ACTIVE: fills, long 1.00
            new(T0 + S, OrderType.BUY, 0.5),                    # REDUCING: more exposure
            sc.target(T0 + S, 2.0),                             # REDUCING: target 2 > 1
            new(T0 + S, OrderType.SELL, 3.0),                   # REDUCING: reverses to -2
            close(T0 + 2 * S, 1001, 0.4),                       # REDUCING: a partial close
            sc.target(T0 + 2 * S, 0.3)]                         # REDUCING: nearer zero
    core = core_for(rows)
    acct = AccountConfig(balance=10_000.0, mode="netting")
    venue = SimVenue.create([EURUSD], ExecutionConfig(commission=False, swaps=False), acct,
                            T0, T0 + 3 * S)

    def tick(t):
        venue.quote(t, 0, 1.10000, 1.10010)
        for ev in venue.events(t):
            venue.submit(core.on_event(ev), t, 0)
        out = core.tick(t, 0, 1.10000, 1.10010).copy()
        venue.submit(out, t, 0)
        for ev in venue.events(t):
            venue.submit(core.on_event(ev), t, 0)
        venue.end_tick(t)
        return out

    first = tick(T0)
    assert (first["state"] != OrderState.REJECTED).all()
    assert core.record["quote"][0]["net"] == 1.0
    core.state[0]["trading_state"] = TradingState.REDUCING
    second = tick(T0 + S)
    # all three would increase the exposure: denied by the core, never sent
    assert second["state"].tolist() == [OrderState.REJECTED] * 3
    assert second["retcode"].tolist() == [RISK_DENIAL] * 3
    assert core.record["quote"][0]["net"] == 1.0
    third = tick(T0 + 2 * S)
    # a partial close (sell 0.40) and a TARGET nearer zero (1.00 - 0.40 working = 0.60 ->
    # 0.30: a sell of 0.30) pass and fill: net 1.00 - 0.40 - 0.30 = 0.30
    assert (third["state"] != OrderState.REJECTED).all()
    assert third["volume"].tolist() == [0.4, 0.3]
    assert third["action"].tolist() == [Action.CLOSE, Action.NEW]
    assert core.record["quote"][0]["net"] == pytest.approx(0.3, abs=1e-9)


# -- found by `./dev mutate sim/venue/money.py` (docs/execution.md, "Mutation testing") --

DE40 = SymbolSpec("DE40", 1, 0.1, 1.0, "cfdleverage", "EUR", "EUR", "EUR", 0.1, 0.1, 100.0)


@pytest.mark.parametrize("close_bid,profit", [
    # mutant: "a loss" read as p < -1.0.  Non-Forex modes convert a loss at the ask of
    # EURUSD, whatever its size (2.2).  DE40 (EUR) on a USD account, EURUSD 1.08000/1.12000:
    # buy 1.0 at ask 18 000.0, close at bid 17 999.5: -0.50 EUR x ASK 1.12000 = -0.56 USD
    # (at the bid: -0.54)
    (17_999.5, -0.56),
    # a profit of +0.50 EUR at the bid: +0.50 x 1.08000 = +0.54
    (18_000.5, 0.54),
])
def test_small_loss_of_a_cfd_converts_at_the_ask(close_bid, profit):
    q = {0: [(T0, 17_999.0, 18_000.0), (T0 + S, close_bid, close_bid + 1.0)],
         1: [(T0 - S, 1.08000, 1.12000)]}
    r = run([DE40, EURUSD], q, [new(T0, OrderType.BUY, 1.0), close(T0 + S, 1001, 1.0)])
    assert done(r)[1]["profit"] == profit


@pytest.mark.parametrize("balance,retcodes,margin", [
    # mutant: the sell side's initial and maintenance margin rates swapped.  Sell 1.00 at bid
    # 1.10000: the entry check at the initial rate 1 000 EUR x 1.10000 x 2.0 = 2 200.00
    (2_150.00, [Retcode.NO_MONEY], 0.0),
    # filled; held at the maintenance rate: 1 100.00 x 1.5 = 1 650.00
    (2_250.00, [Retcode.DONE], 1_650.00),
])
def test_sell_initial_rate_checks_entry_maintenance_rate_is_held(balance, retcodes, margin):
    eu = plain("EURUSD", margin_rate_initial_sell=2.0, margin_rate_maintenance_sell=1.5)
    r = run([eu], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, OrderType.SELL, 1.0)],
            balance=balance)
    assert r.deals["retcode"].tolist() == retcodes
    assert r.account[0]["margin"] == pytest.approx(margin, abs=1e-9)


def test_hedged_cfd_covered_volume_priced_at_the_average_price():
    # mutant: every symbol's covered volume taken as fixed margin.  XAUUSD cfdleverage,
    # margin_hedged 50 (the covered volume's contract size), leverage 100, hedging:
    # buy 1.00 at ask 2 000.00 and sell 1.00 at bid 1 999.60: covered 1 lot at the average
    # open price (2 000.00 + 1 999.60) / 2 = 1 999.80: 1 x 50 x 1 999.80 / 100 = 999.90
    # (as fixed margin it would be 50 / 100 = 0.50), nothing uncovered
    xau = plain("XAUUSD")
    q = {0: [(T0, 1_999.60, 2_000.00)]}
    r = run([xau], q, [new(T0, OrderType.BUY, 1.0), new(T0, OrderType.SELL, 1.0)])
    assert done(r)["price"].tolist() == [2_000.00, 1_999.60]
    assert r.account[0]["margin"] == pytest.approx(999.90, abs=1e-9)


def test_forex_interest_swap_is_per_lot():
    # mutant: lot cost x volume made lot cost / volume.  EURUSD long 2.00, -3.6 %:
    # 2 x 100 000 EUR x 3.6 / 100 / 360 = 20.00 EUR x BID 1.20000 = -24.00 USD
    eu = plain("EURUSD", swap_mode="interest_open", swap_long=-3.6, swap_short=3.6,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    q = {0: [(T0, 1.10000, 1.10010), (TUE_ROLL - S, 1.20000, 1.20100),
             (TUE_ROLL + S, 1.20000, 1.20100)]}
    r = run([eu], q, [new(T0, OrderType.BUY, 2.0), close(TUE_ROLL + S, 1001, 2.0)], swaps=True,
            balance=100_000.0)
    assert done(r)[1]["swap"] == -24.00


def test_a_pair_that_converts_itself_uses_the_exit_price():
    # mutant: the self-conversion's MULTIPLY/DIVIDE test flipped.  USDJPY on a USD account
    # is its own conversion pair (ACC/CCY, so divide; 2.2 "the exit deal price is used"):
    # buy 1.00 at ask 150.020, close at bid 150.500: N(15 050 000) - N(15 002 000) =
    # 48 000 JPY / 150.500 = 318.937 -> +318.94 USD
    uj = plain("USDJPY")
    q = {0: [(T0, 150.000, 150.020), (T0 + S, 150.500, 150.520)]}
    r = run([uj], q, [new(T0, OrderType.BUY, 1.0), close(T0 + S, 1001, 1.0)])
    d = done(r)
    assert d["price"].tolist() == [150.020, 150.500]
    assert d[1]["profit"] == 318.94
    assert d["deal"].tolist() == [1, 2]             # deal tickets count up


MICRO = SymbolSpec("MICRO", 1, 0.1, 1.0, "cfd", "USD", "USD", "USD", 1.0, 1.0, 1_000.0,
                   margin_initial=0.8, margin_maintenance=0.4)


@pytest.mark.parametrize("balance,retcodes,margin", [
    # mutants: "fixed margin" read as margin_initial > 1 (or maintenance > 1).  A CFD with a
    # fixed margin of 0.80 per lot to enter, 0.40 while held: buy 10 lots at ask 100.0 needs
    # 10 x 0.80 = 8.00 (the formula would want 10 x 1 x 100.0 = 1 000.00)
    (7.50, [Retcode.NO_MONEY], 0.0),
    # filled; held at the maintenance margin 10 x 0.40 = 4.00
    (8.50, [Retcode.DONE], 4.00),
])
def test_fixed_margin_below_one_per_lot(balance, retcodes, margin):
    r = run([MICRO], {0: [(T0, 100.0, 100.0)]}, [new(T0, OrderType.BUY, 10.0)],
            balance=balance)
    assert r.deals["retcode"].tolist() == retcodes
    assert r.account[0]["margin"] == pytest.approx(margin, abs=1e-9)


def test_netting_add_replaces_sl_and_tp():
    # mutant: a netting add that keeps the old TP.  6.6: a new order on the same position
    # replaces SL/TP, and zero values delete them.  Buy 1.00 with SL 1.09000 / TP 1.10500,
    # then buy 1.00 with SL 1.09500 / TP 1.10300: the position has 1.09500 / 1.10300; a third
    # buy without levels deletes both.
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10000, 1.10010), (T0 + 2 * S, 1.10000, 1.10010)]}
    rows = [new(T0, OrderType.BUY, 1.0, sl=1.09000, tp=1.10500),
            new(T0 + S, OrderType.BUY, 1.0, sl=1.09500, tp=1.10300)]
    r = run([EURUSD], q, rows, mode="netting")
    assert (r.positions[0]["sl"], r.positions[0]["tp"]) == (1.09500, 1.10300)
    r = run([EURUSD], q, rows + [new(T0 + 2 * S, OrderType.BUY, 1.0)], mode="netting")
    assert (r.positions[0]["sl"], r.positions[0]["tp"]) == (0.0, 0.0)


@pytest.mark.parametrize("x,digits,want", [
    # mutant: the 1e-12 relative nudge applied downwards.  MQL NormalizeDouble: halves away
    # from zero, a decimal half stored a hair below it (2.675 is 2.67499999...) still rounds up
    (0.125, 2, 0.13), (-0.125, 2, -0.13), (2.675, 2, 2.68), (2.5, 0, 3.0), (-2.5, 0, -3.0),
    # large amounts: the float's error exceeds the 1e-9 additive nudge, the relative one
    # carries the half (1 234 567.895 x 100 is 123 456 789.49999999... in floats)
    (1_234_567.895, 2, 1_234_567.90), (-1_234_567.895, 2, -1_234_567.90),
    (12_345_678.905, 2, 12_345_678.91),
])
def test_round_money_halves_away_from_zero(x, digits, want):
    assert round_money_nb(x, digits) == want


def test_points_swap_is_per_lot():
    # mutant: points x volume made points / volume.  EURUSD points, -7.0 long, 0.50 lot:
    # -7 x 0.00001 x 100 000 x 0.50 = -3.50 USD a night; Tuesday x1, Wednesday x3 -> -14.00
    # (/ volume: -14.00 x 4 = -56.00)
    eu = plain("EURUSD", swap_mode="points", swap_long=-7.0, swap_short=2.0,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    q = {0: [(T0, 1.10000, 1.10010), (WED_ROLL + S, 1.10000, 1.10010)]}
    r = run([eu], q, [new(T0, OrderType.BUY, 0.5), close(WED_ROLL + S, 1001, 0.5)], swaps=True)
    assert done(r)[1]["swap"] == -14.00


def test_margin_of_a_pair_quoted_account_over_margin_currency_divides_by_the_deal_price():
    # mutant: 1 / deal price in the self-converting margin route made 2 / price or 1 - price.
    # A symbol named USDJPY whose margin currency is JPY (not the usual Forex layout, whose
    # margin currency is the base): on a USD account it is its own ACC/MARGIN pair, so its
    # margin converts at 1 / the deal price.  Buy 1.00 at ask 150.000: 100 000 / 100 =
    # 1 000 JPY / 150.000 = 6.67 USD (3.1: "the deal execution price is always used")
    uj = plain("USDJPY", currency_margin="JPY")
    r = run([uj], {0: [(T0, 149.980, 150.000)]}, [new(T0, OrderType.BUY, 1.0)])
    assert r.account[0]["margin"] == pytest.approx(6.67, abs=1e-9)


@pytest.mark.parametrize("digits,want", [
    # mutants: entries of the powers-of-ten table (round_money_nb takes 0..8 decimals)
    (0, 1.0), (1, 1.2), (2, 1.23), (3, 1.235), (4, 1.2346), (5, 1.23457), (6, 1.234568),
    (7, 1.2345679), (8, 1.23456789),
])
def test_round_money_every_number_of_decimals(digits, want):
    assert round_money_nb(1.234567891, digits) == want


@pytest.mark.parametrize("calc_mode,want", [
    # mutants: the Forex test of profit_ccy_nb.  Forex modes normalise each leg (2.1):
    # 0.01 lot of a 6-digit pair, contract 100 000, open 1.100006, close 1.100013:
    # N(1 100.013) - N(1 100.006) = 1 100.01 - 1 100.01 = 0.00
    (CalcMode.FOREX, 0.00), (CalcMode.FOREX_NO_LEVERAGE, 0.00),
    # the CFD modes round the difference once: N((1.100013 - 1.100006) x 100 000 x 0.01)
    # = N(0.007) = 0.01
    (CalcMode.CFD, 0.01), (CalcMode.CFDLEVERAGE, 0.01),
])
def test_forex_profit_rounds_each_leg(calc_mode, want):
    got = profit_ccy_nb(calc_mode, Side.BUY, 0.01, 1.100006, 1.100013, 100_000.0, 2)
    assert got == pytest.approx(want, abs=1e-12)


def test_hedged_fixed_margin_below_one_per_lot():
    # mutant: hedged_margin_nb's fixed-margin test read as margin_initial > 1.  MICRO with
    # margin_hedged 0.30 (fixed margin: money per covered lot), hedging: buy 10 and sell 10
    # at 100.0: covered 10 lots x 0.30 = 3.00 (as a formula: 10 x 0.30 x 100.0 = 300.00)
    micro = dataclasses.replace(MICRO, margin_hedged=0.3)
    r = run([micro], {0: [(T0, 100.0, 100.0)]},
            [new(T0, OrderType.BUY, 10.0), new(T0, OrderType.SELL, 10.0)], balance=100.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.DONE]
    assert r.account[0]["margin"] == pytest.approx(3.00, abs=1e-9)
