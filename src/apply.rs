//! Apply: execute a plan's changes through the client, in order, reporting each.
