//! YAML documents to a tree with byte spans, as Compose's YAML reader sees them.
//!
//! The event parser (`granit-parser`) gives every scalar and collection with its byte
//! range. On top of it this module:
//! - resolves aliases by copying the anchored node (each copy remembers where the alias
//!   was written), refusing self-referencing anchors;
//! - applies `<<` merge keys as Go's YAML library does when it decodes into a map: the
//!   mapping's own keys win, then earlier merge sources over later ones;
//! - reports a duplicate mapping key the way Compose does (`line 3: mapping key "a"
//!   already defined at line 1`);
//! - keeps tags (`!reset`, `!override`, `!!str`...) and scalar styles, for the model to
//!   type scalars (YAML 1.2 core schema, as Go's library does) and to apply Compose's tags;
//! - bounds the work: text size, nesting, node count and alias expansion all have limits,
//!   so a hostile document ("billion laughs", 10,000 nested brackets, 50 MB) ends in a
//!   clear error with bounded memory, never a hang or a crash.

use crate::span::Span;
use granit_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::{HashMap, HashSet};

/// Resource limits for reading one compose file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest text accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of collections in the text (flow and block each).
    pub max_nesting: usize,
    /// Most nodes in one document before alias expansion (Compose itself stops at
    /// 100,000 node visits per document).
    pub max_nodes: usize,
    /// Most nodes in one document once aliases are expanded.
    pub max_expanded_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 10 * 1024 * 1024, max_nesting: 128, max_nodes: 100_000, max_expanded_nodes: 400_000 }
    }
}

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar's text after YAML escapes and folding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
    /// The byte offset in the file where `text` appears verbatim (no escapes, no folding),
    /// so that a part of the value can be pointed at exactly; `None` otherwise.
    pub verbatim_at: Option<usize>,
}

/// One mapping entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// The content of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A YAML node with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    /// Where the node's text is (for a copy made by an alias: the anchored original).
    pub span: Span,
    /// The tag as written, core-schema tags shortened: `!reset`, `!!str`.
    pub tag: Option<String>,
    /// For a copy made by an alias: where the alias (`*name`) was written.
    pub alias: Option<Span>,
}

impl Node {
    /// The scalar text, if this is a scalar.
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.value {
            NodeValue::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }
}

/// A document that cannot be read: the message (in the words Compose's YAML library uses
/// where we know them) and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

impl YamlError {
    fn new(message: impl Into<String>, span: Span) -> YamlError {
        YamlError { message: message.into(), span }
    }
}

/// Read every document of `text`. An empty text has no document.
pub fn parse(text: &str, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    if text.len() > limits.max_bytes {
        return Err(YamlError::new(
            format!("file is too large: {} bytes, the limit is {} bytes", text.len(), limits.max_bytes),
            Span::new(0, 0),
        ));
    }
    let raw = read_events(text, limits)?;
    let mut documents = Vec::with_capacity(raw.documents.len());
    for &root in &raw.documents {
        let mut expander = Expander { raw: &raw, limits, made: 0, made_by_alias: 0 };
        documents.push(expander.expand(root, 0, None, false)?);
    }
    Ok(documents)
}

// ---------------------------------------------------------------------------------------
// Phase 1: events to an arena of raw nodes (aliases kept as references). Iterative, so the
// nesting of the text never grows the call stack.

#[derive(Debug)]
enum RawValue {
    Scalar(Scalar),
    Seq(Vec<usize>),
    /// Keys and values, alternating.
    Map(Vec<usize>),
    /// Reference to the raw node of an anchor, with the anchor's name.
    Alias(usize),
}

#[derive(Debug)]
struct RawNode {
    value: RawValue,
    span: Span,
    tag: Option<String>,
}

struct RawDocuments {
    nodes: Vec<RawNode>,
    documents: Vec<usize>,
}

/// A collection being read: its arena index, and for a mapping the text of each key so
/// far (to find a repeated key without going over all the earlier ones).
struct Open {
    index: usize,
    anchor: usize,
    keys: HashMap<String, usize>,
}

fn byte_at(marker: &Marker) -> usize {
    marker.byte_offset().unwrap_or(0)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|b| **b == b'\n').count() + 1
}

fn tag_name(tag: &granit_parser::Tag) -> String {
    match tag.handle() {
        "tag:yaml.org,2002:" => format!("!!{}", tag.suffix()),
        "!" => format!("!{}", tag.suffix()),
        handle => format!("{handle}{}", tag.suffix()),
    }
}

fn style_of(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

/// Where the cooked text of a scalar appears verbatim in the source, if it does.
fn verbatim_offset(text: &str, span: Span, value: &str, style: Style) -> Option<usize> {
    let (start, end) = match style {
        Style::Plain => (span.start, span.end),
        Style::SingleQuoted | Style::DoubleQuoted => (span.start + 1, span.end.checked_sub(1)?),
        Style::Literal | Style::Folded => return None,
    };
    (text.get(start..end)? == value).then_some(start)
}

fn read_events(text: &str, limits: &Limits) -> Result<RawDocuments, YamlError> {
    let options = granit_parser::options! {
        emit_anchor_events: true,
        flow_nesting_limit: limits.max_nesting,
        block_nesting_limit: limits.max_nesting,
    };
    let parser = Parser::new_from_str_with_options(text, options);
    let mut nodes: Vec<RawNode> = Vec::new();
    let mut documents = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    // Anchor id -> (raw node, name); a collection's anchor is known before it is complete.
    let mut anchors: HashMap<usize, (usize, String)> = HashMap::new();
    let mut document_root: Option<usize> = None;
    let mut visits = 0usize;
    // Compose reports the first duplicate key, but only if the document is valid YAML.
    let mut duplicate: Option<YamlError> = None;

    for item in parser {
        let (event, span) = match item {
            Ok(pair) => pair,
            Err(error) => {
                let offset = byte_at(error.marker());
                // Go's YAML library prints the problem without its "while parsing" context.
                let problem = error.kind().to_string();
                let problem = match problem.strip_prefix("while ").and_then(|rest| rest.split_once(", ")) {
                    Some((_, rest)) => rest.to_string(),
                    None => problem,
                };
                return Err(YamlError::new(
                    format!("yaml: line {}: {problem}", error.marker().line()),
                    Span::new(offset, offset),
                ));
            }
        };
        let here = Span::new(byte_at(&span.start), byte_at(&span.end).max(byte_at(&span.start)));
        let event_kind = matches!(event, Event::SequenceStart(..));
        let new_node = match event {
            Event::DocumentStart(..) => {
                document_root = None;
                anchors.clear();
                visits = 0;
                None
            }
            Event::DocumentEnd => {
                let root = match document_root.take() {
                    Some(root) => root,
                    None => push_node(&mut nodes, null_scalar(here), here, None),
                };
                documents.push(root);
                None
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = style_of(style);
                let verbatim_at = verbatim_offset(text, here, &value, style);
                let scalar = Scalar { text: value.into_owned(), style, verbatim_at };
                let tag = tag.map(|t| tag_name(&t));
                let index = push_node(&mut nodes, RawValue::Scalar(scalar), here, tag);
                if anchor != 0 {
                    anchors.insert(anchor, (index, String::new()));
                }
                Some(index)
            }
            Event::Alias(anchor) => {
                let Some((target, name)) = anchors.get(&anchor).cloned() else {
                    return Err(YamlError::new(format!("yaml: line {}: unknown anchor", span.start.line()), here));
                };
                if stack.iter().any(|open| open.anchor == anchor) {
                    return Err(YamlError::new(format!("yaml: anchor '{name}' value contains itself"), here));
                }
                Some(push_node(&mut nodes, RawValue::Alias(target), here, None))
            }
            Event::Anchor(anchor, name) => {
                // Names the anchor of the node just read (or just opened).
                if let Some(entry) = anchors.get_mut(&anchor) {
                    entry.1 = name.into_owned();
                }
                continue;
            }
            Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag) => {
                let is_seq = was_sequence_start(&event_kind);
                let value = if is_seq { RawValue::Seq(Vec::new()) } else { RawValue::Map(Vec::new()) };
                let index = push_node(&mut nodes, value, here, tag.map(|t| tag_name(&t)));
                if anchor != 0 {
                    anchors.insert(anchor, (index, String::new()));
                }
                if !next_is_key(&nodes, &stack) {
                    visits += 1;
                }
                if visits > limits.max_nodes {
                    return Err(YamlError::new(
                        format!("compose file exceeds maximum node visit limit ({})", limits.max_nodes),
                        here,
                    ));
                }
                attach(&mut nodes, &mut stack, index, text, &mut duplicate);
                stack.push(Open { index, anchor, keys: HashMap::new() });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = stack.pop() {
                    if let Some(node) = nodes.get_mut(open.index) {
                        // A collection ends where its last child ends, or at its closing bracket.
                        let closing = if text.get(here.start..here.end).is_some_and(|t| t == "]" || t == "}") {
                            here.end
                        } else {
                            node.span.end
                        };
                        node.span.end = node.span.end.max(closing);
                    }
                    if stack.is_empty() {
                        document_root = Some(open.index);
                    }
                    extend_parent(&mut nodes, &stack, open.index);
                }
                continue;
            }
            _ => None,
        };
        if let Some(index) = new_node {
            if !next_is_key(&nodes, &stack) {
                visits += 1;
            }
            if visits > limits.max_nodes {
                return Err(YamlError::new(
                    format!("compose file exceeds maximum node visit limit ({})", limits.max_nodes),
                    here,
                ));
            }
            if stack.is_empty() {
                document_root = Some(index);
            } else {
                attach(&mut nodes, &mut stack, index, text, &mut duplicate);
                extend_parent(&mut nodes, &stack, index);
            }
        }
    }
    if let Some(error) = duplicate {
        return Err(error);
    }
    Ok(RawDocuments { nodes, documents })
}

/// Whether the next node read is a mapping key (Compose's visit counter skips keys).
fn next_is_key(nodes: &[RawNode], stack: &[Open]) -> bool {
    let Some(open) = stack.last() else { return false };
    matches!(nodes.get(open.index).map(|n| &n.value), Some(RawValue::Map(children)) if children.len() % 2 == 0)
}

fn was_sequence_start(is_sequence: &bool) -> bool {
    *is_sequence
}

fn null_scalar(span: Span) -> RawValue {
    RawValue::Scalar(Scalar { text: String::new(), style: Style::Plain, verbatim_at: Some(span.start) })
}

fn push_node(nodes: &mut Vec<RawNode>, value: RawValue, span: Span, tag: Option<String>) -> usize {
    nodes.push(RawNode { value, span, tag });
    nodes.len() - 1
}

/// Append `child` to the innermost open collection; for a mapping key, check that the
/// key was not already used (Compose compares the keys' scalar text; a key that is not a
/// scalar counts as the empty text).
fn attach(nodes: &mut [RawNode], stack: &mut [Open], child: usize, text: &str, duplicate: &mut Option<YamlError>) {
    let Some(open) = stack.last_mut() else { return };
    let is_new_key =
        matches!(nodes.get(open.index).map(|n| &n.value), Some(RawValue::Map(children)) if children.len() % 2 == 0);
    if is_new_key && duplicate.is_none() {
        let name = match nodes.get(child).map(|n| &n.value) {
            Some(RawValue::Scalar(scalar)) => scalar.text.clone(),
            _ => String::new(),
        };
        match open.keys.get(&name) {
            Some(&earlier) => {
                if let Some(this) = nodes.get(child) {
                    let first_line = nodes.get(earlier).map(|n| line_of(text, n.span.start)).unwrap_or(0);
                    *duplicate = Some(YamlError::new(
                        format!(
                            "line {}: mapping key {} already defined at line {first_line}",
                            line_of(text, this.span.start),
                            crate::model::verdict::go_quote(&name)
                        ),
                        this.span,
                    ));
                }
            }
            None => {
                open.keys.insert(name, child);
            }
        }
    }
    if let Some(node) = nodes.get_mut(open.index) {
        match &mut node.value {
            RawValue::Seq(children) | RawValue::Map(children) => children.push(child),
            _ => {}
        }
    }
}

/// Grow the open collections' spans to cover a finished child.
fn extend_parent(nodes: &mut [RawNode], stack: &[Open], child: usize) {
    let Some(end) = nodes.get(child).map(|n| n.span.end) else { return };
    for open in stack {
        if let Some(node) = nodes.get_mut(open.index) {
            node.span.end = node.span.end.max(end);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Phase 2: expand aliases and merge keys into the final tree, within the budget.

struct Expander<'a> {
    raw: &'a RawDocuments,
    limits: &'a Limits,
    made: usize,
    made_by_alias: usize,
}

/// Tags that make `<<` a merge key: none, or the core-schema merge tag.
fn is_merge_key(node: &RawNode) -> bool {
    match &node.value {
        RawValue::Scalar(scalar) => {
            scalar.text == "<<"
                && scalar.style == Style::Plain
                && matches!(node.tag.as_deref(), None | Some("!") | Some("!!merge"))
        }
        _ => false,
    }
}

const MERGE_ERROR: &str = "yaml: map merge requires map or sequence of maps as the value";

impl<'a> Expander<'a> {
    fn count(&mut self, via_alias: bool, span: Span) -> Result<(), YamlError> {
        self.made += 1;
        if via_alias {
            self.made_by_alias += 1;
        }
        if self.made > self.limits.max_expanded_nodes && self.made_by_alias > 0 {
            return Err(YamlError::new("yaml: document contains excessive aliasing", span));
        }
        Ok(())
    }

    fn node(&self, index: usize) -> Result<&'a RawNode, YamlError> {
        let raw: &'a RawDocuments = self.raw;
        raw.nodes.get(index).ok_or_else(|| YamlError::new("yaml: internal node reference lost", Span::default()))
    }

    /// Follow aliases to the raw node they name; returns it and the first alias's span.
    fn deref(&self, index: usize) -> Result<(usize, Option<Span>), YamlError> {
        let node = self.node(index)?;
        match &node.value {
            RawValue::Alias(target) => Ok((*target, Some(node.span))),
            _ => Ok((index, None)),
        }
    }

    fn expand(&mut self, index: usize, depth: usize, alias: Option<Span>, via_alias: bool) -> Result<Node, YamlError> {
        let raw = self.node(index)?;
        if depth > self.limits.max_nesting * 2 {
            return Err(YamlError::new(
                format!("yaml: exceeded max depth of {}", self.limits.max_nesting * 2),
                raw.span,
            ));
        }
        if let RawValue::Alias(target) = &raw.value {
            let (target, span) = (*target, raw.span);
            return self.expand(target, depth, alias.or(Some(span)), true);
        }
        self.count(via_alias, raw.span)?;
        let value = match &raw.value {
            RawValue::Scalar(scalar) => NodeValue::Scalar(scalar.clone()),
            RawValue::Seq(children) => {
                let mut items = Vec::with_capacity(children.len());
                for &child in children {
                    items.push(self.expand(child, depth + 1, None, via_alias)?);
                }
                NodeValue::Seq(items)
            }
            RawValue::Map(children) => NodeValue::Map(self.expand_map(children, depth, via_alias)?),
            RawValue::Alias(..) => unreachable_alias(),
        };
        Ok(Node { value, span: raw.span, tag: raw.tag.clone(), alias })
    }

    fn expand_map(&mut self, children: &[usize], depth: usize, via_alias: bool) -> Result<Vec<Entry>, YamlError> {
        let mut entries: Vec<Entry> = Vec::with_capacity(children.len() / 2);
        let mut merge: Option<usize> = None;
        for pair in children.chunks(2) {
            let [key, value] = pair else { continue };
            if is_merge_key(self.node(*key)?) {
                // Only the last `<<` counts (a repeated key is refused earlier anyway).
                merge = Some(*value);
                continue;
            }
            let key = self.expand(*key, depth + 1, None, via_alias)?;
            let value = self.expand(*value, depth + 1, None, via_alias)?;
            entries.push(Entry { key, value });
        }
        if let Some(source) = merge {
            let (target, _) = self.deref(source)?;
            // Compose hands the YAML library an alias's target directly, so `<<: *list`
            // works like a written list of mappings.
            let sources: Vec<usize> = match &self.node(target)?.value {
                RawValue::Map(_) => vec![source],
                RawValue::Seq(items) => items.clone(),
                _ => return Err(YamlError::new(MERGE_ERROR, self.node(source)?.span)),
            };
            // The key texts taken so far (`None` for a key that is not a scalar).
            let mut taken: HashSet<Option<String>> =
                entries.iter().map(|e| e.key.scalar().map(|s| s.text.clone())).collect();
            for item in sources {
                let (item_target, _) = self.deref(item)?;
                if !matches!(self.node(item_target)?.value, RawValue::Map(_)) {
                    return Err(YamlError::new(MERGE_ERROR, self.node(item)?.span));
                }
                let merged = self.expand(item, depth + 1, None, via_alias)?;
                if let NodeValue::Map(more) = merged.value {
                    for entry in more {
                        if taken.insert(entry.key.scalar().map(|s| s.text.clone())) {
                            entries.push(entry);
                        }
                    }
                }
            }
        }
        Ok(entries)
    }
}

/// Aliases are followed before this point; kept out of line so the match stays total.
fn unreachable_alias() -> NodeValue {
    NodeValue::Seq(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let docs = parse(text, &Limits::default()).expect("parses");
        docs.into_iter().next().expect("one document")
    }

    fn map_get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
        match &node.value {
            NodeValue::Map(entries) => {
                entries.iter().find(|e| e.key.scalar().is_some_and(|s| s.text == key)).map(|e| &e.value)
            }
            _ => None,
        }
    }

    #[test]
    fn scalars_have_byte_spans() {
        let text = "a: b\nv:\n  - ./a:/b:RO\n  - 'x''y'\n";
        let doc = one(text);
        let v = map_get(&doc, "v").unwrap();
        let NodeValue::Seq(items) = &v.value else { panic!() };
        assert_eq!(&text[items[0].span.start..items[0].span.end], "./a:/b:RO");
        assert_eq!(items[0].scalar().unwrap().verbatim_at, Some(items[0].span.start));
        assert_eq!(items[1].scalar().unwrap().text, "x'y");
        assert_eq!(items[1].scalar().unwrap().verbatim_at, None);
    }

    #[test]
    fn merge_keys_own_keys_win() {
        let doc = one("x: &t {type: bind, read_only: true}\ny:\n  <<: *t\n  read_only: false\n");
        let y = map_get(&doc, "y").unwrap();
        assert_eq!(map_get(y, "read_only").unwrap().scalar().unwrap().text, "false");
        assert_eq!(map_get(y, "type").unwrap().scalar().unwrap().text, "bind");
        let merged = map_get(&one("a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n"), "c").cloned().unwrap();
        assert_eq!(map_get(&merged, "k").unwrap().scalar().unwrap().text, "1");
        assert_eq!(map_get(&merged, "j").unwrap().scalar().unwrap().text, "3");
    }

    #[test]
    fn duplicate_keys_are_refused_like_compose() {
        let error = parse("a: 1\nb: 2\na: 3\n", &Limits::default()).unwrap_err();
        assert_eq!(error.message, "line 3: mapping key \"a\" already defined at line 1");
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let error = parse(&text, &Limits::default()).unwrap_err();
        assert_eq!(error.message, "yaml: document contains excessive aliasing");
    }

    #[test]
    fn self_reference_and_deep_nesting_fail_cleanly() {
        let error = parse("a: &x [1, *x]\n", &Limits::default()).unwrap_err();
        assert_eq!(error.message, "yaml: anchor 'x' value contains itself");
        let deep = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let error = parse(&deep, &Limits::default()).unwrap_err();
        assert!(error.message.contains("recursion limit exceeded"), "{}", error.message);
    }

    #[test]
    fn unknown_escape_is_a_yaml_error() {
        let error = parse("v: \"C:\\data:/data\"\n", &Limits::default()).unwrap_err();
        assert_eq!(error.message, "yaml: line 1: found unknown escape character");
    }
}
