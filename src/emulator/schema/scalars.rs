//! Railway's custom scalars. `EnvironmentConfig`, `EnvironmentVariables`
//! and `DeploymentMeta` are JSON; `DateTime` is an RFC 3339 string.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

use crate::emulator::clock::{parse_rfc3339, rfc3339};

fn to_gql(json: &serde_json::Value) -> Value {
    Value::from_json(json.clone()).unwrap_or(Value::Null)
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

json_scalar!(
    /// A whole environment's desired state (`EnvironmentConfig`).
    EnvironmentConfig,
    "EnvironmentConfig"
);
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
