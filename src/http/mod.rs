//! HTTP execution for `invokeurl`, `getUrl` and `postUrl`: real client and offline mocks.
