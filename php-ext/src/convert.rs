//! PHP values to JSON values and back, with no knowledge of what they mean.
//!
//! Going in, a PHP array is a JSON array when its keys are 0, 1, 2… in order
//! and an object otherwise (as `json_encode` decides); depth is bounded while
//! walking so a self-referencing or hostile array costs bounded stack. Going
//! out, integers that do not fit a PHP `int` become decimal strings.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::types::array::Iter;
use ext_php_rs::types::{ZendHashTable, ZendObject, Zval};
use serde_json::{Map, Number, Value};
use waybill::error::push_pointer;
use waybill::{Code, Error};

/// Deepest PHP nesting ever walked, whatever `limits.max_depth` says: the
/// walk is recursive and runs on the PHP worker's stack. The core's own
/// ceiling, so an array is refused at the same depth as JSON text.
pub const MAX_WALK_DEPTH: usize = waybill::limits::MAX_DEPTH_CEILING;

/// Converts a PHP value to JSON; containers deeper than `max_depth` fail with
/// `input.too_deep` at their pointer, as the core's own check does.
pub fn to_value(zv: &Zval, max_depth: usize) -> Result<Value, Error> {
    walk(zv, 1, max_depth.min(MAX_WALK_DEPTH))
}

/// Converts a PHP array to JSON (see [`to_value`]).
pub fn array_to_value(ht: &ZendHashTable, max_depth: usize) -> Result<Value, Error> {
    container(ht, 1, max_depth.min(MAX_WALK_DEPTH))
}

fn walk(zv: &Zval, depth: usize, max_depth: usize) -> Result<Value, Error> {
    let zv = zv.dereference();
    if zv.is_null() {
        return Ok(Value::Null);
    }
    if zv.is_bool() {
        return Ok(Value::Bool(zv.is_true()));
    }
    if let Some(n) = zv.long() {
        return Ok(Value::Number(Number::from(n)));
    }
    if let Some(f) = zv.double() {
        return Number::from_f64(f).map(Value::Number).ok_or_else(|| {
            Error::new(Code::InputInvalidJson, "", "NAN and INF have no JSON form")
        });
    }
    if let Some(s) = zv.zend_str() {
        return text(s.as_bytes()).map(|s| Value::String(s.to_string()));
    }
    if let Some(ht) = zv.array() {
        return container(ht, depth, max_depth);
    }
    if let Some(obj) = zv.object() {
        return object(obj, depth, max_depth);
    }
    Err(Error::new(
        Code::InputInvalidJson,
        "",
        format!("a PHP {} has no JSON form", zv.get_type()),
    ))
}

/// Bytes as UTF-8 text, or `input.invalid_utf8`.
pub fn text(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|e| {
        Error::new(
            Code::InputInvalidUtf8,
            "",
            format!(
                "a string is not valid UTF-8 (first bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

fn too_deep(max_depth: usize) -> Error {
    Error::new(
        Code::InputTooDeep,
        "",
        format!("nesting is deeper than the limit of {max_depth}"),
    )
}

/// A key as text: integer keys in decimal, string keys as UTF-8.
fn key_text(key: &Zval) -> Result<String, Error> {
    if let Some(n) = key.long() {
        return Ok(n.to_string());
    }
    match key.zend_str() {
        Some(s) => text(s.as_bytes()).map(str::to_string),
        None => Err(Error::new(
            Code::InputInvalidJson,
            "",
            "an array key is neither an integer nor a string",
        )),
    }
}

fn container(ht: &ZendHashTable, depth: usize, max_depth: usize) -> Result<Value, Error> {
    if depth > max_depth {
        return Err(too_deep(max_depth));
    }
    let mut list: Vec<Value> = Vec::with_capacity(ht.len());
    let mut map: Option<Map<String, Value>> = None;
    let mut iter = Iter::new(ht);
    let mut index: i64 = 0;
    while let Some((key, value)) = iter.next_zval() {
        let name = key_text(&key).map_err(|e| e.under(&format!("/{index}")))?;
        let item =
            walk(value, depth + 1, max_depth).map_err(|e| e.under(&push_pointer("", &name)))?;
        match map.as_mut() {
            None if key.long() == Some(index) => list.push(item),
            None => {
                // The keys stopped being 0, 1, 2…: this is an object after all.
                let mut m = Map::with_capacity(ht.len());
                for (i, v) in list.drain(..).enumerate() {
                    m.insert(i.to_string(), v);
                }
                m.insert(name, item);
                map = Some(m);
            }
            Some(m) => {
                m.insert(name, item);
            }
        }
        index += 1;
    }
    Ok(match map {
        Some(m) => Value::Object(m),
        None => Value::Array(list),
    })
}

fn object(obj: &ZendObject, depth: usize, max_depth: usize) -> Result<Value, Error> {
    let class = obj.get_class_name().unwrap_or_default();
    if class != "stdClass" {
        return Err(Error::new(
            Code::InputInvalidJson,
            "",
            format!(
                "an object of class {class} has no JSON form here; pass an array or a stdClass"
            ),
        ));
    }
    if depth > max_depth {
        return Err(too_deep(max_depth));
    }
    let props = obj.get_properties().map_err(|_| {
        Error::new(
            Code::InputInvalidJson,
            "",
            "the object's properties cannot be read",
        )
    })?;
    let mut map = Map::with_capacity(props.len());
    let mut iter = Iter::new(props);
    while let Some((key, value)) = iter.next_zval() {
        let name = key_text(&key)?;
        let value = value.indirect().unwrap_or(value);
        if value.get_type() == ext_php_rs::flags::DataType::Undef {
            continue;
        }
        let item =
            walk(value, depth + 1, max_depth).map_err(|e| e.under(&push_pointer("", &name)))?;
        map.insert(name, item);
    }
    Ok(Value::Object(map))
}

/// Converts a JSON value to a PHP value. Objects become associative arrays
/// (an empty object becomes `[]`); integers past `PHP_INT_MAX` become strings.
pub fn to_zval(value: &Value) -> Zval {
    let mut zv = Zval::new();
    match value {
        Value::Null => zv.set_null(),
        Value::Bool(b) => zv.set_bool(*b),
        Value::Number(n) => set_number(&mut zv, n),
        Value::String(s) => set_str(&mut zv, s),
        Value::Array(items) => {
            let mut ht =
                ZendHashTable::with_capacity(u32::try_from(items.len()).unwrap_or(u32::MAX));
            for item in items {
                let _ = ht.push(to_zval(item));
            }
            zv.set_hashtable(ht);
        }
        Value::Object(map) => zv.set_hashtable(map_to_array(map)),
    }
    zv
}

fn set_str(zv: &mut Zval, s: &str) {
    if zv.set_string(s, false).is_err() {
        zv.set_null();
    }
}

fn set_number(zv: &mut Zval, n: &Number) {
    if let Some(i) = n.as_i64() {
        zv.set_long(i);
        return;
    }
    let text = n.to_string();
    let integer = text
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'));
    if integer {
        // Exact, unlike a float: the documented form of big integers.
        set_str(zv, &text);
    } else {
        zv.set_double(n.as_f64().unwrap_or(f64::NAN));
    }
}

/// A JSON object as a PHP array. Keys that read as integers become integer
/// keys, as PHP itself stores them, so `$a['7']` finds them.
pub fn map_to_array(map: &Map<String, Value>) -> ZBox<ZendHashTable> {
    let mut ht = ZendHashTable::with_capacity(u32::try_from(map.len()).unwrap_or(u32::MAX));
    for (key, value) in map {
        insert(&mut ht, key, to_zval(value));
    }
    ht
}

/// Inserts with PHP's own key rule: canonical decimal integers are integer keys.
pub fn insert(ht: &mut ZendHashTable, key: &str, value: impl IntoZval) {
    let _ = match integer_key(key) {
        Some(i) => ht.insert_at_index(i, value),
        None => ht.insert(key, value),
    };
}

fn integer_key(key: &str) -> Option<i64> {
    let digits = key.strip_prefix('-').unwrap_or(key);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && key != "-0";
    if canonical {
        key.parse().ok()
    } else {
        None
    }
}
