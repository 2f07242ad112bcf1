//! The Engine's own record of a mount once it accepted it (`MountPoint` in moby): what
//! `docker inspect` shows, plus what the Engine needs to finish creating the container.

/// A mount the Engine registered for a container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MountPoint {
    /// `bind`, `volume`, `tmpfs`, `npipe`, `image`.
    pub kind: String,
    /// Host path for a bind or npipe (cleaned); empty for volumes until created.
    pub source: String,
    /// Volume name (`""` for an anonymous volume: a random name is chosen at creation).
    pub name: String,
    /// Volume driver (`""` for binds; `local` when none was asked for).
    pub driver: String,
    /// The cleaned mount point in the container.
    pub destination: String,
    pub rw: bool,
    /// `Mode` as `docker inspect` shows it (the raw `-v` mode, or `z` for local volumes).
    pub mode: String,
    /// Propagation as `docker inspect` shows it (`""` for volumes).
    pub propagation: String,
    /// Copy the image's content into the new volume (volumes only).
    pub copy_data: bool,
    /// Where the Engine got it from.
    pub origin: MountOrigin,
}

/// Which part of the request a mount point came from: decides processing order and the
/// text of duplicate errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MountOrigin {
    #[default]
    Bind,
    Mount,
    Anonymous,
    Tmpfs,
}
