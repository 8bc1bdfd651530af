# SPDX-License-Identifier: ISC
# examples/mapping.json written by hand in jq, for the sf-map benchmark:
# jq -c -f transform.jq < bookings.jsonl.  jq has no time zone database, so
# Europe/Berlin's rule (EU summer time: last Sunday of March to last Sunday of
# October, 01:00 UTC) is spelled out; the benchmark's bookings are all in Berlin.
def trim: sub("^\\s+"; "") | sub("\\s+$"; "");
def lastsun($y; $m): ([$y, $m, 31, 1, 0, 0, 0, 0] | mktime) as $t
  | $t - (($t | gmtime | .[6]) * 86400);
def berlin($utc): ($utc | gmtime | .[0]) as $y
  | if $utc >= lastsun($y; 2) and $utc < lastsun($y; 9) then 7200 else 3600 end;
def sfdt: strftime("%Y-%m-%dT%H:%M:%S.000Z");
def local_berlin: (.[0:19] + "Z" | fromdateiso8601) as $l | ($l - berlin($l - 3600)) | sfdt;
def offset_utc: (.[0:19] + "Z" | fromdateiso8601) as $l
  | (.[19:] | if . == "Z" then 0 else
      ((.[1:3] | tonumber) * 3600 + (.[4:6] | tonumber) * 60) * (if .[0:1] == "-" then -1 else 1 end)
    end) as $o
  | ($l - $o) | sfdt;
def nonempty: select(. != null and . != "");
{"partner": "Partner Referral", "web": "Web", "phone": "Phone Inquiry"} as $source
| {"demo": "Meeting", "call": "Call", "intro": "Meeting"} as $type
| {"booked": "Booked", "rescheduled": "Rescheduled", "cancelled": "Cancelled"} as $status
| . as $b
| ($b.invitee.email | trim | ascii_downcase) as $email
| {id: $b.id, records: ([
  {ref: "lead", sobject: "Lead", upsert: {field: "Booking_Key__c", value: $b.id},
   fields: ({
     FirstName: ($b.invitee.first_name | trim),
     LastName: ($b.invitee.last_name | trim),
     Company: (($b.invitee.company // "" | trim) | if . == "" then "Unknown" else .[0:255] end),
     Email: $email,
     Phone: $b.invitee.phone,
     LeadSource: ($source[$b.answers.source] // "Web"),
     Description: ("Topics: " + ($b.answers.topics | join(", "))),
     OwnerId: $b.host.salesforce_user_id
   })},
  {ref: "booking", sobject: "Booking__c", upsert: {field: "Booking_Key__c", value: $b.id},
   fields: {
     Lead__c: "@{lead.id}",
     Status__c: $status[$b.status],
     Notes__c: $b.notes,
     Meeting_Date__c: $b.start[0:10],
     Starts_At__c: ($b.start | local_berlin)
   }},
  {ref: "event", sobject: "Event", upsert: {field: "Booking_Key__c", value: $b.id},
   fields: {
     Subject: ($type[$b.type] + ": " + $b.title),
     StartDateTime: ($b.start | local_berlin),
     EndDateTime: ($b.end | local_berlin),
     Location: $b.location[0:255],
     Description: ("Booked " + ($b.created_at | offset_utc) + " by " + $email),
     ShowAs: "Busy",
     WhoId: "@{lead.id}",
     WhatId: "@{booking.id}",
     OwnerId: $b.host.salesforce_user_id
   }}]
  + [$b.attendees | to_entries[] | select(.value.salesforce_user_id | . != null and . != "")
     | {ref: "guest_\(.key)", sobject: "EventRelation",
        fields: {EventId: "@{event.id}", RelationId: .value.salesforce_user_id, Status: "New"}}])}
