#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Write the inputs of the hostile corpus (args, stdin, env, setup, files) under
tests/hostile/<program>/<case>/.  python3 tests/hostile/generate.py [program|program/case ...]
Expected outputs are not written here: run a new case, judge its output by hand,
then save it as expected.stdout, expected.stderr and expected.status."""
import os, sys, json, base64, subprocess, shutil, tempfile
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT=ROOT+'/tests/hostile'
K1='whsec_'+base64.b64encode(b'\x11'*32).decode()
K2='whsec_'+base64.b64encode(b'\x22'*32).decode()
KEYS=json.dumps({"acme":[{"id":"k1","secret":K1}],"globex":[{"id":"k2","secret":K2}]})+"\n"
import hmac, hashlib
def env(tenant,id,ts,body,key=b'\x11'*32,sig=None):
    if sig is None:
        mac=hmac.new(key,(id+"."+str(ts)+".").encode()+body.encode(),hashlib.sha256).digest()
        sig='v1,'+base64.b64encode(mac).decode()
    return json.dumps({"tenant":tenant,"id":id,"timestamp":ts,"signature":sig,"body":body},separators=(',',':'))
NOW=1795412345
B='{"id":"bk-1","name":"Lee"}'
cases=[]
def case(prog,name,args,stdin=None,files=None,setup=None,envv=None):
    cases.append(dict(prog=prog,name=name,args=args,stdin=stdin,files=files or {},setup=setup,env=envv or {}))
SETUPK='chmod 600 keys.json\n'
V=['-k','keys.json','--now',str(NOW),'--replay-store','replay.db']
def hv(name,stdin,args=None,files=None,setup=SETUPK):
    f={'keys.json':KEYS}; f.update(files or {})
    case('hmac-verify',name,(args if args is not None else V),stdin,f,setup)
good=env('acme','msg_1',NOW,B)
hv('truncated-envelope',good[:60].encode())
hv('binary-input',bytes(range(256))*2)
hv('invalid-utf8-in-body',env('acme','msg_2',NOW,'xx').replace('"xx"','"x\xc3\x28x"').encode('latin-1'))
hv('invalid-utf8-overlong',('{"tenant":"acme","id":"msg_3","timestamp":%d,"signature":"v1,AAAA","body":"\xc0\xaf"}\n'%NOW).encode('latin-1'))
hv('deep-nesting',('['*5000+']'*5000+'\n').encode())
hv('huge-timestamp',('{"tenant":"acme","id":"msg_4","timestamp":1e400,"signature":"v1,AAAA","body":"x"}\n').encode())
hv('timestamp-as-string',('{"tenant":"acme","id":"msg_5","timestamp":"%d","signature":"v1,AAAA","body":"x"}\n'%NOW).encode())
hv('timestamp-fraction',('{"tenant":"acme","id":"msg_5","timestamp":%d.5,"signature":"v1,AAAA","body":"x"}\n'%NOW).encode())
hv('huge-body',None,setup=SETUPK+'{ printf \'{"tenant":"acme","id":"msg_6","timestamp":1795412345,"signature":"v1,AAAA","body":"\'; head -c 2097152 /dev/zero | tr "\\\\0" a; printf \'"}\\n\'; } >stdin\n')
hv('duplicate-keys',('{"tenant":"acme","tenant":"globex","id":"msg_7","timestamp":%d,"signature":"v1,AAAA","body":"x"}\n'%NOW).encode())
hv('nul-in-body',('{"tenant":"acme","id":"msg_8","timestamp":%d,"signature":"v1,AAAA","body":"a\\u0000b"}\n'%NOW).encode())
hv('signature-without-comma',env('acme','msg_9',NOW,B,sig='v1').encode()+b'\n')
hv('tampered-body',env('acme','msg_10',NOW,B).replace('Lee','Lea').encode()+b'\n')
hv('replay-in-one-stream',(good+'\n'+good+'\n').encode())
hv('cross-tenant',env('globex','msg_11',NOW,B,key=b'\x11'*32).encode()+b'\n')
hv('unknown-tenant',env('initech','msg_12',NOW,B).encode()+b'\n')
hv('stale',env('acme','msg_13',NOW-301,B).encode()+b'\n')
hv('future',env('acme','msg_14',NOW+301,B).encode()+b'\n')
hv('id-with-crlf',env('acme','msg_15\r\nX-Evil: 1',NOW,B).encode()+b'\n')
hv('top-level-number',b'42\n')
hv('body-not-json-line',env('acme','msg_16',NOW,'{"a":1}\n{"b":2}').encode()+b'\n')
hv('missing-keyring',good.encode(),setup=None,files={'keys.json':None})
hv('group-readable-keyring',good.encode(),setup='chmod 640 keys.json\n')
hv('keyring-not-json',good.encode(),files={'keys.json':'{"acme":[{"id":"k1",'})
hv('keyring-shared-secret',good.encode(),files={'keys.json':json.dumps({"acme":[{"id":"k1","secret":K1}],"globex":[{"id":"k2","secret":K1}]})})
hv('keyring-short-secret',good.encode(),files={'keys.json':json.dumps({"acme":[{"id":"k1","secret":"whsec_"+base64.b64encode(b'short').decode()}]})})
hv('keyring-bad-base64',good.encode(),files={'keys.json':json.dumps({"acme":[{"id":"k1","secret":"whsec_!!!notbase64!!!"}]})})
hv('expired-key',good.encode()+b'\n',files={'keys.json':json.dumps({"acme":[{"id":"k1","secret":K1,"not_after":"2026-01-01T00:00:00Z"}]})})
hv('keyring-bad-date',good.encode(),files={'keys.json':json.dumps({"acme":[{"id":"k1","secret":K1,"not_after":"2026-13-45"}]})})
hv('keyring-dir',good.encode(),setup='mkdir keys.json\n',files={'keys.json':None})
hv('tolerance-not-number',good.encode(),args=V+['--tolerance','5x'])
hv('headers-crlf-injection',B.encode(),args=['-k','keys.json','-t','acme','--now',str(NOW),'--replay-store','replay.db','--headers','h.txt'],
   files={'h.txt':'webhook-id: msg_1\r\nX-Injected: yes\nwebhook-timestamp: %d\nwebhook-signature: v1,AAAA\n'%NOW})
hv('headers-missing-file',B.encode(),args=['-k','keys.json','-t','acme','--now',str(NOW),'--replay-store','replay.db','--headers','nope.txt'])
# hmac-sign
def hs(name,stdin,args,files=None,setup=SETUPK):
    f={'keys.json':KEYS}; f.update(files or {})
    case('hmac-sign',name,args,stdin,f,setup)
S=['-k','keys.json','-t','acme','--id','msg_1','--timestamp',str(NOW)]
hs('unknown-tenant',B.encode(),['-k','keys.json','-t','initech','--timestamp',str(NOW)])
hs('group-readable-keyring',B.encode(),S,setup='chmod 604 keys.json\n')
hs('missing-keyring',B.encode(),S,files={'keys.json':None},setup=None)
hs('id-with-newline',B.encode(),['-k','keys.json','-t','acme','--id','msg\rX-Evil: 1','--timestamp',str(NOW),'-H'])
hs('timestamp-overflow',B.encode(),['-k','keys.json','-t','acme','--id','msg_1','--timestamp','99999999999999999999999'])
hs('timestamp-negative',B.encode(),['-k','keys.json','-t','acme','--id','msg_1','--timestamp','-5'])
hs('invalid-utf8-body',b'{"a":"\xff\xfe"}',S)
hs('nul-in-body',b'{"a":1}\x00{"b":2}',S)
hs('rfc9421-url-crlf',B.encode(),S+['--scheme','rfc9421','--method','POST','--url','https://hooks.example/x\rX: 1'])
hs('expired-key-only',B.encode(),S,files={'keys.json':json.dumps({"acme":[{"id":"k1","secret":K1,"not_after":"2026-01-01T00:00:00Z"}]})})
hs('secret-on-argv',B.encode(),['-k','keys.json','-t','acme','--secret',K1])
# sf-map
DESC=open(ROOT+'/examples/describe.json').read()
MAP=open(ROOT+'/examples/mapping.json').read()
BK=json.loads(open(ROOT+'/examples/booking.json').read())
def bk(**kw):
    b=dict(BK); b.update(kw); return json.dumps(b,separators=(',',':'),ensure_ascii=False)
M=['--describe','describe.json','--mapping','mapping.json']
def sm(name,stdin,args=M,files=None,setup=None,gen=None):
    files=files or {}
    lines=''
    for k in ('describe.json','mapping.json'):
        if k not in files:
            lines+='cp "$SFP_ROOT/tests/hostile/sf-map/%s" .\n'%k
    f={k:v for k,v in files.items() if v is not None}
    case('sf-map',name,args,stdin,f,lines+(setup or '')+(gen or ''))
sm('truncated-booking',bk()[:100].encode())
sm('binary-input',bytes(range(256)))
sm('invalid-utf8',bk(title='x').replace('"title":"x"','"title":"\xed\xa0\x80"').encode('latin-1') if False else bk(title='X').encode().replace(b'"X"',b'"\xed\xa0\x80"')+b'\n')
sm('deep-nesting',(bk()[:-1]+',"deep":'+'{"a":'*100+'1'+'}'*100+'}\n').encode())
sm('huge-number',(bk()[:-1]+',"n":1'+'0'*400+'}\n').encode())
sm('huge-string',None,gen='{ printf \'{"id":"bk-1","title":"\'; head -c 2000000 /dev/zero | tr "\\\\0" T; printf \'"}\\n\'; } >stdin\n')
sm('duplicate-keys',(bk()[:-1]+',"id":"bk-evil"}\n').encode())
sm('wrong-type-start',(bk(start=1795412345)+'\n').encode())
sm('wrong-type-attendees',(bk(attendees="everyone")+'\n').encode())
sm('crlf-in-field',(bk(title='Demo\r\nX-Injected: 1')+'\n').encode())
sm('soql-like-string',(bk(title="x' OR Name LIKE '%' --")+'\n').encode())
sm('reference-forgery',(bk(title='@{lead.id}')+'\n').encode())
sm('template-in-value',(bk(title='{{booking.id}} ${id} @{event.id')+'\n').encode())
sm('invalid-date',(bk(start='2026-02-30T10:00:00')+'\n').encode())
sm('zone-path-traversal',(bk(timezone='../../../etc/passwd')+'\n').encode())
sm('missing-mapping',bk().encode(),files={'mapping.json':None})
sm('missing-describe',bk().encode(),files={'describe.json':None})
sm('describe-not-json',bk().encode(),files={'describe.json':'{"name":"Lead","fields":['})
sm('mapping-duplicate-keys',bk().encode(),files={'mapping.json':MAP.replace('"id": "id",','"id": "id",\n "id": "title",',1)})
sm('mapping-truncated',bk().encode(),files={'mapping.json':MAP[:len(MAP)//2]})
sm('mapping-deep',bk().encode(),files={'mapping.json':'{"x":'+'['*200+']'*200+'}'})
sm('mapping-template-injection',bk().encode(),args=M+['--check'],files={'mapping.json':json.dumps({"id":"id","records":[{"ref":"lead","sobject":"Lead","fields":{"LastName":"{{name}}@{event.id}","Company":"x"}}]})})
sm('mapping-unknown-sobject',bk().encode(),args=M+['--check'],files={'mapping.json':json.dumps({"id":"id","records":[{"ref":"x","sobject":"User","fields":{"LastName":"x"}}]})})
sm('mapping-zone-traversal',bk().encode(),args=M+['--check'],files={'mapping.json':MAP.replace('tz:timezone',"tz:'../../../etc/passwd'",1)})
sm('mapping-ref-to-record-without-sobject',bk().encode(),args=M+['--check'],files={'mapping.json':json.dumps({"id":"id","records":[{"ref":"lead","snbject":"Lead","fields":{"LastName":"x","Company":"y"}},{"ref":"ev","sobject":"Event","fields":{"Subject":"s","WhoId":"@{lead.id}"}}]})})
sm('mapping-is-directory',bk().encode(),setup='mkdir mapping.json\n',files={'mapping.json':None})
# sf-create: config refused before any request
P='{"id":"bk-1","records":[{"ref":"lead","sobject":"Lead","fields":{"LastName":"Lee","Company":"Acme"}}]}\n'
def sc(name,stdin=P.encode(),args=[],envv=None,files=None,setup=None):
    # Self-contained: the same refusal with or without the emulator's env.
    e={'SFPIPE_CACHE_DIR':'cache','SF_AUTH_FLOW':'token','SF_ACCESS_TOKEN':'00D000000000001!fake',
       'SF_INSTANCE_URL':'https://acme.my.salesforce.com'}
    if 'SF_JWT_KEY_FILE' in (envv or {}):
        e={'SFPIPE_CACHE_DIR':'cache','SF_AUTH_FLOW':'jwt','SF_CLIENT_ID':'3MVGfake','SF_USERNAME':'integration@acme.example',
           'SF_INSTANCE_URL':'https://acme.my.salesforce.com','SF_LOGIN_URL':'https://login.salesforce.com'}
    e.update(envv or {})
    case('sf-create',name,args,stdin,files,setup,e)
sc('http-instance-url',envv={'SF_INSTANCE_URL':'http://acme.my.salesforce.com'})
sc('host-off-allowlist',envv={'SF_INSTANCE_URL':'https://evil.example.com'})
sc('credentials-in-url',envv={'SF_INSTANCE_URL':'https://acme.my.salesforce.com@evil.example'})
sc('suffix-trick',envv={'SF_INSTANCE_URL':'https://salesforce.com.evil.example'})
sc('lookalike-host',envv={'SF_INSTANCE_URL':'https://acme.my.salesforce.com.evil.example/'})
sc('http-login-url',envv={'SF_LOGIN_URL':'http://login.salesforce.com'})
sc('login-off-allowlist',envv={'SF_LOGIN_URL':'https://login.evil.example'})
sc('url-with-crlf',envv={'SF_INSTANCE_URL':'https://acme.my.salesforce.com/\rX'})
sc('jwt-key-missing',envv={'SF_JWT_KEY_FILE':'./nope.pem','SF_ACCESS_TOKEN':''})
sc('jwt-key-group-readable',envv={'SF_JWT_KEY_FILE':'./key.pem'},files={'key.pem':'-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'},setup='chmod 640 key.pem\n')
sc('jwt-key-malformed',envv={'SF_JWT_KEY_FILE':'./key.pem'},files={'key.pem':'-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'},setup='chmod 600 key.pem\n')
sc('org-file-not-json',args=['--org','org.json'],files={'org.json':'{"instance_url":'})
sc('org-file-http',args=['--org','org.json'],files={'org.json':json.dumps({"instanceUrl":"http://acme.my.salesforce.com"})})
sc('org-file-off-allowlist',args=['--org','org.json'],files={'org.json':json.dumps({"instanceUrl":"https://acme.my.salesforce.com.evil.example","loginUrl":"https://login.salesforce.com"})})
sc('org-file-cli-shape-http',args=['--org','org.json'],files={'org.json':json.dumps({"status":0,"result":{"instanceUrl":"http://acme.my.salesforce.com","accessToken":"00D!x"}})})
sc('org-file-missing',args=['--org','nope.json'])
sc('plan-truncated',stdin=P[:50].encode(),args=['--dry-run'])
sc('plan-field-crlf',stdin=P.replace('"LastName"','"Last\\r\\nName"').encode(),args=['--dry-run'])
sc('plan-sobject-injection',stdin=P.replace('"Lead"','"Lead/../../sobjects/User"').encode(),args=['--dry-run'])
sc('plan-dangling-reference',stdin=P.replace('"Acme"','"@{nope.id}"').encode(),args=['--dry-run'])
sc('plan-deep-nesting',stdin=('{"id":"bk-1","records":'+'['*3000+']'*3000+'}\n').encode(),args=['--dry-run'])
sc('operator-field-crlf',stdin=b'',args=['--dry-run','Lead','Last\rName=Lee'])
sc('operator-soql-like',stdin=b'',args=['--dry-run','Lead',"LastName=x' OR Id!='","Company=Acme"])
# sf-create --tenants: a plan cannot reach another tenant's org or records
TSETUP=('umask 077\nmkdir t t/acme t/globex\n'
    'printf \'{"orgId":"00DHs0000000007MAA","username":"int@acme.example"}\\n\' >t/acme/tenant.json\n'
    'printf \'{"orgId":"00DHs0000000008MAA","username":"int@globex.example"}\\n\' >t/globex/tenant.json\n'
    'printf \'{"instanceUrl":"https://acme.my.salesforce.com","clientId":"x","username":"int@acme.example","accessToken":"00D!x"}\\n\' >t/acme/org.json\n'
    'printf \'{"instanceUrl":"https://globex.my.salesforce.com","clientId":"x","username":"int@globex.example","accessToken":"00D!x"}\\n\' >t/globex/org.json\n')
TP='{"tenant":"acme","id":"bk-1","records":[{"ref":"lead","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"acme:bk-1"},"fields":{"LastName":"Lee","Company":"Acme"}}]}\n'
def st(name,stdin,setup=TSETUP):
    sc(name,stdin=stdin.encode(),args=['--dry-run','--tenants','t'],setup=setup)
st('tenant-duplicate-member',TP.replace('{"tenant":"acme"','{"tenant":"globex","tenant":"acme"'))
st('tenant-name-traversal',TP.replace('"tenant":"acme"','"tenant":"../globex"'))
st('tenant-name-control',TP.replace('"tenant":"acme"','"tenant":"acme\\n"'))
st('tenant-name-case',TP.replace('"tenant":"acme"','"Tenant":"acme"'))
st('tenant-nested-in-record',TP.replace('{"tenant":"acme",','{').replace('"ref":"lead",','"ref":"lead","tenant":"acme",'))
st('tenant-key-lookalike',TP.replace('"acme:bk-1"','"acmex:bk-1"')+TP.replace('"acme:bk-1"','"ACME:bk-1"')+TP.replace('"acme:bk-1"','"acme:"'))
st('tenant-dir-symlink',TP,setup=TSETUP+'rm -r t/acme\nln -s globex t/acme\n')

# sf-describe and sf-freebusy: refused before any request
def sfenv(envv=None):
    e={'SFPIPE_CACHE_DIR':'cache','SF_AUTH_FLOW':'token','SF_ACCESS_TOKEN':'00D000000000001!fake',
       'SF_INSTANCE_URL':'https://acme.my.salesforce.com'}
    e.update(envv or {})
    return e
def sd(name,args,envv=None,stdin=None,files=None,setup=None):
    case('sf-describe',name,args,stdin,files,setup,sfenv(envv))
sd('http-instance-url',['Lead'],{'SF_INSTANCE_URL':'http://acme.my.salesforce.com'})
sd('host-off-allowlist',['Lead'],{'SF_INSTANCE_URL':'https://acme.salesforce.com.attacker.example'})
sd('sobject-path-traversal',['--offline','Lead/../../sobjects/User'])
sd('sobject-crlf',['--offline','Lead\rX-Evil: 1'])
sd('sobject-soql-like',['--offline',"Lead' OR Name != '"])
sd('offline-without-cache',['--offline','Lead'])
sd('org-file-group-readable',['--org','org.json','Lead'],files={'org.json':json.dumps({"instanceUrl":"https://acme.my.salesforce.com","accessToken":"00D000000000001!fake"})},setup='chmod 644 org.json\n')
def fb(name,args,envv=None,stdin=None):
    case('sf-freebusy',name,args,stdin,None,None,sfenv(envv))
W=['--from','2026-12-01T00:00:00Z','--to','2026-12-08T00:00:00Z']
fb('from-not-a-date',['--from','2026-13-01','--to','2026-12-08T00:00:00Z','005Hs0000000003IAA'])
fb('to-before-from',['--from','2026-12-08T00:00:00Z','--to','2026-12-01T00:00:00Z','005Hs0000000003IAA'])
fb('window-too-long',['--from','2026-01-01T00:00:00Z','--to','2027-06-01T00:00:00Z','005Hs0000000003IAA'])
fb('zone-path-traversal',W+['--tz','../../../etc/passwd','005Hs0000000003IAA'])
fb('slots-zero',W+['--slots','0','005Hs0000000003IAA'])
fb('slots-huge',W+['--slots','99999999999999999999','005Hs0000000003IAA'])
fb('hours-out-of-range',W+['--slots','30','--hours','25:00-26:00','005Hs0000000003IAA'])
fb('days-unknown',W+['--slots','30','--days','funday','005Hs0000000003IAA'])
fb('user-id-soql-injection',W+["005' OR Id != '"])
fb('user-id-crlf',W+['005Hs0000000003IAA\rX'])
fb('user-ids-binary-stdin',W,stdin=bytes(range(256)))
fb('http-instance-url',W+['005Hs0000000003IAA'],{'SF_INSTANCE_URL':'http://acme.my.salesforce.com'})

if __name__=='__main__':
    only=sys.argv[1:]
    for c in cases:
        key=c['prog']+'/'+c['name']
        if only and key not in only and c['prog'] not in only: continue
        d=os.path.join(OUT,c['prog'],c['name'])
        os.makedirs(d,exist_ok=True)
        with open(d+'/args','w') as f:
            for a in c['args']: f.write(a+'\n')
        if c['stdin'] is not None:
            open(d+'/stdin','wb').write(c['stdin'])
        for k,v in c['files'].items():
            if v is not None: open(d+'/'+k,'w').write(v)
        if c['setup']: open(d+'/setup','w').write(c['setup'])
        if c['env']:
            open(d+'/env','w').write(''.join('%s=%s\n'%(k,v) for k,v in c['env'].items()))
    os.makedirs(OUT+'/sf-map',exist_ok=True)
    shutil.copy(ROOT+'/examples/describe.json',OUT+'/sf-map/describe.json')
    shutil.copy(ROOT+'/examples/mapping.json',OUT+'/sf-map/mapping.json')
    print(len(cases))
