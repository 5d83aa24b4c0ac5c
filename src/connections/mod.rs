//! Named connections: connections file, OAuth token cache, data centers.
