#!/bin/bash
# SPDX-License-Identifier: ISC
# One set of field rules: for every case of field-agree/cases.tsv, sf-map (the
# value taken from a booking into the field) and sf-create's operator form
# (`sf-create -n -d catalog Lead FIELD=VALUE`) must give the value the table
# wants, or both refuse it, with the same reason.  Both real programs run.
. "$SFP_ROOT/tests/lib.sh"
cd "$SFP_ROOT" || exit 1

dir=tests/integration/field-agree
cat=$dir/catalog.jsonl
export SF_API_VERSION=62.0

# One mapping with every field of the table, each taken from the booking member
# of the same name; a booking carries one member, so one field is filled.
grep -v '^#' "$dir/cases.tsv" | cut -f1 | sort -u |
	jq -R -s -c 'split("\n") | map(select(length > 0)) |
		{records: [{ref: "lead", sobject: "Lead",
			fields: (map({key: ., value: ("{{" + . + "}}")}) | from_entries)}]}' >"$T/mapping.json"
expect_status 0 "the table's mapping compiles" -- sf-map --check --describe "$cat" "$T/mapping.json"

n=0
: >"$T/bookings.jsonl"
while IFS=$'\t' read -r field value want; do
	case $field in '#'*|'') continue ;; esac
	n=$((n + 1))
	jq -nc --arg id "c$n" --arg f "$field" --argjson v "$value" '{id: $id} + {($f): $v}' \
		>>"$T/bookings.jsonl"
done <"$dir/cases.tsv"
expect_eq "$([ "$n" -ge 60 ] && echo enough)" enough "at least 60 cases in the table ($n)"

sf-map --describe "$cat" "$T/mapping.json" <"$T/bookings.jsonl" >"$T/map.out" 2>"$T/map.err"
expect_eq "$(wc -l <"$T/map.out" | tr -d ' ')" "$n" "sf-map wrote one line per booking"

i=0
while IFS=$'\t' read -r field value want; do
	case $field in '#'*|'') continue ;; esac
	i=$((i + 1))
	typed=$(jq -rj . <<<"$value")
	line=$(sed -n "${i}p" "$T/map.out")
	what="$field=$value"
	# What sf-map gave: a value, or a code and a message.
	if [ "$(jq -r '.ok' <<<"$line")" = false ]; then
		map_code=$(jq -r '.error.code' <<<"$line")
		map_msg=$(jq -r '.error.message' <<<"$line")
		expect_eq "!$map_code" "$want" "sf-map $what"
	else
		map_val=$(jq -c --arg f "$field" '.records[0].fields[$f]' <<<"$line")
		expect_eq "$map_val" "$(jq -c . <<<"$want" 2>/dev/null || echo "$want")" "sf-map $what"
		map_code=""
	fi
	# What the operator form gave for the same text typed on the command line.
	sf-create -n -d "$cat" Lead "$field=$typed" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ -n "$map_code" ]; then
		expect_eq "$rc $(cat "$T/err")" "3 sf-create: field $field: $map_msg" \
			"sf-create refuses $what as sf-map does"
	else
		expect_eq "$rc $(jq -c --arg f "$field" '.body.graphs[0].compositeRequest[0].body[$f]' "$T/out")" \
			"0 $map_val" "sf-create sends $what as sf-map does"
	fi
done <"$dir/cases.tsv"

# --- dependent picklists: a controlling and a dependent value together ---------
# pairs.tsv: both values go into one record; sf-map and the operator form must
# send the same pair or refuse it with the same message (the one rule, field.c).
jq -nc '{records: [{ref: "lead", sobject: "Lead", fields: ([
	"Region__c", "Office__c", "Reseller__c", "Tier__c", "Topic__c"] |
	map({key: ., value: ("{{" + . + "}}")}) | from_entries)}]}' >"$T/pairs.json"
expect_status 0 "the pairs' mapping compiles" -- sf-map --check --describe "$cat" "$T/pairs.json"
n=0
: >"$T/pairs.jsonl"
while IFS=$'\t' read -r cf cv df dv want; do
	case $cf in '#'*|'') continue ;; esac
	n=$((n + 1))
	jq -nc --arg id "p$n" --arg cf "$cf" --arg cv "$cv" --arg df "$df" --argjson dv "$dv" \
		'{id: $id} + (if $cv == "-" then {} else {($cf): ($cv | fromjson)} end) + {($df): $dv}' \
		>>"$T/pairs.jsonl"
done <"$dir/pairs.tsv"
sf-map --describe "$cat" "$T/pairs.json" <"$T/pairs.jsonl" >"$T/pairs.out" 2>"$T/pairs.err"
expect_eq "$(wc -l <"$T/pairs.out" | tr -d ' ')" "$n" "sf-map wrote one line per pair"
i=0
while IFS=$'\t' read -r cf cv df dv want; do
	case $cf in '#'*|'') continue ;; esac
	i=$((i + 1))
	line=$(sed -n "${i}p" "$T/pairs.out")
	what="$cf=$cv $df=$dv"
	set -- "$df=$(jq -rj . <<<"$dv")"
	[ "$cv" = - ] || set -- "$cf=$(jq -rj . <<<"$cv")" "$@"
	sf-create -n -d "$cat" Lead "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$want" = ok ]; then
		expect_eq "$(jq -c --arg c "$cf" --arg d "$df" '.records[0].fields | [.[$c], .[$d]]' <<<"$line")" \
			"$(jq -nc --arg cv "$cv" --argjson dv "$dv" '[(if $cv == "-" then null else ($cv | fromjson) end), $dv]')" \
			"sf-map sends $what"
		expect_eq "$rc $(jq -c --arg c "$cf" --arg d "$df" '.body.graphs[0].compositeRequest[0].body | [.[$c], .[$d]]' "$T/out")" \
			"0 $(jq -c --arg c "$cf" --arg d "$df" '.records[0].fields | [.[$c], .[$d]]' <<<"$line")" \
			"sf-create sends $what as sf-map does"
	else
		expect_eq "!$(jq -r '.error.code' <<<"$line")" "$want" "sf-map refuses $what"
		expect_eq "$rc $(cat "$T/err")" "3 sf-create: field $df: $(jq -r '.error.message' <<<"$line")" \
			"sf-create refuses $what as sf-map does"
	fi
done <"$dir/pairs.tsv"
t_done
