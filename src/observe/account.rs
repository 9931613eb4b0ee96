//! `mirage projects` / `mirage ls`: the account browsed read-only, in one or two requests.
