//! Serde round trips of every schema of both specs through the generated Rust types.
//!
//! The payloads are the examples written in the specs: each example is walked together with
//! its schema, and every value that sits where a named schema is referenced becomes a payload
//! for that schema's Rust type. A schema no example reaches fails the coverage test, so a new
//! schema needs an example (which its documentation wants anyway). Each payload must decode,
//! re-encode without losing or changing a field, and decode again to an equal value.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub(crate) type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    value: &Value,
) -> Result<Value, String> {
    let decoded: T = serde_json::from_value(value.clone()).map_err(|e| format!("decode: {e}"))?;
    let encoded = serde_json::to_value(&decoded).map_err(|e| format!("encode: {e}"))?;
    let again: T =
        serde_json::from_value(encoded.clone()).map_err(|e| format!("decode again: {e}"))?;
    if again != decoded {
        return Err(format!("decoded {decoded:?}, then {again:?}"));
    }
    Ok(encoded)
}

macro_rules! types_of {
    ($krate:ident: $($name:ident),* $(,)?) => {
        BTreeMap::from([$((stringify!($name), round_trip::<$krate::types::$name> as RoundTrip)),*])
    };
}

pub(crate) fn voice_types() -> BTreeMap<&'static str, RoundTrip> {
    types_of!(voice_ai_client:
        Action, ActionKind, ActionRequest, ActionType, Agent, AgentName, AgentWithActions,
        AppointmentBookingParameters, BusinessName, CallLog, CallTransferParameters,
        CreateAgentRequest, CustomActionApiDetails, CustomActionHeader, CustomActionParameter,
        CustomActionParameters, DataExtractionParameters, ErrorMessage, ErrorResponse,
        ExecutedCallAction, Interval, KnowledgeBaseParameters, ListAgentsResponse,
        ListCallLogsResponse, ListVoicesResponse, PatchAgentRequest, PatienceLevel,
        PostCallNotification, PostCallNotificationInput, SmsParameters, Timezone, Translation,
        TranslationInput, Voice, VoiceAiLanguage, WelcomeMessage, WorkflowTriggerParameters,
        WorkingHours,
    )
}

pub(crate) fn conversation_types() -> BTreeMap<&'static str, RoundTrip> {
    types_of!(conversation_ai_client:
        Action, ActionKind, ActionRef, ActionResponse, ActionType, AdvancedFollowupDetails, Agent,
        AgentGoal, AgentListItem, AgentMode, AppointmentBookingDetails, Channel,
        CreateActionRequest, CreateAgentRequest, DelayUnit, DeleteActionResponse,
        DeleteAgentResponse, DeletedAction, ErrorMessage, ErrorResponse, FollowupSequence,
        FollowupSettings, GenerationDetails, GenerationSource, HumanHandOverDetails, Interval,
        ListActionsResponse, SearchAgentsResponse, SleepTimeUnit, StopBotDetails,
        TransferBotDetails, TriggerWorkflowDetails, UpdateAgentRequest,
        UpdateContactFieldDetails, UpdateFollowupSettingsRequest, WaitTimeUnit, WorkingHours,
    )
}

/// A spec as JSON, with the examples found in it grouped by the named schema they exercise.
struct Examples {
    doc: Value,
    by_schema: BTreeMap<String, Vec<Value>>,
}

impl Examples {
    fn of(spec: &str) -> Self {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../openapi")
            .join(spec);
        let text = std::fs::read_to_string(&path).expect("the spec is readable");
        let doc: Value = serde_norway::from_str(&text).expect("the spec is YAML");
        let mut examples = Self {
            doc,
            by_schema: BTreeMap::new(),
        };
        examples.collect();
        examples
    }

    fn schema(&self, name: &str) -> &Value {
        self.doc
            .pointer(&format!("/components/schemas/{name}"))
            .unwrap_or_else(|| panic!("no schema {name}"))
    }

    fn collect(&mut self) {
        let mut found = Vec::new();
        let schemas = self.doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (name, schema) in &schemas {
            if let Some(example) = schema.get("example") {
                found.push((
                    serde_json::json!({ "$ref": format!("#/components/schemas/{name}") }),
                    example.clone(),
                ));
            }
        }
        let paths = self.doc["paths"].as_object().cloned().unwrap_or_default();
        for operation in paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(|item| item.values())
        {
            let bodies = operation
                .pointer("/requestBody/content/application~1json")
                .into_iter()
                .chain(
                    operation["responses"]
                        .as_object()
                        .into_iter()
                        .flat_map(|responses| responses.values())
                        .filter_map(|response| {
                            self.deref(response).pointer("/content/application~1json")
                        }),
                )
                .cloned()
                .collect::<Vec<_>>();
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in parameters.iter().map(|p| self.deref(p)) {
                if let (Some(schema), Some(example)) =
                    (parameter.get("schema"), parameter.get("example"))
                {
                    found.push((schema.clone(), example.clone()));
                }
            }
            for media in bodies {
                let Some(schema) = media.get("schema") else {
                    continue;
                };
                let mut values: Vec<Value> = media.get("example").cloned().into_iter().collect();
                if let Some(named) = media.get("examples").and_then(Value::as_object) {
                    values.extend(named.values().filter_map(|e| e.get("value").cloned()));
                }
                found.extend(values.into_iter().map(|v| (schema.clone(), v)));
            }
        }
        for (schema, value) in found {
            self.walk(&schema, &value, 0);
        }
    }

    /// Follows a response/parameter `$ref` into `components`.
    fn deref<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => self.doc.pointer(r.trim_start_matches('#')).unwrap_or(value),
            None => value,
        }
    }

    fn walk(&mut self, schema: &Value, value: &Value, depth: usize) {
        assert!(depth < 40, "schema nesting too deep");
        if value.is_null() {
            return;
        }
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            let target = self.schema(name).clone();
            let projected = self.project(&target, value);
            self.by_schema
                .entry(name.to_owned())
                .or_default()
                .push(projected);
            self.walk(&target, value, depth + 1);
            return;
        }
        for member in schema
            .get("allOf")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            self.walk(&member, value, depth + 1);
        }
        for variant in schema
            .get("oneOf")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            if self.variant_matches(&variant, value) {
                self.walk(&variant, value, depth + 1);
            }
        }
        if let (Some(props), Some(object)) = (
            schema.get("properties").and_then(Value::as_object),
            value.as_object(),
        ) {
            for (key, sub) in props.clone() {
                if let Some(field) = object.get(&key) {
                    self.walk(&sub, field, depth + 1);
                }
            }
        }
        if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
            let items = items.clone();
            for element in array {
                self.walk(&items, element, depth + 1);
            }
        }
    }

    /// Whether `value` is meant for this `oneOf` variant: its one-value enum (the tag) agrees,
    /// or, for variants without a tag, its JSON type does.
    fn variant_matches(&self, variant: &Value, value: &Value) -> bool {
        let variant = self.deref(variant);
        if let Some(props) = variant.get("properties").and_then(Value::as_object) {
            let tags: Vec<(&String, &Value)> = props
                .iter()
                .filter_map(|(k, p)| match p.get("enum").and_then(Value::as_array) {
                    Some(values) if values.len() == 1 => Some((k, &values[0])),
                    _ => None,
                })
                .collect();
            if !tags.is_empty() {
                return tags
                    .iter()
                    .all(|(k, tag)| value.get(k.as_str()) == Some(tag));
            }
        }
        match variant.get("type").and_then(Value::as_str) {
            Some("string") => value.is_string(),
            Some("array") => value.is_array(),
            Some("object") => value.is_object(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            _ => true,
        }
    }

    /// `value` restricted to the fields `schema` declares (itself, its `allOf` members and its
    /// `oneOf` variants), so that a payload recorded for one part of an `allOf` holds only
    /// that part's fields. Values of schemas that declare no fields are kept whole.
    fn project(&self, schema: &Value, value: &Value) -> Value {
        let mut keys = std::collections::BTreeSet::new();
        self.declared_keys(schema, &mut keys, 0);
        match value.as_object() {
            Some(object) if !keys.is_empty() && schema.get("additionalProperties").is_none() => {
                Value::Object(
                    object
                        .iter()
                        .filter(|(k, _)| keys.contains(k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                )
            }
            _ => value.clone(),
        }
    }

    fn declared_keys(
        &self,
        schema: &Value,
        keys: &mut std::collections::BTreeSet<String>,
        depth: usize,
    ) {
        if depth > 20 {
            return;
        }
        let schema = match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => self.schema(name),
            None => schema,
        };
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            keys.extend(props.keys().cloned());
        }
        for keyword in ["allOf", "oneOf"] {
            for member in schema
                .get(keyword)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.declared_keys(member, keys, depth + 1);
            }
        }
    }
}

/// Every field of `original` is in `encoded` with the same value (nested objects alike).
fn preserved(original: &Value, encoded: &Value) -> Result<(), String> {
    match (original, encoded) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let Some(other) = b.get(key) else {
                    return Err(format!("field `{key}` was dropped"));
                };
                preserved(value, other).map_err(|e| format!("{key}: {e}"))?;
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .try_for_each(|(i, (x, y))| preserved(x, y).map_err(|e| format!("[{i}]: {e}"))),
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
        // chrono writes `…:12Z` for `…:12.000Z`: the same instant.
        (Value::String(a), Value::String(b)) if same_instant(a, b) => Ok(()),
        (a, b) if a == b => Ok(()),
        (a, b) => Err(format!("{a} became {b}")),
    }
}

fn same_instant(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn check_spec(spec: &str, types: &BTreeMap<&'static str, RoundTrip>) {
    let examples = Examples::of(spec);
    let declared: Vec<&str> = examples.doc["components"]["schemas"]
        .as_object()
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let untyped: Vec<&&str> = declared
        .iter()
        .filter(|n| !types.contains_key(**n))
        .collect();
    assert!(
        untyped.is_empty(),
        "{spec}: schemas missing from this test's type table: {untyped:?}"
    );
    let unexercised: Vec<&&str> = declared
        .iter()
        .filter(|n| !examples.by_schema.contains_key(**n))
        .collect();
    assert!(
        unexercised.is_empty(),
        "{spec}: no example in the spec reaches these schemas: {unexercised:?}"
    );

    let mut failures = Vec::new();
    for (name, values) in &examples.by_schema {
        let round_trip = types[name.as_str()];
        for value in values {
            let outcome = round_trip(value).and_then(|encoded| preserved(value, &encoded));
            if let Err(error) = outcome {
                failures.push(format!("{name}: {error}\n    payload: {value}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{spec}: round trips failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_voice_ai_schema_round_trips_its_spec_examples() {
    check_spec("voice-ai.yaml", &voice_types());
}

#[test]
fn every_conversation_ai_schema_round_trips_its_spec_examples() {
    check_spec("conversation-ai.yaml", &conversation_types());
}

/// The `actionParameters` example the spec gives for each Voice AI action type.
fn voice_parameter_examples() -> Vec<(String, Value)> {
    let examples = Examples::of("voice-ai.yaml");
    let variants = examples.schema("ActionKind")["oneOf"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    variants
        .iter()
        .map(|variant| {
            let tag = variant["properties"]["actionType"]["enum"][0]
                .as_str()
                .expect("a tag")
                .to_owned();
            let reference = variant["properties"]["actionParameters"]["$ref"]
                .as_str()
                .expect("a $ref");
            let name = reference.trim_start_matches("#/components/schemas/");
            let example = examples.schema(name).get("example").cloned();
            (
                tag.clone(),
                example.unwrap_or_else(|| panic!("{name} ({tag}) has no example")),
            )
        })
        .collect()
}

#[test]
fn each_voice_ai_action_type_decodes_to_its_own_variant() {
    use voice_ai_client::types::{Action, ActionKind};
    let examples = voice_parameter_examples();
    assert_eq!(examples.len(), 8, "the spec lists the 8 action types");
    for (tag, parameters) in examples {
        let payload = serde_json::json!({
            "id": "6650f41ba8e4b21d9c7f0a2c",
            "name": format!("{tag} action"),
            "actionType": tag,
            "actionParameters": parameters,
        });
        let action: Action = serde_json::from_value(payload.clone()).expect("the action decodes");
        let variant = match &action.kind {
            ActionKind::CallTransfer(_) => "CALL_TRANSFER",
            ActionKind::DataExtraction(_) => "DATA_EXTRACTION",
            ActionKind::InCallDataExtraction(_) => "IN_CALL_DATA_EXTRACTION",
            ActionKind::WorkflowTrigger(_) => "WORKFLOW_TRIGGER",
            ActionKind::Sms(_) => "SMS",
            ActionKind::AppointmentBooking(_) => "APPOINTMENT_BOOKING",
            ActionKind::CustomAction(_) => "CUSTOM_ACTION",
            ActionKind::KnowledgeBase(_) => "KNOWLEDGE_BASE",
            ActionKind::Unknown { .. } => "an action type the client does not know",
            // The enum is non-exhaustive; a variant this test does not name fails the
            // assertion below.
            _ => "a variant this test does not name",
        };
        assert_eq!(variant, tag, "{payload}");
        let encoded = serde_json::to_value(&action).expect("the action encodes");
        assert_eq!(encoded["actionType"], payload["actionType"]);
        preserved(&payload, &encoded).unwrap_or_else(|e| panic!("{tag}: {e}"));
    }
}

#[test]
fn each_conversation_ai_action_type_decodes_to_its_own_variant() {
    use conversation_ai_client::types::{ActionKind, ListActionsResponse};
    let examples = Examples::of("conversation-ai.yaml");
    let list = examples
        .schema("ListActionsResponse")
        .get("example")
        .cloned()
        .expect("ListActionsResponse has an example");
    let decoded: ListActionsResponse =
        serde_json::from_value(list.clone()).expect("the list decodes");
    let mut seen = std::collections::BTreeSet::new();
    for (action, raw) in decoded
        .data
        .iter()
        .zip(list["data"].as_array().expect("a data list"))
    {
        let variant = match &action.kind {
            ActionKind::TriggerWorkflow(_) => "triggerWorkflow",
            ActionKind::UpdateContactField(_) => "updateContactField",
            ActionKind::AppointmentBooking(_) => "appointmentBooking",
            ActionKind::StopBot(_) => "stopBot",
            ActionKind::HumanHandOver(_) => "humanHandOver",
            ActionKind::AdvancedFollowup(_) => "advancedFollowup",
            ActionKind::TransferBot(_) => "transferBot",
            ActionKind::Unknown { .. } => "an action type the client does not know",
            // The enum is non-exhaustive; a variant this test does not name fails the
            // assertion below.
            _ => "a variant this test does not name",
        };
        assert_eq!(Some(variant), raw["type"].as_str(), "{raw}");
        let encoded = serde_json::to_value(action).expect("the action encodes");
        preserved(raw, &encoded).unwrap_or_else(|e| panic!("{variant}: {e}"));
        seen.insert(variant);
    }
    assert_eq!(
        seen.len(),
        7,
        "the example lists one action of each of the 7 types: {seen:?}"
    );
}
