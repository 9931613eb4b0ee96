//! Logs of an environment's services merged in time order: history, follow, filters, export.
