//! Checks on SDL and documents: that a schema subset matches the full
//! schema, and that a document (e.g. a generated batch) is valid against a
//! schema. Used by tests (`tests/integration/schema_subset.rs`, `tests/integration/railway_batch.rs`)
//! and reusable on the emulator's exported SDL.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::types::{
    DocumentOperations, OperationType, Selection, SelectionSet, TypeKind, TypeSystemDefinition,
};
use async_graphql_value::Value;

/// A schema reduced to what the checks compare: types by name.
#[derive(Debug, Default)]
pub struct SchemaIndex {
    types: BTreeMap<String, TypeShape>,
    roots: [Option<String>; 3],
}

/// One named type.
#[derive(Debug, Clone, PartialEq)]
enum TypeShape {
    Scalar,
    /// Object or interface: field → (arguments name → (type, default), type).
    Object(BTreeMap<String, FieldShape>),
    Union(BTreeSet<String>),
    Enum(BTreeSet<String>),
    /// Input field → (type, default).
    Input(BTreeMap<String, (String, Option<String>)>),
}

#[derive(Debug, Clone, PartialEq)]
struct FieldShape {
    arguments: BTreeMap<String, (String, Option<String>)>,
    ty: String,
}

impl TypeShape {
    fn kind(&self) -> &'static str {
        match self {
            TypeShape::Scalar => "scalar",
            TypeShape::Object(_) => "object",
            TypeShape::Union(_) => "union",
            TypeShape::Enum(_) => "enum",
            TypeShape::Input(_) => "input",
        }
    }
}

impl SchemaIndex {
    /// Parses SDL.
    pub fn parse(sdl: &str) -> Result<SchemaIndex, String> {
        let document =
            async_graphql::parser::parse_schema(sdl).map_err(|error| error.to_string())?;
        let mut index = SchemaIndex::default();
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    index.roots = [
                        schema.query.map(|name| name.node.to_string()),
                        schema.mutation.map(|name| name.node.to_string()),
                        schema.subscription.map(|name| name.node.to_string()),
                    ];
                }
                TypeSystemDefinition::Type(definition) => {
                    let definition = definition.node;
                    let input_values = |values: &[async_graphql::Positioned<
                        async_graphql::parser::types::InputValueDefinition,
                    >]| {
                        values
                            .iter()
                            .map(|value| {
                                (
                                    value.node.name.node.to_string(),
                                    (
                                        value.node.ty.node.to_string(),
                                        value
                                            .node
                                            .default_value
                                            .as_ref()
                                            .map(|v| v.node.to_string()),
                                    ),
                                )
                            })
                            .collect::<BTreeMap<_, _>>()
                    };
                    let fields = |fields: &[async_graphql::Positioned<
                        async_graphql::parser::types::FieldDefinition,
                    >]| {
                        fields
                            .iter()
                            .map(|field| {
                                (
                                    field.node.name.node.to_string(),
                                    FieldShape {
                                        arguments: input_values(&field.node.arguments),
                                        ty: field.node.ty.node.to_string(),
                                    },
                                )
                            })
                            .collect::<BTreeMap<_, _>>()
                    };
                    let shape = match &definition.kind {
                        TypeKind::Scalar => TypeShape::Scalar,
                        TypeKind::Object(object) => TypeShape::Object(fields(&object.fields)),
                        TypeKind::Interface(interface) => {
                            TypeShape::Object(fields(&interface.fields))
                        }
                        TypeKind::Union(union) => TypeShape::Union(
                            union
                                .members
                                .iter()
                                .map(|member| member.node.to_string())
                                .collect(),
                        ),
                        TypeKind::Enum(enumeration) => TypeShape::Enum(
                            enumeration
                                .values
                                .iter()
                                .map(|value| value.node.value.node.to_string())
                                .collect(),
                        ),
                        TypeKind::InputObject(input) => {
                            TypeShape::Input(input_values(&input.fields))
                        }
                    };
                    index.types.insert(definition.name.node.to_string(), shape);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Ok(index)
    }

    fn root(&self, operation: OperationType) -> String {
        let (slot, default) = match operation {
            OperationType::Query => (0, "Query"),
            OperationType::Mutation => (1, "Mutation"),
            OperationType::Subscription => (2, "Subscription"),
        };
        self.roots[slot]
            .clone()
            .unwrap_or_else(|| default.to_owned())
    }
}

/// Every way `subset` differs from `full`: a type, field, argument, enum
/// value or input field that is missing from the full schema or has another
/// kind, type, nullability or default there. Empty when `subset` is a true
/// subset. Errors when either SDL does not parse.
pub fn subset_violations(subset_sdl: &str, full_sdl: &str) -> Result<Vec<String>, String> {
    let subset = SchemaIndex::parse(subset_sdl)
        .map_err(|error| format!("the subset does not parse: {error}"))?;
    let full = SchemaIndex::parse(full_sdl)
        .map_err(|error| format!("the full schema does not parse: {error}"))?;
    let mut problems = Vec::new();
    for (name, shape) in &subset.types {
        let Some(full_shape) = full.types.get(name) else {
            problems.push(format!("type `{name}` is not in the full schema"));
            continue;
        };
        if shape.kind() != full_shape.kind() {
            problems.push(format!(
                "type `{name}` is a {} in the subset but a {} in the full schema",
                shape.kind(),
                full_shape.kind()
            ));
            continue;
        }
        match (shape, full_shape) {
            (TypeShape::Object(fields), TypeShape::Object(full_fields)) => {
                for (field, shape) in fields {
                    let Some(full_field) = full_fields.get(field) else {
                        problems.push(format!("field `{name}.{field}` is not in the full schema"));
                        continue;
                    };
                    if shape.ty != full_field.ty {
                        problems.push(format!(
                            "field `{name}.{field}` has type `{}` but `{}` in the full schema",
                            shape.ty, full_field.ty
                        ));
                    }
                    compare_values(
                        &format!("argument of `{name}.{field}`"),
                        &shape.arguments,
                        &full_field.arguments,
                        true,
                        &mut problems,
                    );
                }
            }
            (TypeShape::Input(fields), TypeShape::Input(full_fields)) => {
                compare_values(
                    &format!("input field of `{name}`"),
                    fields,
                    full_fields,
                    true,
                    &mut problems,
                );
            }
            (TypeShape::Enum(values), TypeShape::Enum(full_values)) => {
                for value in values.difference(full_values) {
                    problems.push(format!(
                        "enum value `{name}.{value}` is not in the full schema"
                    ));
                }
                for value in full_values.difference(values) {
                    problems.push(format!(
                        "enum `{name}` lacks value `{value}` of the full schema (responses may carry it)"
                    ));
                }
            }
            (TypeShape::Union(members), TypeShape::Union(full_members)) => {
                for member in members.difference(full_members) {
                    problems.push(format!(
                        "union `{name}` member `{member}` is not in the full schema"
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(problems)
}

/// Compares argument or input-field lists. Every subset entry must exist
/// with the same type and default; when `require_all_required` is set, a
/// required (non-null, no default) entry of the full schema missing from the
/// subset is a problem too: requests built from the subset would lack it.
fn compare_values(
    what: &str,
    subset: &BTreeMap<String, (String, Option<String>)>,
    full: &BTreeMap<String, (String, Option<String>)>,
    require_all_required: bool,
    problems: &mut Vec<String>,
) {
    for (name, (ty, default)) in subset {
        match full.get(name) {
            None => problems.push(format!("{what} `{name}` is not in the full schema")),
            Some((full_ty, full_default)) => {
                if ty != full_ty {
                    problems.push(format!(
                        "{what} `{name}` has type `{ty}` but `{full_ty}` in the full schema"
                    ));
                }
                if default != full_default {
                    problems.push(format!(
                        "{what} `{name}` has default `{}` but `{}` in the full schema",
                        default.as_deref().unwrap_or("none"),
                        full_default.as_deref().unwrap_or("none")
                    ));
                }
            }
        }
    }
    if require_all_required {
        for (name, (ty, default)) in full {
            if ty.ends_with('!') && default.is_none() && !subset.contains_key(name) {
                problems.push(format!(
                    "required {what} `{name}` is missing from the subset"
                ));
            }
        }
    }
}

/// Validates an executable document against a schema: operations on
/// existing roots, fields that exist, known arguments, required arguments
/// present, variables declared, used and of a type the argument accepts,
/// leaf fields without and object fields with selections. Returns the
/// problems found (empty when valid).
pub fn validate_document(schema: &SchemaIndex, document: &str) -> Vec<String> {
    let document = match async_graphql::parser::parse_query(document) {
        Ok(document) => document,
        Err(error) => return vec![format!("the document does not parse: {error}")],
    };
    let mut problems = Vec::new();
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(operation) => vec![&operation.node],
        DocumentOperations::Multiple(operations) => operations
            .values()
            .map(|operation| &operation.node)
            .collect(),
    };
    for operation in operations {
        let root = schema.root(operation.ty);
        let declared: BTreeMap<String, (String, bool)> = operation
            .variable_definitions
            .iter()
            .map(|definition| {
                (
                    definition.node.name.node.to_string(),
                    (
                        definition.node.var_type.node.to_string(),
                        definition.node.default_value.is_some(),
                    ),
                )
            })
            .collect();
        let mut used = BTreeSet::new();
        let mut checker = Checker {
            schema,
            declared: &declared,
            used: &mut used,
            problems: &mut problems,
        };
        checker.selection_set(&root, &operation.selection_set.node, &root);
        for name in declared.keys() {
            if !used.contains(name) {
                problems.push(format!("variable `${name}` is declared but not used"));
            }
        }
    }
    problems
}

struct Checker<'a> {
    schema: &'a SchemaIndex,
    declared: &'a BTreeMap<String, (String, bool)>,
    used: &'a mut BTreeSet<String>,
    problems: &'a mut Vec<String>,
}

/// The named type inside `[X!]!` etc.
fn named(ty: &str) -> &str {
    ty.trim_matches(|c| c == '[' || c == ']' || c == '!')
}

impl Checker<'_> {
    fn selection_set(&mut self, type_name: &str, set: &SelectionSet, path: &str) {
        let Some(TypeShape::Object(fields)) = self.schema.types.get(type_name) else {
            self.problems.push(format!(
                "`{path}` selects fields on `{type_name}`, which has none"
            ));
            return;
        };
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    if name == "__typename" {
                        continue;
                    }
                    let here = format!("{path}.{name}");
                    let Some(shape) = fields.get(name) else {
                        self.problems.push(format!(
                            "field `{type_name}.{name}` does not exist (at `{here}`)"
                        ));
                        continue;
                    };
                    for (argument, value) in &field.arguments {
                        match shape.arguments.get(argument.node.as_str()) {
                            None => self
                                .problems
                                .push(format!("`{here}` has no argument `{}`", argument.node)),
                            Some((ty, _)) => {
                                self.value(&value.node, ty, &format!("{here}({})", argument.node))
                            }
                        }
                    }
                    for (argument, (ty, default)) in &shape.arguments {
                        if ty.ends_with('!')
                            && default.is_none()
                            && !field
                                .arguments
                                .iter()
                                .any(|(given, _)| given.node.as_str() == argument)
                        {
                            self.problems
                                .push(format!("`{here}` lacks required argument `{argument}`"));
                        }
                    }
                    let inner = named(&shape.ty);
                    let is_leaf = matches!(
                        self.schema.types.get(inner),
                        None | Some(TypeShape::Scalar | TypeShape::Enum(_))
                    );
                    let has_selection = !field.selection_set.node.items.is_empty();
                    if is_leaf && has_selection {
                        self.problems.push(format!(
                            "`{here}` is a leaf of type `{inner}` and takes no selection"
                        ));
                    } else if !is_leaf && !has_selection {
                        self.problems
                            .push(format!("`{here}` of type `{inner}` needs a selection"));
                    } else if !is_leaf {
                        self.selection_set(inner, &field.selection_set.node, &here);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name.to_owned(), |condition| {
                            condition.node.on.node.to_string()
                        });
                    self.selection_set(&on, &fragment.node.selection_set.node, path);
                }
                Selection::FragmentSpread(spread) => {
                    self.problems.push(format!(
                        "`{path}` spreads fragment `{}`, which this check does not follow",
                        spread.node.fragment_name.node
                    ));
                }
            }
        }
    }

    /// Checks a value against the type `expected` (as written, e.g. `[String!]!`).
    fn value(&mut self, value: &Value, expected: &str, at: &str) {
        match value {
            Value::Variable(name) => {
                self.used.insert(name.to_string());
                match self.declared.get(name.as_str()) {
                    None => self
                        .problems
                        .push(format!("`{at}` uses undeclared variable `${name}`")),
                    Some((declared, has_default)) => {
                        // A variable fits when it is the same type, or the
                        // nullable form of a non-null argument with a default.
                        let fits = declared == expected
                            || (declared.ends_with('!')
                                && declared.trim_end_matches('!') == expected)
                            || (*has_default && format!("{declared}!") == expected);
                        if !fits {
                            self.problems.push(format!(
                                "`{at}` expects `{expected}` but variable `${name}` is `{declared}`"
                            ));
                        }
                    }
                }
            }
            Value::Null => {
                if expected.ends_with('!') {
                    self.problems
                        .push(format!("`{at}` is non-null but given `null`"));
                }
            }
            Value::List(items) => {
                let inner = expected.trim_end_matches('!');
                match inner
                    .strip_prefix('[')
                    .and_then(|rest| rest.strip_suffix(']'))
                {
                    Some(item_type) => {
                        for item in items {
                            self.value(item, item_type, at);
                        }
                    }
                    None => self
                        .problems
                        .push(format!("`{at}` expects `{expected}` but is given a list")),
                }
            }
            Value::Object(fields) => {
                let name = named(expected);
                match self.schema.types.get(name) {
                    Some(TypeShape::Input(input)) => {
                        let input = input.clone();
                        for (field, value) in fields {
                            match input.get(field.as_str()) {
                                None => self
                                    .problems
                                    .push(format!("`{at}`: input `{name}` has no field `{field}`")),
                                Some((ty, _)) => self.value(value, ty, &format!("{at}.{field}")),
                            }
                        }
                    }
                    Some(TypeShape::Scalar) => {}
                    _ => self.problems.push(format!(
                        "`{at}` expects `{expected}` but is given an object"
                    )),
                }
            }
            Value::Enum(variant) => {
                let name = named(expected);
                match self.schema.types.get(name) {
                    Some(TypeShape::Enum(values)) if values.contains(variant.as_str()) => {}
                    _ => self.problems.push(format!(
                        "`{at}` expects `{expected}` but is given `{variant}`"
                    )),
                }
            }
            Value::Boolean(_) => self.scalar(expected, &["Boolean"], at, "a boolean"),
            Value::Number(_) => self.scalar(expected, &["Int", "Float"], at, "a number"),
            Value::String(_) => self.scalar(expected, &["String", "ID"], at, "a string"),
            Value::Binary(_) => {}
        }
    }

    fn scalar(&mut self, expected: &str, accepted: &[&str], at: &str, what: &str) {
        let name = named(expected);
        let custom = matches!(self.schema.types.get(name), Some(TypeShape::Scalar));
        if !accepted.contains(&name) && !custom {
            self.problems
                .push(format!("`{at}` expects `{expected}` but is given {what}"));
        }
    }
}
