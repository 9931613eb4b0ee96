//! Railway's deployment regions.
//!
//! Railway names regions after the cloud region and, for its own metal, the
//! data centre (`us-east4-eqdc4a`). Keep this table in step with the region
//! picker in Railway's dashboard; the short legacy names are still accepted
//! by the API.

/// Every region identifier Railway accepts, with where it is.
pub const REGIONS: &[(&str, &str)] = &[
    ("us-west2", "US West (California)"),
    ("us-east4-eqdc4a", "US East (Virginia)"),
    ("europe-west4-drams3a", "EU West (Amsterdam)"),
    ("asia-southeast1-eqsg3a", "Southeast Asia (Singapore)"),
    ("us-west1", "US West (Oregon), legacy"),
    ("us-east4", "US East (Virginia), legacy"),
    ("europe-west4", "EU West (Netherlands), legacy"),
    ("asia-southeast1", "Southeast Asia (Singapore), legacy"),
];

/// Whether Railway knows this region.
pub fn is_region(name: &str) -> bool {
    REGIONS.iter().any(|(r, _)| *r == name)
}

/// All region identifiers.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|(r, _)| *r)
}
