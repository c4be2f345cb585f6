//! Compares two versions of a contract and says which changes break the
//! consumers of its events (a workflow reading the old fields) and which do
//! not. One reason per change, each pointing at the field it is about.

use super::{Contract, PRIVACY_KEYWORD, SANITIZE_KEYWORD};
use crate::error::{push_pointer, Code, Error};
use serde_json::{Map, Value};

/// How large a version step a set of changes needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Nothing that matters to a consumer changed.
    None,
    /// Only additions that keep every old event valid.
    Minor,
    /// At least one change that can break a consumer.
    Major,
}

impl Bump {
    /// `none`, `minor` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// One difference between two contract versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffChange {
    /// Where in the event the change applies (`/data/email`; `/*` stands for any array item).
    pub pointer: String,
    /// A stable name for the change, such as `field_removed`.
    pub kind: &'static str,
    /// Whether it can break a consumer.
    pub breaking: bool,
    /// The reason, for a person.
    pub message: String,
}

/// The outcome of comparing two contract versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    /// True when any change is breaking.
    pub breaking: bool,
    /// The version step the changes need.
    pub bump: Bump,
    /// The version step the two contracts declare.
    pub declared: Bump,
    /// True when the declared step is at least the needed one.
    pub version_ok: bool,
    /// Every change, in schema order.
    pub changes: Vec<DiffChange>,
}

/// Compares `old` and `new`, two versions of one event type's contract.
pub fn diff(old: &Contract, new: &Contract) -> Result<Diff, Error> {
    if old.event_type() != new.event_type() {
        return Err(Error::new(
            Code::ContractMismatch,
            "/event_type",
            format!(
                "cannot compare {} with {}: they are different event types",
                old.event_type(),
                new.event_type()
            ),
        ));
    }
    let mut changes = Vec::new();
    compare(old.schema(), new.schema(), "/data", &mut changes);
    let breaking = changes.iter().any(|c| c.breaking);
    let bump = if breaking {
        Bump::Major
    } else if changes.is_empty() {
        Bump::None
    } else {
        Bump::Minor
    };
    let (ov, nv) = (old.version(), new.version());
    let declared = if nv.major > ov.major {
        Bump::Major
    } else if nv.major == ov.major && nv.minor > ov.minor {
        Bump::Minor
    } else {
        Bump::None
    };
    Ok(Diff {
        breaking,
        bump,
        declared,
        // A lower version than before is never a valid successor.
        version_ok: declared >= bump && nv >= ov,
        changes,
    })
}

fn change(
    out: &mut Vec<DiffChange>,
    pointer: &str,
    kind: &'static str,
    breaking: bool,
    message: String,
) {
    out.push(DiffChange {
        pointer: pointer.to_string(),
        kind,
        breaking,
        message,
    });
}

const HANDLED: &[&str] = &[
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "pattern",
    "format",
    "uniqueItems",
    SANITIZE_KEYWORD,
    PRIVACY_KEYWORD,
    // Annotations that change no instance's validity.
    "title",
    "description",
    "$schema",
    "$comment",
    "examples",
    "default",
    "$id",
];

fn compare(old: &Value, new: &Value, at: &str, out: &mut Vec<DiffChange>) {
    let empty = Map::new();
    let (o, n) = match (old, new) {
        (Value::Bool(a), Value::Bool(b)) if a == b => return,
        (Value::Bool(_), _) | (_, Value::Bool(_)) if old == new => return,
        (Value::Bool(true), _) => (&empty, new.as_object().unwrap_or(&empty)),
        (_, Value::Bool(true)) => (old.as_object().unwrap_or(&empty), &empty),
        (_, Value::Bool(false)) => {
            change(
                out,
                at,
                "field_forbidden",
                true,
                "no value is allowed here any more".into(),
            );
            return;
        }
        (Value::Object(o), Value::Object(n)) => (o, n),
        _ => {
            change(
                out,
                at,
                "schema_changed",
                true,
                "the schema changed shape".into(),
            );
            return;
        }
    };

    compare_types(o, n, at, out);
    compare_enum(o, n, at, out);
    compare_const(o, n, at, out);
    for kw in [
        "minLength",
        "minimum",
        "exclusiveMinimum",
        "minItems",
        "minProperties",
    ] {
        compare_limit(o, n, kw, true, at, out);
    }
    for kw in [
        "maxLength",
        "maximum",
        "exclusiveMaximum",
        "maxItems",
        "maxProperties",
    ] {
        compare_limit(o, n, kw, false, at, out);
    }
    for kw in ["pattern", "format"] {
        compare_restriction(o, n, kw, at, out);
    }
    compare_unique(o, n, at, out);
    compare_annotations(o, n, at, out);
    compare_properties(o, n, at, out);
    compare_additional(o, n, at, out);
    match (o.get("items"), n.get("items")) {
        (Some(a), Some(b)) => compare(a, b, &format!("{at}/*"), out),
        (None, Some(b)) => compare(&Value::Bool(true), b, &format!("{at}/*"), out),
        (Some(a), None) => compare(a, &Value::Bool(true), &format!("{at}/*"), out),
        (None, None) => {}
    }
    let keys: std::collections::BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for key in keys {
        if !HANDLED.contains(&key.as_str()) && o.get(key) != n.get(key) {
            change(
                out,
                at,
                "schema_changed",
                true,
                format!("the {key} rule changed; Waybill cannot prove old events still pass"),
            );
        }
    }
}

fn type_set(schema: &Map<String, Value>) -> Option<Vec<String>> {
    let mut set: Vec<String> = match schema.get("type")? {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => return None,
    };
    set.sort();
    Some(set)
}

fn type_covers(set: &[String], t: &str) -> bool {
    set.iter()
        .any(|s| s == t || (s == "number" && t == "integer"))
}

fn compare_types(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    match (type_set(o), type_set(n)) {
        (Some(a), Some(b)) if a != b => {
            if a.iter().all(|t| type_covers(&b, t)) {
                change(
                    out,
                    at,
                    "type_widened",
                    false,
                    format!("type widened from {} to {}", a.join("|"), b.join("|")),
                );
            } else {
                change(
                    out,
                    at,
                    "type_narrowed",
                    true,
                    format!("type changed from {} to {}", a.join("|"), b.join("|")),
                );
            }
        }
        (None, Some(b)) => change(
            out,
            at,
            "type_narrowed",
            true,
            format!("type restricted to {}", b.join("|")),
        ),
        (Some(a), None) => change(
            out,
            at,
            "type_widened",
            false,
            format!("type {} no longer required", a.join("|")),
        ),
        _ => {}
    }
}

fn compare_enum(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    match (
        o.get("enum").and_then(Value::as_array),
        n.get("enum").and_then(Value::as_array),
    ) {
        (Some(a), Some(b)) => {
            for v in a.iter().filter(|v| !b.contains(v)) {
                change(
                    out,
                    at,
                    "enum_value_removed",
                    true,
                    format!("allowed value {v} was removed"),
                );
            }
            for v in b.iter().filter(|v| !a.contains(v)) {
                change(
                    out,
                    at,
                    "enum_value_added",
                    false,
                    format!("allowed value {v} was added"),
                );
            }
        }
        (None, Some(_)) => change(
            out,
            at,
            "enum_added",
            true,
            "values are now limited to a list".into(),
        ),
        (Some(_), None) => change(
            out,
            at,
            "enum_removed",
            false,
            "values are no longer limited to a list".into(),
        ),
        (None, None) => {}
    }
}

fn compare_const(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    match (o.get("const"), n.get("const")) {
        (a, Some(b)) if a != Some(b) => change(
            out,
            at,
            "const_changed",
            true,
            format!("the value must now be {b}"),
        ),
        (Some(_), None) => change(
            out,
            at,
            "const_removed",
            false,
            "the value is no longer fixed".into(),
        ),
        _ => {}
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn compare_limit(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    kw: &str,
    lower: bool,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    let (a, b) = (number(o.get(kw)), number(n.get(kw)));
    let tightened = match (a, b) {
        (Some(a), Some(b)) if a == b => return,
        (Some(a), Some(b)) => (lower && b > a) || (!lower && b < a),
        (None, Some(_)) => true,
        (Some(_), None) => false,
        (None, None) => return,
    };
    let show = |x: Option<f64>| x.map_or("none".to_string(), |x| x.to_string());
    if tightened {
        change(
            out,
            at,
            "limit_tightened",
            true,
            format!("{kw} tightened from {} to {}", show(a), show(b)),
        );
    } else {
        change(
            out,
            at,
            "limit_loosened",
            false,
            format!("{kw} loosened from {} to {}", show(a), show(b)),
        );
    }
}

fn compare_restriction(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    kw: &'static str,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    match (o.get(kw), n.get(kw)) {
        (a, Some(b)) if a != Some(b) => {
            let kind = if kw == "pattern" {
                "pattern_changed"
            } else {
                "format_changed"
            };
            change(out, at, kind, true, format!("{kw} is now {b}"));
        }
        (Some(_), None) => {
            let kind = if kw == "pattern" {
                "pattern_removed"
            } else {
                "format_removed"
            };
            change(out, at, kind, false, format!("{kw} no longer checked"));
        }
        _ => {}
    }
}

fn compare_unique(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    let flag = |m: &Map<String, Value>| {
        m.get("uniqueItems")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    match (flag(o), flag(n)) {
        (false, true) => change(
            out,
            at,
            "limit_tightened",
            true,
            "items must now be unique".into(),
        ),
        (true, false) => change(
            out,
            at,
            "limit_loosened",
            false,
            "items may now repeat".into(),
        ),
        _ => {}
    }
}

fn compare_annotations(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    let privacy = |m: &Map<String, Value>| {
        m.get(PRIVACY_KEYWORD)
            .and_then(Value::as_str)
            .unwrap_or("keep")
            .to_string()
    };
    let (a, b) = (privacy(o), privacy(n));
    if a != b {
        change(
            out,
            at,
            "privacy_changed",
            true,
            format!("privacy changed from {a} to {b}: consumers see a different value"),
        );
    }
    let sanitize = |m: &Map<String, Value>| {
        m.get(SANITIZE_KEYWORD)
            .and_then(Value::as_str)
            .unwrap_or("text")
            .to_string()
    };
    let (a, b) = (sanitize(o), sanitize(n));
    if a != b {
        change(
            out,
            at,
            "sanitizer_changed",
            false,
            format!("sanitizer changed from {a} to {b}"),
        );
    }
}

fn required(m: &Map<String, Value>) -> Vec<&str> {
    m.get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn compare_properties(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    let empty = Map::new();
    let op = o
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let np = n
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let (oreq, nreq) = (required(o), required(n));
    let removed: Vec<&String> = op.keys().filter(|k| !np.contains_key(*k)).collect();
    let added: Vec<&String> = np.keys().filter(|k| !op.contains_key(*k)).collect();
    let mut renamed_to: Vec<&String> = Vec::new();
    for name in &removed {
        let twin = added
            .iter()
            .find(|a| np.get(**a) == op.get(*name) && !renamed_to.contains(a));
        match twin {
            Some(to) => {
                renamed_to.push(to);
                change(
                    out,
                    &push_pointer(at, name),
                    "field_renamed",
                    true,
                    format!("{name} was renamed to {to}: consumers reading {name} get nothing"),
                );
            }
            None => change(
                out,
                &push_pointer(at, name),
                "field_removed",
                true,
                format!("{name} was removed: consumers reading it get nothing"),
            ),
        }
    }
    for name in added.iter().filter(|a| !renamed_to.contains(a)) {
        if nreq.contains(&name.as_str()) {
            change(
                out,
                &push_pointer(at, name),
                "required_field_added",
                true,
                format!("{name} is new and required: old events lack it"),
            );
        } else {
            change(
                out,
                &push_pointer(at, name),
                "optional_field_added",
                false,
                format!("{name} is a new optional field"),
            );
        }
    }
    // A name can be required without being described; it still must be present.
    for name in nreq
        .iter()
        .filter(|r| !oreq.contains(r) && !np.contains_key(**r))
    {
        change(
            out,
            &push_pointer(at, name),
            "field_made_required",
            true,
            format!("{name} is now required: old events may lack it"),
        );
    }
    for (name, old_schema) in op {
        let Some(new_schema) = np.get(name) else {
            continue;
        };
        let pointer = push_pointer(at, name);
        match (oreq.contains(&name.as_str()), nreq.contains(&name.as_str())) {
            (false, true) => change(
                out,
                &pointer,
                "field_made_required",
                true,
                format!("{name} is now required: old events may lack it"),
            ),
            (true, false) => change(
                out,
                &pointer,
                "field_made_optional",
                true,
                format!("{name} may now be missing: consumers reading it may get nothing"),
            ),
            _ => {}
        }
        compare(old_schema, new_schema, &pointer, out);
    }
}

fn compare_additional(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    out: &mut Vec<DiffChange>,
) {
    let closed =
        |m: &Map<String, Value>| m.get("additionalProperties") == Some(&Value::Bool(false));
    match (closed(o), closed(n)) {
        (false, true) => change(
            out,
            at,
            "additional_properties_tightened",
            true,
            "fields outside the contract are now rejected".into(),
        ),
        (true, false) => change(
            out,
            at,
            "additional_properties_loosened",
            false,
            "fields outside the contract are now accepted".into(),
        ),
        (false, false) => {
            // Absent and `true` both allow anything; a schema allows less.
            let open = |v: Option<&Value>| matches!(v, None | Some(Value::Bool(true)));
            match (o.get("additionalProperties"), n.get("additionalProperties")) {
                (a, Some(b @ Value::Object(_))) if open(a) => change(
                    out,
                    &format!("{at}/*"),
                    "additional_properties_tightened",
                    true,
                    format!("fields outside the contract must now match {b}"),
                ),
                (Some(Value::Object(_)), b) if open(b) => change(
                    out,
                    &format!("{at}/*"),
                    "additional_properties_loosened",
                    false,
                    "fields outside the contract may now hold anything".into(),
                ),
                (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                    compare(a, b, &format!("{at}/*"), out)
                }
                _ => {}
            }
        }
        (true, true) => {}
    }
}
