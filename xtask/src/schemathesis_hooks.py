"""schemathesis hooks of `cargo xtask schemathesis`: every generated body gets the simulator's
demo credentials in the properties that docs/openapi.json marks `x-dlspbx-credential`
(`api_user`, `api_key`), so that the document's own description says what to fill in."""
import json, os
import schemathesis

CREDENTIALS = {"api_user": os.environ["DLSPBX_API_USER"], "api_key": os.environ["DLSPBX_API_KEY"]}

def _credential_fields(doc):
    found = {}
    def walk(node):
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                if isinstance(prop, dict) and "x-dlspbx-credential" in prop:
                    found[name] = prop["x-dlspbx-credential"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(doc)
    return found

with open(os.environ["DLSPBX_OPENAPI"]) as f:
    FIELDS = _credential_fields(json.load(f))

@schemathesis.hook
def before_call(context, case, kwargs):
    if isinstance(case.body, dict):
        for name, which in FIELDS.items():
            case.body[name] = CREDENTIALS[which]


def _mode(case):
    try:
        return str(case.meta.generation.mode.value)
    except Exception:
        return "unknown"


@schemathesis.hook
def after_call(context, case, response):
    """One JSON line per call into $DLSPBX_CALLS: the generation mode (positive or negative), the
    status, and the answer's `result` and `error` when it is JSON, for the summary's figures."""
    path = os.environ.get("DLSPBX_CALLS")
    if not path:
        return
    line = {"mode": _mode(case), "status": response.status_code, "method": case.method,
            "media": str(getattr(case, "media_type", ""))}
    try:
        answer = json.loads(response.content)
        if isinstance(answer, dict):
            line["result"] = answer.get("result")
            if "error" in answer:
                line["error"] = str(answer["error"])[:100]
    except Exception:
        line["result"] = None
    with open(path, "a") as f:
        f.write(json.dumps(line) + "\n")
