//! Batching: independent operations of one kind sent aliased in one request
//! (`b0: serviceCreate(input: $b0_input) { id name } b1: …`).
//!
//! cynic builds one operation per item; it cannot express a dynamic number
//! of aliases. So the batch takes the document cynic generated for the
//! fragment (checked against the schema at compile time), parses it, and
//! repeats its root field under aliases with the variables renamed per item.
//! Variables stay typed: each item's cynic variables are serialised by serde
//! under the renamed names.

use std::fmt::Write as _;

use async_graphql::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql_value::{Name, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::{Client, Effect, Envelope, decode_data};
use super::error::{GraphQlErrorBody, RailwayError};

/// What happened to one item of a failed batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Railway reported an error for this item: it was not applied.
    Failed,
    /// The request went out but its result is unknown: another item's error
    /// nulled the whole response, or the connection failed after sending,
    /// or a 5xx came back. Never resend it as it stands: read the project
    /// back (names are identity) and continue from what exists.
    Unknown,
    /// The item was never sent (an earlier chunk failed as a whole).
    NotSent,
}

/// The failure of one batch item.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{error}")]
pub struct BatchError {
    /// Whether the item may have been applied.
    pub outcome: Outcome,
    /// Why.
    pub error: RailwayError,
}

/// One operation's document, split into what a batch repeats.
#[derive(Clone, Debug)]
pub struct Template {
    kind: OperationType,
    /// `(name, type, default)` of each variable, as written.
    variables: Vec<(String, String, Option<String>)>,
    /// The root field's response key (alias or name).
    response_key: String,
    document: ExecutableDocument,
}

impl Template {
    /// Parses a document with exactly one operation whose selection set is
    /// exactly one root field (what a cynic root fragment with one field
    /// produces).
    pub fn parse(query: &str) -> Result<Template, RailwayError> {
        let invalid = |message: String| RailwayError::Invalid {
            message,
            code: None,
        };
        let document = async_graphql::parser::parse_query(query)
            .map_err(|error| invalid(format!("cannot parse the operation to batch: {error}")))?;
        let operation = match &document.operations {
            DocumentOperations::Single(operation) => &operation.node,
            DocumentOperations::Multiple(operations) if operations.len() == 1 => {
                &operations
                    .values()
                    .next()
                    .ok_or_else(|| invalid("no operation".into()))?
                    .node
            }
            DocumentOperations::Multiple(_) => {
                return Err(invalid("a batched document must hold one operation".into()));
            }
        };
        let [root] = operation.selection_set.node.items.as_slice() else {
            return Err(invalid(
                "a batched operation must select exactly one root field".into(),
            ));
        };
        let Selection::Field(field) = &root.node else {
            return Err(invalid("a batched operation's root must be a field".into()));
        };
        let variables = operation
            .variable_definitions
            .iter()
            .map(|definition| {
                let definition = &definition.node;
                (
                    definition.name.node.to_string(),
                    definition.var_type.node.to_string(),
                    definition
                        .default_value
                        .as_ref()
                        .map(|value| value.node.to_string()),
                )
            })
            .collect();
        Ok(Template {
            kind: operation.ty,
            variables,
            response_key: field.node.response_key().node.to_string(),
            document: document.clone(),
        })
    }

    /// Whether Railway may act on this operation.
    pub fn effect(&self) -> Effect {
        match self.kind {
            OperationType::Mutation => Effect::Write,
            _ => Effect::Read,
        }
    }

    fn root_field(&self) -> Option<&async_graphql::parser::types::Field> {
        let operation = self.document.operations.iter().next()?.1;
        match &operation.node.selection_set.node.items.first()?.node {
            Selection::Field(field) => Some(&field.node),
            _ => None,
        }
    }

    /// The document for `count` items: aliases `b0…`, variables `$b0_…`.
    pub fn render(&self, count: usize) -> String {
        let keyword = match self.kind {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        };
        let mut out = format!("{keyword} Batch");
        let mut definitions = Vec::new();
        for item in 0..count {
            for (name, ty, default) in &self.variables {
                let mut definition = format!("${}: {ty}", alias_variable(item, name));
                if let Some(default) = default {
                    let _ = write!(definition, " = {default}");
                }
                definitions.push(definition);
            }
        }
        if !definitions.is_empty() {
            let _ = write!(out, "({})", definitions.join(", "));
        }
        out.push_str(" {\n");
        if let Some(field) = self.root_field() {
            for item in 0..count {
                let rename = |name: &str| alias_variable(item, name);
                let _ = write!(out, "  {}: {}", alias(item), field.name.node);
                print_arguments(&field.arguments, &rename, &mut out);
                print_selection_set(&field.selection_set.node, &rename, 2, &mut out);
                out.push('\n');
            }
        }
        out.push_str("}\n");
        out
    }

    /// The variables of one request: each item's serialised variables
    /// under the renamed names (undeclared ones dropped).
    fn variables_for<V: Serialize>(
        &self,
        items: &[&V],
    ) -> Result<serde_json::Map<String, serde_json::Value>, RailwayError> {
        let mut merged = serde_json::Map::new();
        for (offset, variables) in items.iter().enumerate() {
            let value = serde_json::to_value(variables).map_err(|error| RailwayError::Invalid {
                message: format!("cannot serialise the batch variables: {error}"),
                code: None,
            })?;
            let serde_json::Value::Object(map) = value else {
                continue;
            };
            for (name, value) in map {
                if self
                    .variables
                    .iter()
                    .any(|(declared, _, _)| *declared == name)
                {
                    merged.insert(alias_variable(offset, &name), value);
                }
            }
        }
        Ok(merged)
    }
}

/// Alias of item `index` in a batch document.
pub fn alias(index: usize) -> String {
    format!("b{index}")
}

fn alias_variable(index: usize, name: &str) -> String {
    format!("b{index}_{name}")
}

fn print_value(value: &Value, rename: &dyn Fn(&str) -> String) -> String {
    match value {
        Value::Variable(name) => format!("${}", rename(name)),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|item| print_value(item, rename)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(name, value)| format!("{name}: {}", print_value(value, rename)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        other => other.to_string(),
    }
}

fn print_arguments(
    arguments: &[(Positioned<Name>, Positioned<Value>)],
    rename: &dyn Fn(&str) -> String,
    out: &mut String,
) {
    if arguments.is_empty() {
        return;
    }
    let printed: Vec<String> = arguments
        .iter()
        .map(|(name, value)| format!("{}: {}", name.node, print_value(&value.node, rename)))
        .collect();
    let _ = write!(out, "({})", printed.join(", "));
}

fn print_selection_set(
    set: &SelectionSet,
    rename: &dyn Fn(&str) -> String,
    depth: usize,
    out: &mut String,
) {
    if set.items.is_empty() {
        return;
    }
    out.push_str(" {\n");
    for item in &set.items {
        out.push_str(&"  ".repeat(depth));
        match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                if let Some(alias) = &field.alias {
                    let _ = write!(out, "{}: ", alias.node);
                }
                out.push_str(&field.name.node);
                print_arguments(&field.arguments, rename, out);
                print_selection_set(&field.selection_set.node, rename, depth + 1, out);
            }
            Selection::InlineFragment(fragment) => {
                out.push_str("...");
                if let Some(condition) = &fragment.node.type_condition {
                    let _ = write!(out, " on {}", condition.node.on.node);
                }
                print_selection_set(&fragment.node.selection_set.node, rename, depth + 1, out);
            }
            Selection::FragmentSpread(spread) => {
                // cynic inlines fragments; a spread here would need its
                // definition copied too, which batching does not do.
                let _ = write!(out, "...{}", spread.node.fragment_name.node);
            }
        }
        out.push('\n');
    }
    out.push_str(&"  ".repeat(depth.saturating_sub(1)));
    out.push('}');
}

impl Client {
    /// Sends `operations` (all built from the same cynic fragment) aliased,
    /// `batch_size` per request, and returns one result per operation in
    /// order. Mutations are retried only where a write is safe to repeat.
    ///
    /// GraphQL nulls a whole response when one non-null root field fails,
    /// so after a failure the other items of that request come back as
    /// [`Outcome::Unknown`]: re-read the project to learn what was applied.
    pub async fn batch<F, V>(
        &self,
        operations: Vec<cynic::Operation<F, V>>,
    ) -> Result<Vec<Result<F, BatchError>>, RailwayError>
    where
        F: DeserializeOwned,
        V: Serialize,
    {
        let Some(first) = operations.first() else {
            return Ok(Vec::new());
        };
        let template = Template::parse(&first.query)?;
        let chunk_size = self.options().batch_size.max(1);
        let document_for = |count: usize| template.render(count);
        let mut results: Vec<Result<F, BatchError>> = Vec::with_capacity(operations.len());
        let mut stop: Option<RailwayError> = None;
        for chunk in operations.chunks(chunk_size) {
            if let Some(error) = &stop {
                results.extend(chunk.iter().map(|_| {
                    Err(BatchError {
                        outcome: Outcome::NotSent,
                        error: error.clone(),
                    })
                }));
                continue;
            }
            let variables: Vec<&V> = chunk.iter().map(|operation| &operation.variables).collect();
            let merged = template.variables_for(&variables)?;
            let document = document_for(chunk.len());
            match self
                .execute(&document, &merged, Some("Batch"), template.effect())
                .await
            {
                Ok(envelope) => match chunk_failure(&envelope) {
                    // An error that names no item (bad token, invalid
                    // document) failed the request as a whole.
                    Some(error) => {
                        results.extend(chunk.iter().map(|_| {
                            Err(BatchError {
                                outcome: Outcome::Failed,
                                error: error.clone(),
                            })
                        }));
                        stop = Some(error);
                    }
                    None => results.extend(split_envelope(&template, envelope, chunk.len())),
                },
                Err(error) => {
                    // A write whose request may have reached Railway (a
                    // reset, a timeout, a 5xx) may have been carried out.
                    let outcome = match template.effect() {
                        Effect::Write if error.may_have_happened() => Outcome::Unknown,
                        _ => Outcome::Failed,
                    };
                    results.extend(chunk.iter().map(|_| {
                        Err(BatchError {
                            outcome,
                            error: error.clone(),
                        })
                    }));
                    stop = Some(error);
                }
            }
        }
        Ok(results)
    }
}

/// The error of a response that failed as a whole: no data, and no error
/// that points at an item.
fn chunk_failure(envelope: &Envelope) -> Option<RailwayError> {
    if envelope.data.as_ref().is_some_and(|data| !data.is_null()) {
        return None;
    }
    let errors = envelope.errors.as_ref()?;
    let names_an_item = errors.iter().any(|error| {
        error
            .path
            .as_ref()
            .and_then(|path| path.first())
            .and_then(serde_json::Value::as_str)
            .is_some_and(|key| key.starts_with('b'))
    });
    (!names_an_item).then(|| errors.first().map(GraphQlErrorBody::classify))?
}

/// Splits an aliased response into per-item results.
fn split_envelope<F: DeserializeOwned>(
    template: &Template,
    envelope: Envelope,
    count: usize,
) -> Vec<Result<F, BatchError>> {
    let errors = envelope.errors.unwrap_or_default();
    let mut data = match envelope.data {
        Some(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    (0..count)
        .map(|index| {
            let key = alias(index);
            let own_error = errors.iter().find(|error| {
                error
                    .path
                    .as_ref()
                    .and_then(|path| path.first())
                    .and_then(serde_json::Value::as_str)
                    == Some(key.as_str())
            });
            if let Some(error) = own_error {
                return Err(BatchError {
                    outcome: Outcome::Failed,
                    error: error.classify(),
                });
            }
            match data.remove(&key) {
                Some(value) if !value.is_null() => {
                    let mut wrapped = serde_json::Map::new();
                    wrapped.insert(template.response_key.clone(), value);
                    decode_data(Some(serde_json::Value::Object(wrapped))).map_err(|error| {
                        BatchError {
                            outcome: Outcome::Unknown,
                            error,
                        }
                    })
                }
                _ => Err(BatchError {
                    outcome: Outcome::Unknown,
                    error: errors.first().map_or_else(
                        || RailwayError::Server {
                            message: format!("no result for batch item `{key}`"),
                            trace_id: None,
                        },
                        |error| error.classify(),
                    ),
                }),
            }
        })
        .collect()
}
