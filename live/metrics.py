"""Prometheus metrics of a live session, on a loopback port (``live.metrics_port``).

Histograms are observed on the hot path (sub-ms buckets); everything else (messages by
kind, bad frames, sequence gaps, trading state, heartbeat age, ticks lost) is read from
the runner's own counters when Prometheus scrapes, so it costs nothing per message.
Names follow Prometheus conventions: prefix ``ticklab_``, base units, ``_total`` counters.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

BUCKETS = (25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 50e-3, 0.25, 1.0)


class Metrics:
    def __init__(self, runner, port: int | None = None):
        self.r = runner
        self.registry = CollectorRegistry()
        self.tick_to_decision = Histogram(
            "ticklab_tick_to_decision_seconds", "A tick's frame read to the core's orders "
            "handed to the venue (shadow: per batch of ticks read together, its last)", buckets=BUCKETS, registry=self.registry)
        self.decision_to_ack = Histogram(
            "ticklab_decision_to_ack_seconds", "A command sent to the EA's ack",
            buckets=BUCKETS, registry=self.registry)
        self.registry.register(self)
        self.port = None
        if port is not None:
            server, _ = start_http_server(int(port), addr="127.0.0.1", registry=self.registry)
            self.port = server.server_port

    def describe(self):
        return []

    def collect(self):
        r, link = self.r, self.r.link
        c = link.counters             # copies: the loop may change them while we read
        m = CounterMetricFamily("ticklab_messages", "Messages by direction and kind",
                                labels=["direction", "kind"])
        for kind, n in list(c.received.items()):
            m.add_metric(["in", kind], n)
        for kind, n in list(c.sent.items()):
            m.add_metric(["out", kind], n)
        yield m
        bad = CounterMetricFamily("ticklab_bad_frames", "Frames refused, by reason",
                                  labels=["reason"])
        for reason, n in list(c.bad.items()):
            bad.add_metric([reason], n)
        yield bad
        st = r.stats
        yield CounterMetricFamily("ticklab_ticks", "Ticks fed to the core", value=st.ticks)
        yield CounterMetricFamily("ticklab_ticks_lost", "Ticks missing (sym_seq gaps)",
                                  value=st.ticks_lost)
        yield CounterMetricFamily("ticklab_decisions", "Orders the core sent",
                                  value=st.decisions)
        rej = CounterMetricFamily("ticklab_orders_rejected", "Orders refused, by stage",
                                  labels=["stage"])
        rej.add_metric(["risk"], int(st.denials))
        rej.add_metric(["ea"], r.ea.refused if r.ea is not None else 0)
        rej.add_metric(["broker"], r.ea.rejected if r.ea is not None else 0)
        yield rej
        peer = r.peer
        yield CounterMetricFamily("ticklab_sequence_gaps", "Messages missing from the EA",
                                  value=peer.missing if peer else 0)
        yield GaugeMetricFamily("ticklab_trading_state", "0 ACTIVE, 1 REDUCING, 2 HALTED",
                                value=r.trading_state())
        yield GaugeMetricFamily("ticklab_ea_heartbeat_age_seconds", "Since the EA's last "
                                "message", value=time.monotonic() - peer.last_rx if peer else -1)
        yield GaugeMetricFamily("ticklab_ea_connected", "1 when the EA's last message is "
                                "fresh", value=float(r.status()["ea_connected"]))
