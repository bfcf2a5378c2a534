//+------------------------------------------------------------------+
//| Guards.mqh - what the EA enforces whatever ticklab says: the     |
//| mode, the kill switch, the silence watchdog, the hard limits     |
//| (max lots per order, max open positions + pendings, symbol       |
//| allow-list) and command deadlines.                               |
//+------------------------------------------------------------------+
#property strict

#include "Protocol.mqh"

enum ENUM_TL_MODE
  {
   TL_MODE_SHADOW=0,       // shadow: stream only, refuse every trading command
   TL_MODE_DEMO=1,         // demo: trade, but only on a demo account
   TL_MODE_PRODUCTION=2    // production: trade (ticklab must say production too)
  };

string TlModeName(const int mode)
  {
   if(mode==TL_MODE_DEMO)
      return "demo";
   if(mode==TL_MODE_PRODUCTION)
      return "production";
   return "shadow";
  }
//+------------------------------------------------------------------+
//| The EA's own clock in ms (the protocol's sent_ms / deadline_ms): |
//| microseconds since this MQL program started, / 1000.             |
//+------------------------------------------------------------------+
long TlNowMs()
  {
   return (long)(GetMicrosecondCount()/1000);
  }
//+------------------------------------------------------------------+
//| Mode, kill switch, limits                                        |
//+------------------------------------------------------------------+
class TlGuards
  {
private:
   string            m_allow[];     // symbol allow-list (exact names)
public:
   int               input_mode;    // the EA input: the most this EA may do
   int               mode;          // armed mode: hello_ack's if it matches the input, else shadow
   bool              ready;         // a hello_ack arrived on this connection
   bool              killed;        // kill received: shadow until the next hello_ack
   bool              stale;         // ticklab silent for 5 heartbeats: no new exposure
   double            max_lots;      // per order
   int               max_orders;    // open positions + pendings of this EA's magic

   void              Init(const int in_mode,const double lots,const int orders,const string &symbols[])
     {
      input_mode=in_mode;
      mode=TL_MODE_SHADOW;
      ready=false;
      killed=false;
      stale=false;
      max_lots=lots;
      max_orders=orders;
      int n=ArraySize(symbols);
      ArrayResize(m_allow,n);
      for(int i=0;i<n;i++)
         m_allow[i]=symbols[i];
     }
   //--- hello_ack: arm with ticklab's mode if it is the EA's own, else stay in shadow
   bool              Arm(const string ack_mode)
     {
      ready=true;
      killed=false;
      stale=false;
      if(ack_mode==TlModeName(input_mode))
        {
         mode=input_mode;
         return true;
        }
      mode=TL_MODE_SHADOW;
      return false;
     }
   void              Disarm() { ready=false; }
   bool              Trading() const { return ready && mode!=TL_MODE_SHADOW && !killed; }
   bool              SymbolAllowed(const string symbol) const
     {
      for(int i=0;i<ArraySize(m_allow);i++)
         if(m_allow[i]==symbol)
            return true;
      return false;
     }
   bool              Expired(const long deadline_ms) const { return TlNowMs()>deadline_ms; }
   bool              OverLots(const double volume) const { return volume>max_lots+1e-9; }
   bool              OverOrders(const int open_now) const { return open_now>=max_orders; }
  };
//+------------------------------------------------------------------+
