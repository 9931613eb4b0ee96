//! The status of environments and their services, explained, and waiting until healthy.
