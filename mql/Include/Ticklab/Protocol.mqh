//+------------------------------------------------------------------+
//| Protocol.mqh - ticklab wire protocol v1, EA side.                |
//|                                                                  |
//| Every constant here mirrors live/protocol.py, the source of      |
//| truth.  mql/lint reads the "#define NAME value" lines below and  |
//| fails when one differs from live.protocol, is missing, or names  |
//| something live.protocol does not have.  Edit protocol.py first.  |
//+------------------------------------------------------------------+
#property strict

//--- version and limits
#define TL_PROTOCOL_VERSION      1        // VERSION
#define TL_MAX_FRAME_BYTES       65536    // MAX_FRAME_BYTES: a frame above this is refused unread
#define TL_MAX_SNAPSHOT_ROWS     1000     // MAX_SNAPSHOT_ROWS: positions or orders in one snapshot
#define TL_MAX_SYMBOLS           64       // MAX_SYMBOLS: hello / hello_ack / allow-list

//--- message kinds (live.protocol.KINDS)
#define TL_KIND_ACK              "ack"
#define TL_KIND_BYE              "bye"
#define TL_KIND_CANCEL           "cancel"
#define TL_KIND_CLOSE            "close"
#define TL_KIND_CLOSE_BY         "close_by"
#define TL_KIND_DEAL             "deal"
#define TL_KIND_ERROR            "error"
#define TL_KIND_HEARTBEAT        "heartbeat"
#define TL_KIND_HELLO            "hello"
#define TL_KIND_HELLO_ACK        "hello_ack"
#define TL_KIND_KILL             "kill"
#define TL_KIND_MODIFY           "modify"
#define TL_KIND_ORDER_RESULT     "order_result"
#define TL_KIND_ORDER_UPDATE     "order_update"
#define TL_KIND_PLACE            "place"
#define TL_KIND_SNAPSHOT         "snapshot"
#define TL_KIND_SNAPSHOT_REQ     "snapshot_req"
#define TL_KIND_STATUS           "status"
#define TL_KIND_SYMBOL_SPEC      "symbol_spec"
#define TL_KIND_TICK             "tick"

//--- ack.reason: the EA's own refusals (live.protocol.ACK_REASONS)
#define TL_ACK_OK                "OK"
#define TL_ACK_DUPLICATE         "DUPLICATE"
#define TL_ACK_EXPIRED           "EXPIRED"
#define TL_ACK_MODE_SHADOW       "MODE_SHADOW"
#define TL_ACK_NOT_READY         "NOT_READY"
#define TL_ACK_LIMIT_LOTS        "LIMIT_LOTS"
#define TL_ACK_LIMIT_ORDERS      "LIMIT_ORDERS"
#define TL_ACK_SYMBOL_NOT_ALLOWED "SYMBOL_NOT_ALLOWED"
#define TL_ACK_KILLED            "KILLED"
#define TL_ACK_BAD_COMMAND       "BAD_COMMAND"
#define TL_ACK_NOT_DEMO          "NOT_DEMO"
//+------------------------------------------------------------------+
