//! Reading the live state through the client: capabilities once, sites listed in one
//! call, per-site objects in bulk.
