//! Serde glue for fields that can be absent, `null` or a value.
//!
//! The generated clients represent an optional, nullable field as `Option<Option<T>>`:
//! `None` leaves the field out, `Some(None)` sends `null` (Conversation AI reads a `null`
//! `sleepTime` as "sleep indefinitely"), `Some(Some(v))` sends `v`. Fields use it with
//! `#[serde(default, skip_serializing_if = "Option::is_none", with = "…::nullable")]`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes `Some(None)` as `null` and `Some(Some(v))` as `v` (`None` is skipped by the field).
pub fn serialize<T: Serialize, S: Serializer>(
    value: &Option<Option<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(inner) => inner.serialize(serializer),
        None => serializer.serialize_none(),
    }
}

/// Reads a present field: `null` as `Some(None)`, a value as `Some(Some(v))` (an absent field
/// never gets here and takes the field's default, `None`).
pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Settings {
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super")]
        sleep_time: Option<Option<u32>>,
    }

    #[test]
    fn absent_null_and_value_round_trip_as_three_states() {
        for (json, value) in [
            ("{}", None),
            (r#"{"sleep_time":null}"#, Some(None)),
            (r#"{"sleep_time":5}"#, Some(Some(5))),
        ] {
            let decoded: Settings = serde_json::from_str(json).expect("decodes");
            assert_eq!(decoded.sleep_time, value, "{json}");
            assert_eq!(serde_json::to_string(&decoded).expect("encodes"), json);
        }
    }
}
