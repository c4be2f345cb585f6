//! Turns JSON Schema errors into Waybill violations with stable codes.
//! Messages name the rule, never the offending value, so they are safe to log.

use crate::error::{push_pointer, Code, Violation};
use jsonschema::error::ValidationErrorKind as Kind;
use serde_json::Value;

pub(crate) fn collect(
    validator: &jsonschema::Validator,
    data: &Value,
    base: &str,
    out: &mut Vec<Violation>,
) {
    // Most events are valid: the boolean check is the fast path, and the
    // error walk runs only when there is something to report.
    if validator.is_valid(data) {
        return;
    }
    for err in validator.iter_errors(data) {
        let at = format!("{base}{}", err.instance_path().as_str());
        push(err.kind(), &at, out);
        if out.len() >= crate::error::MAX_VIOLATIONS {
            return;
        }
    }
}

fn push(kind: &Kind, at: &str, out: &mut Vec<Violation>) {
    let mut add = |code: Code, pointer: String, message: String| {
        out.push(Violation {
            code,
            pointer,
            message,
        })
    };
    match kind {
        Kind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            add(
                Code::SchemaRequired,
                push_pointer(at, name),
                format!("{} is required", crate::error::short(name)),
            );
        }
        Kind::AdditionalProperties { unexpected } | Kind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                add(
                    Code::SchemaAdditionalProperties,
                    push_pointer(at, name),
                    format!(
                        "{} is not a field of this contract",
                        crate::error::short(name)
                    ),
                );
            }
        }
        Kind::Type { kind } => add(
            Code::SchemaType,
            at.into(),
            format!("wrong type: expected {}", type_name(kind)),
        ),
        Kind::Enum { options } => add(
            Code::SchemaEnum,
            at.into(),
            format!("must be one of {options}"),
        ),
        Kind::Constant { expected_value } => add(
            Code::SchemaConst,
            at.into(),
            format!("must be {expected_value}"),
        ),
        Kind::Format { format } => add(
            Code::SchemaFormat,
            at.into(),
            format!("is not a valid {format}"),
        ),
        Kind::Pattern { pattern } => add(
            Code::SchemaPattern,
            at.into(),
            format!("does not match the pattern {pattern}"),
        ),
        Kind::MinLength { limit } => add(
            Code::SchemaMinLength,
            at.into(),
            format!("must have at least {limit} characters"),
        ),
        Kind::MaxLength { limit } => add(
            Code::SchemaMaxLength,
            at.into(),
            format!("must have at most {limit} characters"),
        ),
        Kind::Minimum { limit } => add(
            Code::SchemaMinimum,
            at.into(),
            format!("must be at least {limit}"),
        ),
        Kind::ExclusiveMinimum { limit } => add(
            Code::SchemaMinimum,
            at.into(),
            format!("must be more than {limit}"),
        ),
        Kind::Maximum { limit } => add(
            Code::SchemaMaximum,
            at.into(),
            format!("must be at most {limit}"),
        ),
        Kind::ExclusiveMaximum { limit } => add(
            Code::SchemaMaximum,
            at.into(),
            format!("must be less than {limit}"),
        ),
        Kind::MultipleOf { multiple_of } => add(
            Code::SchemaMultipleOf,
            at.into(),
            format!("must be a multiple of {multiple_of}"),
        ),
        Kind::MinItems { limit } => add(
            Code::SchemaMinItems,
            at.into(),
            format!("must have at least {limit} items"),
        ),
        Kind::MaxItems { limit } => add(
            Code::SchemaMaxItems,
            at.into(),
            format!("must have at most {limit} items"),
        ),
        Kind::UniqueItems => add(
            Code::SchemaUniqueItems,
            at.into(),
            "items must be unique".into(),
        ),
        Kind::MinProperties { limit } => add(
            Code::SchemaPropertyCount,
            at.into(),
            format!("must have at least {limit} fields"),
        ),
        Kind::MaxProperties { limit } => add(
            Code::SchemaPropertyCount,
            at.into(),
            format!("must have at most {limit} fields"),
        ),
        Kind::AnyOf { .. } | Kind::OneOfNotValid { .. } => add(
            Code::SchemaCombinator,
            at.into(),
            "matches none of the allowed shapes".into(),
        ),
        Kind::OneOfMultipleValid { .. } => add(
            Code::SchemaCombinator,
            at.into(),
            "matches more than one allowed shape".into(),
        ),
        Kind::Not { .. } => add(
            Code::SchemaCombinator,
            at.into(),
            "matches a shape that is not allowed".into(),
        ),
        Kind::BacktrackLimitExceeded { .. } | Kind::RegexEngineFailure { .. } => add(
            Code::SchemaPattern,
            at.into(),
            "is too complex for the pattern to check".into(),
        ),
        Kind::FalseSchema => add(
            Code::SchemaInvalid,
            at.into(),
            "no value is allowed here".into(),
        ),
        other => add(
            Code::SchemaInvalid,
            at.into(),
            format!("fails the {} rule", other.keyword()),
        ),
    }
}

fn type_name(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => t.to_string(),
        jsonschema::error::TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
            names.join(" or ")
        }
    }
}
