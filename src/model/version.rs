//! Docker releases: which CLI and which Engine we predict for.
//!
//! Docker's behaviour and messages differ by release (the spec's `legacy` fields). A
//! [`DockerVersions`] pair says which CLI talks to which Engine; the API version they
//! negotiate decides which mount fields the Engine honours.

use std::fmt;
use std::str::FromStr;

/// A release number such as `28.2.2` or `20.10` (missing parts are zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version { major, minor, patch }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(text: &str) -> Result<Version, String> {
        let trimmed = text.trim().trim_start_matches('v');
        let mut parts = [0u32; 3];
        let pieces: Vec<&str> = trimmed.split('.').collect();
        if pieces.is_empty() || pieces.len() > 3 {
            return Err(format!("`{text}` is not a version: expected MAJOR[.MINOR[.PATCH]], e.g. 28.2"));
        }
        for (slot, piece) in parts.iter_mut().zip(&pieces) {
            *slot = piece
                .parse()
                .map_err(|_| format!("`{text}` is not a version: expected MAJOR[.MINOR[.PATCH]], e.g. 28.2"))?;
        }
        Ok(Version::new(parts[0], parts[1], parts[2]))
    }
}

/// An Engine API version such as 1.41.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion(pub u32, pub u32);

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// The CLI and Engine pair being modelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DockerVersions {
    pub cli: Version,
    pub engine: Version,
}

impl DockerVersions {
    /// The newest pair the specification describes (docker/cli and moby v29.7.2).
    pub const NEWEST: DockerVersions = DockerVersions { cli: Version::new(29, 7, 2), engine: Version::new(29, 7, 2) };

    /// The pair the live conformance suite runs against: Docker CLI 28.2.2 and Debian's
    /// Engine 20.10.24.
    pub const CONFORMANCE: DockerVersions =
        DockerVersions { cli: Version::new(28, 2, 2), engine: Version::new(20, 10, 24) };

    /// True when the CLI is at least `major.minor.patch`.
    pub fn cli_at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.cli >= Version::new(major, minor, patch)
    }

    /// True when the Engine is at least `major.minor.patch`.
    pub fn engine_at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.engine >= Version::new(major, minor, patch)
    }

    /// The API version the two negotiate: the lower of what each speaks.
    pub fn api(&self) -> ApiVersion {
        api_of(self.cli).min(api_of(self.engine))
    }

    pub fn api_at_least(&self, major: u32, minor: u32) -> bool {
        self.api() >= ApiVersion(major, minor)
    }
}

impl Default for DockerVersions {
    fn default() -> Self {
        DockerVersions::NEWEST
    }
}

impl fmt::Display for DockerVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CLI {} / Engine {}", self.cli, self.engine)
    }
}

impl FromStr for DockerVersions {
    type Err = String;

    /// `CLI[/ENGINE]`: `28.2/20.10`, or `28.2` for a CLI and Engine of the same release.
    fn from_str(text: &str) -> Result<DockerVersions, String> {
        let (cli, engine) = match text.split_once('/') {
            Some((cli, engine)) => (cli.parse()?, engine.parse()?),
            None => {
                let both: Version = text.parse()?;
                (both, both)
            }
        };
        Ok(DockerVersions { cli, engine })
    }
}

/// The highest API version a release speaks (the API changelog of moby).
fn api_of(release: Version) -> ApiVersion {
    /// (release major, minor) → (API major, minor), newest first.
    type Row = ((u32, u32), (u32, u32));
    const TABLE: &[Row] = &[
        ((29, 2), (1, 53)),
        ((29, 0), (1, 52)),
        ((28, 3), (1, 51)),
        ((28, 2), (1, 50)),
        ((28, 1), (1, 49)),
        ((28, 0), (1, 48)),
        ((27, 1), (1, 47)),
        ((27, 0), (1, 46)),
        ((26, 0), (1, 45)),
        ((25, 0), (1, 44)),
        ((24, 0), (1, 43)),
        ((23, 0), (1, 42)),
        ((20, 10), (1, 41)),
        ((19, 3), (1, 40)),
        ((18, 9), (1, 39)),
    ];
    for &((major, minor), (api_major, api_minor)) in TABLE {
        if release >= Version::new(major, minor, 0) {
            return ApiVersion(api_major, api_minor);
        }
    }
    ApiVersion(1, 38)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_and_negotiates_the_lower_api() {
        let pair: DockerVersions = "28.2/20.10".parse().unwrap();
        assert_eq!(pair, DockerVersions::CONFORMANCE.with_patch_zero());
        assert_eq!(pair.api(), ApiVersion(1, 41));
        assert!(pair.cli_at_least(28, 2, 0));
        assert!(!pair.engine_at_least(23, 0, 0));
        let same: DockerVersions = "29.3".parse().unwrap();
        assert_eq!(same.engine, Version::new(29, 3, 0));
        assert!("x.1".parse::<DockerVersions>().is_err());
    }

    impl DockerVersions {
        fn with_patch_zero(mut self) -> Self {
            self.cli.patch = 0;
            self.engine.patch = 0;
            self
        }
    }
}
