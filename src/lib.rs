//! Helpers shared by the workspace's examples and acceptance tests (not published).
