// SPDX-License-Identifier: ISC
// N booking-like JSON bodies of exactly 1024 bytes, one per line.
"use strict";
const n = Number(process.argv[2] || 100000);
const out = [];
for (let i = 0; i < n; i++) {
	const head = `{"id":"bk-${i}","name":"Ann Lee","email":"ann@acme.example","pad":"`;
	out.push(head + "x".repeat(1024 - head.length - 2) + '"}');
}
process.stdout.write(out.join("\n") + "\n");
