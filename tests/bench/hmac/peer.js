// SPDX-License-Identifier: ISC
// The peer of the hmac-verify benchmark: the npm standardwebhooks library
// verifying every envelope of a file in-process, with no replay store at all.
// usage: SW_SECRET=whsec_... node peer.js envelopes.jsonl  -> prints "<n> <wall seconds> <cpu seconds>"
"use strict";
const fs = require("fs");
const { Webhook } = require("standardwebhooks");
const lines = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.length);
const wh = new Webhook(process.env.SW_SECRET);
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
let ok = 0;
for (const line of lines) {
	const env = JSON.parse(line);
	wh.verify(env.body, { "webhook-id": env.id, "webhook-timestamp": String(env.timestamp),
		"webhook-signature": env.signature }, { jsonParse: false });
	ok++;
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
const c = process.cpuUsage(c0);
process.stdout.write(`${ok} ${s} ${(c.user + c.system) / 1e6}\n`);
