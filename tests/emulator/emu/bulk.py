# SPDX-License-Identifier: ISC
"""Bulk API 2.0 ingest jobs."""
import csv
import email.parser
import email.policy
import io
import threading
import time

from .context import Ctx
from .errors import SFError, method_not_allowed, not_found
from .ids import make_id, norm_id
from .resp import Resp, jbody
from .sftime import now_sf

DELIMS = {"COMMA": ",", "BACKQUOTE": "`", "CARET": "^", "PIPE": "|", "SEMICOLON": ";",
          "TAB": "\t"}


def job_info(job, full=False):
    keys = ["id", "operation", "object", "createdById", "createdDate", "systemModstamp",
            "state", "externalIdFieldName", "concurrencyMode", "contentType", "apiVersion",
            "contentUrl", "lineEnding", "columnDelimiter"]
    out = {k: job[k] for k in keys if k in job and job[k] is not None}
    if job.get("errorMessage"):
        out["errorMessage"] = job["errorMessage"]
    if full:
        out.update({"jobType": "V2Ingest", "numberRecordsProcessed": job["processed"],
                    "numberRecordsFailed": job["failed_n"], "retries": 0,
                    "totalProcessingTime": job.get("ms", 0),
                    "apiActiveProcessingTime": job.get("ms", 0),
                    "apexProcessingTime": 0})
    return out


def bulk(ctx, method, parts, body, hdr):
    org = ctx.org
    if not parts:
        if method == "GET":
            jobs = [job_info(j) for j in org.jobs.values()]
            return Resp(200, {"done": True, "records": jobs, "nextRecordsUrl": None})
        if method != "POST":
            raise method_not_allowed(method, "GET,POST")
        content = None
        ctype = hdr.get("Content-Type") or ""
        if ctype.lower().startswith("multipart/form-data"):
            # small loads: job and CSV in one request, straight to UploadComplete
            body, content = multipart_job(ctype, body)
        data, _ = jbody(body)
        if not isinstance(data, dict):
            raise SFError(400, "INVALIDJOB", "InvalidJob : the job must be a JSON object")
        obj = org.obj_name(str(data.get("object") or ""))
        op = data.get("operation")
        if op not in ("insert", "update", "upsert", "delete", "hardDelete"):
            raise SFError(400, "INVALIDJOB", "InvalidJob : Invalid operation: %s" % op)
        if not obj:
            raise SFError(400, "INVALIDJOB", "InvalidJob : Object type '%s' not found"
                          % data.get("object"))
        if op == "upsert":
            _, by_lower, _ = org.fields_for(ctx.user, obj)
            f = by_lower.get(str(data.get("externalIdFieldName") or "").lower())
            if not f or not (f["externalId"] or f["idLookup"]):
                raise SFError(400, "INVALIDJOB", "InvalidJob : External ID field '%s' not "
                              "found or not an external ID" % data.get("externalIdFieldName"))
        le = data.get("lineEnding", "LF")
        cd = data.get("columnDelimiter", "COMMA")
        if le not in ("LF", "CRLF") or cd not in DELIMS or data.get("contentType",
                                                                    "CSV") != "CSV":
            raise SFError(400, "INVALIDJOB", "InvalidJob : invalid lineEnding, "
                          "columnDelimiter or contentType")
        org.job_n = getattr(org, "job_n", 0) + 1
        jid = make_id("750", org.job_n, org.pod)
        now = now_sf()
        job = {"id": jid, "operation": op, "object": obj, "createdById": ctx.user["Id"],
               "createdDate": now, "systemModstamp": now, "state": "Open",
               "externalIdFieldName": data.get("externalIdFieldName") if op == "upsert"
               else None, "concurrencyMode": "Parallel", "contentType": "CSV",
               "apiVersion": float(ctx.version),
               "contentUrl": "services/data/%s/jobs/ingest/%s/batches" % (ctx.v, jid),
               "lineEnding": le, "columnDelimiter": cd, "data": b"", "processed": 0,
               "failed_n": 0, "ok": [], "bad": [], "unprocessed": [], "header": [],
               "user": ctx.user}
        org.jobs[jid] = job
        if content is not None:
            job["data"] = content
            job["state"] = "UploadComplete"
            info = job_info(job)
            threading.Thread(target=process_job, args=(org, job, org.config[
                "bulk_delay_ms"] / 1000.0), daemon=True).start()
            return Resp(200, info)
        return Resp(200, job_info(job))
    job = org.jobs.get(parts[0])
    if not job:
        raise not_found()
    if len(parts) == 1:
        if method == "GET":
            return Resp(200, job_info(job, full=True))
        if method == "DELETE":
            if job["state"] in ("Open", "InProgress"):
                raise SFError(400, "INVALIDJOBSTATE", "Job is not in a state that allows "
                              "deletion: %s" % job["state"])
            del org.jobs[parts[0]]
            return Resp(204)
        if method == "PATCH":
            data, _ = jbody(body)
            st = data.get("state")
            if st == "UploadComplete" and job["state"] == "Open":
                job["state"] = "UploadComplete"
                job["systemModstamp"] = now_sf()
                info = job_info(job)
                delay = org.config["bulk_delay_ms"] / 1000.0
                threading.Thread(target=process_job, args=(org, job, delay),
                                 daemon=True).start()
                return Resp(200, info)
            if st == "Aborted" and job["state"] in ("Open", "UploadComplete"):
                job["state"] = "Aborted"
                job["abort"] = True
                return Resp(200, job_info(job))
            raise SFError(400, "INVALIDJOBSTATE", "Invalid state transition from %s to %s"
                          % (job["state"], st))
        raise method_not_allowed(method, "GET,PATCH,DELETE")
    sub = parts[1]
    if sub == "batches":
        if method != "PUT":
            raise method_not_allowed(method, "PUT")
        if job["state"] != "Open":
            raise SFError(409, "INVALIDJOBSTATE", "Job is not in Open state")
        ct = (hdr.get("Content-Type") or "").split(";")[0].strip().lower()
        if ct != "text/csv":
            raise SFError(415, "UNSUPPORTEDCONTENTTYPE", "Unsupported content type: %s" % ct)
        if job["data"]:
            raise SFError(400, "INVALIDJOBSTATE", "Found multiple uploads of data for this "
                          "job. Only one upload is allowed per job.")
        job["data"] = body
        return Resp(201)
    if sub in ("successfulResults", "failedResults", "unprocessedrecords"):
        if method != "GET":
            raise method_not_allowed(method, "GET")
        if sub != "unprocessedrecords" and job["state"] not in ("JobComplete", "Failed"):
            raise SFError(400, "INVALIDJOBSTATE", "Job is not complete: %s" % job["state"])
        d = DELIMS[job["columnDelimiter"]]
        nl = "\r\n" if job["lineEnding"] == "CRLF" else "\n"
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=d, lineterminator=nl, quoting=csv.QUOTE_ALL)
        if sub == "successfulResults":
            w.writerow(["sf__Id", "sf__Created"] + job["header"])
            for rid, created, row in job["ok"]:
                w.writerow([rid, "true" if created else "false"] + row)
        elif sub == "failedResults":
            w.writerow(["sf__Id", "sf__Error"] + job["header"])
            for rid, err, row in job["bad"]:
                w.writerow([rid or "", err] + row)
        else:
            w.writerow(job["header"])
            for row in job["unprocessed"]:
                w.writerow(row)
        return Resp(200, buf.getvalue(), ctype="text/csv")
    raise not_found()


def multipart_job(ctype, body):
    """-> (job JSON bytes, CSV bytes) from a multipart/form-data body."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
    parts = {}
    for p in msg.iter_parts() if msg.is_multipart() else []:
        name = p.get_param("name", header="content-disposition")
        if name:
            parts[name] = p.get_payload(decode=True) or b""
    if "job" not in parts or "content" not in parts:
        raise SFError(400, "INVALIDJOB", "InvalidJob : a multipart job needs the parts "
                      "'job' and 'content'")
    return parts["job"], parts["content"]


def process_job(org, job, delay):
    if delay:
        time.sleep(delay)
    t0 = time.time()
    with org.lock:
        if job.get("abort"):
            return
        job["state"] = "InProgress"
        text = job["data"].decode("utf-8", "replace")
        if job["lineEnding"] == "LF" and "\r\n" in text:
            job["state"] = "Failed"
            job["errorMessage"] = ("ClientInputError : LineEnding is invalid on user data. "
                                   "Current LineEnding setting is LF")
            rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n")),
                                   delimiter=DELIMS[job["columnDelimiter"]]))
            job["header"] = rows[0] if rows else []
            job["unprocessed"] = rows[1:]
            return
        rows = list(csv.reader(io.StringIO(text), delimiter=DELIMS[job["columnDelimiter"]]))
        if not rows:
            job["state"] = "Failed"
            job["errorMessage"] = "InvalidBatch : Records not found"
            return
        header, data = rows[0], [r for r in rows[1:] if r]
        job["header"] = header
        job["batches"] = (len(data) + 9999) // 10000
        ctx = Ctx(org, job["user"], str(job["apiVersion"]))
        obj = job["object"]
    fail = org.take_fault("bulk_job_fail")
    fail_at = int(fail["spec"].get("after", 0)) if fail else None
    for i, row in enumerate(data):
        # one row at a time under the lock, so a big job does not stall other clients
        with org.lock:
            if job.get("abort") or (fail_at is not None and i >= fail_at):
                job["unprocessed"].append(row)
                continue
            if org.take_fault("bulk_row_lock"):
                # the row is not written; Salesforce's failed result for it
                job["bad"].append((None, "UNABLE_TO_LOCK_ROW:unable to obtain exclusive "
                                   "access to this record or 1 records: %s" % make_id(
                                       org.objects[obj]["prefix"], 1), row))
                job["processed"] += 1
                continue
            bulk_row(org, ctx, job, obj, header, row)
    if fail_at is not None:
        with org.lock:
            # a job that fails part way: the rows after it stay unprocessed
            job["failed_n"] = len(job["bad"])
            job["state"] = "Failed"
            job["errorMessage"] = "InternalServerError : the job failed while processing"
            job["systemModstamp"] = now_sf()
            job["ms"] = int((time.time() - t0) * 1000)
        return
    with org.lock:
        job["failed_n"] = len(job["bad"])
        if job.get("abort"):
            job["ms"] = int((time.time() - t0) * 1000)
            return
        job["state"] = "JobComplete"
        job["systemModstamp"] = now_sf()
        job["ms"] = int((time.time() - t0) * 1000)


def bulk_row(org, ctx, job, obj, header, row):
    if len(row) != len(header):
        job["bad"].append((None, "INVALID_FIELD:Number of fields in row does not "
                           "match the header", row))
        return
    rec = {}
    for col, val in zip(header, row):
        if val == "" and job["operation"] != "insert":
            continue
        if "." in col:
            rel, key = col.split(".", 1)
            rec[rel] = {key: val}
        else:
            rec[col] = val
    try:
        with org.tx():
            op = job["operation"]
            if op == "insert":
                rid = org.insert(ctx, obj, {k: v for k, v in rec.items()
                                            if v != ""}, csv_mode=True)
                created = True
            elif op == "upsert":
                ext = job["externalIdFieldName"]
                key = next((v for k, v in rec.items() if k.lower() == ext.lower()), "")
                if not key:
                    raise SFError(400, "MISSING_ARGUMENT", "%s not specified" % ext)
                rid, created = org.upsert(ctx, obj, ext, key, rec, csv_mode=True)
            elif op == "update":
                rid = norm_id(next((v for k, v in rec.items() if k.lower() == "id"),
                                   ""))
                if not rid:
                    raise SFError(400, "MISSING_ARGUMENT", "Id not specified in an "
                                  "update call")
                org.update(ctx, obj, rid, {k: v for k, v in rec.items()
                                           if k.lower() != "id"}, csv_mode=True)
                created = False
            else:
                rid = norm_id(next((v for k, v in rec.items() if k.lower() == "id"),
                                   ""))
                if not rid or org.get_record(rid)[0] != obj:
                    raise SFError(400, "ENTITY_IS_DELETED", "entity is deleted")
                org.delete(rid)
                created = False
        job["ok"].append((rid, created, row))
    except SFError as e:
        job["bad"].append((None, "%s:%s" % (e.code, e.message), row))
    job["processed"] += 1
