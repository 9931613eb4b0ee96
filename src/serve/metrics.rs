//! `GET /metrics`: the service's counters in Prometheus's text format
//! (version 0.0.4), which Prometheus, Grafana Agent, Datadog and
//! VictoriaMetrics all scrape.
//!
//! A small registry written here rather than the `prometheus-client`
//! crate: the service has a handful of fixed metrics, and the format is a
//! few lines of text; a crate (and its dependencies) would buy nothing.
//!
//! HTTP requests are labelled by the route's TEMPLATE
//! (`/webhooks/railway/{secret}`), never by the path: the Railway
//! webhook's path is its secret. Unmatched paths count as `unmatched`.
//!
//! Other rooms of serve count through the [`Metrics`] handle
//! (`App::metrics`, `Config::metrics`); rooms outside serve bump the
//! process-wide [`crate::telemetry`] counters, read at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use crate::telemetry::{self, ApplyOutcome};

/// The request duration histogram's upper bounds, in seconds.
pub const DURATION_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    /// Observations at or below each bound of [`DURATION_BUCKETS`].
    buckets: [u64; DURATION_BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    /// (method, route template, status) → count.
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route template) → durations.
    durations: BTreeMap<(String, String), Histogram>,
    /// (kind, outcome) → count.
    jobs: BTreeMap<(String, String), u64>,
    /// (outcome) → count.
    signins: BTreeMap<String, u64>,
}

/// The service's counters. Cheap to share (`Arc<Metrics>`); every method
/// takes `&self`.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// What is read from elsewhere at scrape time.
#[derive(Clone, Debug, Default)]
pub struct Gauges {
    /// Jobs of this service's project waiting or running (`None` when the
    /// database could not say).
    pub jobs_unfinished: Option<u64>,
    /// Each served project with drift checks: whether its last check
    /// found drift (read from the state database).
    pub drift: Vec<(String, bool)>,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One HTTP request answered. `route` is the matched route's
    /// template (never the raw path).
    pub fn http_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let mut inner = self.lock();
        *inner
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = inner
            .durations
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        let seconds = took.as_secs_f64();
        for (bound, count) in DURATION_BUCKETS.iter().zip(histogram.buckets.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// A job's attempt ended: `outcome` is `done`, `retry`, `failed`,
    /// `superseded`, `released` or `abandoned`.
    pub fn job(&self, kind: &str, outcome: &str) {
        *self
            .lock()
            .jobs
            .entry((kind.to_owned(), outcome.to_owned()))
            .or_default() += 1;
    }

    /// A browser sign-in ended: `outcome` is `succeeded`,
    /// `provider_error`, `bad_state`, `refused`.
    pub fn signin(&self, outcome: &str) {
        *self.lock().signins.entry(outcome.to_owned()).or_default() += 1;
    }

    /// The count of `kind` jobs ended with `outcome` (tests).
    pub fn jobs_count(&self, kind: &str, outcome: &str) -> u64 {
        self.lock()
            .jobs
            .get(&(kind.to_owned(), outcome.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Everything, in Prometheus's text format.
    pub fn render(&self, gauges: Gauges) -> String {
        let inner = self.lock();
        let mut out = String::new();
        header(
            &mut out,
            "mirage_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for ((method, route, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "mirage_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(method),
                escape(route)
            );
        }
        header(
            &mut out,
            "mirage_http_request_duration_seconds",
            "histogram",
            "Time to answer HTTP requests, by method and route template.",
        );
        for ((method, route), histogram) in &inner.durations {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            for (bound, count) in DURATION_BUCKETS.iter().zip(histogram.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "mirage_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "mirage_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "mirage_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "mirage_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }
        header(
            &mut out,
            "mirage_jobs_total",
            "counter",
            "Job attempts ended, by kind and outcome (done, retry, failed, superseded, released, abandoned).",
        );
        for ((kind, outcome), count) in &inner.jobs {
            let _ = writeln!(
                out,
                "mirage_jobs_total{{kind=\"{}\",outcome=\"{}\"}} {count}",
                escape(kind),
                escape(outcome)
            );
        }
        if let Some(unfinished) = gauges.jobs_unfinished {
            header(
                &mut out,
                "mirage_jobs_unfinished",
                "gauge",
                "Jobs of the served projects queued or running, read from the state database (all replicas).",
            );
            let _ = writeln!(out, "mirage_jobs_unfinished {unfinished}");
        }
        if !gauges.drift.is_empty() {
            header(
                &mut out,
                "mirage_drift_detected",
                "gauge",
                "1 when the project's last drift check found Railway differing from the files.",
            );
            for (project, drifting) in &gauges.drift {
                let _ = writeln!(
                    out,
                    "mirage_drift_detected{{project=\"{}\"}} {}",
                    escape(project),
                    u8::from(*drifting)
                );
            }
        }
        header(
            &mut out,
            "mirage_signins_total",
            "counter",
            "Browser sign-ins ended, by outcome.",
        );
        for (outcome, count) in &inner.signins {
            let _ = writeln!(
                out,
                "mirage_signins_total{{outcome=\"{}\"}} {count}",
                escape(outcome)
            );
        }
        header(
            &mut out,
            "mirage_railway_requests_total",
            "counter",
            "HTTP requests sent to Railway's API by this process, retries included.",
        );
        let _ = writeln!(
            out,
            "mirage_railway_requests_total {}",
            telemetry::railway_requests()
        );
        if let Some(budget) = telemetry::railway_budget() {
            header(
                &mut out,
                "mirage_railway_ratelimit_remaining",
                "gauge",
                "Requests left in Railway's rate-limit window, from its last `X-RateLimit-Remaining`.",
            );
            let _ = writeln!(out, "mirage_railway_ratelimit_remaining {budget}");
        }
        header(
            &mut out,
            "mirage_applies_total",
            "counter",
            "Applies run by this process, by outcome (succeeded, partial, failed).",
        );
        for outcome in ApplyOutcome::ALL {
            let _ = writeln!(
                out,
                "mirage_applies_total{{outcome=\"{}\"}} {}",
                outcome.as_str(),
                telemetry::applies(outcome)
            );
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value: `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_template_with_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.http_request("GET", "/healthz", 200, Duration::from_millis(3));
        metrics.http_request("GET", "/healthz", 200, Duration::from_millis(70));
        metrics.http_request("POST", "/webhooks/railway/{secret}", 403, Duration::ZERO);
        metrics.job("up", "done");
        let text = metrics.render(Gauges {
            jobs_unfinished: Some(2),
            drift: vec![("shop".to_owned(), true), ("blog".to_owned(), false)],
        });
        assert!(text.contains("mirage_drift_detected{project=\"shop\"} 1"));
        assert!(text.contains("mirage_drift_detected{project=\"blog\"} 0"));
        assert!(text.contains(
            "mirage_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "mirage_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "mirage_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.1\"} 2"
        ));
        assert!(text.contains(
            "mirage_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 2"
        ));
        assert!(text.contains("route=\"/webhooks/railway/{secret}\",status=\"403\""));
        assert!(text.contains("mirage_jobs_total{kind=\"up\",outcome=\"done\"} 1"));
        assert!(text.contains("mirage_jobs_unfinished 2"));
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
