//! Railway's rules in the emulator, over HTTP: a custom domain is attached
//! once anywhere (by patch or by `customDomainCreate`), a service with a
//! volume runs one replica, and volumes have a maximum size. A refused
//! request has Railway's error shape (HTTP 200, `errors[]` with
//! `BAD_USER_INPUT` and a `traceId`) and changes nothing.

use crate::support;

use serde_json::{Value, json};
use support::Harness;

const ENV_CREATE: &str = "mutation($p: String!, $n: String!) { environmentCreate(input: {projectId: $p, name: $n}) { id } }";
const DOMAIN_CREATE: &str =
    "mutation($input: CustomDomainCreateInput!) { customDomainCreate(input: $input) { domain } }";
const VOLUME_CREATE: &str = "mutation($p: String!, $s: String, $m: String!) { volumeCreate(input: {projectId: $p, serviceId: $s, mountPath: $m}) { id } }";

/// A refusal with Railway's shape and this message.
fn refused(reply: &support::Reply, message: &str) {
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.error(), message, "{}", reply.text);
    let error = &reply.body["errors"][0];
    assert_eq!(error["extensions"]["code"], json!("BAD_USER_INPUT"));
    assert!(error["traceId"].is_string(), "{}", reply.text);
}

fn domain_patch(service: &str, domain: &str) -> Value {
    json!({"services": {service: {"networking": {"customDomains": {domain: {"port": 8080}}}}}})
}

#[tokio::test]
async fn a_custom_domain_is_attached_once_anywhere() {
    let h = Harness::start().await;
    let (project, production) = h.project("shop").await;
    let api = h.service(&project, "api", "nginx").await;
    let web = h.service(&project, "web", "nginx").await;
    let staging = h
        .gql(ENV_CREATE, json!({"p": project, "n": "staging"}))
        .await;
    let staging = staging.data()["environmentCreate"]["id"]
        .as_str()
        .expect("staging id")
        .to_string();
    h.commit(
        &staging,
        json!({"services": {api.clone(): {}, web.clone(): {}}}),
    )
    .await
    .data();

    h.commit(&production, domain_patch(&api, "api.shop.example"))
        .await
        .data();
    // The same domain in another environment, by patch: refused, and the
    // config is what it was.
    let (before, etag) = h.config(&staging).await;
    refused(
        &h.commit(&staging, domain_patch(&api, "API.shop.example"))
            .await,
        "Domain `api.shop.example` is already in use",
    );
    assert_eq!(h.config(&staging).await, (before, etag));
    // On another service of the same environment.
    refused(
        &h.commit(&production, domain_patch(&web, "api.shop.example"))
            .await,
        "Domain `api.shop.example` is already in use",
    );
    // In another project, through `customDomainCreate`.
    let (other, other_env) = h.project("blog").await;
    let blog = h.service(&other, "blog", "nginx").await;
    let input = json!({"input": {"projectId": other, "environmentId": other_env, "serviceId": blog, "domain": "api.shop.example"}});
    refused(
        &h.gql(DOMAIN_CREATE, input).await,
        "Domain `api.shop.example` is already in use",
    );
    // Each environment its own domain is fine; so is re-committing a
    // domain the same service already has.
    h.commit(&staging, domain_patch(&api, "api.staging.shop.example"))
        .await
        .data();
    h.commit(&production, domain_patch(&api, "api.shop.example"))
        .await
        .data();
    // Removed from one place, it can be attached in another.
    h.commit(
        &production,
        json!({"services": {api.clone(): {"networking": {"customDomains": {"api.shop.example": null}}}}}),
    )
    .await
    .data();
    h.commit(&production, domain_patch(&web, "api.shop.example"))
        .await
        .data();
}

#[tokio::test]
async fn a_service_with_a_volume_runs_one_replica() {
    let h = Harness::start().await;
    let (project, env) = h.project("shop").await;
    let db = h.service(&project, "db", "postgres:17").await;
    let r = h
        .gql(
            VOLUME_CREATE,
            json!({"p": project, "s": db, "m": "/var/lib/postgresql/data"}),
        )
        .await;
    r.data();
    h.commit(
        &env,
        json!({"services": {db.clone(): {"deploy": {"numReplicas": 1}}}}),
    )
    .await
    .data();
    let (before, etag) = h.config(&env).await;
    refused(
        &h.commit(
            &env,
            json!({"services": {db.clone(): {"deploy": {"numReplicas": 2}}}}),
        )
        .await,
        "Service `db` has a volume and cannot have more than one replica",
    );
    refused(
        &h.commit(
            &env,
            json!({"services": {db.clone(): {"deploy": {"multiRegionConfig": {
                "us-west2": {"numReplicas": 1},
                "europe-west4-drams3a": {"numReplicas": 1}
            }}}}}),
        )
        .await,
        "Service `db` has a volume and cannot have more than one replica",
    );
    // `serviceInstanceUpdate` writes the same config, and is refused too.
    let update = h
        .gql(
            "mutation($e: String, $s: String!) { serviceInstanceUpdate(environmentId: $e, serviceId: $s, input: {numReplicas: 3}) }",
            json!({"e": env, "s": db}),
        )
        .await;
    refused(
        &update,
        "Service `db` has a volume and cannot have more than one replica",
    );
    assert_eq!(h.config(&env).await, (before, etag));

    // A service with two replicas cannot get a volume either, and the
    // refused `volumeCreate` leaves no volume behind.
    let api = h.service(&project, "api", "nginx").await;
    h.commit(
        &env,
        json!({"services": {api.clone(): {"deploy": {"numReplicas": 2}}}}),
    )
    .await
    .data();
    let r = h
        .gql(VOLUME_CREATE, json!({"p": project, "s": api, "m": "/data"}))
        .await;
    refused(
        &r,
        "Service `api` has a volume and cannot have more than one replica",
    );
    let volumes = h
        .gql(
            "query($id: String!) { project(id: $id) { volumes { edges { node { id } } } } }",
            json!({"id": project}),
        )
        .await;
    let count = volumes.data()["project"]["volumes"]["edges"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(count, 1, "only db's volume: {}", volumes.text);
}

#[tokio::test]
async fn volumes_have_a_maximum_size() {
    let h = Harness::start().await;
    let (project, env) = h.project("shop").await;
    let db = h.service(&project, "db", "postgres:17").await;
    let r = h
        .gql(
            VOLUME_CREATE,
            json!({"p": project, "s": db, "m": "/var/lib/postgresql/data"}),
        )
        .await;
    let volume = r.data()["volumeCreate"]["id"]
        .as_str()
        .expect("volume id")
        .to_string();
    let size = |mb: u64| json!({"volumes": {volume.clone(): {"sizeMB": mb}}});
    h.commit(&env, size(250_000)).await.data();
    refused(
        &h.commit(&env, size(250_001)).await,
        "Volume size of 250001 MB is above the limit of 250000 MB",
    );
    // A Hobby workspace's limit, set through the admin API.
    h.admin("limits", json!({"volumeSizeMb": 5000})).await;
    refused(
        &h.commit(&env, size(10_000)).await,
        "Volume size of 10000 MB is above the limit of 5000 MB",
    );
    h.admin("limits", json!({})).await;
    h.commit(&env, size(10_000)).await.data();
    let (config, _) = h.config(&env).await;
    assert_eq!(config["volumes"][&volume]["sizeMB"], json!(10_000));
}
