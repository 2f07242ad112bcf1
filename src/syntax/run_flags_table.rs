//! Every flag of `docker run` and `docker create` (docker CLI 28.0–29.7), with its short
//! alias and whether it takes a value.
//!
//! Read from docker/cli `cli/command/container/opts.go` (`addFlags`), `run.go` and
//! `create.go`, and checked against `docker run --help` / `docker create --help` of CLI
//! 28.2.2. Hidden and deprecated flags are listed too (`--net`, `--net-alias`,
//! `--dns-opt`, `--kernel-memory`, `--disable-content-trust`): the CLI still accepts
//! them. The arity is what decides how the next word is read, so it must be exact:
//! a boolean never takes the next word (`--rm false` makes `false` the image), a
//! value flag always does (`-v --rm` gives `-v` the value `--rm`).

use crate::model::version::Version;

/// Whether a flag takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// `--name x`, `--name=x`, `-v x`, `-vx`, `-v=x`.
    Value,
    /// `--rm`, `--rm=false`, `-d`, `-d=false`, grouped `-dit`.
    Bool,
}

/// Which commands have a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commands {
    /// `docker run` and `docker create`.
    Both,
    /// `docker run` only (`--detach`, `--sig-proxy`, `--detach-keys`).
    RunOnly,
}

/// One flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagSpec {
    /// The long name as typed after `--`.
    pub long: &'static str,
    /// The one-letter alias, if any.
    pub short: Option<char>,
    pub arity: Arity,
    /// The name this flag is an alias of (`network` for the hidden `--net`), else `long`.
    pub canonical: &'static str,
    pub commands: Commands,
    /// The first CLI release with the flag, when it is newer than 28.0.
    pub since: Option<Version>,
}

impl FlagSpec {
    pub fn takes_value(&self) -> bool {
        self.arity == Arity::Value
    }

    /// Whether the flag exists in this command (`create` has no `--detach`).
    pub fn in_command(&self, create: bool) -> bool {
        !create || self.commands == Commands::Both
    }
}

const fn flag(long: &'static str, short: Option<char>, arity: Arity) -> FlagSpec {
    FlagSpec { long, short, arity, canonical: long, commands: Commands::Both, since: None }
}

const fn value(long: &'static str) -> FlagSpec {
    flag(long, None, Arity::Value)
}

const fn boolean(long: &'static str) -> FlagSpec {
    flag(long, None, Arity::Bool)
}

const fn alias(long: &'static str, canonical: &'static str) -> FlagSpec {
    FlagSpec { long, short: None, arity: Arity::Value, canonical, commands: Commands::Both, since: None }
}

const fn run_only(spec: FlagSpec) -> FlagSpec {
    FlagSpec { commands: Commands::RunOnly, ..spec }
}

use Arity::{Bool, Value};

/// The table, in the order of `docker run --help`.
pub const RUN_FLAGS: &[FlagSpec] = &[
    value("add-host"),
    value("annotation"),
    flag("attach", Some('a'), Value),
    value("blkio-weight"),
    value("blkio-weight-device"),
    value("cap-add"),
    value("cap-drop"),
    value("cgroup-parent"),
    value("cgroupns"),
    value("cidfile"),
    value("cpu-count"),
    value("cpu-percent"),
    value("cpu-period"),
    value("cpu-quota"),
    value("cpu-rt-period"),
    value("cpu-rt-runtime"),
    flag("cpu-shares", Some('c'), Value),
    value("cpus"),
    value("cpuset-cpus"),
    value("cpuset-mems"),
    run_only(flag("detach", Some('d'), Bool)),
    run_only(value("detach-keys")),
    value("device"),
    value("device-cgroup-rule"),
    value("device-read-bps"),
    value("device-read-iops"),
    value("device-write-bps"),
    value("device-write-iops"),
    // Deprecated (content trust was removed in CLI 29) but still accepted.
    boolean("disable-content-trust"),
    value("dns"),
    alias("dns-opt", "dns-option"),
    value("dns-option"),
    value("dns-search"),
    value("domainname"),
    value("entrypoint"),
    flag("env", Some('e'), Value),
    value("env-file"),
    value("expose"),
    value("gpus"),
    value("group-add"),
    value("health-cmd"),
    value("health-interval"),
    value("health-retries"),
    value("health-start-interval"),
    value("health-start-period"),
    value("health-timeout"),
    boolean("help"),
    // `-h` is the hostname, not help.
    flag("hostname", Some('h'), Value),
    boolean("init"),
    flag("interactive", Some('i'), Bool),
    value("io-maxbandwidth"),
    value("io-maxiops"),
    value("ip"),
    value("ip6"),
    value("ipc"),
    value("isolation"),
    // Deprecated, ignored by current engines, still accepted.
    value("kernel-memory"),
    flag("label", Some('l'), Value),
    value("label-file"),
    value("link"),
    value("link-local-ip"),
    value("log-driver"),
    value("log-opt"),
    value("mac-address"),
    flag("memory", Some('m'), Value),
    value("memory-reservation"),
    value("memory-swap"),
    value("memory-swappiness"),
    value("mount"),
    value("name"),
    alias("net", "network"),
    alias("net-alias", "network-alias"),
    value("network"),
    value("network-alias"),
    boolean("no-healthcheck"),
    boolean("oom-kill-disable"),
    value("oom-score-adj"),
    value("pid"),
    value("pids-limit"),
    value("platform"),
    boolean("privileged"),
    flag("publish", Some('p'), Value),
    flag("publish-all", Some('P'), Bool),
    value("pull"),
    flag("quiet", Some('q'), Bool),
    boolean("read-only"),
    value("restart"),
    boolean("rm"),
    value("runtime"),
    value("security-opt"),
    value("shm-size"),
    run_only(boolean("sig-proxy")),
    value("stop-signal"),
    value("stop-timeout"),
    value("storage-opt"),
    value("sysctl"),
    value("tmpfs"),
    flag("tty", Some('t'), Bool),
    value("ulimit"),
    FlagSpec { since: Some(Version::new(28, 1, 0)), ..boolean("use-api-socket") },
    flag("user", Some('u'), Value),
    value("userns"),
    value("uts"),
    flag("volume", Some('v'), Value),
    value("volume-driver"),
    value("volumes-from"),
    flag("workdir", Some('w'), Value),
];

/// The flag named `--long`.
pub fn lookup_long(long: &str) -> Option<&'static FlagSpec> {
    RUN_FLAGS.iter().find(|spec| spec.long == long)
}

/// The flag whose one-letter alias is `short`.
pub fn lookup_short(short: char) -> Option<&'static FlagSpec> {
    RUN_FLAGS.iter().find(|spec| spec.short == Some(short))
}

/// The storage flags: their values become mounts.
pub const STORAGE_FLAGS: [&str; 3] = ["volume", "mount", "tmpfs"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_aliases_resolve() {
        for (i, spec) in RUN_FLAGS.iter().enumerate() {
            assert!(RUN_FLAGS[..i].iter().all(|other| other.long != spec.long), "{} twice", spec.long);
            if let Some(short) = spec.short {
                assert!(RUN_FLAGS[..i].iter().all(|other| other.short != Some(short)), "-{short} twice");
            }
            let canonical = lookup_long(spec.canonical).expect("canonical name exists");
            assert_eq!(canonical.canonical, canonical.long);
        }
        assert_eq!(lookup_long("net").unwrap().canonical, "network");
        assert_eq!(lookup_long("dns-opt").unwrap().canonical, "dns-option");
    }

    #[test]
    fn arities_of_the_flags_that_matter() {
        for bool_flag in ["detach", "interactive", "tty", "rm", "privileged", "init", "read-only", "publish-all"] {
            assert_eq!(lookup_long(bool_flag).unwrap().arity, Arity::Bool, "{bool_flag}");
        }
        for short in ['d', 'i', 't', 'P', 'q'] {
            assert_eq!(lookup_short(short).unwrap().arity, Arity::Bool, "-{short}");
        }
        for short in ['v', 'e', 'p', 'u', 'w', 'h', 'm', 'l', 'a', 'c'] {
            assert_eq!(lookup_short(short).unwrap().arity, Arity::Value, "-{short}");
        }
        assert_eq!(lookup_short('h').unwrap().long, "hostname");
        assert!(lookup_short('x').is_none());
        assert!(!lookup_long("detach").unwrap().in_command(true));
        assert!(lookup_long("volume").unwrap().in_command(true));
        // 106 flags in `docker run --help` of CLI 28.2.2 (annotation and
        // health-start-interval hidden there at API 1.41, use-api-socket shown), plus the
        // hidden aliases net, net-alias, dns-opt and the Windows-only cpu-count,
        // cpu-percent, io-maxbandwidth, io-maxiops.
        assert_eq!(RUN_FLAGS.len(), 107);
    }
}
