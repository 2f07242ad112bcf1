//! The semantic layer: one mount model for every syntax, and Docker's verdict on it.
//!
//! - [`mount`]: the one semantic model (what a storage item means).
//! - [`request`]: the Engine API request the CLI sends; [`verdict`]: what Docker answers.
//! - `volume_flag`, `mount_flag`, `tmpfs_flag`: what the CLI and the Engine make of each
//!   flag value, version by version.
//! - [`engine`]: a whole `docker create`, flags to verdict, in Docker's own order.

pub mod compose;
pub mod context;
pub mod dockerfile;
pub mod engine;
pub mod mount;
pub mod mount_flag;
pub mod mountpoint;
pub mod paths;
pub mod request;
pub mod tmpfs_flag;
pub mod validate;
pub mod verdict;
pub mod version;
pub mod volume_flag;
pub mod volumes;

pub use context::{Context, HostFs, Platform};
pub use mount::{Field, Mount, MountKind, SyntaxKind};
pub use verdict::{DockerError, Stage, Verdict};
pub use version::{DockerVersions, Version};
