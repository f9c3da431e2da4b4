"""Writes src/fixtures/envelope-hash-vectors.json: ofs.envelope_hash.v1 vectors computed the way
the reference archive writer hashes an event envelope (Python json.dumps with sort_keys=True,
ensure_ascii=True, separators=(",", ":"), then sha256 hex) -- an implementation independent of
@ofs/ids. Run: python3 packages/ofs-ids/scripts/envelope-hash-vectors.py
"""
import hashlib
import json
import os

def canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))

CASES = [
    {
        "name": "core fields only",
        "event_id": "ev_0001",
        "ts_utc": "2026-02-10T10:00:07.123456Z",
        "payload": {"amount": "12.50", "card_id": "c1", "currency": "EUR"},
    },
    {
        "name": "one digit of ts_utc flipped",
        "event_id": "ev_0001",
        "ts_utc": "2026-02-10T10:00:08.123456Z",
        "payload": {"amount": "12.50", "card_id": "c1", "currency": "EUR"},
    },
    {
        "name": "further envelope fields",
        "event_id": "3f1c9e07b5d42e8a",
        "ts_utc": "2026-02-10T10:00:07Z",
        "payload": {"flow_id": "f-9", "amount": 1250, "nested": {"b": [1, 2.5, None, True], "a": "x"}},
        "envelope": {
            "event_type": "s3_event_stream_with_fraud_6B",
            "manifest_fingerprint": "a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8",
            "parameter_hash": "56d45126eaabedd083a1d8428a763e0278c89b04b4c4be3e0cb5e7e4a2f2bd5e",
            "schema_version": "v1",
            "seed": 42,
            "scenario_id": "baseline_v1",
        },
    },
    {
        "name": "non-ASCII, escapes and code-point key order",
        "event_id": "ev_\u00e9\u20ac",
        "ts_utc": "2026-02-10T10:00:07Z",
        "payload": {"note": "caf\u00e9 \u20ac \U0001F600 \"q\" \\ \n\t\u2028", "\uff5e": 1, "\U0001F600": 2, "Z": 3, "small": 1e-05},
    },
]

vectors = []
for case in CASES:
    envelope = dict(case.get("envelope", {}))
    envelope.update({"event_id": case["event_id"], "ts_utc": case["ts_utc"], "payload": case["payload"]})
    text = canonical(envelope)
    vector = {k: case[k] for k in ("name", "event_id", "ts_utc", "payload")}
    if "envelope" in case:
        vector["envelope"] = case["envelope"]
    vector["canonical"] = text
    vector["payload_hash"] = hashlib.sha256(text.encode("ascii")).hexdigest()
    vectors.append(vector)

out = os.path.join(os.path.dirname(__file__), "..", "src", "fixtures", "envelope-hash-vectors.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump({"recipe": "ofs.envelope_hash.v1", "vectors": vectors}, f, indent=2, ensure_ascii=True)
    f.write("\n")
print(f"wrote {len(vectors)} vectors to {os.path.normpath(out)}")
