//+------------------------------------------------------------------+
//| Commands.mqh - the schema of what ticklab sends, checked as      |
//| strictly as live/protocol.py decodes: required fields, types,    |
//| bounds, no unknown field.  Commands are parsed into TlCmd.       |
//+------------------------------------------------------------------+
#property strict

#include "Protocol.mqh"
#include "Json.mqh"

//--- a schema is "name:type" items, "!" = required; the envelope is added to each
//--- types: cid sym sid text mode scope ms tk u int px lots f u8 seq ot tt st dev hb bool syms
#define TL_SCHEMA_ENVELOPE     "v:u8!,type:text!,seq:seq!,sent_ms:ms"
#define TL_SCHEMA_HELLO_ACK    "session_id:sid!,mode:mode!,heartbeat_ms:hb,symbols:syms"
#define TL_SCHEMA_HEARTBEAT    "last_seq_in:u,uptime_s:f,ticks_sent:u,send_drops:u,cmd_recv:u,terminal_connected:bool,trade_allowed:bool,state:st"
#define TL_SCHEMA_ERROR        "code:int!,where:text!,text:text!"
#define TL_SCHEMA_BYE          "reason:int"
#define TL_SCHEMA_SNAPSHOT_REQ "cid:cid!,deals_from_msc:ms"
#define TL_SCHEMA_PLACE        "cid:cid!,symbol:sym!,order_type:ot!,volume:lots!,deadline_ms:ms!,price:px,stoplimit:px,sl:px,tp:px,deviation_points:dev,type_time:tt,expiry_ms:ms,magic:u,position:tk"
#define TL_SCHEMA_MODIFY       "cid:cid!,ticket:tk!,deadline_ms:ms!,price:px,sl:px,tp:px,expiry_ms:ms"
#define TL_SCHEMA_CLOSE        "cid:cid!,position:tk!,volume:lots!,deadline_ms:ms!,deviation_points:dev"
#define TL_SCHEMA_CLOSE_BY     "cid:cid!,position:tk!,by_position:tk!,deadline_ms:ms!"
#define TL_SCHEMA_CANCEL       "cid:cid!,order:tk!,deadline_ms:ms!"
#define TL_SCHEMA_KILL         "cid:cid!,scope:scope,flatten:bool"

#define TL_MS_MAX              9007199254740992   // 2**53

//+------------------------------------------------------------------+
//| One trading command from ticklab                                 |
//+------------------------------------------------------------------+
struct TlCmd
  {
   string            kind;
   string            cid;
   string            symbol;        // place: as sent; ticket commands: resolved
   int               order_type;
   double            volume;
   long              deadline_ms;
   double            price;
   double            stoplimit;
   double            sl;
   double            tp;
   int               deviation;
   int               type_time;
   long              expiry_ms;
   long              magic;
   long              position;      // place, close, close_by: a position IDENTIFIER
   long              by_position;   // close_by: a position identifier
   long              ticket;        // modify: a position identifier or a pending order ticket
   long              pos_ticket;    // resolved: the open position's ticket for `position`
                                    // (or for `ticket`, a modify of a position); MT5 only
   long              by_ticket;     // resolved: the open position's ticket for `by_position`
   long              order;         // cancel
   string            scope;         // kill
   bool              flatten;       // kill
   bool              has_deadline;
   bool              has_symbol;
   bool              has_volume;
   int               target;        // resolved ticket: 1 position, 2 pending order
   string            bad;           // why the command is malformed ("" = well formed)
   int               bad_code;
  };
//+------------------------------------------------------------------+
//| The broker's answer to one command (protocol order_result)       |
//+------------------------------------------------------------------+
struct TlResult
  {
   string            symbol;        // for price digits only (not sent)
   int               retcode;
   long              order;
   long              deal;
   long              position;
   double            price;
   double            volume;
   double            bid;
   double            ask;
   string            comment;
   double            latency_ms;
   long              old_ticket;
   long              new_ticket;
  };
//+------------------------------------------------------------------+
//| protocol Cid: 1..24 of [A-Za-z0-9_.:-]                           |
//+------------------------------------------------------------------+
bool TlCidValid(const string cid)
  {
   int n=StringLen(cid);
   if(n<1 || n>24)
      return false;
   for(int i=0;i<n;i++)
     {
      ushort c=StringGetCharacter(cid,i);
      bool ok=(c>='A' && c<='Z') || (c>='a' && c<='z') || (c>='0' && c<='9') ||
              c=='_' || c=='.' || c==':' || c=='-';
      if(!ok)
         return false;
     }
   return true;
  }
//+------------------------------------------------------------------+
//| An integer value within [lo, hi]                                 |
//+------------------------------------------------------------------+
bool TlIntIn(TlJsonReader &r,const int node,const long lo,const long hi,string &why,const string name)
  {
   long v;
   if(!r.GetLong(node,v))
     {
      why=name+": expected an integer";
      return false;
     }
   if(v<lo || v>hi)
     {
      why=name+": "+IntegerToString(v)+" out of range";
      return false;
     }
   return true;
  }
//+------------------------------------------------------------------+
//| A number within [lo, hi]                                         |
//+------------------------------------------------------------------+
bool TlNumIn(TlJsonReader &r,const int node,const double lo,const double hi,string &why,const string name)
  {
   double v;
   if(!r.GetDouble(node,v))
     {
      why=name+": expected a number";
      return false;
     }
   if(v<lo || v>hi)
     {
      why=name+": "+DoubleToString(v,8)+" out of range";
      return false;
     }
   return true;
  }
//+------------------------------------------------------------------+
//| A string of length [lo, hi]                                      |
//+------------------------------------------------------------------+
bool TlStrIn(TlJsonReader &r,const int node,const int lo,const int hi,string &why,const string name)
  {
   string v;
   if(!r.GetStr(node,v))
     {
      why=name+": expected a string";
      return false;
     }
   int n=StringLen(v);
   if(n<lo || n>hi)
     {
      why=name+": length "+IntegerToString(n)+" out of range";
      return false;
     }
   return true;
  }
//+------------------------------------------------------------------+
//| Check one value against a schema type                            |
//+------------------------------------------------------------------+
bool TlCheckType(TlJsonReader &r,const int node,const string type,const string name,string &why)
  {
   if(type=="cid")
     {
      string v;
      if(!r.GetStr(node,v) || !TlCidValid(v))
        {
         why=name+": expected 1-24 characters of A-Z a-z 0-9 _ . : -";
         return false;
        }
      return true;
     }
   if(type=="sym")
      return TlStrIn(r,node,1,32,why,name);
   if(type=="sid")
      return TlStrIn(r,node,1,16,why,name);
   if(type=="scope")
      return TlStrIn(r,node,1,32,why,name);
   if(type=="text")
      return TlStrIn(r,node,0,256,why,name);
   if(type=="mode")
     {
      string v;
      if(!r.GetStr(node,v) || (v!="shadow" && v!="demo" && v!="production"))
        {
         why=name+": expected shadow, demo or production";
         return false;
        }
      return true;
     }
   if(type=="ms")
      return TlIntIn(r,node,0,TL_MS_MAX,why,name);
   if(type=="tk" || type=="u")
      return TlIntIn(r,node,0,LONG_MAX,why,name);
   if(type=="seq")
      return TlIntIn(r,node,1,LONG_MAX,why,name);
   if(type=="int")
      return TlIntIn(r,node,LONG_MIN,LONG_MAX,why,name);
   if(type=="u8")
      return TlIntIn(r,node,0,255,why,name);
   if(type=="ot")
      return TlIntIn(r,node,0,8,why,name);
   if(type=="tt")
      return TlIntIn(r,node,0,3,why,name);
   if(type=="st")
      return TlIntIn(r,node,0,2,why,name);
   if(type=="dev")
      return TlIntIn(r,node,0,100000,why,name);
   if(type=="hb")
      return TlIntIn(r,node,100,60000,why,name);
   if(type=="px")
      return TlNumIn(r,node,0.0,1e12,why,name);
   if(type=="lots")
      return TlNumIn(r,node,0.0,1e6,why,name);
   if(type=="f")
      return TlNumIn(r,node,0.0,DBL_MAX,why,name);
   if(type=="bool")
     {
      bool b;
      if(!r.GetBool(node,b))
        {
         why=name+": expected true or false";
         return false;
        }
      return true;
     }
   if(type=="syms")
     {
      if(r.Type(node)!=TLJ_ARR)
        {
         why=name+": expected an array of symbols";
         return false;
        }
      if(r.Count(node)>TL_MAX_SYMBOLS)
        {
         why=name+": more than "+IntegerToString(TL_MAX_SYMBOLS)+" symbols";
         return false;
        }
      for(int e=r.First(node);e>=0;e=r.Next(e))
         if(!TlStrIn(r,e,1,32,why,name+"[]"))
            return false;
      return true;
     }
   why=name+": unknown schema type "+type;
   return false;
  }
//+------------------------------------------------------------------+
//| Check object `obj` against a schema (plus the envelope).         |
//| Unknown members, missing required ones and bad values fail.      |
//+------------------------------------------------------------------+
bool TlCheckSchema(TlJsonReader &r,const int obj,const string schema,string &why)
  {
   string items[];
   int n=StringSplit(TL_SCHEMA_ENVELOPE+(schema=="" ? "" : ","+schema),',',items);
   string names[];
   string types[];
   bool required[];
   ArrayResize(names,n);
   ArrayResize(types,n);
   ArrayResize(required,n);
   for(int i=0;i<n;i++)
     {
      string spec=items[i];
      int colon=StringFind(spec,":");
      names[i]=StringSubstr(spec,0,colon);
      string t=StringSubstr(spec,colon+1);
      required[i]=(StringFind(t,"!")>=0);
      types[i]=required[i] ? StringSubstr(t,0,StringLen(t)-1) : t;
     }
//--- no member outside the schema
   for(int m=r.First(obj);m>=0;m=r.Next(m))
     {
      bool known=false;
      for(int i=0;i<n && !known;i++)
         known=(names[i]==r.Key(m));
      if(!known)
        {
         why="unknown field \""+r.Key(m)+"\"";
         return false;
        }
     }
//--- required members present, every member of its type
   for(int i=0;i<n;i++)
     {
      int node=r.Child(obj,names[i]);
      if(node<0)
        {
         if(required[i])
           {
            why="missing field \""+names[i]+"\"";
            return false;
           }
         continue;
        }
      if(!TlCheckType(r,node,types[i],names[i],why))
         return false;
     }
   return true;
  }
//+------------------------------------------------------------------+
//| Typed getters with a default (absent or wrong type -> default)   |
//+------------------------------------------------------------------+
long TlGetLong(TlJsonReader &r,const int obj,const string key,const long dflt)
  {
   long v;
   return r.GetLong(r.Child(obj,key),v) ? v : dflt;
  }
double TlGetDouble(TlJsonReader &r,const int obj,const string key,const double dflt)
  {
   double v;
   return r.GetDouble(r.Child(obj,key),v) ? v : dflt;
  }
string TlGetStr(TlJsonReader &r,const int obj,const string key,const string dflt)
  {
   string v;
   return r.GetStr(r.Child(obj,key),v) ? v : dflt;
  }
bool TlGetBool(TlJsonReader &r,const int obj,const string key,const bool dflt)
  {
   bool v;
   return r.GetBool(r.Child(obj,key),v) ? v : dflt;
  }
//+------------------------------------------------------------------+
//| Is `kind` one of the trading commands (they get an ack)?         |
//+------------------------------------------------------------------+
bool TlIsCommand(const string kind)
  {
   return kind==TL_KIND_PLACE || kind==TL_KIND_MODIFY || kind==TL_KIND_CLOSE ||
          kind==TL_KIND_CLOSE_BY || kind==TL_KIND_CANCEL || kind==TL_KIND_KILL;
  }
string TlCommandSchema(const string kind)
  {
   if(kind==TL_KIND_PLACE)
      return TL_SCHEMA_PLACE;
   if(kind==TL_KIND_MODIFY)
      return TL_SCHEMA_MODIFY;
   if(kind==TL_KIND_CLOSE)
      return TL_SCHEMA_CLOSE;
   if(kind==TL_KIND_CLOSE_BY)
      return TL_SCHEMA_CLOSE_BY;
   if(kind==TL_KIND_CANCEL)
      return TL_SCHEMA_CANCEL;
   return TL_SCHEMA_KILL;
  }
//+------------------------------------------------------------------+
//| Parse a command.  Fields that are present and well typed are     |
//| filled even when the command as a whole is malformed: the guards |
//| run in the protocol's order and BAD_COMMAND comes last.          |
//+------------------------------------------------------------------+
void TlParseCommand(TlJsonReader &r,const int root,const string kind,TlCmd &c)
  {
   ZeroMemory(c);
   c.kind=kind;
   c.cid=TlGetStr(r,root,"cid","");
   c.scope="all";
   c.flatten=true;
   string why="";
   if(!TlCheckSchema(r,root,TlCommandSchema(kind),why))
     {
      c.bad=why;
      c.bad_code=1;
     }
   string dummy;
   c.has_deadline=TlCheckType(r,r.Child(root,"deadline_ms"),"ms","deadline_ms",dummy);
   c.has_symbol=TlCheckType(r,r.Child(root,"symbol"),"sym","symbol",dummy);
   c.has_volume=TlCheckType(r,r.Child(root,"volume"),"lots","volume",dummy);
   c.deadline_ms=TlGetLong(r,root,"deadline_ms",0);
   c.symbol=TlGetStr(r,root,"symbol","");
   c.order_type=(int)TlGetLong(r,root,"order_type",-1);
   c.volume=TlGetDouble(r,root,"volume",0.0);
   c.price=TlGetDouble(r,root,"price",0.0);
   c.stoplimit=TlGetDouble(r,root,"stoplimit",0.0);
   c.sl=TlGetDouble(r,root,"sl",0.0);
   c.tp=TlGetDouble(r,root,"tp",0.0);
   c.deviation=(int)TlGetLong(r,root,"deviation_points",0);
   c.type_time=(int)TlGetLong(r,root,"type_time",0);
   c.expiry_ms=TlGetLong(r,root,"expiry_ms",0);
   c.magic=TlGetLong(r,root,"magic",0);
   c.position=TlGetLong(r,root,"position",0);
   c.by_position=TlGetLong(r,root,"by_position",0);
   c.ticket=TlGetLong(r,root,"ticket",0);
   c.order=TlGetLong(r,root,"order",0);
   c.scope=TlGetStr(r,root,"scope","all");
   c.flatten=TlGetBool(r,root,"flatten",true);
   if(c.bad!="")
      return;
//--- what the schema cannot say
   if(kind==TL_KIND_PLACE)
     {
      bool pending=(c.order_type>=2 && c.order_type<=7);
      if(c.order_type==8)
         c.bad="order_type 8 (close_by) is not a place: send close_by";
      else if(c.volume<=0.0)
         c.bad="volume must be > 0";
      else if(pending && c.price<=0.0)
         c.bad="a pending order needs a price";
      else if((c.order_type==6 || c.order_type==7) && c.stoplimit<=0.0)
         c.bad="a stop-limit order needs stoplimit";
      else if(pending && (c.type_time==2 || c.type_time==3) && c.expiry_ms<=0)
         c.bad="type_time "+IntegerToString(c.type_time)+" needs expiry_ms";
      else if(pending && c.position!=0)
         c.bad="position (close this position) applies to market orders only";
     }
   if(kind==TL_KIND_CLOSE_BY && c.position==c.by_position)
      c.bad="close_by: position and by_position are the same ticket";
   if(c.bad!="")
      c.bad_code=1;
  }
//+------------------------------------------------------------------+
