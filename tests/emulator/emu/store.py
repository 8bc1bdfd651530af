# SPDX-License-Identifier: ISC
"""The org's records in SQLite: ids, rows, key index, savepoints."""
import contextlib
import json
import sqlite3

from .ids import make_id, norm_id


# Records.insert's statement; concurrent.apply_speculation renumbers its last
# parameter (seq)
INSERT_RECORD_SQL = "INSERT INTO records VALUES (?,?,?,0,1,?)"


# what complete_record sets on a new record besides the values it is given:
# audit fields, autonumbers and derived names, Event's derived times
NEW_RECORD_KEYS = ("Id", "CreatedDate", "CreatedById", "OwnerId", "LastModifiedDate",
                   "SystemModstamp", "LastModifiedById", "Name", "IsInvitee",
                   "StartDateTime", "ActivityDateTime", "ActivityDate", "DurationInMinutes",
                   "EndDateTime", "EndDate")

MISSING = object()

# key index rows of an EventRelation that are not fields (write_keys)
RELATION_OF, RELATION_PAIR = "(EventId)", "(EventId,RelationId)"


def relation_pair(rec):
    return "%s|%s" % (rec["EventId"], rec["RelationId"])


def open_db(path):
    """A new, empty records database at path."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    # Rollback journal in memory: helper processes (speculate.py) copy the
    # last committed state under a shared lock, which a commit waits for (a
    # copy takes a few ms); WAL would let them in at any time, but costs every
    # commit ~8 % more
    db.execute("PRAGMA journal_mode=MEMORY")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("DROP TABLE IF EXISTS records")
    db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, sobject TEXT, "
               "fields TEXT, fixture INTEGER DEFAULT 0, writes INTEGER DEFAULT 1, "
               "seq INTEGER)")
    db.execute("CREATE INDEX rs ON records(sobject)")
    # values of unique / external-ID / idLookup fields, so upserts and
    # duplicate checks are index lookups rather than scans of every record
    db.execute("DROP TABLE IF EXISTS keys")
    db.execute("CREATE TABLE keys (sobject TEXT, field TEXT, val TEXT, id TEXT)")
    db.execute("CREATE INDEX kv ON keys(sobject, field, val)")
    db.execute("CREATE INDEX ki ON keys(id)")
    # deleted records (the Recycle Bin): a second delete, an update or an
    # upsert by id of one answers ENTITY_IS_DELETED rather than NOT_FOUND
    db.execute("DROP TABLE IF EXISTS deleted")
    db.execute("CREATE TABLE deleted (id TEXT PRIMARY KEY, sobject TEXT)")
    return db


class Store:
    """Records and their key index in SQLite (a mixin of org.Org, which opens
    self.db and holds the counters)."""

    def next_id(self, sobject):
        # Generated ids only grow and are never reused, so only an id inserted with
        # an explicit Id (fixture users, seeds) can be taken; those are remembered in
        # self.explicit_ids rather than looked up in the table for every new record.
        prefix = self.objects[sobject]["prefix"]
        n = self.id_counters.get(prefix, 0) + 1
        self.id_counters[prefix] = n
        while True:
            rid = make_id(prefix, self.id_space + n + 1000 * (prefix == "005"), self.pod)
            if rid not in self.explicit_ids:
                return rid
            n += 1
            self.id_counters[prefix] = n

    @contextlib.contextmanager
    def tx(self):
        self.sp += 1
        name = "sp%d" % self.sp
        self.db.execute("SAVEPOINT " + name)
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO " + name)
            self.db.execute("RELEASE " + name)
            raise
        self.db.execute("RELEASE " + name)

    def get_record(self, rid):
        r = self.db.execute("SELECT sobject, fields FROM records WHERE id=?", (rid,)).fetchone()
        return (r[0], self.load_fields(r[0], r[1])) if r else (None, None)

    def dump_fields(self, sobject, rec, keys=None):
        """The stored JSON holds only values that differ from the sObject's defaults
        (most fields of a new record are null): less to encode, write and decode.
        keys: the only fields that can differ (a new record: NEW_RECORD_KEYS and
        the values given), so the other fields need not be compared."""
        d = self.template(sobject)[0]
        miss = MISSING
        # type too: a default 0 must not stand for a stored 0.0 (or False)
        if keys is None:
            return json.dumps({k: v for k, v in rec.items()
                               if (dv := d.get(k, miss)) is not v
                               and (dv != v or type(dv) is not type(v))})
        return json.dumps({k: v for k in keys if (v := rec[k]) is not (dv := d[k])
                           and (dv != v or type(dv) is not type(v))})

    def load_fields(self, sobject, text):
        rec = dict(self.template(sobject)[0])
        rec.update(json.loads(text))
        return rec

    def all_records(self, sobject=None):
        if sobject:
            cur = self.db.execute("SELECT id, sobject, fields, writes, fixture FROM records "
                                  "WHERE sobject=? ORDER BY seq, id", (sobject,))
        else:
            cur = self.db.execute("SELECT id, sobject, fields, writes, fixture FROM records "
                                  "ORDER BY seq, id")
        out = []
        for r in cur:
            fields = self.load_fields(r[1], r[2])
            fields["Id"] = r[0]   # fixtures are stored without their Id among the fields
            out.append({"Id": r[0], "sobject": r[1], "fields": fields, "writes": r[3],
                        "fixture": bool(r[4])})
        return out

    def template(self, sobject):
        """(defaults of a new record, unique fields, the NEW_RECORD_KEYS it has):
        computed once per sObject."""
        t = self._templates.get(sobject)
        if t is None:
            defaults = {}
            for f in self.objects[sobject]["fields"]:
                if f["type"] == "boolean":
                    defaults[f["name"]] = bool(f["defaultValue"])
                elif f["defaultValue"] is not None:
                    defaults[f["name"]] = f["defaultValue"]
                else:
                    defaults[f["name"]] = None
            unique = [f for f in self.objects[sobject]["fields"] if f["unique"]]
            new_keys = tuple(k for k in NEW_RECORD_KEYS if k in defaults)
            t = self._templates[sobject] = (defaults, unique, new_keys)
        return t

    def keyed_fields(self, sobject):
        k = self.keyed.get(sobject)
        if k is None:
            k = [f for f in self.objects[sobject]["fields"] if f["name"] != "Id" and (
                f["unique"] or f["externalId"] or f["idLookup"])]
            self.keyed[sobject] = k
        return k

    @staticmethod
    def key_val(f, v):
        v = str(v)
        return v if f["caseSensitive"] else v.lower()

    def write_keys(self, sobject, rid, rec, new=False):
        if not new:
            self.db.execute("DELETE FROM keys WHERE id=?", (rid,))
        rows = [(sobject, f["name"], self.key_val(f, rec[f["name"]]), rid)
                for f in self.keyed_fields(sobject) if rec.get(f["name"]) not in (None, "")]
        if sobject == "EventRelation":
            # not fields: an event's relations (deleted with it) and the pair
            # (EventId, RelationId) that may occur once; norm_id keeps 18 characters
            rows.append((sobject, RELATION_OF, rec["EventId"], rid))
            rows.append((sobject, RELATION_PAIR, relation_pair(rec), rid))
        if rows:
            self.db.executemany("INSERT INTO keys VALUES (?,?,?,?)", rows)

    def delete(self, rid):
        """Moves the record to the Recycle Bin; an Event takes its EventRelations
        with it."""
        so = self.db.execute("SELECT sobject FROM records WHERE id=?", (rid,)).fetchone()
        if so and so[0] == "Event":
            for (er,) in self.db.execute("SELECT id FROM keys WHERE sobject='EventRelation' "
                                         "AND field=? AND val=?", (RELATION_OF, rid)).fetchall():
                self.delete(er)
        self.db.execute("DELETE FROM records WHERE id=?", (rid,))
        self.db.execute("DELETE FROM keys WHERE id=?", (rid,))
        if so:
            self.db.execute("INSERT OR REPLACE INTO deleted VALUES (?,?)", (rid, so[0]))

    def is_deleted(self, rid):
        return self.db.execute("SELECT 1 FROM deleted WHERE id=?", (rid,)).fetchone() is not None

    def relation_exists(self, rec):
        """The EventRelation already relating rec's EventId and RelationId, or None."""
        r = self.db.execute("SELECT id FROM keys WHERE sobject='EventRelation' AND field=? "
                            "AND val=?", (RELATION_PAIR, relation_pair(rec))).fetchone()
        return r[0] if r else None

    def find_by(self, sobject, f, value):
        if f["name"] == "Id":
            rid = norm_id(str(value))
            r = self.db.execute("SELECT id FROM records WHERE id=? AND sobject=?",
                                (rid, sobject)).fetchone() if rid else None
            return [r[0]] if r else []
        if f not in self.keyed_fields(sobject):
            return []
        return [r[0] for r in self.db.execute(
            "SELECT id FROM keys WHERE sobject=? AND field=? AND val=? ORDER BY rowid",
            (sobject, f["name"], self.key_val(f, value)))]
