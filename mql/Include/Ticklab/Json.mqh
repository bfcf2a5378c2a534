//+------------------------------------------------------------------+
//| Json.mqh - the JSON the ticklab protocol needs, nothing more.    |
//|                                                                  |
//| TlJsonWriter builds the body of one object with string concat.   |
//| Its output is pure ASCII: every character outside 0x20..0x7E is  |
//| written as \uXXXX, so StringLen() equals the UTF-8 byte count    |
//| and frame sizes can be budgeted before sending.                  |
//|                                                                  |
//| TlJsonReader is a strict reader: objects, arrays, strings,       |
//| numbers, true/false/null; no trailing commas, no comments, no    |
//| NaN, no duplicate keys, no control characters in strings, no     |
//| trailing garbage, bounded depth and size.  It never crashes on   |
//| bad input: Parse() returns false and Error() says why.           |
//+------------------------------------------------------------------+
#property strict

#define TLJ_NULL        0
#define TLJ_BOOL        1
#define TLJ_NUM         2
#define TLJ_STR         3
#define TLJ_ARR         4
#define TLJ_OBJ         5

#define TLJ_MAX_DEPTH   8        // commands are flat; hello_ack has one array
#define TLJ_MAX_NODES   4096     // a 64 KB frame of small values stays below this

//+------------------------------------------------------------------+
//| Escape a string for JSON (ASCII output)                          |
//+------------------------------------------------------------------+
string TlJsonEscape(const string s)
  {
   string out="";
   int n=StringLen(s);
   int start=0;
   for(int i=0;i<n;i++)
     {
      ushort c=StringGetCharacter(s,i);
      if(c>=0x20 && c<0x7F && c!='"' && c!='\\')
         continue;
      if(i>start)
         StringAdd(out,StringSubstr(s,start,i-start));
      start=i+1;
      if(c=='"')
         StringAdd(out,"\\\"");
      else if(c=='\\')
         StringAdd(out,"\\\\");
      else if(c=='\n')
         StringAdd(out,"\\n");
      else if(c=='\r')
         StringAdd(out,"\\r");
      else if(c=='\t')
         StringAdd(out,"\\t");
      else
         StringAdd(out,StringFormat("\\u%04x",(int)c));
     }
   if(start==0)
      return s;
   if(start<n)
      StringAdd(out,StringSubstr(s,start));
   return out;
  }
//+------------------------------------------------------------------+
//| A number with at most `digits` decimals, trailing zeros dropped  |
//| (DoubleToString never uses an exponent for these magnitudes).    |
//+------------------------------------------------------------------+
string TlNum(const double x,const int digits)
  {
   if(!MathIsValidNumber(x))
      return "0";
   string s=DoubleToString(x,digits);
   if(StringFind(s,".")>=0)
     {
      int n=StringLen(s);
      while(n>1 && StringGetCharacter(s,n-1)=='0')
         n--;
      if(n>1 && StringGetCharacter(s,n-1)=='.')
         n--;
      s=StringSubstr(s,0,n);
     }
   if(s=="-0")
      s="0";
   return s;
  }
//+------------------------------------------------------------------+
//| The first n characters of s (protocol Text fields are <= 256)    |
//+------------------------------------------------------------------+
string TlClip(const string s,const int n)
  {
   return StringLen(s)<=n ? s : StringSubstr(s,0,n);
  }
//+------------------------------------------------------------------+
//| Strict UTF-8 check of n bytes (no overlongs, no surrogates, no   |
//| NUL): a frame that fails is refused before it is decoded.        |
//+------------------------------------------------------------------+
bool TlUtf8Valid(const uchar &b[],const int n)
  {
   int i=0;
   while(i<n)
     {
      int c=b[i];
      if(c==0)
         return false;
      if(c<0x80)
        {
         i++;
         continue;
        }
      int need=0;
      int cp=0;
      if(c>=0xC2 && c<=0xDF)
        {
         need=1;
         cp=c&0x1F;
        }
      else if(c>=0xE0 && c<=0xEF)
        {
         need=2;
         cp=c&0x0F;
        }
      else if(c>=0xF0 && c<=0xF4)
        {
         need=3;
         cp=c&0x07;
        }
      else
         return false;
      if(i+need>=n)
         return false;
      for(int k=1;k<=need;k++)
        {
         int d=b[i+k];
         if((d&0xC0)!=0x80)
            return false;
         cp=(cp<<6)|(d&0x3F);
        }
      if((need==2 && cp<0x800) || (need==3 && (cp<0x10000 || cp>0x10FFFF)))
         return false;
      if(cp>=0xD800 && cp<=0xDFFF)
         return false;
      i+=need+1;
     }
   return true;
  }
//+------------------------------------------------------------------+
//| Writer: the members of one JSON object, without its braces       |
//| (TlLink wraps them in the envelope).                             |
//+------------------------------------------------------------------+
class TlJsonWriter
  {
private:
   string            m_s;
   bool              m_first[];    // per nesting level: nothing written yet
   int               m_depth;

   void              Sep()
     {
      if(m_first[m_depth])
         m_first[m_depth]=false;
      else
         StringAdd(m_s,",");
     }
   void              Push()
     {
      m_depth++;
      if(ArraySize(m_first)<=m_depth)
         ArrayResize(m_first,m_depth+8);
      m_first[m_depth]=true;
     }
   void              Name(const string key)
     {
      Sep();
      StringAdd(m_s,"\""+key+"\":");
     }
public:
   void              Reset()
     {
      m_s="";
      m_depth=0;
      ArrayResize(m_first,8);
      m_first[0]=true;
     }
                     TlJsonWriter() { Reset(); }
   string            Body() const { return m_s; }
   int               Length() const { return StringLen(m_s); }

   //--- members of the current object
   void              Str(const string key,const string v) { Name(key); StringAdd(m_s,"\""+TlJsonEscape(v)+"\""); }
   void              Int(const string key,const long v) { Name(key); StringAdd(m_s,IntegerToString(v)); }
   void              Num(const string key,const double v,const int digits) { Name(key); StringAdd(m_s,TlNum(v,digits)); }
   void              Bool(const string key,const bool v) { Name(key); StringAdd(m_s,v ? "true" : "false"); }
   void              BeginObj(const string key) { Name(key); StringAdd(m_s,"{"); Push(); }
   void              BeginArr(const string key) { Name(key); StringAdd(m_s,"["); Push(); }
   void              EndObj() { if(m_depth>0) m_depth--; StringAdd(m_s,"}"); }
   void              EndArr() { if(m_depth>0) m_depth--; StringAdd(m_s,"]"); }

   //--- elements of the current array
   void              ElemStr(const string v) { Sep(); StringAdd(m_s,"\""+TlJsonEscape(v)+"\""); }
   //--- an object element whose members another writer built
   void              ElemObj(const string members) { Sep(); StringAdd(m_s,"{"+members+"}"); }
  };
//+------------------------------------------------------------------+
//| Reader: parses one JSON text into a flat node table              |
//+------------------------------------------------------------------+
class TlJsonReader
  {
private:
   string            m_src;
   int               m_len;
   int               m_pos;
   int               m_count;
   string            m_err;
   int               m_type[];
   int               m_first[];    // first child (objects, arrays)
   int               m_last[];     // last child
   int               m_next[];     // next sibling
   string            m_key[];      // key in the parent object ("" in arrays)
   string            m_text[];     // string value, or the number as written
   bool              m_flag[];     // bool value, or "integer literal" for numbers

   bool              Valid(const int node) const { return node>=0 && node<m_count; }
   bool              Fail(const string why)
     {
      if(m_err=="")
         m_err=why+" at offset "+IntegerToString(m_pos);
      return false;
     }
   ushort            Peek() const { return m_pos<m_len ? StringGetCharacter(m_src,m_pos) : 0; }
   bool              IsDigit(const ushort c) const { return c>='0' && c<='9'; }
   void              SkipWs()
     {
      while(m_pos<m_len)
        {
         ushort c=StringGetCharacter(m_src,m_pos);
         if(c!=' ' && c!='\t' && c!='\n' && c!='\r')
            break;
         m_pos++;
        }
     }
public:
   //--- the member `key` of object `obj`, or -1
   int               Child(const int obj,const string key) const
     {
      if(!Valid(obj) || m_type[obj]!=TLJ_OBJ)
         return -1;
      for(int n=m_first[obj];n>=0;n=m_next[n])
         if(m_key[n]==key)
            return n;
      return -1;
     }
private:
   int               NewNode(const int type,const int parent,const string key)
     {
      if(m_count>=TLJ_MAX_NODES)
        {
         Fail("more than "+IntegerToString(TLJ_MAX_NODES)+" values");
         return -1;
        }
      int n=m_count;
      if(ArraySize(m_type)<=n)
        {
         int cap=n+64;
         ArrayResize(m_type,cap);
         ArrayResize(m_first,cap);
         ArrayResize(m_last,cap);
         ArrayResize(m_next,cap);
         ArrayResize(m_key,cap);
         ArrayResize(m_text,cap);
         ArrayResize(m_flag,cap);
        }
      m_type[n]=type;
      m_first[n]=-1;
      m_last[n]=-1;
      m_next[n]=-1;
      m_key[n]=key;
      m_text[n]="";
      m_flag[n]=false;
      if(parent>=0)
        {
         if(m_first[parent]<0)
            m_first[parent]=n;
         else
            m_next[m_last[parent]]=n;
         m_last[parent]=n;
        }
      m_count++;
      return n;
     }
   int               HexValue(const ushort c) const
     {
      if(c>='0' && c<='9')
         return c-'0';
      if(c>='a' && c<='f')
         return c-'a'+10;
      if(c>='A' && c<='F')
         return c-'A'+10;
      return -1;
     }
   bool              ParseString(string &out)
     {
      out="";
      m_pos++;                       // the opening quote
      int start=m_pos;
      while(true)
        {
         if(m_pos>=m_len)
            return Fail("unterminated string");
         ushort c=StringGetCharacter(m_src,m_pos);
         if(c=='"')
           {
            if(m_pos>start)
               StringAdd(out,StringSubstr(m_src,start,m_pos-start));
            m_pos++;
            return true;
           }
         if(c<0x20)
            return Fail("control character in a string");
         if(c!='\\')
           {
            m_pos++;
            continue;
           }
         if(m_pos>start)
            StringAdd(out,StringSubstr(m_src,start,m_pos-start));
         m_pos++;
         if(m_pos>=m_len)
            return Fail("unterminated escape");
         ushort e=StringGetCharacter(m_src,m_pos);
         m_pos++;
         if(e=='"')
            StringAdd(out,"\"");
         else if(e=='\\')
            StringAdd(out,"\\");
         else if(e=='/')
            StringAdd(out,"/");
         else if(e=='b')
            StringAdd(out,ShortToString(8));
         else if(e=='f')
            StringAdd(out,ShortToString(12));
         else if(e=='n')
            StringAdd(out,"\n");
         else if(e=='r')
            StringAdd(out,"\r");
         else if(e=='t')
            StringAdd(out,"\t");
         else if(e=='u')
           {
            if(m_pos+4>m_len)
               return Fail("short \\u escape");
            int v=0;
            for(int k=0;k<4;k++)
              {
               int d=HexValue(StringGetCharacter(m_src,m_pos+k));
               if(d<0)
                  return Fail("bad \\u escape");
               v=v*16+d;
              }
            m_pos+=4;
            if(v==0)
               return Fail("NUL in a string");
            StringAdd(out,ShortToString((ushort)v));
           }
         else
            return Fail("bad escape");
         start=m_pos;
        }
      return false;
     }
   bool              ParseNumber(const int parent,const string key)
     {
      int start=m_pos;
      bool integral=true;
      if(Peek()=='-')
         m_pos++;
      if(Peek()=='0')
         m_pos++;
      else if(Peek()>='1' && Peek()<='9')
        {
         while(IsDigit(Peek()))
            m_pos++;
        }
      else
         return Fail("bad number");
      if(Peek()=='.')
        {
         integral=false;
         m_pos++;
         if(!IsDigit(Peek()))
            return Fail("bad number");
         while(IsDigit(Peek()))
            m_pos++;
        }
      if(Peek()=='e' || Peek()=='E')
        {
         integral=false;
         m_pos++;
         if(Peek()=='+' || Peek()=='-')
            m_pos++;
         if(!IsDigit(Peek()))
            return Fail("bad number");
         while(IsDigit(Peek()))
            m_pos++;
        }
      int n=NewNode(TLJ_NUM,parent,key);
      if(n<0)
         return false;
      m_text[n]=StringSubstr(m_src,start,m_pos-start);
      m_flag[n]=integral;
      return true;
     }
   bool              ParseWord(const string word,const int type,const bool flag,const int parent,const string key)
     {
      int n=StringLen(word);
      if(m_pos+n>m_len || StringSubstr(m_src,m_pos,n)!=word)
         return Fail("unexpected character");
      m_pos+=n;
      int node=NewNode(type,parent,key);
      if(node<0)
         return false;
      m_flag[node]=flag;
      return true;
     }
   bool              ParseValue(const int parent,const string key,const int depth)
     {
      SkipWs();
      if(m_pos>=m_len)
         return Fail("unexpected end");
      ushort c=Peek();
      if(c=='{' || c=='[')
        {
         if(depth>=TLJ_MAX_DEPTH)
            return Fail("nested too deep");
         bool isobj=(c=='{');
         ushort close=isobj ? '}' : ']';
         int node=NewNode(isobj ? TLJ_OBJ : TLJ_ARR,parent,key);
         if(node<0)
            return false;
         m_pos++;
         SkipWs();
         if(Peek()==close)
           {
            m_pos++;
            return true;
           }
         while(true)
           {
            SkipWs();
            string k="";
            if(isobj)
              {
               if(Peek()!='"')
                  return Fail("expected a key");
               if(!ParseString(k))
                  return false;
               if(Child(node,k)>=0)
                  return Fail("duplicate key \""+k+"\"");
               SkipWs();
               if(Peek()!=':')
                  return Fail("expected ':'");
               m_pos++;
              }
            if(!ParseValue(node,k,depth+1))
               return false;
            SkipWs();
            c=Peek();
            if(c==',')
              {
               m_pos++;
               continue;
              }
            if(c==close)
              {
               m_pos++;
               return true;
              }
            return Fail(isobj ? "expected ',' or '}'" : "expected ',' or ']'");
           }
        }
      if(c=='"')
        {
         string s;
         if(!ParseString(s))
            return false;
         int n=NewNode(TLJ_STR,parent,key);
         if(n<0)
            return false;
         m_text[n]=s;
         return true;
        }
      if(c=='-' || IsDigit(c))
         return ParseNumber(parent,key);
      if(c=='t')
         return ParseWord("true",TLJ_BOOL,true,parent,key);
      if(c=='f')
         return ParseWord("false",TLJ_BOOL,false,parent,key);
      if(c=='n')
         return ParseWord("null",TLJ_NULL,false,parent,key);
      return Fail("unexpected character");
     }
public:
                     TlJsonReader() { m_count=0; m_len=0; m_pos=0; }

   //--- parse a whole text; the root must be an object
   bool              Parse(const string src)
     {
      m_src=src;
      m_len=StringLen(src);
      m_pos=0;
      m_count=0;
      m_err="";
      SkipWs();
      if(Peek()!='{')
         return Fail("not a JSON object");
      if(!ParseValue(-1,"",0))
         return false;
      SkipWs();
      if(m_pos!=m_len)
         return Fail("trailing characters");
      return true;
     }
   string            Error() const { return m_err; }
   int               Root() const { return m_count>0 ? 0 : -1; }
   int               Type(const int node) const { return Valid(node) ? m_type[node] : -1; }
   string            Key(const int node) const { return Valid(node) ? m_key[node] : ""; }
   int               First(const int node) const { return Valid(node) ? m_first[node] : -1; }
   int               Next(const int node) const { return Valid(node) ? m_next[node] : -1; }
   int               Count(const int node) const
     {
      int k=0;
      for(int n=First(node);n>=0;n=m_next[n])
         k++;
      return k;
     }
   bool              GetStr(const int node,string &v) const
     {
      if(Type(node)!=TLJ_STR)
         return false;
      v=m_text[node];
      return true;
     }
   bool              GetBool(const int node,bool &v) const
     {
      if(Type(node)!=TLJ_BOOL)
         return false;
      v=m_flag[node];
      return true;
     }
   bool              GetDouble(const int node,double &v) const
     {
      if(Type(node)!=TLJ_NUM)
         return false;
      v=StringToDouble(m_text[node]);
      return MathIsValidNumber(v);
     }
   //--- an integer literal that fits a signed 64-bit long
   bool              GetLong(const int node,long &v) const
     {
      if(Type(node)!=TLJ_NUM || !m_flag[node])
         return false;
      string t=m_text[node];
      bool neg=(StringGetCharacter(t,0)=='-');
      string digits=neg ? StringSubstr(t,1) : t;
      int n=StringLen(digits);
      if(n>19 || (n==19 && StringCompare(digits,"9223372036854775807")>0))
         return false;
      v=StringToInteger(t);
      return true;
     }
  };
//+------------------------------------------------------------------+
