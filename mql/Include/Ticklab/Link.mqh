//+------------------------------------------------------------------+
//| Link.mqh - the EA's end of the link: one ZeroMQ DEALER that      |
//| connects to ticklab's ROUTER, the envelope (v, type, seq,        |
//| sent_ms), non-blocking send/receive, frame limits, counters,     |
//| and the ring of command ids already executed.                    |
//|                                                                  |
//| Binding: dingmaotu/mql-zmq (Include/Zmq, libzmq 4.2.x DLLs).     |
//| Every send and receive passes nowait=true, which mql-zmq turns   |
//| into ZMQ_DONTWAIT: nothing here can block the terminal thread.   |
//+------------------------------------------------------------------+
#property strict

#include <Zmq/Zmq.mqh>
#include "Protocol.mqh"
#include "Json.mqh"
#include "Guards.mqh"

#define TL_DONTWAIT          true      // mql-zmq Socket::send/recv(..., nowait) -> ZMQ_DONTWAIT
#define TL_CID_RING          1000      // command ids remembered for DUPLICATE
#define TL_SNDHWM            100000    // messages queued towards ticklab before drops
#define TL_RECONNECT_MS      100       // ZMQ_RECONNECT_IVL
#define TL_RECONNECT_MAX_MS  5000      // ZMQ_RECONNECT_IVL_MAX
#define TL_ZMQ_HB_IVL_MS     1000      // ZMQ_HEARTBEAT_IVL (ZMTP ping)
#define TL_ZMQ_HB_TIMEOUT_MS 3000      // ZMQ_HEARTBEAT_TIMEOUT
#define TL_ZMQ_HB_TTL_MS     6000      // ZMQ_HEARTBEAT_TTL

//--- error.code values this EA sends (error.where says more)
#define TL_ERR_DECODE          1         // a frame or message refused (size, JSON, schema)
#define TL_ERR_MODE            2         // hello_ack mode differs / demo mode on a non-demo account
#define TL_ERR_TICKS           3         // CopyTicks failed (retried next timer)
#define TL_ERR_SILENCE         4         // watchdog: ticklab silent
#define TL_ERR_SEND            5         // an outgoing message too large (Link.mqh)
#define TL_ERR_SYMBOL          6         // a symbol unknown / without specification
#define TL_ERR_SNAPSHOT        7         // snapshot truncated to fit one frame
#define TL_ERR_HISTORY         8         // MT4: a ticket vanished without history
#define TL_ERR_COMMAND         9         // a command without a usable cid (cannot be acked)
#define TL_ERR_DEALS           10        // snapshot_req: more deals to resend than one request sends

//+------------------------------------------------------------------+
//| Is the tcp:// endpoint on this machine?                          |
//+------------------------------------------------------------------+
string TlEndpointHost(const string endpoint)
  {
   int at=StringFind(endpoint,"://");
   string rest=(at>=0) ? StringSubstr(endpoint,at+3) : endpoint;
   if(StringGetCharacter(rest,0)=='[')
     {
      int close=StringFind(rest,"]");
      return close>0 ? StringSubstr(rest,0,close+1) : rest;
     }
   int colon=StringFind(rest,":");
   return colon>=0 ? StringSubstr(rest,0,colon) : rest;
  }
bool TlIsLoopback(const string endpoint)
  {
   string host=TlEndpointHost(endpoint);
   return host=="127.0.0.1" || host=="localhost" || host=="[::1]" || StringFind(host,"127.")==0;
  }
//+------------------------------------------------------------------+
//| A Z85 CURVE key: 40 characters of the Z85 alphabet               |
//+------------------------------------------------------------------+
bool TlZ85Key(const string key)
  {
   string alphabet="0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
   if(StringLen(key)!=40)
      return false;
   for(int i=0;i<40;i++)
      if(StringFind(alphabet,ShortToString(StringGetCharacter(key,i)))<0)
         return false;
   return true;
  }
//+------------------------------------------------------------------+
//| The socket, the envelope and the counters                        |
//+------------------------------------------------------------------+
class TlLink
  {
private:
   Context          *m_ctx;          // shared by name in the terminal; kept across chart changes
   Socket           *m_sock;
   long              m_seq_out;      // last seq sent on this connection
   long              m_last_seq_in;  // last seq received from ticklab
   long              m_gaps_in;      // ticklab messages missing in its sequence
   long              m_sent;
   long              m_drops;        // sends that failed (queue full / not connected / too big)
   long              m_refused;      // frames refused unread (size, parts, UTF-8)
   long              m_last_rx_ms;   // TlNowMs() of the last frame from ticklab
   string            m_problem;      // why the last frame was refused

public:
   void              Reset()
     {
      m_seq_out=0;
      m_last_seq_in=0;
      m_gaps_in=0;
      m_sent=0;
      m_drops=0;
      m_refused=0;
      m_last_rx_ms=0;
      m_problem="";
     }
   bool              IsOpen() const { return m_sock!=NULL; }
   long              LastSeqIn() const { return m_last_seq_in; }
   long              GapsIn() const { return m_gaps_in; }
   long              Sent() const { return m_sent; }
   long              Drops() const { return m_drops; }
   long              Refused() const { return m_refused; }
   long              LastRxMs() const { return m_last_rx_ms; }
   string            Problem() const { return m_problem; }

   //--- a new connection in the protocol's sense (hello / hello_ack): seq from 1
   void              RestartOut() { m_seq_out=0; }
   void              RestartIn() { m_last_seq_in=0; }
   void              SawSeq(const long seq)
     {
      if(m_last_seq_in>0 && seq>m_last_seq_in+1)
         m_gaps_in+=seq-m_last_seq_in-1;
      m_last_seq_in=seq;
     }

   bool              Open(const string ctx_name,const string endpoint,const string identity,
                          const string server_key,const string public_key,const string secret_key,
                          string &err);
   void              Close(const bool release_context);
   bool              Send(const string kind,const string body);
   int               Recv(string &json);

                     TlLink() { m_ctx=NULL; m_sock=NULL; Reset(); }
                    ~TlLink() { Close(true); }
  };
//+------------------------------------------------------------------+
//| Create (or reuse) the shared context, make the DEALER, connect   |
//+------------------------------------------------------------------+
bool TlLink::Open(const string ctx_name,const string endpoint,const string identity,
                  const string server_key,const string public_key,const string secret_key,
                  string &err)
  {
   if(m_sock!=NULL)
      return true;
   if(m_ctx==NULL)
      m_ctx=new Context(ctx_name);
   m_sock=new Socket(m_ctx,ZMQ_DEALER);
   if(!m_sock.valid())
     {
      err="zmq_socket failed: "+Zmq::errorMessage();
      delete m_sock;
      m_sock=NULL;
      return false;
     }
   bool ok=m_sock.setIdentity(identity) &&                 // ZMQ_ROUTING_ID (ZMQ_IDENTITY)
           m_sock.setLinger(0) &&                          // never keep the terminal waiting
           m_sock.setSendHighWaterMark(TL_SNDHWM) &&
           m_sock.setImmediate(true) &&                    // no queue towards a peer not connected
           m_sock.setReconnectInterval(TL_RECONNECT_MS) &&
           m_sock.setReconnectIntervalMax(TL_RECONNECT_MAX_MS) &&
           m_sock.setHeartbeatInterval(TL_ZMQ_HB_IVL_MS) &&
           m_sock.setHeartbeatTimeout(TL_ZMQ_HB_TIMEOUT_MS) &&
           m_sock.setHeartbeatTTL(TL_ZMQ_HB_TTL_MS);
   if(ok && server_key!="")
      ok=m_sock.setCurveServerKey(server_key) &&
         m_sock.setCurvePublicKey(public_key) &&
         m_sock.setCurveSecretKey(secret_key);
   if(!ok)
     {
      err="setting socket options failed: "+Zmq::errorMessage();
      delete m_sock;
      m_sock=NULL;
      return false;
     }
   if(!m_sock.connect(endpoint))
     {
      err="connect "+endpoint+" failed: "+Zmq::errorMessage();
      delete m_sock;
      m_sock=NULL;
      return false;
     }
   m_seq_out=0;
   m_last_seq_in=0;
   m_last_rx_ms=TlNowMs();
   return true;
  }
//+------------------------------------------------------------------+
//| Close the socket (linger 0).  The shared context is released     |
//| only when asked (OnDeinit with REASON_REMOVE / REASON_CHARTCLOSE)|
//| and libzmq terminates it when the terminal's last user lets go.  |
//+------------------------------------------------------------------+
void TlLink::Close(const bool release_context)
  {
   if(m_sock!=NULL)
     {
      m_sock.setLinger(0);
      delete m_sock;
      m_sock=NULL;
     }
   if(release_context && m_ctx!=NULL)
     {
      delete m_ctx;
      m_ctx=NULL;
     }
  }
//+------------------------------------------------------------------+
//| Envelope + body, one UTF-8 frame, ZMQ_DONTWAIT.  seq is taken    |
//| even when the send fails, so ticklab sees the gap.               |
//+------------------------------------------------------------------+
bool TlLink::Send(const string kind,const string body)
  {
   m_seq_out++;
   string s="{\"v\":"+IntegerToString(TL_PROTOCOL_VERSION)+",\"type\":\""+kind+"\",\"seq\":"+
            IntegerToString(m_seq_out)+",\"sent_ms\":"+IntegerToString(TlNowMs());
   if(body!="")
      s+=","+body;
   s+="}";
   uchar buf[];
   int n=StringToCharArray(s,buf,0,WHOLE_ARRAY,CP_UTF8);
   if(n>0 && buf[n-1]==0)
      n--;
   if(n>TL_MAX_FRAME_BYTES)
     {
      m_drops++;
      if(kind!=TL_KIND_ERROR)
        {
         TlJsonWriter w;
         w.Int("code",TL_ERR_SEND);
         w.Str("where","send");
         w.Str("text",kind+" of "+IntegerToString(n)+" bytes exceeds "+
               IntegerToString(TL_MAX_FRAME_BYTES)+": dropped");
         Send(TL_KIND_ERROR,w.Body());
        }
      return false;
     }
   ArrayResize(buf,n);
   if(m_sock==NULL || !m_sock.send(buf,TL_DONTWAIT))
     {
      m_drops++;
      return false;
     }
   m_sent++;
   return true;
  }
//+------------------------------------------------------------------+
//| One frame from ticklab without waiting.                          |
//| 1: `json` holds it; 0: nothing waiting; -1: refused (Problem()). |
//+------------------------------------------------------------------+
int TlLink::Recv(string &json)
  {
   json="";
   if(m_sock==NULL)
      return 0;
   ZmqMsg msg;
   if(!m_sock.recv(msg,TL_DONTWAIT))
      return 0;                              // EAGAIN: nothing waiting
   m_last_rx_ms=TlNowMs();
   if(msg.more())
     {
      int parts=1;
      while(true)
        {
         ZmqMsg part;
         if(!m_sock.recv(part,TL_DONTWAIT))
            break;
         parts++;
         if(!part.more())
            break;
        }
      m_refused++;
      m_problem=IntegerToString(parts)+"-part message; expected one JSON frame";
      return -1;
     }
   int size=(int)msg.size();
   if(size>TL_MAX_FRAME_BYTES)
     {
      m_refused++;
      m_problem="frame of "+IntegerToString(size)+" bytes exceeds "+
                IntegerToString(TL_MAX_FRAME_BYTES)+"; refused unread";
      return -1;
     }
   if(size==0)
     {
      m_refused++;
      m_problem="empty frame";
      return -1;
     }
   uchar buf[];
   ArrayResize(buf,size);                  // exactly: ZmqMsg::getData copies ArraySize(buf) bytes
   msg.getData(buf);
   if(!TlUtf8Valid(buf,size))
     {
      m_refused++;
      m_problem="frame is not valid UTF-8";
      return -1;
     }
   json=CharArrayToString(buf,0,size,CP_UTF8);
   return 1;
  }
//+------------------------------------------------------------------+
//| The ids of the last TL_CID_RING commands executed, each with     |
//| the order_result body it produced (sent again for a DUPLICATE).  |
//+------------------------------------------------------------------+
class TlCidRing
  {
private:
   string            m_cid[TL_CID_RING];
   string            m_result[TL_CID_RING];
   int               m_next;
   int               m_used;
public:
                     TlCidRing() { m_next=0; m_used=0; }
   void              Clear() { m_next=0; m_used=0; }
   int               Find(const string cid) const
     {
      for(int i=0;i<m_used;i++)
         if(m_cid[i]==cid)
            return i;
      return -1;
     }
   string            Result(const int i) const { return (i>=0 && i<m_used) ? m_result[i] : ""; }
   void              Add(const string cid,const string result)
     {
      m_cid[m_next]=cid;
      m_result[m_next]=result;
      m_next=(m_next+1)%TL_CID_RING;
      if(m_used<TL_CID_RING)
         m_used++;
     }
  };
//+------------------------------------------------------------------+
