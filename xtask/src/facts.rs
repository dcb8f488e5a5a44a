//! What the spec says about each field and parameter that the generated code must honour but
//! progenitor and typify drop: JSON names (for error messages) and integer bounds (checked by
//! the setters). Read from the spec before the generator's copy is rewritten.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::operations::snake_case;

/// The inclusive bounds of an integer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
}

impl Bounds {
    fn of(schema: &Value) -> Option<Self> {
        if schema.get("type").and_then(Value::as_str) != Some("integer") {
            return None;
        }
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64).map(|v| v as i64);
        let bounds = Self {
            min: bound("minimum"),
            max: bound("maximum"),
        };
        (bounds != Self::default()).then_some(bounds)
    }
}

/// The facts of one spec.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// `(schema name, JSON property)` → bounds of an integer property.
    pub(crate) property_bounds: BTreeMap<(String, String), Bounds>,
    /// `(operation as progenitor names it, parameter ident)` → bounds of an integer parameter.
    pub(crate) parameter_bounds: BTreeMap<(String, String), Bounds>,
    /// Parameter ident as progenitor names it → the spec's name (`location_id` → `locationId`).
    pub(crate) parameter_names: BTreeMap<String, String>,
}

impl Facts {
    /// Reads the facts of `doc`.
    pub(crate) fn read(doc: &Value) -> Self {
        let mut facts = Self::default();
        if let Some(schemas) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in schemas {
                let members = std::iter::once(schema).chain(
                    schema
                        .get("allOf")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|member| resolve(doc, member)),
                );
                for member in members {
                    let props = member.get("properties").and_then(Value::as_object);
                    for (prop, prop_schema) in props.into_iter().flatten() {
                        if let Some(bounds) = Bounds::of(prop_schema) {
                            facts
                                .property_bounds
                                .insert((name.clone(), prop.clone()), bounds);
                        }
                    }
                }
            }
        }
        let paths = doc.get("paths").and_then(Value::as_object);
        for item in paths.into_iter().flat_map(|p| p.values()) {
            let shared = item.get("parameters").and_then(Value::as_array);
            for method in crate::spec::METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                let own = op.get("parameters").and_then(Value::as_array);
                for parameter in shared.into_iter().chain(own).flatten() {
                    let parameter = resolve(doc, parameter);
                    let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    let ident = snake_case(name);
                    facts.parameter_names.insert(ident.clone(), name.to_owned());
                    if let Some(bounds) = parameter.get("schema").and_then(Bounds::of) {
                        facts
                            .parameter_bounds
                            .insert((snake_case(id), ident), bounds);
                    }
                }
            }
        }
        facts
    }

    /// The spec's name of the parameter progenitor calls `ident`.
    pub(crate) fn parameter_name(&self, ident: &str) -> String {
        self.parameter_names
            .get(ident)
            .cloned()
            .unwrap_or_else(|| ident.to_owned())
    }
}

/// `value`, or what its `$ref` names inside `doc`.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| doc.pointer(pointer))
        .unwrap_or(value)
}
