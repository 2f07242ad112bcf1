//! `dockmount rule`: a rule's documentation (the doc comment of its file, as on its page in
//! `docs/rules/`), or the list of every rule.

use crate::lint::{all_rules, find_rule};
use crate::report::rule_docs::{self, severity_name};
use crate::rules::Rule;
use clap::ValueEnum;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum RuleFormat {
    /// The documentation as it reads in a terminal (Markdown).
    Text,
    /// Code, name, severity, summary and documentation as JSON.
    Json,
    /// The page of `docs/rules/` (with --all: the index page).
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// The rule's code (`DM006`) or name (`comma-in-target`).
    #[arg(value_name = "RULE", required_unless_present = "all")]
    rule: Option<String>,
    /// List every rule: code, name and what it does.
    #[arg(long, conflicts_with = "rule")]
    all: bool,
    #[arg(long, value_enum, default_value_t = RuleFormat::Text)]
    format: RuleFormat,
}

fn to_json(rule: &Rule) -> Value {
    json!({
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity,
        "summary": rule.summary(),
        "documentation": rule.documentation(),
    })
}

pub fn run(args: &RuleArgs) -> i32 {
    let out = if args.all {
        let rules = all_rules();
        match args.format {
            RuleFormat::Text => {
                let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
                rules
                    .iter()
                    .map(|r| {
                        format!("{}  {:<width$}  {:<7}  {}\n", r.code, r.name, severity_name(r.severity), r.summary())
                    })
                    .collect()
            }
            RuleFormat::Json => pretty(&Value::Array(rules.iter().map(|r| to_json(r)).collect())),
            RuleFormat::Markdown => rule_docs::index(&rules),
        }
    } else {
        let key = args.rule.as_deref().unwrap_or_default();
        let Some(rule) = find_rule(key) else {
            eprintln!("error: unknown rule `{key}` (see `dockmount rule --all`)");
            return 2;
        };
        match args.format {
            RuleFormat::Text => rule_docs::text(rule),
            RuleFormat::Markdown => rule_docs::page(rule),
            RuleFormat::Json => pretty(&to_json(rule)),
        }
    };
    super::say(&out);
    0
}

fn pretty(value: &Value) -> String {
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}
