//! Compose files, read as text: the YAML tree with a byte span on every node, and the
//! short volume syntax (`./a:/b:ro`) split into its fields.
//!
//! - [`yaml`]: YAML documents to a [`yaml::Node`] tree, anchors, aliases and `<<` merge
//!   keys resolved, within explicit limits (size, nesting, node count, alias expansion).
//! - [`short`]: the short syntax split as Compose splits it (drive letters, `${...}`).
//!
//! What the pieces mean (bind or volume, which option does what) is the model's business:
//! see `crate::model::compose`.

pub mod short;
pub mod yaml;
