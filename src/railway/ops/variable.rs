//! Variables: read unrendered, upsert a collection, delete one.

use crate::railway::schema::{VariableMap, schema};

/// Variables of [`VariablesQuery`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct VariablesVariables {
    /// The project.
    pub project_id: String,
    /// The environment.
    pub environment_id: String,
    /// The service; `None` reads the environment's shared variables.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
}

/// `variables(…, unrendered: true)`: values as written, references such as
/// `${{Postgres.DATABASE_URL}}` left unexpanded — what Mirage diffs against.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "VariablesVariables")]
pub struct VariablesQuery {
    /// Name → value (secret: `Debug` prints names only).
    #[arguments(projectId: $project_id, environmentId: $environment_id, serviceId: $service_id, unrendered: true)]
    pub variables: VariableMap,
}

/// Input of `variableCollectionUpsert`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct VariableCollectionUpsertInput {
    /// The project.
    pub project_id: String,
    /// The environment.
    pub environment_id: String,
    /// The service; `None` writes shared variables.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// Name → value.
    pub variables: VariableMap,
    /// Delete every variable not in `variables`.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub replace: Option<bool>,
    /// Do not redeploy the affected services.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub skip_deploys: Option<bool>,
}

/// Variables of [`VariableCollectionUpsert`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct VariableCollectionUpsertVariables {
    /// The write.
    pub input: VariableCollectionUpsertInput,
}

/// `variableCollectionUpsert`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(
    graphql_type = "Mutation",
    variables = "VariableCollectionUpsertVariables"
)]
pub struct VariableCollectionUpsert {
    /// Always true on success.
    #[arguments(input: $input)]
    pub variable_collection_upsert: bool,
}

/// Input of `variableDelete`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct VariableDeleteInput {
    /// The project.
    pub project_id: String,
    /// The environment.
    pub environment_id: String,
    /// The variable.
    pub name: String,
    /// The service; `None` deletes a shared variable.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
}

/// Variables of [`VariableDelete`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct VariableDeleteVariables {
    /// The deletion.
    pub input: VariableDeleteInput,
}

/// `variableDelete`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "VariableDeleteVariables")]
pub struct VariableDelete {
    /// Always true on success.
    #[arguments(input: $input)]
    pub variable_delete: bool,
}
