//! Typed Railway operations: cynic fragments checked at compile time against
//! `schemas/railway.graphql`, one file per resource.
//!
//! Each root fragment (`graphql_type = "Query"`, `"Mutation"` or
//! `"Subscription"`) is run with [`crate::railway::Client::query`],
//! [`crate::railway::Client::mutate`] or
//! [`crate::railway::Client::subscribe`]; mutations of one kind can also go
//! out aliased in one request through [`crate::railway::batch`].

pub mod common;
pub mod deployment;
pub mod domain;
pub mod environment;
pub mod etag;
pub mod logs;
pub mod project;
pub mod service;
pub mod snapshot;
pub mod variable;
pub mod volume;
pub mod whoami;

/// Lists `(name, document)` for root fragments, built by cynic.
macro_rules! documents {
    ($($kind:ident: $fragment:ty, $variables:ty;)*) => {
        vec![$((
            stringify!($fragment),
            cynic::queries::build_executable_document::<$fragment, $variables>(
                cynic::queries::OperationType::$kind,
                None,
                Default::default(),
                None,
            ),
        )),*]
    };
}

/// The GraphQL document of every operation in this module, by fragment
/// name: for validating them against a schema (the full Railway schema, the
/// emulator's exported SDL) in tests.
pub fn operation_documents() -> Vec<(&'static str, String)> {
    use common::{IdVariables, InstanceVariables};
    documents! {
        Query: project::ProjectsQuery, project::ProjectsVariables;
        Query: project::ProjectQuery, IdVariables;
        Mutation: project::ProjectCreate, project::ProjectCreateVariables;
        Mutation: project::ProjectScheduleDelete, IdVariables;
        Mutation: project::ProjectDelete, IdVariables;
        Query: environment::EnvironmentQuery, IdVariables;
        Query: etag::EnvironmentEtagQuery, IdVariables;
        Query: environment::EnvironmentsQuery, environment::EnvironmentsVariables;
        Query: environment::EnvironmentStagedChangesQuery, environment::EnvironmentIdVariables;
        Mutation: environment::EnvironmentCreate, environment::EnvironmentCreateVariables;
        Mutation: environment::EnvironmentDelete, IdVariables;
        Mutation: environment::EnvironmentRename, environment::EnvironmentRenameVariables;
        Mutation: environment::EnvironmentPatchCommit, environment::EnvironmentPatchCommitVariables;
        Mutation: environment::EnvironmentStageChanges, environment::EnvironmentStageChangesVariables;
        Mutation: environment::EnvironmentPatchCommitStaged, environment::EnvironmentPatchCommitStagedVariables;
        Query: service::ServiceQuery, IdVariables;
        Query: service::ServiceInstanceQuery, InstanceVariables;
        Query: service::ServiceInstancesQuery, service::ServiceInstancesVariables;
        Mutation: service::ServiceCreate, service::ServiceCreateVariables;
        Mutation: service::ServiceDelete, service::ServiceDeleteVariables;
        Mutation: service::ServiceUpdate, service::ServiceUpdateVariables;
        Mutation: service::ServiceConnect, service::ServiceConnectVariables;
        Query: variable::VariablesQuery, variable::VariablesVariables;
        Mutation: variable::VariableCollectionUpsert, variable::VariableCollectionUpsertVariables;
        Mutation: variable::VariableDelete, variable::VariableDeleteVariables;
        Query: deployment::DeploymentsQuery, deployment::DeploymentsVariables;
        Query: deployment::DeploymentQuery, IdVariables;
        Query: deployment::DeploymentStatusQuery, IdVariables;
        Mutation: deployment::ServiceInstanceDeployV2, deployment::DeployVariables;
        Mutation: deployment::ServiceInstanceRedeploy, InstanceVariables;
        Subscription: deployment::DeploymentSubscription, IdVariables;
        Query: domain::DomainsQuery, domain::DomainsVariables;
        Mutation: domain::ServiceDomainCreate, domain::ServiceDomainCreateVariables;
        Mutation: domain::ServiceDomainDelete, IdVariables;
        Mutation: domain::CustomDomainCreate, domain::CustomDomainCreateVariables;
        Mutation: domain::CustomDomainDelete, IdVariables;
        Query: domain::TcpProxiesQuery, InstanceVariables;
        Query: volume::VolumeInstancesQuery, volume::VolumeInstancesVariables;
        Mutation: volume::VolumeCreate, volume::VolumeCreateVariables;
        Mutation: volume::VolumeDelete, volume::VolumeDeleteVariables;
        Query: logs::DeploymentLogsQuery, logs::DeploymentLogsVariables;
        Query: logs::BuildLogsQuery, logs::DeploymentLogsVariables;
        Query: logs::EnvironmentLogsQuery, logs::EnvironmentLogsVariables;
        Subscription: logs::DeploymentLogsSubscription, logs::LogStreamVariables;
        Subscription: logs::BuildLogsSubscription, logs::LogStreamVariables;
        Subscription: logs::EnvironmentLogsSubscription, logs::EnvironmentLogsVariables;
        Query: snapshot::ProjectSnapshotQuery, snapshot::SnapshotVariables;
        Query: snapshot::EnvironmentsPageQuery, snapshot::SnapshotVariables;
        Query: snapshot::ServicesPageQuery, snapshot::SnapshotVariables;
        Query: snapshot::VolumesPageQuery, snapshot::SnapshotVariables;
        Query: snapshot::ScopedSnapshotQuery, snapshot::ScopedSnapshotVariables;
        Query: project::ProjectTokenQuery, ();
    }
}
