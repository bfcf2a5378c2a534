//+------------------------------------------------------------------+
//| Mt4.mqh - MetaTrader 4 side of TicklabEA: polled (conflated)     |
//| ticks, OrderSend/OrderModify/OrderClose/OrderCloseBy/OrderDelete |
//| execution, and deals / pending-order changes found by diffing    |
//| the order list on every timer call (MT4 has no trade events).    |
//| MT4 is always hedging and has no deal tickets: a deal carries    |
//| the order ticket in `order` and `position`, and in `deal` for    |
//| the opening deal; a closing deal's `deal` is the ticket + 2^32   |
//| (ticklab books each deal ticket once).                           |
//| Include after Ea.mqh.                                            |
//+------------------------------------------------------------------+
#property strict

#include "Ea.mqh"

#define TL_MT4_CLOSE_MEMORY 64    // our recent OrderClose calls: their cid goes on the deal
#define TL_MT4_ERR_INVALID_TICKET 4108   // ERR_INVALID_TICKET (stderror.mqh)
#define TL_MT4_OUT_DEAL     4294967296   // 2^32: + ticket = the closing deal's id (tickets are int)
#define TL_MT4_CHAIN_MAX    64    // partial closes followed back to an order's opening volume

//+------------------------------------------------------------------+
//| Our orders (market and pending) as seen on one timer call        |
//+------------------------------------------------------------------+
class TlBook4
  {
public:
   int               n;
   long              ticket[];
   int               type[];
   string            symbol[];
   double            lots[];
   double            price[];
   double            sl[];
   double            tp[];
   long              open_ms[];
   long              expiry[];
   string            comment[];

                     TlBook4() { n=0; }
   void              Clear() { n=0; }
   void              Reserve(const int k)
     {
      if(ArraySize(ticket)>=k)
         return;
      int cap=k+16;
      ArrayResize(ticket,cap);
      ArrayResize(type,cap);
      ArrayResize(symbol,cap);
      ArrayResize(lots,cap);
      ArrayResize(price,cap);
      ArrayResize(sl,cap);
      ArrayResize(tp,cap);
      ArrayResize(open_ms,cap);
      ArrayResize(expiry,cap);
      ArrayResize(comment,cap);
     }
   //--- the order selected with OrderSelect
   void              AddSelected()
     {
      Reserve(n+1);
      ticket[n]=OrderTicket();
      type[n]=OrderType();
      symbol[n]=OrderSymbol();
      lots[n]=OrderLots();
      price[n]=OrderOpenPrice();
      sl[n]=OrderStopLoss();
      tp[n]=OrderTakeProfit();
      open_ms[n]=(long)OrderOpenTime()*1000;
      expiry[n]=(long)OrderExpiration();
      comment[n]=OrderComment();
      n++;
     }
   int               Find(const long t) const
     {
      for(int i=0;i<n;i++)
         if(ticket[i]==t)
            return i;
      return -1;
     }
   void              CopyFrom(TlBook4 &o)
     {
      Reserve(o.n);
      for(int i=0;i<o.n;i++)
        {
         ticket[i]=o.ticket[i];
         type[i]=o.type[i];
         symbol[i]=o.symbol[i];
         lots[i]=o.lots[i];
         price[i]=o.price[i];
         sl[i]=o.sl[i];
         tp[i]=o.tp[i];
         open_ms[i]=o.open_ms[i];
         expiry[i]=o.expiry[i];
         comment[i]=o.comment[i];
        }
      n=o.n;
     }
  };

TlBook4  g_book;                  // our orders at the last scan
TlBook4  g_scan;                  // scratch for the current scan
bool     g_book_ready=false;
double   g_t4_bid[];
double   g_t4_ask[];
long     g_close_tk[TL_MT4_CLOSE_MEMORY];
string   g_close_cid[TL_MT4_CLOSE_MEMORY];
int      g_close_next=0;

string TlPlatName() { return "MT4"; }
string TlPlatMarginMode() { return "hedging"; }
int    TlPlatRetcodeDone() { return 0; }
long   TlPlatServerTimeMs() { return (long)TimeCurrent()*1000; }
int    TlPlatFillingModes(const string symbol) { return 0; }

bool TlMt4IsOurs(const long ticket)
  {
   return OrderMagicNumber()==(int)g_cfg.magic && OrderTicket()==ticket;
  }
//--- select an open order of our magic by ticket
bool TlMt4SelectOurs(const long ticket)
  {
   if(ticket<=0 || ticket>INT_MAX || !OrderSelect((int)ticket,SELECT_BY_TICKET))
      return false;
   return OrderCloseTime()==0 && TlMt4IsOurs(ticket);
  }
//+------------------------------------------------------------------+
//| Ticks: a snapshot per timer call, sent when bid or ask changed   |
//+------------------------------------------------------------------+
void TlPlatTicksStart()
  {
   int n=ArraySize(g_syms);
   ArrayResize(g_t4_bid,n);
   ArrayResize(g_t4_ask,n);
   for(int i=0;i<n;i++)
     {
      g_t4_bid[i]=0.0;
      g_t4_ask[i]=0.0;
     }
  }
void TlPlatTicksPump()
  {
   int n=ArraySize(g_t4_bid);
   for(int i=0;i<n;i++)
     {
      if(!g_stream[i])
         continue;
      MqlTick t;
      if(!SymbolInfoTick(g_syms[i],t) || t.bid<=0.0)
         continue;
      if(t.bid==g_t4_bid[i] && t.ask==g_t4_ask[i])
         continue;
      g_t4_bid[i]=t.bid;
      g_t4_ask[i]=t.ask;
      TlSendTick(i,(long)t.time*1000,t.bid,t.ask,t.last,0.0,0,true);
     }
  }
//+------------------------------------------------------------------+
//| Guards' view of our orders                                       |
//+------------------------------------------------------------------+
int TlPlatOpenCount()
  {
   int k=0;
   for(int i=OrdersTotal()-1;i>=0;i--)
      if(OrderSelect(i,SELECT_BY_POS,MODE_TRADES) && OrderMagicNumber()==(int)g_cfg.magic)
         k++;
   return k;
  }
void TlPlatCheck(TlCmd &c)
  {
   if(c.kind!=TL_KIND_PLACE)
      return;
   if(c.order_type==6 || c.order_type==7)
      c.bad="MT4 has no stop-limit orders";
   else if(c.order_type>=2 && (c.type_time==1 || c.type_time==3))
      c.bad="MT4 pendings are GTC (type_time 0) or expire at expiry_ms (type_time 2)";
   if(c.bad!="")
      c.bad_code=1;
  }
bool TlPlatResolve(TlCmd &c)
  {
   string why="";
   string ours=" is not an open order of magic "+IntegerToString(g_cfg.magic);
   if(c.kind==TL_KIND_PLACE)
     {
      if(c.position==0)
         return true;
      if(!TlMt4SelectOurs(c.position) || OrderType()>OP_SELL)
         why="position "+IntegerToString(c.position)+ours;
      else if(OrderSymbol()!=c.symbol)
         why="position "+IntegerToString(c.position)+" is on "+OrderSymbol();
      else if(OrderType()==c.order_type)
         why="order_type "+IntegerToString(c.order_type)+" cannot close a position of the same side";
      else if(c.volume>OrderLots()+1e-9)
         why="volume above the position's";
     }
   else if(c.kind==TL_KIND_MODIFY)
     {
      if(TlMt4SelectOurs(c.ticket))
        {
         c.target=(OrderType()<=OP_SELL) ? 1 : 2;
         c.symbol=OrderSymbol();
        }
      else
         why="ticket "+IntegerToString(c.ticket)+ours;
     }
   else if(c.kind==TL_KIND_CLOSE || c.kind==TL_KIND_CLOSE_BY)
     {
      if(!TlMt4SelectOurs(c.position) || OrderType()>OP_SELL)
         why="position "+IntegerToString(c.position)+ours;
      else
        {
         c.symbol=OrderSymbol();
         int side=OrderType();
         if(c.kind==TL_KIND_CLOSE && c.volume>OrderLots()+1e-9)
            why="close of "+DoubleToString(c.volume,2)+" lots > position volume "+DoubleToString(OrderLots(),2);
         else if(c.kind==TL_KIND_CLOSE_BY)
           {
            if(!TlMt4SelectOurs(c.by_position) || OrderType()>OP_SELL)
               why="by_position "+IntegerToString(c.by_position)+ours;
            else if(OrderSymbol()!=c.symbol || OrderType()==side)
               why="close_by needs opposite positions on one symbol";
           }
        }
     }
   else if(c.kind==TL_KIND_CANCEL)
     {
      if(TlMt4SelectOurs(c.order) && OrderType()>OP_SELL)
         c.symbol=OrderSymbol();
      else
         why="order "+IntegerToString(c.order)+" is not a pending order of magic "+IntegerToString(g_cfg.magic);
     }
   if(why=="")
      return true;
   c.bad=why;
   c.bad_code=TL_MT4_ERR_INVALID_TICKET;
   return false;
  }
//+------------------------------------------------------------------+
//| Execution                                                        |
//+------------------------------------------------------------------+
void TlMt4RememberClose(const long ticket,const string cid)
  {
   g_close_tk[g_close_next]=ticket;
   g_close_cid[g_close_next]=cid;
   g_close_next=(g_close_next+1)%TL_MT4_CLOSE_MEMORY;
  }
string TlMt4CloseCid(const long ticket)
  {
   for(int i=0;i<TL_MT4_CLOSE_MEMORY;i++)
      if(g_close_tk[i]==ticket)
         return g_close_cid[i];
   return "";
  }
//--- after a partial close MT4 gives the rest a new ticket, commented "from #<old>"
long TlMt4Remainder(const long old_ticket)
  {
   string tag="from #"+IntegerToString(old_ticket);
   for(int i=OrdersTotal()-1;i>=0;i--)
      if(OrderSelect(i,SELECT_BY_POS,MODE_TRADES) && StringFind(OrderComment(),tag)>=0)
         return OrderTicket();
   return 0;
  }
void TlMt4Close(const long ticket,const double volume,const int deviation,const string cid,TlResult &r)
  {
   if(!TlMt4SelectOurs(ticket))
     {
      r.retcode=TL_MT4_ERR_INVALID_TICKET;
      return;
     }
   string s=OrderSymbol();
   double lots=OrderLots();
   double vol=(volume>0.0 && volume<lots) ? volume : lots;
   double price=(OrderType()==OP_BUY) ? MarketInfo(s,MODE_BID) : MarketInfo(s,MODE_ASK);
   TlMt4RememberClose(ticket,cid);
   ResetLastError();
   if(!OrderClose((int)ticket,vol,price,deviation,clrNONE))
     {
      r.retcode=GetLastError();
      return;
     }
   r.retcode=0;
   r.order=ticket;
   r.position=ticket;
   r.volume=vol;
   if(OrderSelect((int)ticket,SELECT_BY_TICKET))
      r.price=OrderClosePrice();
   if(vol<lots)
     {
      r.old_ticket=ticket;
      r.new_ticket=TlMt4Remainder(ticket);
     }
  }
void TlMt4Place(TlCmd &c,TlResult &r)
  {
   string s=c.symbol;
   int cmd=c.order_type;
   RefreshRates();
   double price=TlNormPrice(c.price,s);
   if(cmd==OP_BUY)
      price=MarketInfo(s,MODE_ASK);
   else if(cmd==OP_SELL)
      price=MarketInfo(s,MODE_BID);
   datetime expiry=(cmd>OP_SELL && c.type_time==2) ? (datetime)(c.expiry_ms/1000) : 0;
   ResetLastError();
   int ticket=OrderSend(s,cmd,c.volume,price,c.deviation,TlNormPrice(c.sl,s),TlNormPrice(c.tp,s),
                        TlComment(c.cid),(int)g_cfg.magic,expiry,clrNONE);
   if(ticket<0)
     {
      r.retcode=GetLastError();
      return;
     }
   r.retcode=0;
   r.order=ticket;
   if(cmd<=OP_SELL)
      r.position=ticket;
   if(OrderSelect(ticket,SELECT_BY_TICKET))
     {
      r.price=OrderOpenPrice();
      r.volume=OrderLots();
     }
  }
void TlMt4Modify(TlCmd &c,TlResult &r)
  {
   TlMt4SelectOurs(c.ticket);
   string s=OrderSymbol();
   double price=OrderOpenPrice();
   datetime expiry=OrderExpiration();
   if(c.target==2)
     {
      if(c.price>0.0)
         price=TlNormPrice(c.price,s);
      if(c.expiry_ms>0)
         expiry=(datetime)(c.expiry_ms/1000);
     }
   ResetLastError();
   if(!OrderModify((int)c.ticket,price,TlNormPrice(c.sl,s),TlNormPrice(c.tp,s),expiry,clrNONE))
     {
      r.retcode=GetLastError();
      return;
     }
   r.retcode=0;
   r.order=c.ticket;
   if(c.target==1)
      r.position=c.ticket;
   r.price=price;
  }
void TlPlatExecute(TlCmd &c,TlResult &r)
  {
   r.retcode=0;
   if(c.kind==TL_KIND_PLACE)
     {
      if(c.position!=0)
         TlMt4Close(c.position,c.volume,c.deviation,c.cid,r);   // MT4: "this deal closes that position"
      else
         TlMt4Place(c,r);
     }
   else if(c.kind==TL_KIND_MODIFY)
      TlMt4Modify(c,r);
   else if(c.kind==TL_KIND_CLOSE)
      TlMt4Close(c.position,c.volume,c.deviation,c.cid,r);
   else if(c.kind==TL_KIND_CLOSE_BY)
     {
      TlMt4RememberClose(c.position,c.cid);
      TlMt4RememberClose(c.by_position,c.cid);
      ResetLastError();
      if(OrderCloseBy((int)c.position,(int)c.by_position,clrNONE))
        {
         r.order=c.position;
         r.position=c.position;
        }
      else
         r.retcode=GetLastError();
     }
   else if(c.kind==TL_KIND_CANCEL)
     {
      ResetLastError();
      if(OrderDelete((int)c.order,clrNONE))
         r.order=c.order;
      else
         r.retcode=GetLastError();
     }
   if(c.symbol!="")
     {
      r.bid=MarketInfo(c.symbol,MODE_BID);
      r.ask=MarketInfo(c.symbol,MODE_ASK);
     }
  }
void TlPlatKill(const string cid,const string scope,const bool flatten,TlResult &r)
  {
   int closed=0;
   int deleted=0;
   int failed=0;
   int last_fail=0;
   for(int i=OrdersTotal()-1;i>=0;i--)
     {
      if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES) || OrderMagicNumber()!=(int)g_cfg.magic)
         continue;
      if(scope!="all" && OrderSymbol()!=scope)
         continue;
      long ticket=OrderTicket();
      if(OrderType()<=OP_SELL)
        {
         if(!flatten)
            continue;
         TlResult one;
         ZeroMemory(one);
         RefreshRates();
         TlMt4Close(ticket,0.0,100,cid,one);
         if(one.retcode==0)
            closed++;
         else
           {
            failed++;
            last_fail=one.retcode;
           }
        }
      else
        {
         ResetLastError();
         if(OrderDelete((int)ticket,clrNONE))
            deleted++;
         else
           {
            failed++;
            last_fail=GetLastError();
           }
        }
     }
   r.retcode=(failed==0) ? 0 : last_fail;
   r.comment="kill "+scope+": closed "+IntegerToString(closed)+", deleted "+IntegerToString(deleted)+
             ", failed "+IntegerToString(failed);
   Print("TicklabEA: ",r.comment);
  }
//+------------------------------------------------------------------+
//| Snapshot rows (our magic only), within one frame                 |
//+------------------------------------------------------------------+
void TlPlatSnapshotRows(TlJsonWriter &w,int &shown,int &total)
  {
   for(int pass=0;pass<2;pass++)
     {
      int rows=0;
      w.BeginArr(pass==0 ? "positions" : "orders");
      for(int i=0;i<OrdersTotal();i++)
        {
         if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES) || OrderMagicNumber()!=(int)g_cfg.magic)
            continue;
         bool market=(OrderType()<=OP_SELL);
         if(market!=(pass==0))
            continue;
         total++;
         string row=market ?
                    TlPositionRow(OrderTicket(),OrderSymbol(),OrderType()==OP_BUY ? 1 : -1,OrderLots(),
                                  OrderOpenPrice(),(long)OrderOpenTime()*1000,OrderStopLoss(),
                                  OrderTakeProfit(),OrderSwap(),OrderCommission(),OrderProfit(),
                                  OrderMagicNumber(),OrderComment()) :
                    TlOrderRow(OrderTicket(),OrderSymbol(),OrderType(),OrderLots(),OrderOpenPrice(),
                               OrderStopLoss(),OrderTakeProfit(),(long)OrderExpiration()*1000,
                               OrderMagicNumber(),OrderComment());
         if(!TlRowFits(w,StringLen(row),rows))
            continue;
         w.ElemObj(row);
         rows++;
         shown++;
        }
      w.EndArr();
     }
  }
//+------------------------------------------------------------------+
//| Trade events by diffing our order list                           |
//+------------------------------------------------------------------+
//--- DEAL_REASON_* from the comment MT4 gives a closed order
int TlMt4Reason(const string comment)
  {
   if(StringFind(comment,"[sl]")>=0)
      return 4;
   if(StringFind(comment,"[tp]")>=0)
      return 5;
   if(StringFind(comment,"so:")>=0)
      return 6;
   return 3;
  }
//--- the opening deal of a market order: `deal` = `order` = `position` = its ticket
void TlMt4InDeal(const long ticket,const string symbol,const int side,const double lots,
                 const double price,const long open_ms,const int order_type,const string comment)
  {
   TlDeal d;
   ZeroMemory(d);
   d.symbol=symbol;
   d.deal=ticket;
   d.order=ticket;
   d.position=ticket;
   d.deal_type=side;
   d.entry=0;                                             // DEAL_ENTRY_IN
   d.reason=3;                                            // DEAL_REASON_EXPERT
   d.volume=lots;
   d.price=price;
   d.time_msc=open_ms;
   d.order_type=order_type;
   d.cid=TlCidFromComment(comment);
   TlSendDeal(d);
  }
void TlMt4SendIn(TlBook4 &b,const int j,const int order_type)
  {
   TlMt4InDeal(b.ticket[j],b.symbol[j],b.type[j],b.lots[j],b.price[j],b.open_ms[j],order_type,
               b.comment[j]);
  }
//--- the closing deal of the selected (closed) market order: `deal` = ticket + 2^32
void TlMt4OutDeal()
  {
   long t=OrderTicket();
   string comment=OrderComment();
   TlDeal d;
   ZeroMemory(d);
   d.symbol=OrderSymbol();
   d.deal=t+TL_MT4_OUT_DEAL;                              // the IN deal has `t`
   d.order=t;
   d.position=t;
   d.deal_type=(OrderType()==OP_BUY) ? 1 : 0;             // the closing side
   d.entry=(StringFind(comment,"hedge by")>=0) ? 3 : 1;   // OUT_BY : OUT
   d.reason=TlMt4Reason(comment);
   d.volume=OrderLots();                                  // the closed part
   d.price=OrderClosePrice();
   d.time_msc=(long)OrderCloseTime()*1000;
   d.order_type=d.deal_type;
   d.cid=TlMt4CloseCid(t);
   d.profit=OrderProfit();
   d.commission=OrderCommission();
   d.swap=OrderSwap();
   TlSendDeal(d);
  }
void TlMt4SendPending(TlBook4 &b,const int j,const string state,const long time_msc)
  {
   TlOrderUpd u;
   ZeroMemory(u);
   u.symbol=b.symbol[j];
   u.order=b.ticket[j];
   u.order_type=b.type[j];
   u.state=state;
   u.volume=b.lots[j];
   u.price=b.price[j];
   u.time_msc=time_msc;
   u.cid=TlCidFromComment(b.comment[j]);
   u.sl=b.sl[j];
   u.tp=b.tp[j];
   u.expiry_ms=b.expiry[j]*1000;
   TlSendOrderUpdate(u);
  }
//--- a ticket that left the list: closed (deal OUT) or deleted/expired (order_update)
void TlMt4Gone(const int k)
  {
   long t=g_book.ticket[k];
   if(!OrderSelect((int)t,SELECT_BY_TICKET) || OrderCloseTime()==0)
     {
      TlSendError(TL_ERR_HISTORY,"orders","ticket "+IntegerToString(t)+" left the order list "+
                  "without history (set Account History to include today)");
      return;
     }
   if(g_book.type[k]>OP_SELL)
     {
      bool expired=StringFind(OrderComment(),"expiration")>=0 ||
                   (OrderExpiration()>0 && OrderCloseTime()>=OrderExpiration());
      TlMt4SendPending(g_book,k,expired ? "expired" : "canceled",(long)OrderCloseTime()*1000);
      return;
     }
   TlMt4OutDeal();
  }
void TlMt4Scan()
  {
   g_scan.Clear();
   for(int i=0;i<OrdersTotal();i++)
      if(OrderSelect(i,SELECT_BY_POS,MODE_TRADES) && OrderMagicNumber()==(int)g_cfg.magic)
         g_scan.AddSelected();
   if(!g_book_ready)
     {
      g_book.CopyFrom(g_scan);                            // the snapshot reports what was there
      g_book_ready=true;
      return;
     }
   for(int k=0;k<g_book.n;k++)
      if(g_scan.Find(g_book.ticket[k])<0)
         TlMt4Gone(k);
   for(int j=0;j<g_scan.n;j++)
     {
      int k=g_book.Find(g_scan.ticket[j]);
      int now=g_scan.type[j];
      if(k<0)
        {
         if(now>OP_SELL)
            TlMt4SendPending(g_scan,j,"placed",g_scan.open_ms[j]);
         else if(StringFind(g_scan.comment[j],"from #")<0)    // not the rest of a partial close
            TlMt4SendIn(g_scan,j,now);
         continue;
        }
      int was=g_book.type[k];
      if(was>OP_SELL && now<=OP_SELL)
        {
         TlMt4SendPending(g_book,k,"filled",g_scan.open_ms[j]);
         TlMt4SendIn(g_scan,j,was);
        }
      else if(now>OP_SELL && (g_scan.price[j]!=g_book.price[k] || g_scan.sl[j]!=g_book.sl[k] ||
                              g_scan.tp[j]!=g_book.tp[k] || g_scan.lots[j]!=g_book.lots[k] ||
                              g_scan.expiry[j]!=g_book.expiry[k]))
         TlMt4SendPending(g_scan,j,"placed",TlPlatServerTimeMs());
     }
   g_book.CopyFrom(g_scan);
  }
//+------------------------------------------------------------------+
//| snapshot_req.deals_from_msc: the deals again, from the history   |
//+------------------------------------------------------------------+
//--- the volume the selected order opened with: its lots plus those of the orders a
//--- partial close left (comment "to #<new>" on the closed part); reselects it
double TlMt4OpenLots()
  {
   long t=OrderTicket();
   double lots=OrderLots();
   string comment=OrderComment();
   for(int k=0;k<TL_MT4_CHAIN_MAX;k++)
     {
      int at=StringFind(comment,"to #");
      if(at<0)
         break;
      long next=StringToInteger(StringSubstr(comment,at+4));
      if(next<=0 || next>INT_MAX || !OrderSelect((int)next,SELECT_BY_TICKET))
         break;
      lots+=OrderLots();
      comment=OrderComment();
     }
   OrderSelect((int)t,SELECT_BY_TICKET);
   return lots;
  }
//--- our deals at or after `from_msc` as the order-list diff reports them (an opening
//--- deal per market order, not for the rest of a partial close; a closing deal per
//--- closed one), rebuilt from the open orders and the account history (as far back as
//--- the terminal's Account History tab shows), oldest first, at most `cap`
int TlPlatResendDeals(const long from_msc,const int cap,int &found)
  {
   found=0;
   int hist=OrdersHistoryTotal();
   int live=OrdersTotal();
   double ev[][2];                                        // [time_msc, ticket*2 + (1: closing)]
   ArrayResize(ev,2*hist+live);                           // (both exact in a double)
   int rows=ArrayRange(ev,0);
   int n=0;
   for(int i=0;i<hist && n+2<=rows;i++)
     {
      if(!OrderSelect(i,SELECT_BY_POS,MODE_HISTORY) || OrderMagicNumber()!=(int)g_cfg.magic ||
         OrderType()>OP_SELL)
         continue;                                        // not ours; deleted pendings; balance rows
      long t=OrderTicket();
      long open_ms=(long)OrderOpenTime()*1000;
      long close_ms=(long)OrderCloseTime()*1000;
      if(open_ms>=from_msc && StringFind(OrderComment(),"from #")<0)
        {
         ev[n][0]=(double)open_ms;
         ev[n][1]=2.0*t;
         n++;
        }
      if(close_ms>=from_msc)
        {
         ev[n][0]=(double)close_ms;
         ev[n][1]=2.0*t+1.0;
         n++;
        }
     }
   for(int i=0;i<live && n<rows;i++)
     {
      if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES) || OrderMagicNumber()!=(int)g_cfg.magic ||
         OrderType()>OP_SELL)
         continue;
      long open_ms=(long)OrderOpenTime()*1000;
      if(open_ms>=from_msc && StringFind(OrderComment(),"from #")<0)
        {
         ev[n][0]=(double)open_ms;
         ev[n][1]=2.0*OrderTicket();
         n++;
        }
     }
   ArrayResize(ev,n);
   if(n>1)
      ArraySort(ev,WHOLE_ARRAY,0,MODE_ASCEND);           // by time_msc (the first column)
//--- within one time_msc by ticket, an opening deal before its closing one
   for(int i=1;i<n;i++)
     {
      double tm=ev[i][0];
      double key=ev[i][1];
      int j=i-1;
      while(j>=0 && ev[j][0]==tm && ev[j][1]>key)
        {
         ev[j+1][0]=ev[j][0];
         ev[j+1][1]=ev[j][1];
         j--;
        }
      ev[j+1][0]=tm;
      ev[j+1][1]=key;
     }
   found=n;
   int sent=0;
   for(int i=0;i<n && sent<cap;i++)
     {
      long code=(long)MathRound(ev[i][1]);
      long t=code/2;
      if(!OrderSelect((int)t,SELECT_BY_TICKET))
         continue;
      if(code%2==1)
         TlMt4OutDeal();
      else
        {
         double lots=(OrderCloseTime()>0) ? TlMt4OpenLots() : OrderLots();   // reselects t
         TlMt4InDeal(t,OrderSymbol(),OrderType(),lots,OrderOpenPrice(),(long)OrderOpenTime()*1000,
                     OrderType(),OrderComment());
        }
      sent++;
     }
   return sent;
  }
void TlPlatTimer()
  {
   if(g_link.IsOpen())
      TlMt4Scan();
  }
//+------------------------------------------------------------------+
