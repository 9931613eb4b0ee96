//! Every operation of the client against the emulator over HTTP, one
//! resource per test.

use crate::railway_support;

use std::time::Duration;

use cynic::{MutationBuilder, QueryBuilder};
use mirage::railway::ErrorKind;
use mirage::railway::ops::common::{IdVariables, InstanceVariables};
use mirage::railway::ops::deployment::{
    DeployVariables, DeploymentListInput, DeploymentQuery, DeploymentStatusQuery, DeploymentsQuery,
    DeploymentsVariables, ServiceInstanceDeployV2, ServiceInstanceRedeploy,
};
use mirage::railway::ops::domain::{
    CustomDomainCreate, CustomDomainCreateInput, CustomDomainCreateVariables, CustomDomainDelete,
    DomainsQuery, DomainsVariables, ServiceDomainCreate, ServiceDomainCreateInput,
    ServiceDomainCreateVariables, ServiceDomainDelete, TcpProxiesQuery,
};
use mirage::railway::ops::environment::{
    EnvironmentCreate, EnvironmentCreateInput, EnvironmentCreateVariables, EnvironmentDelete,
    EnvironmentIdVariables, EnvironmentPatchCommit, EnvironmentPatchCommitStaged,
    EnvironmentPatchCommitStagedVariables, EnvironmentPatchCommitVariables, EnvironmentQuery,
    EnvironmentRename, EnvironmentRenameInput, EnvironmentRenameVariables, EnvironmentStageChanges,
    EnvironmentStageChangesVariables, EnvironmentStagedChangesQuery, EnvironmentsQuery,
    EnvironmentsVariables,
};
use mirage::railway::ops::logs::{
    BuildLogsQuery, DeploymentLogsQuery, DeploymentLogsVariables, EnvironmentLogsQuery,
    EnvironmentLogsVariables,
};
use mirage::railway::ops::project::{
    ProjectDelete, ProjectQuery, ProjectScheduleDelete, ProjectsQuery, ProjectsVariables,
};
use mirage::railway::ops::service::{
    ServiceConnect, ServiceConnectInput, ServiceConnectVariables, ServiceDelete,
    ServiceDeleteVariables, ServiceInstanceQuery, ServiceInstancesQuery, ServiceInstancesVariables,
    ServiceQuery, ServiceUpdate, ServiceUpdateInput, ServiceUpdateVariables,
};
use mirage::railway::ops::variable::{
    VariableCollectionUpsert, VariableCollectionUpsertInput, VariableCollectionUpsertVariables,
    VariableDelete, VariableDeleteInput, VariableDeleteVariables, VariablesQuery,
    VariablesVariables,
};
use mirage::railway::ops::volume::{
    VolumeCreate, VolumeCreateInput, VolumeCreateVariables, VolumeDelete, VolumeDeleteVariables,
    VolumeInstancesQuery, VolumeInstancesVariables,
};
use mirage::railway::patch::PatchWrite;
use mirage::railway::schema::{EnvironmentConfig, VariableMap};
use railway_support::emulator::seeded;
use serde_json::json;

#[tokio::test]
async fn projects_and_environments() {
    let s = seeded().await;
    let client = &s.client;
    // Projects.
    let projects = client
        .query(ProjectsQuery::build(ProjectsVariables::default()))
        .await
        .expect("projects")
        .projects;
    let listed = projects
        .edges
        .iter()
        .find(|edge| edge.node.id.inner() == s.project_id)
        .expect("listed");
    assert_eq!(listed.node.environments.edges.len(), 3);
    assert_eq!(listed.node.services.edges.len(), 4);
    let project = client
        .query(ProjectQuery::build(IdVariables {
            id: s.project_id.clone(),
        }))
        .await
        .expect("project")
        .project;
    assert_eq!(project.name, "e2e");

    // Environments.
    let environments = client
        .query(EnvironmentsQuery::build(EnvironmentsVariables {
            project_id: s.project_id.clone(),
            first: None,
            after: None,
        }))
        .await
        .expect("environments")
        .environments;
    let id_of = |name: &str| {
        environments
            .edges
            .iter()
            .find(|edge| edge.node.name == name)
            .map(|edge| edge.node.id.inner().to_owned())
            .unwrap_or_else(|| panic!("environment {name}"))
    };
    let production = id_of("production");
    let staging = id_of("staging");
    let preview = client
        .mutate(EnvironmentCreate::build(EnvironmentCreateVariables {
            input: EnvironmentCreateInput {
                project_id: s.project_id.clone(),
                name: "preview".into(),
                source_environment_id: Some(staging.clone()),
                ephemeral: Some(true),
                ..EnvironmentCreateInput::default()
            },
        }))
        .await
        .expect("environmentCreate with source")
        .environment_create;
    let renamed = client
        .mutate(EnvironmentRename::build(EnvironmentRenameVariables {
            id: preview.id.inner().to_owned(),
            input: EnvironmentRenameInput {
                name: "pr-7".into(),
            },
        }))
        .await
        .expect("environmentRename")
        .environment_rename;
    assert_eq!(renamed.name, "pr-7");

    client
        .mutate(EnvironmentDelete::build(IdVariables {
            id: preview.id.into_inner(),
        }))
        .await
        .expect("environmentDelete");
    let snapshot = client
        .read_project(&s.project_id)
        .await
        .expect("read_project");
    assert!(snapshot.environment("pr-7").is_none());
    assert!(
        snapshot
            .environment("production")
            .is_some_and(|env| env.id == production)
    );
    s.emulator.shutdown().await;
}

#[tokio::test]
async fn config_patches_commit_stage_and_commit_staged() {
    let s = seeded().await;
    let client = &s.client;
    // Config: read, commit a patch, stage and commit staged.
    let read = |id: String| EnvironmentQuery::build(IdVariables { id });
    let before = client
        .query(read(s.production.clone()))
        .await
        .expect("environment")
        .environment;
    assert!(
        before.config.0["services"].get(&s.web).is_some(),
        "{:?}",
        before.config
    );
    let patch = json!({"services": {s.web.clone(): {"deploy": {"numReplicas": 2, "startCommand": "nginx -g 'daemon off;'"}}}});
    client
        .mutate(EnvironmentPatchCommit::build(
            EnvironmentPatchCommitVariables {
                environment_id: s.production.clone(),
                patch: Some(EnvironmentConfig(patch)),
                commit_message: Some("e2e".into()),
            },
        ))
        .await
        .expect("environmentPatchCommit");
    let after = client
        .query(read(s.production.clone()))
        .await
        .expect("environment")
        .environment;
    assert_ne!(
        after.config_etag, before.config_etag,
        "the etag follows the config"
    );
    assert_eq!(
        after.config.0["services"][&s.web]["deploy"]["numReplicas"],
        2
    );

    let staged = client
        .mutate(EnvironmentStageChanges::build(
            EnvironmentStageChangesVariables {
                environment_id: s.staging.clone(),
                input: EnvironmentConfig(json!({"sharedVariables": {"REGION": {"value": "eu"}}})),
                merge: Some(true),
            },
        ))
        .await
        .expect("environmentStageChanges")
        .environment_stage_changes;
    let pending = client
        .query(EnvironmentStagedChangesQuery::build(
            EnvironmentIdVariables {
                environment_id: s.staging.clone(),
            },
        ))
        .await
        .expect("environmentStagedChanges")
        .environment_staged_changes;
    assert_eq!(pending.id, staged.id);
    let unmerged = client
        .query(read(s.staging.clone()))
        .await
        .unwrap()
        .environment
        .unmerged_changes_count;
    assert!(
        unmerged.unwrap_or(0) > 0,
        "staging has staged changes: {unmerged:?}"
    );
    // With changes staged, a patch is merged into them, not committed.
    let write = client
        .write_config_patch(
            &s.staging,
            unmerged.unwrap_or(0),
            json!({"sharedVariables": {"TIER": {"value": "2"}}}),
            None,
        )
        .await
        .expect("write_config_patch");
    assert!(matches!(write, PatchWrite::Staged(_)), "{write:?}");
    client
        .mutate(EnvironmentPatchCommitStaged::build(
            EnvironmentPatchCommitStagedVariables {
                environment_id: s.staging.clone(),
                commit_message: Some("e2e staged".into()),
                skip_deploys: Some(true),
            },
        ))
        .await
        .expect("environmentPatchCommitStaged");
    let staging_now = client
        .query(read(s.staging.clone()))
        .await
        .unwrap()
        .environment;
    assert_eq!(
        staging_now.config.0["sharedVariables"]["REGION"]["value"],
        "eu"
    );
    assert_eq!(
        staging_now.config.0["sharedVariables"]["TIER"]["value"],
        "2"
    );

    s.emulator.shutdown().await;
}

#[tokio::test]
async fn variables_upsert_read_unrendered_and_delete() {
    let s = seeded().await;
    let client = &s.client;
    // Variables.
    let variables: VariableMap = [("PORT", "8080"), ("DATABASE_URL", "${{cache.REDIS_URL}}")]
        .into_iter()
        .collect();
    client
        .mutate(VariableCollectionUpsert::build(
            VariableCollectionUpsertVariables {
                input: VariableCollectionUpsertInput {
                    project_id: s.project_id.clone(),
                    environment_id: s.production.clone(),
                    service_id: Some(s.web.clone()),
                    variables,
                    skip_deploys: Some(true),
                    ..VariableCollectionUpsertInput::default()
                },
            },
        ))
        .await
        .expect("variableCollectionUpsert");
    let read_variables = || {
        VariablesQuery::build(VariablesVariables {
            project_id: s.project_id.clone(),
            environment_id: s.production.clone(),
            service_id: Some(s.web.clone()),
        })
    };
    let stored = client
        .query(read_variables())
        .await
        .expect("variables")
        .variables;
    assert_eq!(stored.get("PORT"), Some("8080"));
    assert_eq!(
        stored.get("DATABASE_URL"),
        Some("${{cache.REDIS_URL}}"),
        "unrendered"
    );
    client
        .mutate(VariableDelete::build(VariableDeleteVariables {
            input: VariableDeleteInput {
                project_id: s.project_id.clone(),
                environment_id: s.production.clone(),
                name: "PORT".into(),
                service_id: Some(s.web.clone()),
            },
        }))
        .await
        .expect("variableDelete");
    let stored = client
        .query(read_variables())
        .await
        .expect("variables")
        .variables;
    assert_eq!(stored.get("PORT"), None);

    s.emulator.shutdown().await;
}

#[tokio::test]
async fn services_and_instances() {
    let s = seeded().await;
    let client = &s.client;
    // Services and instances.
    let updated = client
        .mutate(ServiceUpdate::build(ServiceUpdateVariables {
            id: s.worker.clone(),
            input: ServiceUpdateInput {
                name: Some("jobs".into()),
                icon: None,
            },
        }))
        .await
        .expect("serviceUpdate")
        .service_update;
    assert_eq!(updated.name, "jobs");
    client
        .mutate(ServiceConnect::build(ServiceConnectVariables {
            id: s.worker.clone(),
            input: ServiceConnectInput {
                image: Some("busybox:2".into()),
                ..ServiceConnectInput::default()
            },
        }))
        .await
        .expect("serviceConnect");
    let service = client
        .query(ServiceQuery::build(IdVariables {
            id: s.worker.clone(),
        }))
        .await
        .expect("service")
        .service;
    assert_eq!(service.name, "jobs");
    let instance = client
        .query(ServiceInstanceQuery::build(InstanceVariables {
            environment_id: s.production.clone(),
            service_id: s.worker.clone(),
        }))
        .await
        .expect("serviceInstance")
        .service_instance;
    assert_eq!(
        instance.source.and_then(|source| source.image).as_deref(),
        Some("busybox:2")
    );
    let instances = client
        .query(ServiceInstancesQuery::build(ServiceInstancesVariables {
            environment_id: s.production.clone(),
            first: None,
            after: None,
        }))
        .await
        .expect("serviceInstances")
        .environment
        .service_instances;
    assert_eq!(instances.edges.len(), 4);

    let etags = |snapshot: &mirage::railway::snapshot::Snapshot| -> Vec<String> {
        snapshot
            .environments
            .values()
            .map(|e| e.config_etag.clone())
            .collect()
    };
    let before = client
        .read_project(&s.project_id)
        .await
        .expect("read_project");
    client
        .mutate(ServiceDelete::build(ServiceDeleteVariables {
            id: s.worker.clone(),
            environment_id: None,
        }))
        .await
        .expect("serviceDelete");
    let snapshot = client
        .read_project(&s.project_id)
        .await
        .expect("read_project");
    assert_eq!(snapshot.service_id("jobs"), None);
    assert_eq!(snapshot.services.len(), 3);
    // Deleting a service changes every config it was in, so every etag.
    for (old, new) in etags(&before).iter().zip(etags(&snapshot)) {
        assert_ne!(*old, new, "configEtag after serviceDelete");
    }
    s.emulator.shutdown().await;
}

#[tokio::test]
async fn deployments_status_and_logs() {
    let s = seeded().await;
    let client = &s.client;
    // Deployments and logs.
    let deployment_id = client
        .mutate(ServiceInstanceDeployV2::build(DeployVariables {
            environment_id: s.production.clone(),
            service_id: s.web.clone(),
            commit_sha: None,
        }))
        .await
        .expect("serviceInstanceDeployV2")
        .service_instance_deploy_v2;
    let mut status = None;
    for _ in 0..200 {
        let current = client
            .query(DeploymentStatusQuery::build(IdVariables {
                id: deployment_id.clone(),
            }))
            .await
            .expect("deployment status")
            .deployment
            .status;
        status = Some(current);
        if current.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(status.is_some_and(|status| status.is_final()), "{status:?}");
    let deployment = client
        .query(DeploymentQuery::build(IdVariables {
            id: deployment_id.clone(),
        }))
        .await
        .expect("deployment")
        .deployment;
    assert_eq!(deployment.service_id.as_deref(), Some(s.web.as_str()));
    let deployments = client
        .query(DeploymentsQuery::build(DeploymentsVariables {
            input: DeploymentListInput {
                project_id: Some(s.project_id.clone()),
                environment_id: Some(s.production.clone()),
                service_id: Some(s.web.clone()),
                ..DeploymentListInput::default()
            },
            first: None,
            after: None,
        }))
        .await
        .expect("deployments")
        .deployments;
    assert!(
        deployments
            .edges
            .iter()
            .any(|edge| edge.node.id.inner() == deployment_id)
    );
    client
        .mutate(ServiceInstanceRedeploy::build(InstanceVariables {
            environment_id: s.production.clone(),
            service_id: s.web.clone(),
        }))
        .await
        .expect("serviceInstanceRedeploy");
    let log_variables = DeploymentLogsVariables {
        deployment_id: deployment_id.clone(),
        limit: Some(100),
        ..DeploymentLogsVariables::default()
    };
    let logs = client
        .query(DeploymentLogsQuery::build(log_variables.clone()))
        .await
        .expect("deploymentLogs");
    let build_logs = client
        .query(BuildLogsQuery::build(log_variables))
        .await
        .expect("buildLogs");
    assert!(!logs.deployment_logs.is_empty() || !build_logs.build_logs.is_empty());
    client
        .query(EnvironmentLogsQuery::build(EnvironmentLogsVariables {
            environment_id: s.production.clone(),
            ..EnvironmentLogsVariables::default()
        }))
        .await
        .expect("environmentLogs");

    s.emulator.shutdown().await;
}

#[tokio::test]
async fn domains_tcp_proxies_and_volumes() {
    let s = seeded().await;
    let client = &s.client;
    // Domains, TCP proxies, volumes.
    let service_domain = client
        .mutate(ServiceDomainCreate::build(ServiceDomainCreateVariables {
            input: ServiceDomainCreateInput {
                environment_id: s.production.clone(),
                service_id: s.web.clone(),
                target_port: Some(8080),
            },
        }))
        .await
        .expect("serviceDomainCreate")
        .service_domain_create;
    let custom_domain = client
        .mutate(CustomDomainCreate::build(CustomDomainCreateVariables {
            input: CustomDomainCreateInput {
                domain: "www.example.com".into(),
                project_id: s.project_id.clone(),
                environment_id: s.production.clone(),
                service_id: s.web.clone(),
                target_port: Some(8080),
            },
        }))
        .await
        .expect("customDomainCreate")
        .custom_domain_create;
    let domains_query = || {
        DomainsQuery::build(DomainsVariables {
            project_id: s.project_id.clone(),
            environment_id: s.production.clone(),
            service_id: s.web.clone(),
        })
    };
    let domains = client
        .query(domains_query())
        .await
        .expect("domains")
        .domains;
    assert!(
        domains
            .service_domains
            .iter()
            .any(|domain| domain.id == service_domain.id)
    );
    assert!(
        domains
            .custom_domains
            .iter()
            .any(|domain| domain.domain == "www.example.com")
    );
    client
        .mutate(ServiceDomainDelete::build(IdVariables {
            id: service_domain.id.into_inner(),
        }))
        .await
        .expect("serviceDomainDelete");
    client
        .mutate(CustomDomainDelete::build(IdVariables {
            id: custom_domain.id.into_inner(),
        }))
        .await
        .expect("customDomainDelete");
    let domains = client
        .query(domains_query())
        .await
        .expect("domains")
        .domains;
    assert!(
        domains
            .custom_domains
            .iter()
            .all(|domain| domain.domain != "www.example.com")
    );
    let proxies = client
        .query(TcpProxiesQuery::build(InstanceVariables {
            environment_id: s.production.clone(),
            service_id: s.web.clone(),
        }))
        .await
        .expect("tcpProxies")
        .tcp_proxies;
    assert!(proxies.iter().all(|proxy| proxy.application_port > 0));
    let volume = client
        .mutate(VolumeCreate::build(VolumeCreateVariables {
            input: VolumeCreateInput {
                project_id: s.project_id.clone(),
                mount_path: "/data".into(),
                service_id: Some(s.web.clone()),
                environment_id: Some(s.production.clone()),
                region: None,
            },
        }))
        .await
        .expect("volumeCreate")
        .volume_create;
    let volumes = client
        .query(VolumeInstancesQuery::build(VolumeInstancesVariables {
            environment_id: s.production.clone(),
            first: None,
            after: None,
        }))
        .await
        .expect("volumeInstances")
        .environment
        .volume_instances;
    assert!(volumes.edges.iter().any(|edge| edge.node.volume_id == volume.id.inner() && edge.node.mount_path == "/data"));
    let snapshot = client
        .read_project(&s.project_id)
        .await
        .expect("read_project");
    assert_eq!(snapshot.volume_id(&volume.name), Some(volume.id.inner()));
    client
        .mutate(VolumeDelete::build(VolumeDeleteVariables {
            volume_id: volume.id.into_inner(),
        }))
        .await
        .expect("volumeDelete");

    s.emulator.shutdown().await;
}

#[tokio::test]
async fn projects_are_deleted() {
    let s = seeded().await;
    let client = &s.client;
    client
        .mutate(ProjectScheduleDelete::build(IdVariables {
            id: s.project_id.clone(),
        }))
        .await
        .expect("projectScheduleDelete");
    client
        .mutate(ProjectDelete::build(IdVariables {
            id: s.project_id.clone(),
        }))
        .await
        .expect("projectDelete");
    let gone = client
        .query(ProjectQuery::build(IdVariables { id: s.project_id }))
        .await
        .unwrap_err();
    assert!(
        matches!(gone.kind(), ErrorKind::NotFound | ErrorKind::Unauthorized),
        "{gone}"
    );
    s.emulator.shutdown().await;
}
