//! `docs/` must be what the spec and the fixtures generate (same check as
//! `cargo xtask docs --check`), and hold together.

use dlspbx_codegen::docs::{DOCS_DIR, sync};
use dlspbx_codegen::load_dir;
use dlspbx_codegen::sync::Mode;
use serde_json::Value;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[test]
fn docs_are_fresh() {
    let stale = sync(root(), Mode::Check).expect("the spec loads");
    assert!(
        stale.is_empty(),
        "docs/ is stale; run `cargo xtask docs`: {stale:?}"
    );
}

fn refs<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r);
            }
            m.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn openapi_covers_every_action_and_every_ref_resolves() {
    let text = std::fs::read_to_string(root().join(DOCS_DIR).join("openapi.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 100);
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
    }
    let spec = load_dir(&root().join("spec")).unwrap();
    let api = std::fs::read_to_string(root().join(DOCS_DIR).join("API.md")).unwrap();
    for m in &spec.modules {
        let path = &doc["paths"][format!("/api/v1/{}", m.file)];
        assert!(
            path.get("get").is_none(),
            "GET is answered 405: not described"
        );
        let op = &path["post"];
        // The action is the body's discriminator, not a query parameter.
        assert!(
            !op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "api_action")
        );
        for (media, kind) in [
            ("application/json", "Request"),
            ("application/xml", "Request"),
            ("application/x-www-form-urlencoded", "Form"),
        ] {
            let body = &op["requestBody"]["content"][media]["schema"];
            assert_eq!(
                body["discriminator"]["propertyName"], "api_action",
                "{media}"
            );
            for a in &m.actions {
                assert_eq!(
                    body["discriminator"]["mapping"][&a.name],
                    format!("#/components/schemas/{}.{}.{kind}", m.name, a.name),
                    "{media}"
                );
            }
        }
        // An error in every format the server answers in.
        for media in [
            "application/json",
            "application/xml",
            "application/x-yaml",
            "text/csv",
            "text/plain",
        ] {
            assert!(
                op["responses"]["4XX"]["content"][media].is_object(),
                "{media}"
            );
        }
        let listed: Vec<&str> =
            op["requestBody"]["content"]["application/json"]["schema"]["discriminator"]["mapping"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
        let paired: Vec<&str> = op["x-dlspbx-actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["api_action"].as_str().unwrap())
            .collect();
        let actions: Vec<&str> = m.actions.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(listed, actions);
        assert_eq!(paired, actions);
        for a in &m.actions {
            let key = format!("{}.{}", m.name, a.name);
            // Every request schema requires the credentials, marked for tools, and its
            // action.
            for kind in ["Request", "Form"] {
                let schema = &doc["components"]["schemas"][format!("{key}.{kind}")];
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                assert_eq!(
                    required[..3],
                    ["api_user", "api_key", "api_action"],
                    "{key}.{kind}"
                );
                assert_eq!(schema["properties"]["api_action"]["const"], a.name.as_str());
                for c in ["api_user", "api_key"] {
                    assert_eq!(schema["properties"][c]["x-dlspbx-credential"], c);
                }
            }
            assert!(
                doc["components"]["schemas"][format!("{key}.Response")].is_object(),
                "{key}"
            );
            assert!(
                api.contains(&format!("`POST /api/v1/{}?api_action={}`", m.file, a.name)),
                "{key}"
            );
            for f in a.request.iter().chain(&a.response) {
                assert!(
                    api.contains(&format!("| `{}` |", f.name)),
                    "{key}.{}",
                    f.name
                );
            }
        }
    }
    for r in &spec.rules {
        assert!(
            api.contains(&format!("<a id=\"rule-{}\"></a>", r.name.replace('_', "-"))),
            "{}",
            r.name
        );
    }
}
