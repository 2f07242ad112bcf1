//! Engine rules shared by every kind of request: volume names of the `local` driver, the
//! daemon-root propagation rule for binds, and the `Mode` local volumes get.

use super::context::Context;
use super::verdict::go_quote;

/// The `local` driver's name check, as the error `docker create` prints
/// (`create NAME: ...`). Other drivers judge names themselves: accepted here.
pub fn check_volume_name(name: &str, driver: &str) -> Result<(), String> {
    if !(driver.is_empty() || driver == "local") {
        return Ok(());
    }
    if name.chars().count() == 1 {
        return Err(format!(
            "create {name}: volume name is too short, names should be at least two alphanumeric characters"
        ));
    }
    if !is_valid_local_name(name) {
        return Err(format!(
            "create {name}: {} includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path",
            go_quote(name)
        ));
    }
    Ok(())
}

/// `[a-zA-Z0-9][a-zA-Z0-9_.-]+`
pub fn is_valid_local_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    let rest = chars.as_str();
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The daemon-root rule (spec §1.9) for a bind from `source` with the propagation the
/// user gave (`""` when none): the propagation the Engine uses, or its error.
pub fn daemon_root_propagation(source: &str, propagation: &str, ctx: &Context) -> Result<String, String> {
    let root = ctx.daemon_root.as_str();
    let near_root = source.starts_with(root) || root.starts_with(source);
    if !near_root {
        return Ok(if propagation.is_empty() { "rprivate".to_string() } else { propagation.to_string() });
    }
    match propagation {
        "" => Ok("rslave".to_string()),
        "rslave" | "rshared" => Ok(propagation.to_string()),
        other => Err(format!(
            "invalid mount config: must use either propagation mode \"rslave\" or \"rshared\" when mount source is within the daemon root, daemon root: {}, bind mount source: {}, propagation: {}",
            go_quote(root),
            go_quote(source),
            go_quote(other)
        )),
    }
}

/// The host path of a volume of the `local` driver, as `docker inspect` shows it.
pub fn local_volume_path(name: &str, ctx: &Context) -> String {
    format!("{}/volumes/{name}/_data", ctx.daemon_root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names() {
        assert!(check_volume_name("ab", "local").is_ok());
        assert!(check_volume_name("x", "").unwrap_err().contains("too short"));
        assert_eq!(
            check_volume_name("~/x", "").unwrap_err(),
            "create ~/x: \"~/x\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
        );
        assert!(check_volume_name("~/x", "nfs").is_ok());
    }

    #[test]
    fn daemon_root_rule() {
        let ctx = Context::default();
        assert_eq!(daemon_root_propagation("/", "", &ctx).unwrap(), "rslave");
        assert_eq!(daemon_root_propagation("/var/lib/docker2", "", &ctx).unwrap(), "rslave");
        assert_eq!(daemon_root_propagation("/srv", "", &ctx).unwrap(), "rprivate");
        assert!(daemon_root_propagation("/var", "private", &ctx).is_err());
    }
}
