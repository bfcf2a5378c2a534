//+------------------------------------------------------------------+
//| Ea.mqh - the EA, shared by TicklabEA.mq4 and TicklabEA.mq5.      |
//|                                                                  |
//| OnInit -> TlEaInit: inputs, DLL permission, symbols, timer, link |
//| OnTimer -> TlEaTimer: (1) drain commands without blocking,       |
//|   (2) tick pump, (3) heartbeat, (4) status on change,            |
//|   (5) silence watchdog, hello (re)tries, periodic snapshot.      |
//| OnDeinit -> TlEaDeinit: bye, close the socket (linger 0).        |
//|                                                                  |
//| What differs between MT4 and MT5 (ticks, orders, trade events)   |
//| lives in Mt4.mqh / Mt5.mqh behind the TlPlat* functions below.   |
//+------------------------------------------------------------------+
#property strict

#include "Protocol.mqh"
#include "Json.mqh"
#include "Commands.mqh"
#include "Guards.mqh"
#include "Link.mqh"

#define TL_EA_VERSION          "1.0.0"
#define TL_DRAIN_MAX_MSGS      50        // commands per timer call ...
#define TL_DRAIN_MAX_US        5000      // ... or 5 ms of draining, whichever first
#define TL_SILENCE_HEARTBEATS  5         // ticklab silent this many periods: watchdog
#define TL_HELLO_RETRY_MS      100       // first retry after a hello that could not leave
#define TL_LOT_DIGITS          8
#define TL_MONEY_DIGITS        2
#define TL_SNAPSHOT_MARGIN     2048      // bytes kept free in a snapshot frame for its tail
#define TL_RESEND_MAX_DEALS    5000      // deals resent for one snapshot_req (the oldest first)

//+------------------------------------------------------------------+
//| The EA's inputs (filled by TicklabEA.mq4/.mq5 before TlEaInit)   |
//+------------------------------------------------------------------+
struct TlConfig
  {
   string            endpoint;
   int               mode;
   long              magic;
   string            symbols;
   double            max_lots;
   int               max_orders;
   int               timer_ms;
   int               snapshot_s;
   bool              flatten_on_silence;
   string            server_key;
   string            public_key;
   string            secret_key;
   string            context_name;
  };
//--- a deal for the `deal` message (MT5 from history, MT4 from the order-list diff)
struct TlDeal
  {
   string            symbol;
   long              deal;
   long              order;
   long              position;
   int               deal_type;
   int               entry;
   int               reason;
   double            volume;
   double            price;
   long              time_msc;
   int               order_type;
   string            cid;
   double            profit;
   double            commission;
   double            swap;
  };
//--- a pending order change for the `order_update` message
struct TlOrderUpd
  {
   string            symbol;
   long              order;
   int               order_type;
   string            state;
   double            volume;
   double            price;
   long              time_msc;
   string            cid;
   double            sl;
   double            tp;
   long              expiry_ms;
  };

//--- state (globals keep their values across a chart symbol/timeframe change:
//--- TlEaInit resets what must start afresh, the cid ring survives on purpose)
TlConfig      g_cfg;
TlLink        g_link;
TlGuards      g_guards;
TlCidRing     g_cids;
string        g_syms[];          // allow-list = the symbols this EA may stream and trade
int           g_digits[];
bool          g_stream[];        // streamed on this connection (hello_ack.symbols)
long          g_sym_seq[];       // per-symbol tick counter, from 1 after each hello_ack
long          g_ticks_sent=0;
long          g_cmd_recv=0;
long          g_bad_in=0;
long          g_hb_ms=1000;      // heartbeat period (hello_ack.heartbeat_ms)
long          g_hello_ms=0;      // TlNowMs() of the last hello that left (0: none yet)
long          g_hello_try_ms=0;
int           g_hello_fails=0;
long          g_last_hb_ms=0;
long          g_last_snap_ms=0;
long          g_start_ms=0;
int           g_status_state=-1; // last status sent (bit 0 connected, 1 trade allowed, 2 algo)
string        g_session="";
long          g_ticklab_state=0; // heartbeat.state from ticklab (informational)
string        g_open_err="";

//--- implemented by Mt4.mqh / Mt5.mqh
string TlPlatName();                                  // "MT4" / "MT5"
string TlPlatMarginMode();                            // netting / hedging / exchange
long   TlPlatServerTimeMs();                          // broker server time now, ms
int    TlPlatFillingModes(const string symbol);       // SYMBOL_FILLING_MODE flags (0 on MT4)
int    TlPlatRetcodeDone();                           // the platform's "done" code
void   TlPlatCheck(TlCmd &c);                         // platform limits (sets c.bad)
bool   TlPlatResolve(TlCmd &c);                       // our ticket? its symbol (else c.bad)
int    TlPlatOpenCount();                             // positions + pendings of our magic
void   TlPlatExecute(TlCmd &c,TlResult &r);           // place modify close close_by cancel
void   TlPlatKill(const string cid,const string scope,const bool flatten,TlResult &r);
void   TlPlatSnapshotRows(TlJsonWriter &w,int &shown,int &total);
int    TlPlatResendDeals(const long from_msc,const int cap,int &found); // deals >= from_msc
void   TlPlatTicksStart();                            // tick cursors at "now"
void   TlPlatTicksPump();                             // send what is new
void   TlPlatTimer();                                 // per timer call (MT4: order-list diff)

//+------------------------------------------------------------------+
//| Small helpers                                                    |
//+------------------------------------------------------------------+
string TlTrim(const string s)
  {
   int a=0;
   int b=StringLen(s);
   while(a<b && StringGetCharacter(s,a)<=' ')
      a++;
   while(b>a && StringGetCharacter(s,b-1)<=' ')
      b--;
   return StringSubstr(s,a,b-a);
  }
string TlComment(const string cid)
  {
   return cid=="" ? "" : "tl:"+cid;
  }
//--- the cid in an order/deal comment "tl:<cid>" ("" when absent or mangled by the server)
string TlCidFromComment(const string comment)
  {
   if(StringFind(comment,"tl:")!=0)
      return "";
   string cid=StringSubstr(comment,3);
   return TlCidValid(cid) ? cid : "";
  }
int TlSymbolIndex(const string symbol)
  {
   for(int i=0;i<ArraySize(g_syms);i++)
      if(g_syms[i]==symbol)
         return i;
   return -1;
  }
int TlDigitsOf(const string symbol)
  {
   int i=TlSymbolIndex(symbol);
   if(i>=0)
      return g_digits[i];
   if(symbol=="")
      return TL_LOT_DIGITS;
   return (int)SymbolInfoInteger(symbol,SYMBOL_DIGITS);
  }
double TlNormPrice(const double price,const string symbol)
  {
   return price>0.0 ? NormalizeDouble(price,TlDigitsOf(symbol)) : 0.0;
  }
string TlTradeModeName()
  {
   long m=AccountInfoInteger(ACCOUNT_TRADE_MODE);
   if(m==ACCOUNT_TRADE_MODE_DEMO)
      return "demo";
   if(m==ACCOUNT_TRADE_MODE_CONTEST)
      return "contest";
   return "real";
  }
bool TlDllsAllowed()
  {
   return TerminalInfoInteger(TERMINAL_DLLS_ALLOWED)!=0 && MQLInfoInteger(MQL_DLLS_ALLOWED)!=0;
  }
bool TlTradeAllowed()
  {
   return MQLInfoInteger(MQL_TRADE_ALLOWED)!=0 && TerminalInfoInteger(TERMINAL_TRADE_ALLOWED)!=0 &&
          AccountInfoInteger(ACCOUNT_TRADE_ALLOWED)!=0 && AccountInfoInteger(ACCOUNT_TRADE_EXPERT)!=0;
  }
//--- server time minus GMT, rounded to 15 minutes (TimeGMT comes from the PC clock)
long TlGmtOffset()
  {
   long diff=TlPlatServerTimeMs()/1000-(long)TimeGMT();
   long q=(long)MathRound(diff/900.0)*900;
   if(q>14*3600)
      q=14*3600;
   if(q<-14*3600)
      q=-14*3600;
   return q;
  }
//+------------------------------------------------------------------+
//| Messages to ticklab                                              |
//+------------------------------------------------------------------+
void TlSendError(const int code,const string where,const string text)
  {
   Print("TicklabEA error ",code," [",where,"]: ",text);
   TlJsonWriter w;
   w.Int("code",code);
   w.Str("where",TlClip(where,256));
   w.Str("text",TlClip(text,256));
   g_link.Send(TL_KIND_ERROR,w.Body());
  }
void TlSendAck(const string cid,const bool ok,const string reason,const int code)
  {
   TlJsonWriter w;
   w.Str("cid",cid);
   w.Bool("ok",ok);
   w.Str("reason",reason);
   if(code!=0)
      w.Int("code",code);
   g_link.Send(TL_KIND_ACK,w.Body());
  }
bool TlSendSpec(const int i)
  {
   string s=g_syms[i];
   double point=SymbolInfoDouble(s,SYMBOL_POINT);
   double tick_size=SymbolInfoDouble(s,SYMBOL_TRADE_TICK_SIZE);
   double contract=SymbolInfoDouble(s,SYMBOL_TRADE_CONTRACT_SIZE);
   if(point<=0.0 || tick_size<=0.0 || contract<=0.0)
     {
      TlSendError(TL_ERR_SYMBOL,"symbol_spec",s+": point, tick size or contract size not known yet");
      return false;
     }
   double vmax=SymbolInfoDouble(s,SYMBOL_VOLUME_MAX);
   TlJsonWriter w;
   w.Str("symbol",s);
   w.Int("digits",g_digits[i]);
   w.Num("point",point,12);
   w.Num("tick_size",tick_size,12);
   w.Num("tick_value",MathMax(SymbolInfoDouble(s,SYMBOL_TRADE_TICK_VALUE),0.0),8);
   w.Num("contract_size",contract,8);
   w.Num("volume_min",SymbolInfoDouble(s,SYMBOL_VOLUME_MIN),TL_LOT_DIGITS);
   w.Num("volume_max",vmax>1e6 ? 1e6 : vmax,TL_LOT_DIGITS);
   w.Num("volume_step",SymbolInfoDouble(s,SYMBOL_VOLUME_STEP),TL_LOT_DIGITS);
   w.Int("stops_level",SymbolInfoInteger(s,SYMBOL_TRADE_STOPS_LEVEL));
   w.Int("freeze_level",SymbolInfoInteger(s,SYMBOL_TRADE_FREEZE_LEVEL));
   w.Int("filling_modes",TlPlatFillingModes(s));
   w.Int("trade_mode",SymbolInfoInteger(s,SYMBOL_TRADE_MODE));
   w.Num("swap_long",SymbolInfoDouble(s,SYMBOL_SWAP_LONG),8);
   w.Num("swap_short",SymbolInfoDouble(s,SYMBOL_SWAP_SHORT),8);
   return g_link.Send(TL_KIND_SYMBOL_SPEC,w.Body());
  }
//--- hello, then one symbol_spec per symbol; a new connection in the protocol's sense
bool TlSendHello()
  {
   g_link.RestartOut();
   long leverage=AccountInfoInteger(ACCOUNT_LEVERAGE);
   TlJsonWriter w;
   w.Str("platform",TlPlatName());
   w.Int("build",TerminalInfoInteger(TERMINAL_BUILD));
   w.Str("ea_version",TL_EA_VERSION);
   w.Int("login",AccountInfoInteger(ACCOUNT_LOGIN));
   w.Str("server",TlClip(AccountInfoString(ACCOUNT_SERVER),256));
   w.Str("company",TlClip(AccountInfoString(ACCOUNT_COMPANY),256));
   w.Str("currency",TlClip(AccountInfoString(ACCOUNT_CURRENCY),8));
   w.Int("leverage",leverage<1 ? 1 : (leverage>100000 ? 100000 : leverage));
   w.Str("margin_mode",TlPlatMarginMode());
   w.Str("trade_mode",TlTradeModeName());
   w.Str("ea_mode",TlModeName(g_cfg.mode));
   w.BeginObj("limits");
   w.Num("max_lots",g_cfg.max_lots,TL_LOT_DIGITS);
   w.Int("max_orders",g_cfg.max_orders);
   w.BeginArr("symbols");
   for(int i=0;i<ArraySize(g_syms);i++)
      w.ElemStr(g_syms[i]);
   w.EndArr();
   w.EndObj();
   w.Int("server_time_ms",TlPlatServerTimeMs());
   w.Int("gmt_offset_s",TlGmtOffset());
   w.Bool("dlls_allowed",TlDllsAllowed());
   w.Bool("trade_allowed",TlTradeAllowed());
   w.BeginArr("symbols");
   for(int i=0;i<ArraySize(g_syms);i++)
      w.ElemStr(g_syms[i]);
   w.EndArr();
   if(!g_link.Send(TL_KIND_HELLO,w.Body()))
      return false;
   for(int i=0;i<ArraySize(g_syms);i++)
      TlSendSpec(i);
   return true;
  }
void TlSendTick(const int i,const long time_msc,const double bid,const double ask,
                const double last,const double volume,const uint flags,const bool conflated)
  {
   g_sym_seq[i]++;
   int d=g_digits[i];
   TlJsonWriter w;
   w.Str("symbol",g_syms[i]);
   w.Int("time_msc",time_msc);
   w.Num("bid",MathMax(bid,0.0),d);
   w.Num("ask",MathMax(ask,0.0),d);
   w.Int("sym_seq",g_sym_seq[i]);
   if(last>0.0)
      w.Num("last",last,d);
   if(volume>0.0)
      w.Num("volume",MathMin(volume,1e6),TL_LOT_DIGITS);
   if((flags&255)!=0)
      w.Int("flags",(long)(flags&255));
   if(conflated)
      w.Bool("conflated",true);
   if(g_link.Send(TL_KIND_TICK,w.Body()))
      g_ticks_sent++;
  }
void TlSendDeal(TlDeal &d)
  {
   TlJsonWriter w;
   w.Str("symbol",d.symbol);
   w.Int("deal",d.deal);
   w.Int("order",d.order);
   w.Int("position",d.position);
   w.Int("deal_type",d.deal_type);
   w.Int("entry",d.entry);
   w.Int("reason",d.reason);
   w.Num("volume",d.volume,TL_LOT_DIGITS);
   w.Num("price",d.price,TlDigitsOf(d.symbol));
   w.Int("time_msc",d.time_msc);
   w.Int("order_type",d.order_type);
   if(d.cid!="")
      w.Str("cid",d.cid);
   w.Num("profit",d.profit,TL_MONEY_DIGITS);
   w.Num("commission",d.commission,TL_MONEY_DIGITS);
   w.Num("swap",d.swap,TL_MONEY_DIGITS);
   w.Num("balance",AccountInfoDouble(ACCOUNT_BALANCE),TL_MONEY_DIGITS);
   w.Num("equity",AccountInfoDouble(ACCOUNT_EQUITY),TL_MONEY_DIGITS);
   w.Num("margin",AccountInfoDouble(ACCOUNT_MARGIN),TL_MONEY_DIGITS);
   g_link.Send(TL_KIND_DEAL,w.Body());
  }
void TlSendOrderUpdate(TlOrderUpd &u)
  {
   int d=TlDigitsOf(u.symbol);
   TlJsonWriter w;
   w.Str("symbol",u.symbol);
   w.Int("order",u.order);
   w.Int("order_type",u.order_type);
   w.Str("state",u.state);
   w.Num("volume",u.volume,TL_LOT_DIGITS);
   w.Num("price",u.price,d);
   w.Int("time_msc",u.time_msc);
   if(u.cid!="")
      w.Str("cid",u.cid);
   if(u.sl>0.0)
      w.Num("sl",u.sl,d);
   if(u.tp>0.0)
      w.Num("tp",u.tp,d);
   if(u.expiry_ms>0)
      w.Int("expiry_ms",u.expiry_ms);
   g_link.Send(TL_KIND_ORDER_UPDATE,w.Body());
  }
//--- one snapshot row each (members only: TlJsonWriter::ElemObj adds the braces)
string TlPositionRow(const long ticket,const string symbol,const int side,const double volume,
                     const double price,const long open_ms,const double sl,const double tp,
                     const double swap,const double commission,const double profit,
                     const long magic,const string comment)
  {
   int d=TlDigitsOf(symbol);
   TlJsonWriter w;
   w.Int("ticket",ticket);
   w.Str("symbol",symbol);
   w.Int("side",side);
   w.Num("volume",volume,TL_LOT_DIGITS);
   w.Num("price",price,d);
   w.Int("open_time_msc",open_ms);
   w.Num("sl",sl,d);
   w.Num("tp",tp,d);
   w.Num("swap",swap,TL_MONEY_DIGITS);
   w.Num("commission",commission,TL_MONEY_DIGITS);
   w.Num("profit",profit,TL_MONEY_DIGITS);
   w.Int("magic",magic);
   w.Str("comment",TlClip(comment,256));
   return w.Body();
  }
string TlOrderRow(const long ticket,const string symbol,const int order_type,const double volume,
                  const double price,const double sl,const double tp,const long expiry_ms,
                  const long magic,const string comment)
  {
   int d=TlDigitsOf(symbol);
   TlJsonWriter w;
   w.Int("ticket",ticket);
   w.Str("symbol",symbol);
   w.Int("order_type",order_type);
   w.Num("volume",volume,TL_LOT_DIGITS);
   w.Num("price",price,d);
   w.Num("sl",sl,d);
   w.Num("tp",tp,d);
   w.Int("expiry_ms",expiry_ms);
   w.Int("magic",magic);
   w.Str("comment",TlClip(comment,256));
   return w.Body();
  }
//--- may one more row of `row_len` characters go into snapshot `w` that already has `rows`?
bool TlRowFits(TlJsonWriter &w,const int row_len,const int rows)
  {
   return rows<TL_MAX_SNAPSHOT_ROWS && w.Length()+row_len+3<TL_MAX_FRAME_BYTES-TL_SNAPSHOT_MARGIN;
  }
void TlSendSnapshot(const string cid)
  {
   TlJsonWriter w;
   w.BeginObj("account");
   w.Num("balance",AccountInfoDouble(ACCOUNT_BALANCE),TL_MONEY_DIGITS);
   w.Num("equity",AccountInfoDouble(ACCOUNT_EQUITY),TL_MONEY_DIGITS);
   w.Num("margin",AccountInfoDouble(ACCOUNT_MARGIN),TL_MONEY_DIGITS);
   w.Num("free_margin",AccountInfoDouble(ACCOUNT_MARGIN_FREE),TL_MONEY_DIGITS);
   w.Num("margin_level",MathMax(AccountInfoDouble(ACCOUNT_MARGIN_LEVEL),0.0),TL_MONEY_DIGITS);
   w.EndObj();
   int shown=0;
   int total=0;
   TlPlatSnapshotRows(w,shown,total);
   w.Int("last_seq_in",g_link.LastSeqIn());
   w.Int("time_msc",TlPlatServerTimeMs());
   if(cid!="")
      w.Str("cid",cid);
   g_link.Send(TL_KIND_SNAPSHOT,w.Body());
   if(shown<total)
      TlSendError(TL_ERR_SNAPSHOT,"snapshot","only "+IntegerToString(shown)+" of "+
                  IntegerToString(total)+" rows fit one frame");
  }
void TlSendHeartbeat()
  {
   TlJsonWriter w;
   w.Int("last_seq_in",g_link.LastSeqIn());
   w.Num("uptime_s",(TlNowMs()-g_start_ms)/1000.0,3);
   w.Int("ticks_sent",g_ticks_sent);
   w.Int("send_drops",g_link.Drops());
   w.Int("cmd_recv",g_cmd_recv);
   w.Bool("terminal_connected",TerminalInfoInteger(TERMINAL_CONNECTED)!=0);
   w.Bool("trade_allowed",TlTradeAllowed());
   g_link.Send(TL_KIND_HEARTBEAT,w.Body());
  }
string TlResultBody(const string cid,TlResult &r)
  {
   int d=TlDigitsOf(r.symbol);
   TlJsonWriter w;
   w.Str("cid",cid);
   w.Int("retcode",r.retcode);
   if(r.order>0)
      w.Int("order",r.order);
   if(r.deal>0)
      w.Int("deal",r.deal);
   if(r.position>0)
      w.Int("position",r.position);
   if(r.price>0.0)
      w.Num("price",r.price,d);
   if(r.volume>0.0)
      w.Num("volume",r.volume,TL_LOT_DIGITS);
   if(r.bid>0.0)
      w.Num("bid",r.bid,d);
   if(r.ask>0.0)
      w.Num("ask",r.ask,d);
   if(r.comment!="")
      w.Str("comment",TlClip(r.comment,256));
   w.Num("latency_ms",MathMax(r.latency_ms,0.0),3);
   if(r.old_ticket>0)
      w.Int("old_ticket",r.old_ticket);
   if(r.new_ticket>0)
      w.Int("new_ticket",r.new_ticket);
   return w.Body();
  }
//+------------------------------------------------------------------+
//| The guards, in the protocol's order.  False: refuse with reason. |
//+------------------------------------------------------------------+
bool TlAdmit(TlCmd &c,string &reason,int &code)
  {
   code=0;
   bool kill=(c.kind==TL_KIND_KILL);
   bool opens=(c.kind==TL_KIND_PLACE && c.position==0);   // new exposure
   if(c.has_deadline && g_guards.Expired(c.deadline_ms))
     {
      reason=TL_ACK_EXPIRED;
      return false;
     }
   if(!g_guards.ready)
     {
      reason=TL_ACK_NOT_READY;
      return false;
     }
//--- a kill is never refused for being in shadow or already killed
   if(!kill && g_guards.mode==TL_MODE_SHADOW)
     {
      reason=TL_ACK_MODE_SHADOW;
      return false;
     }
   if(g_guards.mode==TL_MODE_DEMO && AccountInfoInteger(ACCOUNT_TRADE_MODE)!=ACCOUNT_TRADE_MODE_DEMO)
     {
      g_guards.mode=TL_MODE_SHADOW;
      TlSendError(TL_ERR_MODE,"guard","demo mode on a "+TlTradeModeName()+
                  " account: now in shadow until the next hello_ack");
      reason=TL_ACK_NOT_DEMO;
      return false;
     }
   if(!kill && (g_guards.killed || (opens && g_guards.stale)))
     {
      reason=TL_ACK_KILLED;
      return false;
     }
   if(!kill && c.bad=="")
      TlPlatResolve(c);                                   // ticket commands: ours? which symbol?
   bool has_symbol=(c.kind==TL_KIND_PLACE) ? c.has_symbol : (c.symbol!="");
   if(!kill && has_symbol && !g_guards.SymbolAllowed(c.symbol))
     {
      reason=TL_ACK_SYMBOL_NOT_ALLOWED;
      return false;
     }
   if(c.kind==TL_KIND_PLACE && c.has_volume && g_guards.OverLots(c.volume))
     {
      reason=TL_ACK_LIMIT_LOTS;
      return false;
     }
   if(opens && g_guards.OverOrders(TlPlatOpenCount()))
     {
      reason=TL_ACK_LIMIT_ORDERS;
      return false;
     }
   if(c.bad!="")
     {
      reason=TL_ACK_BAD_COMMAND;
      code=c.bad_code;
      return false;
     }
   return true;
  }
void TlDoKill(TlCmd &c,TlResult &r)
  {
   g_guards.killed=true;
   Print("TicklabEA: kill (scope ",c.scope,", flatten ",c.flatten ? "yes" : "no",
         "): shadow until the next hello_ack");
   if(g_guards.mode==TL_MODE_SHADOW)
     {
      r.retcode=TlPlatRetcodeDone();
      r.comment="kill: shadow mode, nothing traded";
      return;
     }
   TlPlatKill(c.cid,c.scope,c.flatten,r);
  }
//+------------------------------------------------------------------+
//| Messages from ticklab                                            |
//+------------------------------------------------------------------+
void TlOnCommand(TlJsonReader &r,const int root,const string kind)
  {
   g_cmd_recv++;
   TlCmd c;
   TlParseCommand(r,root,kind,c);
   if(!TlCidValid(c.cid))
     {
      g_bad_in++;
      TlSendError(TL_ERR_COMMAND,kind,"no valid cid, cannot ack: "+c.bad);
      return;
     }
   if(c.bad=="" && c.magic!=0 && c.magic!=g_cfg.magic)
     {
      c.bad="magic "+IntegerToString(c.magic)+" is not this EA's ("+IntegerToString(g_cfg.magic)+")";
      c.bad_code=1;
     }
   if(c.bad=="")
      TlPlatCheck(c);
   int seen=g_cids.Find(c.cid);
   if(seen>=0)
     {
      TlSendAck(c.cid,false,TL_ACK_DUPLICATE,0);         // never executed twice
      g_link.Send(TL_KIND_ORDER_RESULT,g_cids.Result(seen));
      return;
     }
   string reason="";
   int code=0;
   if(!TlAdmit(c,reason,code))
     {
      if(reason==TL_ACK_BAD_COMMAND)
         Print("TicklabEA: ",kind," ",c.cid," refused: ",c.bad);
      TlSendAck(c.cid,false,reason,code);
      return;
     }
   TlSendAck(c.cid,true,TL_ACK_OK,0);
   TlResult res;
   ZeroMemory(res);
   res.symbol=c.symbol;
   ulong t0=GetMicrosecondCount();
   if(kind==TL_KIND_KILL)
      TlDoKill(c,res);
   else
      TlPlatExecute(c,res);
   res.latency_ms=(double)(GetMicrosecondCount()-t0)/1000.0;
   string body=TlResultBody(c.cid,res);
   g_cids.Add(c.cid,body);
   g_link.Send(TL_KIND_ORDER_RESULT,body);
   TlPlatTimer();                                         // MT4: report what it changed now
  }
void TlOnHelloAck(TlJsonReader &r,const int root)
  {
   string why="";
   if(!TlCheckSchema(r,root,TL_SCHEMA_HELLO_ACK,why))
     {
      g_bad_in++;
      TlSendError(TL_ERR_DECODE,"hello_ack",why);
      return;
     }
   g_session=TlGetStr(r,root,"session_id","");
   g_hb_ms=TlGetLong(r,root,"heartbeat_ms",1000);
   string mode=TlGetStr(r,root,"mode","shadow");
   if(!g_guards.Arm(mode))
      TlSendError(TL_ERR_MODE,"hello_ack","ticklab runs "+mode+", this EA is set to "+
                  TlModeName(g_cfg.mode)+": staying in shadow");
//--- which symbols to stream: hello_ack.symbols, or all when it is empty
   int n=ArraySize(g_syms);
   int arr=r.Child(root,"symbols");
   bool all=(arr<0 || r.Count(arr)==0);
   for(int i=0;i<n;i++)
     {
      g_stream[i]=all;
      g_sym_seq[i]=0;
     }
   for(int e=r.First(arr);e>=0 && !all;e=r.Next(e))
     {
      string s="";
      r.GetStr(e,s);
      int i=TlSymbolIndex(s);
      if(i>=0)
         g_stream[i]=true;
      else
         TlSendError(TL_ERR_SYMBOL,"hello_ack",s+" is not in this EA's symbols: not streamed");
     }
   TlPlatTicksStart();
   g_last_snap_ms=0;                                      // a snapshot right away
   g_last_hb_ms=0;
   Print("TicklabEA: hello_ack, session ",g_session,", mode ",TlModeName(g_guards.mode),
         ", heartbeat ",g_hb_ms," ms");
  }
//--- snapshot_req.deals_from_msc: every deal of ours at or after that server time, again
//--- (ticklab books a deal ticket once), oldest first, at most TL_RESEND_MAX_DEALS
void TlResendDeals(const long from_msc)
  {
   int found=0;
   int sent=TlPlatResendDeals(from_msc,TL_RESEND_MAX_DEALS,found);
   if(found>TL_RESEND_MAX_DEALS)
      TlSendError(TL_ERR_DEALS,TL_KIND_SNAPSHOT_REQ,"more than "+IntegerToString(TL_RESEND_MAX_DEALS)+
                  " deals at or after "+IntegerToString(from_msc)+": resent the oldest "+
                  IntegerToString(sent)+"; ask again from the last one's time_msc");
  }
void TlOnSnapshotReq(TlJsonReader &r,const int root)
  {
   string why="";
   if(!TlCheckSchema(r,root,TL_SCHEMA_SNAPSHOT_REQ,why))
     {
      g_bad_in++;
      TlSendError(TL_ERR_DECODE,TL_KIND_SNAPSHOT_REQ,why);
      return;
     }
   g_cmd_recv++;
   long from_msc=TlGetLong(r,root,"deals_from_msc",0);
   if(from_msc>0)
      TlResendDeals(from_msc);
   TlSendSnapshot(TlGetStr(r,root,"cid",""));
  }
void TlOnOther(TlJsonReader &r,const int root,const string kind)
  {
   string schema=(kind==TL_KIND_HEARTBEAT) ? TL_SCHEMA_HEARTBEAT :
                 (kind==TL_KIND_ERROR) ? TL_SCHEMA_ERROR : TL_SCHEMA_BYE;
   string why="";
   if(!TlCheckSchema(r,root,schema,why))
     {
      g_bad_in++;
      TlSendError(TL_ERR_DECODE,kind,why);
      return;
     }
   if(kind==TL_KIND_HEARTBEAT)
      g_ticklab_state=TlGetLong(r,root,"state",0);
   else if(kind==TL_KIND_ERROR)
      Print("TicklabEA: ticklab error ",TlGetLong(r,root,"code",0)," [",
            TlGetStr(r,root,"where",""),"]: ",TlGetStr(r,root,"text",""));
   else
     {
      //--- ticklab is going away: refuse commands until a new hello_ack
      Print("TicklabEA: bye from ticklab (",TlGetLong(r,root,"reason",0),"): greeting again");
      g_guards.Disarm();
      g_hello_ms=0;
     }
  }
//--- one frame: envelope first, then the kind's own schema
void TlHandle(const string json)
  {
   TlJsonReader r;
   if(!r.Parse(json))
     {
      g_bad_in++;
      TlSendError(TL_ERR_DECODE,"decode",r.Error());
      return;
     }
   int root=r.Root();
   long v=TlGetLong(r,root,"v",-1);
   string kind=TlGetStr(r,root,"type","");
   long seq=TlGetLong(r,root,"seq",0);
   if(v!=TL_PROTOCOL_VERSION)
     {
      g_bad_in++;
      TlSendError(TL_ERR_DECODE,"envelope","protocol version "+(v<0 ? "missing" : IntegerToString(v))+
                  "; this EA speaks "+IntegerToString(TL_PROTOCOL_VERSION));
      return;
     }
   if(kind=="" || seq<1)
     {
      g_bad_in++;
      TlSendError(TL_ERR_DECODE,"envelope","a message without type or seq");
      return;
     }
   if(kind==TL_KIND_HELLO_ACK)
      g_link.RestartIn();                                 // ticklab's seq restarts with it
   g_link.SawSeq(seq);
   if(kind==TL_KIND_HELLO_ACK)
      TlOnHelloAck(r,root);
   else if(TlIsCommand(kind))
      TlOnCommand(r,root,kind);
   else if(kind==TL_KIND_SNAPSHOT_REQ)
      TlOnSnapshotReq(r,root);
   else if(kind==TL_KIND_HEARTBEAT || kind==TL_KIND_ERROR || kind==TL_KIND_BYE)
      TlOnOther(r,root,kind);
   else
     {
      g_bad_in++;
      TlSendError(TL_ERR_DECODE,"decode","unexpected kind \""+TlClip(kind,32)+"\" from ticklab");
     }
  }
//+------------------------------------------------------------------+
//| The timer's steps                                                |
//+------------------------------------------------------------------+
//--- (1) commands, in order, without blocking, within the budget
void TlDrain()
  {
   ulong t0=GetMicrosecondCount();
   for(int i=0;i<TL_DRAIN_MAX_MSGS;i++)
     {
      if(GetMicrosecondCount()-t0>TL_DRAIN_MAX_US)
         break;
      string json="";
      int got=g_link.Recv(json);
      if(got==0)
         break;
      if(got<0)
        {
         g_bad_in++;
         TlSendError(TL_ERR_DECODE,"recv",g_link.Problem());
         continue;
        }
      TlHandle(json);
     }
  }
//--- (3) heartbeat every heartbeat_ms once greeted
void TlHeartbeatDue(const long now)
  {
   if(g_hello_ms==0 && !g_guards.ready)
      return;
   if(now-g_last_hb_ms<g_hb_ms)
      return;
   g_last_hb_ms=now;
   TlSendHeartbeat();
  }
//--- (4) status when the terminal's connection or trade permission changes
void TlStatusDue()
  {
   if(g_hello_ms==0 && !g_guards.ready)
      return;
   bool connected=TerminalInfoInteger(TERMINAL_CONNECTED)!=0;
   bool trade=TlTradeAllowed();
   bool algo=TerminalInfoInteger(TERMINAL_TRADE_ALLOWED)!=0;
   int state=(connected ? 1 : 0)|(trade ? 2 : 0)|(algo ? 4 : 0);
   if(state==g_status_state)
      return;
   string reason="";
   if(!connected)
      reason="terminal not connected to the trade server";
   else if(!algo)
      reason="Algo Trading is off in the terminal";
   else if(!trade)
      reason="trading not allowed for this EA or account";
   TlJsonWriter w;
   w.Bool("terminal_connected",connected);
   w.Bool("trade_allowed",trade);
   w.Bool("algo_trading",algo);
   if(reason!="")
      w.Str("reason",reason);
   if(g_link.Send(TL_KIND_STATUS,w.Body()))
      g_status_state=state;
  }
//--- (5) ticklab silent for 5 heartbeat periods: no new exposure, delete our pendings
//---     (and close positions if InpFlattenOnSilence), then greet again
void TlWatchdog(const long now)
  {
   if(!g_guards.ready || g_guards.stale)
      return;
   long silent=now-g_link.LastRxMs();
   if(silent<=TL_SILENCE_HEARTBEATS*g_hb_ms)
      return;
   g_guards.stale=true;
   TlSendError(TL_ERR_SILENCE,"watchdog","no message from ticklab for "+IntegerToString(silent)+
               " ms: no new exposure; deleting pendings"+
               (g_cfg.flatten_on_silence ? " and closing positions" : ""));
   if(g_guards.mode!=TL_MODE_SHADOW)
     {
      TlResult r;
      ZeroMemory(r);
      TlPlatKill("","all",g_cfg.flatten_on_silence,r);
     }
   g_hello_ms=0;                                          // greet again (ticklab may have restarted)
  }
//--- hello until a hello_ack arrives; again after 5 silent heartbeat periods
void TlHelloDue(const long now)
  {
   if(g_guards.ready && !g_guards.stale)
      return;
   if(g_hello_ms>0 && now-g_hello_ms<TL_SILENCE_HEARTBEATS*g_hb_ms)
      return;
   int k=g_hello_fails>6 ? 6 : g_hello_fails;             // 0.1 s doubling to 6.4 s while it cannot leave
   if(g_hello_try_ms>0 && now-g_hello_try_ms<(long)TL_HELLO_RETRY_MS*(1<<k))
      return;
   g_hello_try_ms=now;
   if(TlSendHello())
     {
      g_hello_ms=now;
      g_hello_fails=0;
     }
   else
      g_hello_fails++;
  }
void TlSnapshotDue(const long now)
  {
   if(!g_guards.ready)
      return;
   if(g_last_snap_ms>0 && now-g_last_snap_ms<(long)g_cfg.snapshot_s*1000)
      return;
   g_last_snap_ms=now;
   TlSendSnapshot("");
  }
//+------------------------------------------------------------------+
//| Open the link once the account is known (the routing id needs    |
//| the login)                                                       |
//+------------------------------------------------------------------+
bool TlTryOpen(string &err)
  {
   if(g_link.IsOpen())
      return true;
   long login=AccountInfoInteger(ACCOUNT_LOGIN);
   if(login<=0)
     {
      err="not logged in yet";
      return false;
     }
   string plat=TlPlatName();
   StringToLower(plat);
   string id=plat+":"+IntegerToString(login)+":"+IntegerToString(g_cfg.magic);
   if(!g_link.Open(g_cfg.context_name,g_cfg.endpoint,id,g_cfg.server_key,g_cfg.public_key,
                   g_cfg.secret_key,err))
      return false;
   Print("TicklabEA: connecting to ",g_cfg.endpoint," as ",id,
         g_cfg.server_key!="" ? " (CURVE)" : "");
   g_hello_ms=0;
   g_hello_try_ms=0;
   g_hello_fails=0;
   g_status_state=-1;
   TlHelloDue(TlNowMs());
   return true;
  }
//+------------------------------------------------------------------+
//| Inputs                                                           |
//+------------------------------------------------------------------+
bool TlParseSymbols(const string csv,string &err)
  {
   string text=csv;
   StringReplace(text,";",",");
   string parts[];
   int n=StringSplit(text,',',parts);
   ArrayResize(g_syms,0);
   for(int i=0;i<n;i++)
     {
      string s=TlTrim(parts[i]);
      if(s=="" || TlSymbolIndex(s)>=0)
         continue;
      if(StringLen(s)>32)
        {
         err="symbol '"+s+"' is longer than 32 characters";
         return false;
        }
      int k=ArraySize(g_syms);
      ArrayResize(g_syms,k+1);
      g_syms[k]=s;
     }
   if(ArraySize(g_syms)==0)
     {
      ArrayResize(g_syms,1);
      g_syms[0]=_Symbol;
     }
   if(ArraySize(g_syms)>TL_MAX_SYMBOLS)
     {
      err="more than "+IntegerToString(TL_MAX_SYMBOLS)+" symbols";
      return false;
     }
   return true;
  }
bool TlValidateInputs(string &err)
  {
   if(g_cfg.mode<TL_MODE_SHADOW || g_cfg.mode>TL_MODE_PRODUCTION)
      err="InpMode: unknown mode";
   else if(g_cfg.magic<0)
      err="InpMagic must be >= 0";
   else if(g_cfg.max_lots<=0.0 || g_cfg.max_lots>1e6)
      err="InpMaxLots must be in (0, 1e6]";
   else if(g_cfg.max_orders<0 || g_cfg.max_orders>10000)
      err="InpMaxOrders must be in [0, 10000]";
   else if(g_cfg.timer_ms<10 || g_cfg.timer_ms>20)
      err="InpTimerMs must be 10..20 (the Windows timer resolution is 10-16 ms)";
   else if(g_cfg.snapshot_s<1 || g_cfg.snapshot_s>3600)
      err="InpSnapshotSec must be 1..3600";
   else if(StringFind(g_cfg.endpoint,"tcp://")!=0 || StringFind(g_cfg.endpoint,":",6)<0)
      err="InpEndpoint must be tcp://HOST:PORT";
   else if(g_cfg.context_name=="")
      err="InpContextName must not be empty";
   else
     {
      bool any=(g_cfg.server_key!="" || g_cfg.public_key!="" || g_cfg.secret_key!="");
      if(any && !(TlZ85Key(g_cfg.server_key) && TlZ85Key(g_cfg.public_key) && TlZ85Key(g_cfg.secret_key)))
         err="CURVE needs all three keys, each 40 Z85 characters (ticklab keys new NAME prints them)";
     }
   return err=="";
  }
//+------------------------------------------------------------------+
//| OnInit                                                           |
//+------------------------------------------------------------------+
int TlEaInit()
  {
   string err="";
   if(!TlValidateInputs(err) || !TlParseSymbols(g_cfg.symbols,err))
     {
      Print("TicklabEA: ",err);
      return INIT_PARAMETERS_INCORRECT;
     }
   if(!TlIsLoopback(g_cfg.endpoint) && g_cfg.server_key=="")
     {
      Print("TicklabEA: refusing to connect to ",g_cfg.endpoint,
            " outside this machine without CURVE: set InpServerKey, InpPublicKey and InpSecretKey",
            " (ticklab keys new NAME prints them), or use tcp://127.0.0.1:PORT");
      return INIT_FAILED;
     }
   if(!TlDllsAllowed())
     {
      Print("TicklabEA: DLL imports are not allowed. Tick 'Allow DLL imports' in this EA's ",
            "Common tab and in Tools > Options > Expert Advisors, then attach it again.");
      return INIT_FAILED;
     }
   if(g_cfg.server_key!="" && !Zmq::hasCurve())
     {
      Print("TicklabEA: this libzmq.dll has no CURVE support (libsodium.dll missing?)");
      return INIT_FAILED;
     }
   int n=ArraySize(g_syms);
   ArrayResize(g_digits,n);
   ArrayResize(g_stream,n);
   ArrayResize(g_sym_seq,n);
   for(int i=0;i<n;i++)
     {
      if(!SymbolSelect(g_syms[i],true))
        {
         Print("TicklabEA: symbol ",g_syms[i]," is not available on this server");
         return INIT_FAILED;
        }
      g_digits[i]=(int)SymbolInfoInteger(g_syms[i],SYMBOL_DIGITS);
      g_stream[i]=false;
      g_sym_seq[i]=0;
     }
   g_guards.Init(g_cfg.mode,g_cfg.max_lots,g_cfg.max_orders,g_syms);
   g_link.Reset();
   g_ticks_sent=0;
   g_cmd_recv=0;
   g_bad_in=0;
   g_hb_ms=1000;
   g_hello_ms=0;
   g_hello_try_ms=0;
   g_hello_fails=0;
   g_last_hb_ms=0;
   g_last_snap_ms=0;
   g_status_state=-1;
   g_start_ms=TlNowMs();
   g_open_err="";
   if(!EventSetMillisecondTimer(g_cfg.timer_ms))
     {
      Print("TicklabEA: EventSetMillisecondTimer(",g_cfg.timer_ms,") failed: ",GetLastError());
      return INIT_FAILED;
     }
   if(AccountInfoInteger(ACCOUNT_LOGIN)>0 && !TlTryOpen(err))
     {
      Print("TicklabEA: ",err);
      EventKillTimer();
      g_link.Close(false);
      return INIT_FAILED;
     }
   Print("TicklabEA ",TL_EA_VERSION," (",TlPlatName(),", protocol v",TL_PROTOCOL_VERSION,
         ", libzmq ",Zmq::getVersion(),"): mode ",TlModeName(g_cfg.mode),", magic ",g_cfg.magic,
         ", ",n," symbol(s), max ",DoubleToString(g_cfg.max_lots,2)," lots, ",g_cfg.max_orders," orders");
   return INIT_SUCCEEDED;
  }
//+------------------------------------------------------------------+
//| OnTimer: the main loop                                           |
//+------------------------------------------------------------------+
void TlEaTimer()
  {
   if(!g_link.IsOpen())
     {
      string err="";
      if(!TlTryOpen(err))
        {
         if(err!=g_open_err)
            Print("TicklabEA: link not open: ",err);
         g_open_err=err;
         return;
        }
     }
   TlDrain();                                             // (1)
   if(g_guards.ready)
      TlPlatTicksPump();                                  // (2)
   TlPlatTimer();
   long now=TlNowMs();
   TlHeartbeatDue(now);                                   // (3)
   TlStatusDue();                                         // (4)
   TlWatchdog(now);                                       // (5)
   TlHelloDue(now);
   TlSnapshotDue(now);
  }
//--- OnTick: the same pump, sooner for the chart symbol (never the only source)
void TlEaTick()
  {
   if(g_link.IsOpen() && g_guards.ready)
      TlPlatTicksPump();
  }
//+------------------------------------------------------------------+
//| OnDeinit: bye, close with linger 0; release the shared context   |
//| only when the EA leaves the chart for good                       |
//+------------------------------------------------------------------+
void TlEaDeinit(const int reason)
  {
   EventKillTimer();
   if(g_link.IsOpen())
     {
      TlJsonWriter w;
      w.Int("reason",reason);
      g_link.Send(TL_KIND_BYE,w.Body());
     }
   g_guards.Disarm();
   g_link.Close(reason==REASON_REMOVE || reason==REASON_CHARTCLOSE);
  }
//+------------------------------------------------------------------+
