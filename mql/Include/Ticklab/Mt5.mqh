//+------------------------------------------------------------------+
//| Mt5.mqh - MetaTrader 5 side of TicklabEA: CopyTicks pump,        |
//| OrderSend execution (netting, hedging, exchange), deals and      |
//| pending-order changes from OnTradeTransaction.                   |
//| Include after Ea.mqh.                                            |
//+------------------------------------------------------------------+
#property strict

#include "Ea.mqh"

#define TL_COPY_TICKS_MAX 1000     // ticks asked per symbol per timer call
#define TL_MT5_ERR_POSITION_NOT_FOUND 4753   // ERR_TRADE_POSITION_NOT_FOUND
#define TL_MT5_ERR_ORDER_NOT_FOUND    4754   // ERR_TRADE_ORDER_NOT_FOUND

//--- tick cursors, per symbol of g_syms: last time_msc sent and how many ticks with it
long   g_tc_last[];
int    g_tc_nlast[];
bool   g_tc_ready[];
long   g_tc_err_ms[];              // last CopyTicks error reported (one per heartbeat period)

string TlPlatName() { return "MT5"; }
int    TlPlatRetcodeDone() { return TRADE_RETCODE_DONE; }
long   TlPlatServerTimeMs() { return (long)TimeTradeServer()*1000; }
int    TlPlatFillingModes(const string symbol) { return (int)SymbolInfoInteger(symbol,SYMBOL_FILLING_MODE); }
string TlPlatMarginMode()
  {
   long m=AccountInfoInteger(ACCOUNT_MARGIN_MODE);
   if(m==ACCOUNT_MARGIN_MODE_RETAIL_HEDGING)
      return "hedging";
   if(m==ACCOUNT_MARGIN_MODE_EXCHANGE)
      return "exchange";
   return "netting";
  }
bool TlMt5Hedging()
  {
   return AccountInfoInteger(ACCOUNT_MARGIN_MODE)==ACCOUNT_MARGIN_MODE_RETAIL_HEDGING;
  }
//--- the filling mode the symbol allows (10030 otherwise)
ENUM_ORDER_TYPE_FILLING TlMt5Filling(const string symbol)
  {
   long modes=SymbolInfoInteger(symbol,SYMBOL_FILLING_MODE);
   if((modes&SYMBOL_FILLING_FOK)!=0)
      return ORDER_FILLING_FOK;
   if((modes&SYMBOL_FILLING_IOC)!=0)
      return ORDER_FILLING_IOC;
   return ORDER_FILLING_RETURN;
  }
//+------------------------------------------------------------------+
//| Ticks: CopyTicks from the last time_msc sent, skipping the ticks |
//| with that time_msc that were already sent                        |
//+------------------------------------------------------------------+
bool TlMt5CursorNow(const int i)
  {
   MqlTick last;
   if(!SymbolInfoTick(g_syms[i],last) || last.time_msc==0)
      return false;
   MqlTick buf[];
   int got=CopyTicks(g_syms[i],buf,COPY_TICKS_ALL,(ulong)last.time_msc,TL_COPY_TICKS_MAX);
   int same=0;
   for(int k=0;k<got;k++)
      if(buf[k].time_msc==last.time_msc)
         same++;
   g_tc_last[i]=last.time_msc;
   g_tc_nlast[i]=(got>0) ? same : TL_COPY_TICKS_MAX;    // unknown: skip that millisecond
   return true;
  }
void TlPlatTicksStart()
  {
   int n=ArraySize(g_syms);
   ArrayResize(g_tc_last,n);
   ArrayResize(g_tc_nlast,n);
   ArrayResize(g_tc_ready,n);
   ArrayResize(g_tc_err_ms,n);
   for(int i=0;i<n;i++)
     {
      g_tc_err_ms[i]=0;
      g_tc_ready[i]=g_stream[i] && TlMt5CursorNow(i);
     }
  }
void TlPlatTicksPump()
  {
   MqlTick buf[];
   int n=ArraySize(g_tc_ready);
   for(int i=0;i<n;i++)
     {
      if(!g_stream[i])
         continue;
      if(!g_tc_ready[i])
        {
         g_tc_ready[i]=TlMt5CursorNow(i);
         continue;
        }
      ResetLastError();
      int got=CopyTicks(g_syms[i],buf,COPY_TICKS_ALL,(ulong)g_tc_last[i],TL_COPY_TICKS_MAX);
      if(got<0)
        {
         long now=TlNowMs();
         if(now-g_tc_err_ms[i]>=g_hb_ms)
           {
            g_tc_err_ms[i]=now;
            TlSendError(TL_ERR_TICKS,"CopyTicks",g_syms[i]+": error "+IntegerToString(GetLastError())+
                        " (history sync?); retrying");
           }
         continue;
        }
      int skip=g_tc_nlast[i];
      for(int k=0;k<got;k++)
        {
         long t=buf[k].time_msc;
         if(t<g_tc_last[i])
            continue;
         if(t==g_tc_last[i] && skip>0)
           {
            skip--;                                       // sent by an earlier call
            continue;
           }
         if(t==g_tc_last[i])
            g_tc_nlast[i]++;
         else
           {
            g_tc_last[i]=t;
            g_tc_nlast[i]=1;
           }
         TlSendTick(i,t,buf[k].bid,buf[k].ask,buf[k].last,buf[k].volume_real,buf[k].flags,false);
        }
     }
  }
void TlPlatTimer() {}
//+------------------------------------------------------------------+
//| Our positions and pendings                                       |
//+------------------------------------------------------------------+
int TlPlatOpenCount()
  {
   int n=0;
   for(int i=PositionsTotal()-1;i>=0;i--)
      if(PositionGetTicket(i)>0 && PositionGetInteger(POSITION_MAGIC)==g_cfg.magic)
         n++;
   for(int i=OrdersTotal()-1;i>=0;i--)
      if(OrderGetTicket(i)>0 && OrderGetInteger(ORDER_MAGIC)==g_cfg.magic)
         n++;
   return n;
  }
//--- the open position of our magic whose POSITION_IDENTIFIER is `id` (what snapshots,
//--- deals and commands call a position): its ticket, selected; 0 when none. After a
//--- netting reversal (or a swap re-open) the ticket may differ from the identifier.
ulong TlMt5PositionById(const long id)
  {
   if(id<=0)
      return 0;
   for(int i=PositionsTotal()-1;i>=0;i--)
     {
      ulong ticket=PositionGetTicket(i);
      if(ticket>0 && PositionGetInteger(POSITION_IDENTIFIER)==id &&
         PositionGetInteger(POSITION_MAGIC)==g_cfg.magic)
         return ticket;
     }
   return 0;
  }
bool TlMt5OurOrder(const long ticket)
  {
   return ticket>0 && OrderSelect((ulong)ticket) && OrderGetInteger(ORDER_MAGIC)==g_cfg.magic;
  }
void TlPlatCheck(TlCmd &c)
  {
  }
//--- a ticket command must name a position/order of this EA's magic
bool TlPlatResolve(TlCmd &c)
  {
   string why="";
   if(c.kind==TL_KIND_PLACE)
     {
      if(c.position==0)
         return true;
      c.pos_ticket=(long)TlMt5PositionById(c.position);
      if(c.pos_ticket==0)
         why="position "+IntegerToString(c.position)+" is not an open position of magic "+IntegerToString(g_cfg.magic);
      else if(PositionGetString(POSITION_SYMBOL)!=c.symbol)
         why="position "+IntegerToString(c.position)+" is on "+PositionGetString(POSITION_SYMBOL);
     }
   else if(c.kind==TL_KIND_MODIFY)
     {
      c.pos_ticket=(long)TlMt5PositionById(c.ticket);
      if(c.pos_ticket>0)
        {
         c.target=1;
         c.symbol=PositionGetString(POSITION_SYMBOL);
        }
      else if(TlMt5OurOrder(c.ticket))
        {
         c.target=2;
         c.symbol=OrderGetString(ORDER_SYMBOL);
        }
      else
         why="ticket "+IntegerToString(c.ticket)+" is no open position or pending order of magic "+IntegerToString(g_cfg.magic);
     }
   else if(c.kind==TL_KIND_CLOSE || c.kind==TL_KIND_CLOSE_BY)
     {
      c.pos_ticket=(long)TlMt5PositionById(c.position);
      if(c.pos_ticket==0)
         why="position "+IntegerToString(c.position)+" is not an open position of magic "+IntegerToString(g_cfg.magic);
      else
        {
         c.symbol=PositionGetString(POSITION_SYMBOL);
         double vol=PositionGetDouble(POSITION_VOLUME);
         if(c.kind==TL_KIND_CLOSE && c.volume>vol+1e-9)
            why="close of "+DoubleToString(c.volume,2)+" lots > position volume "+DoubleToString(vol,2);
         else if(c.kind==TL_KIND_CLOSE_BY)
           {
            c.by_ticket=(long)TlMt5PositionById(c.by_position);
            if(c.by_ticket==0)
               why="by_position "+IntegerToString(c.by_position)+" is not an open position of magic "+IntegerToString(g_cfg.magic);
            else if(PositionGetString(POSITION_SYMBOL)!=c.symbol)
               why="close_by needs two positions on one symbol";
           }
        }
     }
   else if(c.kind==TL_KIND_CANCEL)
     {
      if(TlMt5OurOrder(c.order))
         c.symbol=OrderGetString(ORDER_SYMBOL);
      else
         why="order "+IntegerToString(c.order)+" is not a pending order of magic "+IntegerToString(g_cfg.magic);
     }
   if(why=="")
      return true;
   c.bad=why;
   c.bad_code=(c.kind==TL_KIND_CANCEL) ? TL_MT5_ERR_ORDER_NOT_FOUND : TL_MT5_ERR_POSITION_NOT_FOUND;
   return false;
  }
//+------------------------------------------------------------------+
//| Execution                                                        |
//+------------------------------------------------------------------+
void TlMt5Send(MqlTradeRequest &q,TlResult &r)
  {
   MqlTradeResult s;
   ZeroMemory(s);
   ResetLastError();
   bool sent=OrderSend(q,s);
   r.retcode=(s.retcode!=0) ? (int)s.retcode : GetLastError();
   if(!sent && r.retcode==0)
      r.retcode=GetLastError();
   r.order=(long)s.order;
   r.deal=(long)s.deal;
   r.price=s.price;
   r.volume=s.volume;
   r.bid=s.bid;
   r.ask=s.ask;
   r.comment=s.comment;
   if(s.deal>0 && HistoryDealSelect(s.deal))
      r.position=HistoryDealGetInteger(s.deal,DEAL_POSITION_ID);   // the identifier
  }
//--- a market deal on `symbol` at the current bid/ask
void TlMt5MarketRequest(MqlTradeRequest &q,const string symbol,const ENUM_ORDER_TYPE type,
                        const double volume,const int deviation,const string cid)
  {
   MqlTick t;
   SymbolInfoTick(symbol,t);
   q.action=TRADE_ACTION_DEAL;
   q.symbol=symbol;
   q.type=type;
   q.volume=volume;
   q.price=(type==ORDER_TYPE_BUY) ? t.ask : t.bid;
   q.deviation=(ulong)deviation;
   q.type_filling=TlMt5Filling(symbol);
   q.magic=(ulong)g_cfg.magic;
   q.comment=TlComment(cid);
  }
void TlMt5Place(TlCmd &c,MqlTradeRequest &q)
  {
   ENUM_ORDER_TYPE type=(ENUM_ORDER_TYPE)c.order_type;
   if(c.order_type<=ORDER_TYPE_SELL)
     {
      TlMt5MarketRequest(q,c.symbol,type,c.volume,c.deviation,c.cid);
      q.position=(ulong)c.pos_ticket;                     // hedging: close this position
     }
   else
     {
      q.action=TRADE_ACTION_PENDING;
      q.symbol=c.symbol;
      q.type=type;
      q.volume=c.volume;
      q.price=TlNormPrice(c.price,c.symbol);
      q.stoplimit=TlNormPrice(c.stoplimit,c.symbol);
      q.type_filling=TlMt5Filling(c.symbol);
      q.type_time=(ENUM_ORDER_TYPE_TIME)c.type_time;
      q.expiration=(datetime)(c.expiry_ms/1000);
      q.magic=(ulong)g_cfg.magic;
      q.comment=TlComment(c.cid);
     }
   q.sl=TlNormPrice(c.sl,c.symbol);
   q.tp=TlNormPrice(c.tp,c.symbol);
  }
void TlMt5Modify(TlCmd &c,MqlTradeRequest &q)
  {
   q.symbol=c.symbol;
   q.magic=(ulong)g_cfg.magic;
   q.sl=TlNormPrice(c.sl,c.symbol);
   q.tp=TlNormPrice(c.tp,c.symbol);
   if(c.target==1)
     {
      q.action=TRADE_ACTION_SLTP;
      q.position=(ulong)c.pos_ticket;                     // c.ticket is its identifier
      return;
     }
   OrderSelect((ulong)c.ticket);
   q.action=TRADE_ACTION_MODIFY;
   q.order=(ulong)c.ticket;
   q.price=(c.price>0.0) ? TlNormPrice(c.price,c.symbol) : OrderGetDouble(ORDER_PRICE_OPEN);
   q.stoplimit=OrderGetDouble(ORDER_PRICE_STOPLIMIT);
   if(c.expiry_ms>0)
     {
      q.type_time=ORDER_TIME_SPECIFIED;
      q.expiration=(datetime)(c.expiry_ms/1000);
     }
   else
     {
      q.type_time=(ENUM_ORDER_TYPE_TIME)OrderGetInteger(ORDER_TYPE_TIME);
      q.expiration=(datetime)OrderGetInteger(ORDER_TIME_EXPIRATION);
     }
  }
//--- close (part of) a position (by its ticket, not its identifier): an opposite deal,
//--- naming the position on hedging accounts
void TlMt5ClosePosition(const long ticket,const double volume,const int deviation,
                        const string cid,MqlTradeRequest &q)
  {
   PositionSelectByTicket((ulong)ticket);
   string symbol=PositionGetString(POSITION_SYMBOL);
   double vol=(volume>0.0) ? volume : PositionGetDouble(POSITION_VOLUME);
   bool buy=(PositionGetInteger(POSITION_TYPE)==POSITION_TYPE_BUY);
   TlMt5MarketRequest(q,symbol,buy ? ORDER_TYPE_SELL : ORDER_TYPE_BUY,vol,deviation,cid);
   if(TlMt5Hedging())
      q.position=(ulong)ticket;
  }
void TlPlatExecute(TlCmd &c,TlResult &r)
  {
   MqlTradeRequest q;
   ZeroMemory(q);
   if(c.kind==TL_KIND_PLACE)
      TlMt5Place(c,q);
   else if(c.kind==TL_KIND_MODIFY)
      TlMt5Modify(c,q);
   else if(c.kind==TL_KIND_CLOSE)
      TlMt5ClosePosition(c.pos_ticket,c.volume,c.deviation,c.cid,q);
   else if(c.kind==TL_KIND_CLOSE_BY)
     {
      q.action=TRADE_ACTION_CLOSE_BY;
      q.symbol=c.symbol;
      q.position=(ulong)c.pos_ticket;
      q.position_by=(ulong)c.by_ticket;
      q.magic=(ulong)g_cfg.magic;
      q.comment=TlComment(c.cid);
     }
   else if(c.kind==TL_KIND_CANCEL)
     {
      q.action=TRADE_ACTION_REMOVE;
      q.order=(ulong)c.order;
     }
   TlMt5Send(q,r);
   if(c.kind==TL_KIND_MODIFY && c.target==1)
      r.position=c.ticket;                                // the identifier, as deals carry it
   else if(r.position==0)
      r.position=c.position;                              // close, close_by, place naming one
  }
//--- kill / watchdog: close our positions (if flatten) and delete our pendings in scope
void TlPlatKill(const string cid,const string scope,const bool flatten,TlResult &r)
  {
   int closed=0;
   int deleted=0;
   int failed=0;
   int last_fail=0;
   if(flatten)
      for(int i=PositionsTotal()-1;i>=0;i--)
        {
         ulong ticket=PositionGetTicket(i);
         if(ticket==0 || PositionGetInteger(POSITION_MAGIC)!=g_cfg.magic)
            continue;
         if(scope!="all" && PositionGetString(POSITION_SYMBOL)!=scope)
            continue;
         MqlTradeRequest q;
         ZeroMemory(q);
         TlResult one;
         ZeroMemory(one);
         TlMt5ClosePosition((long)ticket,0.0,100,cid,q);
         TlMt5Send(q,one);
         if(one.retcode==TRADE_RETCODE_DONE || one.retcode==TRADE_RETCODE_PLACED)
            closed++;
         else
           {
            failed++;
            last_fail=one.retcode;
           }
        }
   for(int i=OrdersTotal()-1;i>=0;i--)
     {
      ulong ticket=OrderGetTicket(i);
      if(ticket==0 || OrderGetInteger(ORDER_MAGIC)!=g_cfg.magic)
         continue;
      if(scope!="all" && OrderGetString(ORDER_SYMBOL)!=scope)
         continue;
      long type=OrderGetInteger(ORDER_TYPE);
      if(type<ORDER_TYPE_BUY_LIMIT || type>ORDER_TYPE_SELL_STOP_LIMIT)
         continue;
      MqlTradeRequest q;
      ZeroMemory(q);
      q.action=TRADE_ACTION_REMOVE;
      q.order=ticket;
      TlResult one;
      ZeroMemory(one);
      TlMt5Send(q,one);
      if(one.retcode==TRADE_RETCODE_DONE)
         deleted++;
      else
        {
         failed++;
         last_fail=one.retcode;
        }
     }
   r.retcode=(failed==0) ? TRADE_RETCODE_DONE : last_fail;
   r.comment="kill "+scope+": closed "+IntegerToString(closed)+", deleted "+IntegerToString(deleted)+
             ", failed "+IntegerToString(failed);
   Print("TicklabEA: ",r.comment);
  }
//+------------------------------------------------------------------+
//| Snapshot rows (our magic only), within one frame                 |
//+------------------------------------------------------------------+
void TlPlatSnapshotRows(TlJsonWriter &w,int &shown,int &total)
  {
   int rows=0;
   w.BeginArr("positions");
   for(int i=0;i<PositionsTotal();i++)
     {
      ulong ticket=PositionGetTicket(i);
      if(ticket==0 || PositionGetInteger(POSITION_MAGIC)!=g_cfg.magic)
         continue;
      total++;
      string row=TlPositionRow(PositionGetInteger(POSITION_IDENTIFIER),PositionGetString(POSITION_SYMBOL),
                               PositionGetInteger(POSITION_TYPE)==POSITION_TYPE_BUY ? 1 : -1,
                               PositionGetDouble(POSITION_VOLUME),PositionGetDouble(POSITION_PRICE_OPEN),
                               PositionGetInteger(POSITION_TIME_MSC),PositionGetDouble(POSITION_SL),
                               PositionGetDouble(POSITION_TP),PositionGetDouble(POSITION_SWAP),0.0,
                               PositionGetDouble(POSITION_PROFIT),PositionGetInteger(POSITION_MAGIC),
                               PositionGetString(POSITION_COMMENT));
      if(!TlRowFits(w,StringLen(row),rows))
         continue;
      w.ElemObj(row);
      rows++;
      shown++;
     }
   w.EndArr();
   rows=0;
   w.BeginArr("orders");
   for(int i=0;i<OrdersTotal();i++)
     {
      ulong ticket=OrderGetTicket(i);
      if(ticket==0 || OrderGetInteger(ORDER_MAGIC)!=g_cfg.magic)
         continue;
      total++;
      string row=TlOrderRow((long)ticket,OrderGetString(ORDER_SYMBOL),(int)OrderGetInteger(ORDER_TYPE),
                            OrderGetDouble(ORDER_VOLUME_CURRENT),OrderGetDouble(ORDER_PRICE_OPEN),
                            OrderGetDouble(ORDER_SL),OrderGetDouble(ORDER_TP),
                            OrderGetInteger(ORDER_TIME_EXPIRATION)*1000,OrderGetInteger(ORDER_MAGIC),
                            OrderGetString(ORDER_COMMENT));
      if(!TlRowFits(w,StringLen(row),rows))
         continue;
      w.ElemObj(row);
      rows++;
      shown++;
     }
   w.EndArr();
  }
//+------------------------------------------------------------------+
//| OnTradeTransaction: deals and pending-order changes              |
//+------------------------------------------------------------------+
//--- the type of the order behind a deal (history, else still active, else the deal's side)
int TlMt5OrderTypeOf(const ulong order,const long deal_type)
  {
   if(order>0 && HistoryOrderSelect(order))
      return (int)HistoryOrderGetInteger(order,ORDER_TYPE);
   if(order>0 && OrderSelect(order))
      return (int)OrderGetInteger(ORDER_TYPE);
   return (deal_type==DEAL_TYPE_BUY) ? ORDER_TYPE_BUY : ORDER_TYPE_SELL;
  }
//--- a deal of ours: our magic, or a deal (SL, TP, stop-out...) on a position of ours, open
//--- or opened by an order of our magic (the position identifier is that order's ticket)
bool TlMt5DealOurs(const ulong deal,const long position)
  {
   if(HistoryDealGetInteger(deal,DEAL_MAGIC)==g_cfg.magic)
      return true;
   if(TlMt5PositionById(position)>0)
      return true;
   return position>0 && HistoryOrderSelect((ulong)position) &&
          HistoryOrderGetInteger((ulong)position,ORDER_MAGIC)==g_cfg.magic;
  }
//--- the `deal` message of history deal `deal`; false when it is no buy/sell deal of ours
bool TlMt5DealRead(const ulong deal,TlDeal &d)
  {
   if(!HistoryDealSelect(deal))
      return false;
   long type=HistoryDealGetInteger(deal,DEAL_TYPE);
   if(type!=DEAL_TYPE_BUY && type!=DEAL_TYPE_SELL)
      return false;                                       // balance, credit, commission rows
   long position=HistoryDealGetInteger(deal,DEAL_POSITION_ID);
   if(!TlMt5DealOurs(deal,position))
      return false;
   ulong order=(ulong)HistoryDealGetInteger(deal,DEAL_ORDER);
   long reason=HistoryDealGetInteger(deal,DEAL_REASON);
   ZeroMemory(d);
   d.symbol=HistoryDealGetString(deal,DEAL_SYMBOL);
   d.deal=(long)deal;
   d.order=(long)order;
   d.position=position;
   d.deal_type=(int)type;
   d.entry=(int)HistoryDealGetInteger(deal,DEAL_ENTRY);
   d.reason=(int)(reason<0 ? 0 : (reason>31 ? 31 : reason));   // ENUM_DEAL_REASON; protocol: 0..31
   d.volume=HistoryDealGetDouble(deal,DEAL_VOLUME);
   d.price=HistoryDealGetDouble(deal,DEAL_PRICE);
   d.time_msc=HistoryDealGetInteger(deal,DEAL_TIME_MSC);
   d.order_type=TlMt5OrderTypeOf(order,type);
   d.cid=TlCidFromComment(HistoryDealGetString(deal,DEAL_COMMENT));
   if(d.cid=="" && order>0 && HistoryOrderSelect(order))
      d.cid=TlCidFromComment(HistoryOrderGetString(order,ORDER_COMMENT));
   d.profit=HistoryDealGetDouble(deal,DEAL_PROFIT);
   d.commission=HistoryDealGetDouble(deal,DEAL_COMMISSION);
   d.swap=HistoryDealGetDouble(deal,DEAL_SWAP);
   return true;
  }
void TlMt5Deal(const ulong deal)
  {
   TlDeal d;
   if(TlMt5DealRead(deal,d))
      TlSendDeal(d);
  }
//--- snapshot_req.deals_from_msc: our deals at or after `from_msc`, oldest first, at most
//--- `cap` (found: how many there were, counted up to cap+1). The tickets are read first:
//--- HistoryDealSelect in TlMt5DealRead replaces the list HistorySelect made.
int TlPlatResendDeals(const long from_msc,const int cap,int &found)
  {
   found=0;
   if(!HistorySelect((datetime)(from_msc/1000),TimeTradeServer()+86400))
     {
      TlSendError(TL_ERR_DEALS,TL_KIND_SNAPSHOT_REQ,"HistorySelect failed: error "+
                  IntegerToString(GetLastError())+"; no deal resent");
      return 0;
     }
   int n=HistoryDealsTotal();
   ulong tickets[];
   long times[];
   ArrayResize(tickets,n);
   ArrayResize(times,n);
   int k=0;
   for(int i=0;i<n;i++)
     {
      ulong deal=HistoryDealGetTicket(i);
      if(deal==0)
         continue;
      long t=HistoryDealGetInteger(deal,DEAL_TIME_MSC);
      if(t<from_msc)
         continue;
      tickets[k]=deal;
      times[k]=t;
      k++;
     }
//--- oldest first (the history is in time order already; this keeps it so if not)
   for(int i=1;i<k;i++)
      if(times[i]<times[i-1])
        {
         ulong tk=tickets[i];
         long tm=times[i];
         int j=i-1;
         while(j>=0 && times[j]>tm)
           {
            tickets[j+1]=tickets[j];
            times[j+1]=times[j];
            j--;
           }
         tickets[j+1]=tk;
         times[j+1]=tm;
        }
   int sent=0;
   for(int i=0;i<k && found<=cap;i++)
     {
      TlDeal d;
      if(!TlMt5DealRead(tickets[i],d))
         continue;
      found++;
      if(sent>=cap)
         break;
      TlSendDeal(d);
      sent++;
     }
   return sent;
  }
bool TlMt5Pending(const long order_type)
  {
   return order_type>=ORDER_TYPE_BUY_LIMIT && order_type<=ORDER_TYPE_SELL_STOP_LIMIT;
  }
//--- a pending order placed or modified (still in the active list)
void TlMt5OrderLive(const MqlTradeTransaction &trans)
  {
   if(!TlMt5Pending(trans.order_type) || trans.order_state!=ORDER_STATE_PLACED)
      return;
   if(!TlMt5OurOrder((long)trans.order))
      return;
   TlOrderUpd u;
   ZeroMemory(u);
   u.symbol=OrderGetString(ORDER_SYMBOL);
   u.order=(long)trans.order;
   u.order_type=(int)OrderGetInteger(ORDER_TYPE);
   u.state="placed";
   u.volume=OrderGetDouble(ORDER_VOLUME_CURRENT);
   u.price=OrderGetDouble(ORDER_PRICE_OPEN);
   u.time_msc=(trans.type==TRADE_TRANSACTION_ORDER_ADD) ? OrderGetInteger(ORDER_TIME_SETUP_MSC)
                                                        : TlPlatServerTimeMs();
   u.cid=TlCidFromComment(OrderGetString(ORDER_COMMENT));
   u.sl=OrderGetDouble(ORDER_SL);
   u.tp=OrderGetDouble(ORDER_TP);
   u.expiry_ms=OrderGetInteger(ORDER_TIME_EXPIRATION)*1000;
   TlSendOrderUpdate(u);
  }
//--- a pending order gone to history: filled, canceled, expired or rejected
void TlMt5OrderDone(const MqlTradeTransaction &trans)
  {
   ulong order=trans.order;
   if(order==0 || !HistoryOrderSelect(order))
      return;
   long type=HistoryOrderGetInteger(order,ORDER_TYPE);
   if(!TlMt5Pending(type) || HistoryOrderGetInteger(order,ORDER_MAGIC)!=g_cfg.magic)
      return;
   long st=HistoryOrderGetInteger(order,ORDER_STATE);
   TlOrderUpd u;
   ZeroMemory(u);
   u.state="canceled";                                    // also PARTIAL: the rest was canceled
   if(st==ORDER_STATE_FILLED)
      u.state="filled";
   else if(st==ORDER_STATE_EXPIRED)
      u.state="expired";
   else if(st==ORDER_STATE_REJECTED)
      u.state="rejected";
   u.symbol=HistoryOrderGetString(order,ORDER_SYMBOL);
   u.order=(long)order;
   u.order_type=(int)type;
   u.volume=(u.state=="filled") ? HistoryOrderGetDouble(order,ORDER_VOLUME_INITIAL)
                                : HistoryOrderGetDouble(order,ORDER_VOLUME_CURRENT);
   u.price=HistoryOrderGetDouble(order,ORDER_PRICE_OPEN);
   u.time_msc=HistoryOrderGetInteger(order,ORDER_TIME_DONE_MSC);
   u.cid=TlCidFromComment(HistoryOrderGetString(order,ORDER_COMMENT));
   u.sl=HistoryOrderGetDouble(order,ORDER_SL);
   u.tp=HistoryOrderGetDouble(order,ORDER_TP);
   u.expiry_ms=HistoryOrderGetInteger(order,ORDER_TIME_EXPIRATION)*1000;
   TlSendOrderUpdate(u);
  }
void TlMt5OnTransaction(const MqlTradeTransaction &trans)
  {
   if(!g_link.IsOpen())
      return;
   if(trans.type==TRADE_TRANSACTION_DEAL_ADD)
      TlMt5Deal(trans.deal);
   else if(trans.type==TRADE_TRANSACTION_ORDER_ADD || trans.type==TRADE_TRANSACTION_ORDER_UPDATE)
      TlMt5OrderLive(trans);
   else if(trans.type==TRADE_TRANSACTION_HISTORY_ADD)
      TlMt5OrderDone(trans);
  }
//+------------------------------------------------------------------+
