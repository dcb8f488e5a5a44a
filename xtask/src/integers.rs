//! Integers a person can write: non-negative integers become `u32`/`u64`, never `NonZeroU32`.
//!
//! typify reads `format: int32` as `i32` whatever the bounds, and `minimum: 1` as
//! `NonZeroU32`, which no integer literal converts into (`.page(1)` would not compile). Before
//! generation, every integer schema whose `minimum` is 0 or more gets the unsigned format of its
//! width, and a `minimum` of 0 or 1 is dropped from the generator's copy; the bounds themselves
//! are checked by the setters (see [`crate::setters`]), from the facts read before this pass.

use serde_json::Value;

use crate::walk;

/// Rewrites every integer schema of `doc` as described in the module docs.
pub(crate) fn unsigned(doc: &mut Value) {
    walk::schemas_mut(doc, &mut |schema| {
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        if object.get("type").and_then(Value::as_str) != Some("integer") {
            return;
        }
        let Some(minimum) = object.get("minimum").and_then(Value::as_f64) else {
            return;
        };
        if minimum < 0.0 {
            return;
        }
        let format = match object.get("format").and_then(Value::as_str) {
            Some("int64" | "uint64") => "uint64",
            _ => "uint32",
        };
        object.insert("format".to_owned(), Value::from(format));
        if minimum <= 1.0 {
            object.remove("minimum");
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn bounded_integers_become_unsigned_without_a_nonzero_minimum() {
        let mut doc = json!({"components": {"schemas": {"P": {"type": "object", "properties": {
            "page": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 50},
            "total": {"type": "integer", "format": "int32", "minimum": 0},
            "at": {"type": "integer", "format": "int64", "minimum": 0},
            "delta": {"type": "integer", "format": "int32", "minimum": -5},
            "free": {"type": "integer", "format": "int32"}
        }}}}});
        super::unsigned(&mut doc);
        let props = &doc["components"]["schemas"]["P"]["properties"];
        assert_eq!(
            props["page"],
            json!({"type": "integer", "format": "uint32", "maximum": 50})
        );
        assert_eq!(
            props["total"],
            json!({"type": "integer", "format": "uint32"})
        );
        assert_eq!(props["at"], json!({"type": "integer", "format": "uint64"}));
        assert_eq!(props["delta"]["format"], "int32");
        assert_eq!(props["free"]["format"], "int32");
    }
}
