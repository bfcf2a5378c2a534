"""Prometheus metrics on loopback and the dashboard, from a real session."""

import urllib.request

from live_session import live_config, run_session, sample
from rich.console import Console

from live.dashboard import render
from live.fake_ea import EAOptions


def test_metrics_are_scraped_from_loopback_and_the_dashboard_renders(tmp_path):
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo")

    def attach(runner, ea):
        runner.attach_metrics(0)                 # any free port, 127.0.0.1

    runner, ea, why = run_session(cfg, sample(20_000), EAOptions(speed=0, mode="demo"),
                                  during=attach)
    assert why == "bye"
    body = urllib.request.urlopen(f"http://127.0.0.1:{runner.metrics.port}/metrics",
                                  timeout=5).read().decode()
    for name in ("ticklab_tick_to_decision_seconds_bucket", "ticklab_decision_to_ack_seconds",
                 'ticklab_messages_total{direction="in",kind="tick"} 20000.0',
                 "ticklab_trading_state", "ticklab_ea_heartbeat_age_seconds",
                 "ticklab_sequence_gaps_total 0.0", 'ticklab_orders_rejected_total{stage="ea"}'):
        assert name in body, name
    count = next(line for line in body.splitlines()
                 if line.startswith("ticklab_tick_to_decision_seconds_count"))
    assert float(count.split()[-1]) == 20_000
    console = Console(record=True, width=100)
    console.print(render(runner))
    text = console.export_text()
    assert "demo" in text and "20,000 / 0" in text
