//! The only room that speaks GraphQL: the Railway client.
