//! Railway's custom scalars. `EnvironmentConfig`, `EnvironmentVariables`
//! and `DeploymentMeta` are JSON; `DateTime` is an RFC 3339 string.

use std::sync::Arc;

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

use crate::emulator::clock::{parse_rfc3339, rfc3339};

/// JSON as a GraphQL value, converted in one pass from the borrowed tree
/// (configs are read on every whole-project read; going through a clone and
/// serde cost three copies of each).
fn to_gql(json: &serde_json::Value) -> Value {
    use serde_json::Value as Json;
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => Value::Number(n.clone()),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::List(items.iter().map(to_gql).collect()),
        Json::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (async_graphql::Name::new(k), to_gql(v)))
                .collect(),
        ),
    }
}

macro_rules! json_scalar {
    ($(#[$doc:meta])* $name:ident, $gql:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(pub serde_json::Value);

        #[Scalar(name = $gql)]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                value.into_json().map($name).map_err(|e| InputValueError::custom(e.to_string()))
            }

            fn to_value(&self) -> Value {
                to_gql(&self.0)
            }
        }
    };
}

/// A whole environment's desired state (`EnvironmentConfig`); shared, so a
/// read hands out the stored config without copying it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentConfig(pub Arc<serde_json::Value>);

impl EnvironmentConfig {
    /// A config value of its own.
    pub fn new(json: serde_json::Value) -> Self {
        EnvironmentConfig(Arc::new(json))
    }
}

#[Scalar(name = "EnvironmentConfig")]
impl ScalarType for EnvironmentConfig {
    fn parse(value: Value) -> InputValueResult<Self> {
        value
            .into_json()
            .map(EnvironmentConfig::new)
            .map_err(|e| InputValueError::custom(e.to_string()))
    }

    fn to_value(&self) -> Value {
        to_gql(&self.0)
    }
}

json_scalar!(
    /// A map of variable name to value (`EnvironmentVariables`).
    EnvironmentVariables,
    "EnvironmentVariables"
);
json_scalar!(
    /// What a deployment was made from (`DeploymentMeta`).
    DeploymentMeta,
    "DeploymentMeta"
);
json_scalar!(
    /// Untyped JSON (`JSON`).
    Json,
    "JSON"
);

/// A point in time (`DateTime`), epoch milliseconds inside, RFC 3339 on
/// the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub i64);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => parse_rfc3339(s).map(DateTime).ok_or_else(|| {
                InputValueError::custom(format!("`{s}` is not an RFC 3339 date-time"))
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(rfc3339(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_converts_as_serde_would() {
        let json = serde_json::json!({
            "services": {"b": {"variables": {"X": {"value": "1"}}}, "a": [1, 2.5, -3, true, null]},
            "sharedVariables": {},
            "text": "héllo \"quoted\"",
        });
        let direct = to_gql(&json);
        assert_eq!(direct, Value::from_json(json.clone()).expect("converts"));
        assert_eq!(
            direct.into_json().expect("back"),
            json,
            "keys keep their order"
        );
    }
}
