//! Mirage's integration tests, one binary (as `just` and `ruff` do): each
//! module was a test binary of its own, and each linked the whole crate —
//! ~50 links of a 130 MB library per change. Shared helpers are in
//! [`support`] (the project/emulator world, the CLI runner, golden files)
//! and [`railway_support`] (a scripted HTTP server for the client tests).
//!
//! `cargo test --test integration MODULE::` runs one module, e.g.
//! `cargo test --test integration cli_usage::`.

mod railway_support;
mod support;

mod action;
mod adopt_generate;
mod adopt_migrate;
// Room `adopt` (issue #20): clone and export.
mod adopt_clone;
mod adopt_conflicts;
mod adopt_export;
mod apply_etag;
mod apply_faults;
mod apply_kill;
mod apply_report;
mod auth_clerk;
mod auth_oidc;
mod auth_webhooks;
mod check;
mod cli;
mod cli_output;
mod cli_usage;
mod codes;
mod comment;
mod destroy_safety;
mod discover;
mod discover_cli;
mod discover_registry;
mod docs_examples;
mod e2e;
mod editors;
mod emulator;
mod emulator_cli_scenarios;
mod emulator_conformance;
mod emulator_deploy;
mod emulator_knobs;
mod emulator_limits;
mod emulator_observe;
mod emulator_push;
mod emulator_rules;
mod emulator_schema;
mod emulator_semantics;
mod emulator_subscriptions;
mod engine;
mod error_channel;
mod examples;
mod fmt;
mod github;
mod hostile_input;
mod import;
mod init;
mod kdl_differential;
mod kdl_suite;
mod login;
mod moved;
mod observe_account;
mod observe_logs;
mod plan;
mod plan_registry;
mod plan_replace;
mod preview;
mod preview_state;
mod preview_template;
mod project_token;
mod railway_batch;
mod railway_emulator;
mod railway_emulator_ops;
mod railway_endpoint;
mod railway_errors;
mod railway_patch;
mod railway_subscription;
mod redaction;
mod required_mount;
mod resolve;
mod schema_subset;
mod sealed;
mod secret_providers;
mod secret_store;
mod secrets_first;
mod serve;
mod serve_api;
mod serve_cli;
// Room `api` (issue #18): the dashboard's API functions.
mod serve_dashboard_api;
mod serve_environments;
mod serve_identity;
mod serve_logs;
mod serve_ops;
mod serve_previews;
mod serve_replicas;
// Room `resources` (issue #18): sizes of a serve-created environment.
mod serve_resources;
mod settings_docs;
mod signin;
mod state;
mod state_cli;
mod state_team;
// Issue #21: `vault:` secrets against the test Vault.
mod vault;
// Issue #19: `mirage status`, `apply --wait`.
mod observe_status;
mod watch;
// Room web/admin (issue #18): the admin pages.
mod web_admin;
// room browser (#18): the dashboard in headless Chromium.
mod web_browser;
// Room journey (#18): every interactive part of the dashboard in Chromium.
mod web_browser_flows;
mod web_pages;
// Room `wizard` (issue #18): the new-environment wizard's pages.
mod web_wizard;
