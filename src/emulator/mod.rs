//! A local, stateful Railway that speaks the same GraphQL API.
