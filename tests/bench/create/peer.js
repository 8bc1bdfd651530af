// SPDX-License-Identifier: ISC
// The jsforce side of the sf-create benchmark: the same bookings (Lead and
// Event upserted by Booking_Key__c, then an EventRelation) created with
// jsforce 3.10.16, either one call per record ("records") or with sObject
// Collections, 200 records a call ("collections").  Prints "<bookings> <seconds>".
// The time includes the login (OAuth client credentials, as sf-create logs in
// within its own time), not Node's start or loading jsforce.
// Usage: node peer.js records|collections PLANS.jsonl PREFIX
'use strict';
const dns = require('dns');
const fs = require('fs');
const jsforce = require('jsforce');

// Reach the emulator by the Salesforce host names, as SF_RESOLVE does for sfpipe.
const lookup = dns.lookup;
dns.lookup = function (host, opts, cb) {
  if (typeof opts === 'function') { cb = opts; opts = {}; }
  if (/\.salesforce\.com$/.test(host)) {
    if (opts && opts.all) return process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
    return process.nextTick(cb, null, '127.0.0.1', 4);
  }
  return lookup.call(dns, host, opts, cb);
};

const [mode, file, prefix] = process.argv.slice(2);
const plans = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
const conn = new jsforce.Connection({
  oauth2: {
    loginUrl: process.env.SF_LOGIN_URL, clientId: process.env.SF_CLIENT_ID,
    clientSecret: fs.readFileSync(process.env.SF_CLIENT_SECRET_FILE, 'utf8').trim(),
  },
  version: process.env.SF_API_VERSION || '62.0',
});

function parts(p, i) {
  const key = `${prefix}-${i + 1}`;
  const [lead, event, rel] = p.records;
  return {
    lead: Object.assign({}, lead.fields, { Booking_Key__c: key }),
    event: Object.assign({}, event.fields, { Booking_Key__c: key }),
    rel: Object.assign({}, rel.fields),
  };
}

function check(r) {
  for (const x of [].concat(r)) if (!x.success) throw new Error(JSON.stringify(x));
  return r;
}

async function perRecord() {
  for (let i = 0; i < plans.length; i++) {
    const b = parts(plans[i], i);
    const l = check(await conn.sobject('Lead').upsert(b.lead, 'Booking_Key__c'));
    b.event.WhoId = l.id;
    const e = check(await conn.sobject('Event').upsert(b.event, 'Booking_Key__c'));
    b.rel.EventId = e.id;
    check(await conn.sobject('EventRelation').create(b.rel));
  }
}

async function collections() {
  const all = plans.map(parts);
  for (let s = 0; s < all.length; s += 200) {
    const chunk = all.slice(s, s + 200);
    const ls = check(await conn.sobject('Lead').upsert(chunk.map((b) => b.lead), 'Booking_Key__c',
      { allOrNone: true }));
    chunk.forEach((b, i) => { b.event.WhoId = ls[i].id; });
    const es = check(await conn.sobject('Event').upsert(chunk.map((b) => b.event), 'Booking_Key__c',
      { allOrNone: true }));
    chunk.forEach((b, i) => { b.rel.EventId = es[i].id; });
    check(await conn.sobject('EventRelation').create(chunk.map((b) => b.rel), { allOrNone: true }));
  }
}

(async () => {
  const t0 = process.hrtime.bigint();
  await conn.authorize({ grant_type: 'client_credentials' });
  await (mode === 'records' ? perRecord() : collections());
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${plans.length} ${s.toFixed(3)}\n`);
})().catch((e) => { console.error(`peer.js: ${e.message}`); process.exit(1); });
