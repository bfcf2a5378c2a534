//+------------------------------------------------------------------+
//| TicklabEA.mq5 - MetaTrader 5 Expert Advisor for ticklab.         |
//|                                                                  |
//| Streams every tick of its symbols (CopyTicks) to ticklab over    |
//| ZeroMQ and executes ticklab's orders inside hard limits it       |
//| enforces itself.  Protocol v1 (live/protocol.py); see            |
//| mql/README.md for inputs, installation and troubleshooting.      |
//| Needs dingmaotu/mql-zmq (Include/Zmq) and its libzmq.dll +       |
//| libsodium.dll (64-bit) in MQL5/Libraries; "Allow DLL imports".   |
//+------------------------------------------------------------------+
#property copyright   "ticklab"
#property version     "1.00"
#property description "ticklab link: ticks out, orders in (ZeroMQ DEALER, protocol v1)"
#property strict

#include <Ticklab/Ea.mqh>
#include <Ticklab/Mt5.mqh>

input string       InpEndpoint="tcp://127.0.0.1:5557";   // ticklab endpoint (its ROUTER)
input ENUM_TL_MODE InpMode=TL_MODE_SHADOW;               // Mode: shadow / demo / production
input long         InpMagic=7310;                        // Magic number (one EA per magic and account)
input string       InpSymbols="";                        // Symbols, comma separated ("" = chart symbol)
input double       InpMaxLots=1.0;                       // Hard limit: lots per order
input int          InpMaxOrders=10;                      // Hard limit: open positions + pendings
input bool         InpFlattenOnSilence=false;            // ticklab silent: also close positions
input int          InpTimerMs=15;                        // Timer period, ms (10..20)
input int          InpSnapshotSec=30;                    // Periodic snapshot, seconds
input string       InpServerKey="";                      // CURVE: ticklab's public key (Z85, 40 chars)
input string       InpPublicKey="";                      // CURVE: this EA's public key (Z85)
input string       InpSecretKey="";                      // CURVE: this EA's secret key (Z85)
input string       InpContextName="__ticklab_zmq_ctx__"; // Shared ZeroMQ context name

int OnInit()
  {
   g_cfg.endpoint=InpEndpoint;
   g_cfg.mode=(int)InpMode;
   g_cfg.magic=InpMagic;
   g_cfg.symbols=InpSymbols;
   g_cfg.max_lots=InpMaxLots;
   g_cfg.max_orders=InpMaxOrders;
   g_cfg.flatten_on_silence=InpFlattenOnSilence;
   g_cfg.timer_ms=InpTimerMs;
   g_cfg.snapshot_s=InpSnapshotSec;
   g_cfg.server_key=InpServerKey;
   g_cfg.public_key=InpPublicKey;
   g_cfg.secret_key=InpSecretKey;
   g_cfg.context_name=InpContextName;
   return TlEaInit();
  }

void OnTimer()
  {
   TlEaTimer();
  }

void OnTick()
  {
   TlEaTick();
  }

void OnTradeTransaction(const MqlTradeTransaction &trans,
                        const MqlTradeRequest &request,
                        const MqlTradeResult &result)
  {
   TlMt5OnTransaction(trans);
  }

void OnDeinit(const int reason)
  {
   TlEaDeinit(reason);
  }
//+------------------------------------------------------------------+
