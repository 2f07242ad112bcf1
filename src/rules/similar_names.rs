//! The declared name nearest to a misspelt one: at most two edits away (Levenshtein
//! distance over chars), and fewer edits than the misspelt name has chars.
//!
//! A file can declare thousands of names and misspell thousands, so the names are kept in
//! a compacted trie and each lookup walks only the branches that can still be within two
//! edits, with the distances of a band of five cells per char (a cell further from the
//! diagonal is more than two edits anyway).

/// Distances above this are never of interest.
const MOST: usize = 2;

/// A cell known to be more than the limit of a lookup.
const FAR: u8 = MOST as u8 + 1;

/// One row of the band: cell `o` holds the distance to the query's first `depth - k + o`
/// chars (`k` the lookup's limit), capped at [`FAR`].
type Band = [u8; 2 * MOST + 1];

/// A node of the compacted trie: the chars `start..end` of `names[name]` lead to it.
struct Node {
    name: usize,
    start: usize,
    end: usize,
    /// A name ends here (the node's `name`).
    terminal: bool,
    children: Vec<usize>,
}

pub struct SimilarNames<'a> {
    names: Vec<(&'a str, Vec<char>)>,
    nodes: Vec<Node>,
}

fn common_prefix(a: &[char], b: &[char], from: usize) -> usize {
    let mut at = from;
    while at < a.len() && at < b.len() && a[at] == b[at] {
        at += 1;
    }
    at
}

impl<'a> SimilarNames<'a> {
    pub fn new(names: impl IntoIterator<Item = &'a str>) -> SimilarNames<'a> {
        let mut names: Vec<(&'a str, Vec<char>)> = names.into_iter().map(|n| (n, n.chars().collect())).collect();
        // Sorted by chars (as `str` sorts), so that the names under a node are adjacent.
        names.sort_unstable_by(|a, b| a.0.cmp(b.0));
        names.dedup_by(|a, b| a.0 == b.0);
        let mut nodes: Vec<Node> = Vec::new();
        // (first name, end of the names, depth they share, parent node)
        let mut tasks: Vec<(usize, usize, usize, Option<usize>)> = Vec::new();
        if !names.is_empty() {
            tasks.push((0, names.len(), 0, None));
        }
        while let Some((lo, hi, start, parent)) = tasks.pop() {
            // The first and last of a sorted run share what all of them share.
            let end = common_prefix(&names[lo].1, &names[hi - 1].1, start);
            let terminal = names[lo].1.len() == end;
            let index = nodes.len();
            nodes.push(Node { name: lo, start, end, terminal, children: Vec::new() });
            if let Some(parent) = parent {
                nodes[parent].children.push(index);
            }
            // The names going on: runs of the same next char.
            let mut from = lo + usize::from(terminal);
            while from < hi {
                let next = names[from].1[end];
                let run = names[from..hi].partition_point(|(_, chars)| chars[end] == next);
                tasks.push((from, from + run, end, Some(index)));
                from += run;
            }
        }
        SimilarNames { names, nodes }
    }

    /// The nearest name within the limit, the alphabetically first of the nearest.
    pub fn closest(&self, name: &str) -> Option<&'a str> {
        let query: Vec<char> = name.chars().collect();
        let limit = MOST.min(query.len().checked_sub(1)?);
        // A search within fewer edits walks far fewer branches: widen only as needed.
        (0..=limit).find_map(|within| self.search(&query, within))
    }

    /// The nearest name at most `limit` edits from `query`, alphabetically first of the
    /// nearest.
    fn search(&self, query: &[char], limit: usize) -> Option<&'a str> {
        let mut first: Band = [FAR; 2 * MOST + 1];
        for (o, cell) in first.iter_mut().enumerate().take(2 * limit + 1) {
            // Depth 0: the distance to the query's first `o - limit` chars is their count.
            if let Some(j) = o.checked_sub(limit).filter(|j| *j <= query.len()) {
                *cell = j as u8;
            }
        }
        let mut best: Option<(u8, &'a str)> = None;
        // Branches further than the best so far cannot win (a tie can: alphabetically).
        let mut bound = limit as u8;
        let mut stack = if self.nodes.is_empty() { Vec::new() } else { vec![(0, first)] };
        'nodes: while let Some((index, mut band)) = stack.pop() {
            let node = &self.nodes[index];
            let chars = &self.names[node.name].1;
            for (depth, c) in chars.iter().enumerate().take(node.end).skip(node.start) {
                band = step(&band, *c, depth + 1, query, limit);
                if band.iter().take(2 * limit + 1).all(|cell| *cell > bound) {
                    continue 'nodes;
                }
            }
            if node.terminal {
                // The cell of the whole query, if the band reaches it.
                let offset = (query.len() + limit).checked_sub(node.end).filter(|o| *o <= 2 * limit);
                if let Some(distance) = offset.map(|o| band[o]).filter(|d| *d <= bound) {
                    let candidate = (distance, self.names[node.name].0);
                    if best.is_none_or(|b| candidate < b) {
                        best = Some(candidate);
                        bound = distance;
                    }
                }
            }
            stack.extend(node.children.iter().map(|child| (*child, band)));
        }
        best.map(|(_, name)| name)
    }
}

/// The band after one more char `c` of a name (now `depth` chars long).
fn step(previous: &Band, c: char, depth: usize, query: &[char], limit: usize) -> Band {
    let mut band: Band = [FAR; 2 * MOST + 1];
    for o in 0..=2 * limit {
        // The cell compares the name's first `depth` chars with the query's first `j`.
        let Some(j) = (depth + o).checked_sub(limit).filter(|j| *j <= query.len()) else { continue };
        let value = if j == 0 {
            depth.min(usize::from(FAR)) as u8
        } else {
            let substitute = previous[o] + u8::from(query[j - 1] != c);
            let delete = previous.get(o + 1).filter(|_| o < 2 * limit).map_or(FAR, |cell| cell + 1);
            let insert = if o > 0 { band[o - 1] + 1 } else { FAR };
            substitute.min(delete).min(insert)
        };
        band[o] = value.min(FAR);
    }
    band
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance cell by cell, for comparison.
    fn levenshtein(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let above = row[j + 1];
                row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
                diagonal = above;
            }
        }
        row[b.len()]
    }

    /// The nearest name found by comparing with each one.
    fn nearest<'a>(name: &str, declared: &[&'a str]) -> Option<&'a str> {
        declared
            .iter()
            .map(|d| (levenshtein(name, d), *d))
            .filter(|(distance, _)| *distance <= 2 && *distance < name.chars().count())
            .min()
            .map(|(_, d)| d)
    }

    #[test]
    fn close_names() {
        let declared = ["db-data", "logs", "b", "ab1", "a", "date", "dat", "données"];
        let names = SimilarNames::new(declared);
        assert_eq!(names.closest("dbdata"), Some("db-data"));
        assert_eq!(names.closest("cache"), None);
        assert_eq!(names.closest("ab"), Some("a"));
        assert_eq!(names.closest("data"), Some("dat"));
        assert_eq!(names.closest("donnes"), Some("données"));
        assert_eq!(names.closest(""), None);
        assert_eq!(SimilarNames::new(["b"]).closest("a"), None);
        assert_eq!(SimilarNames::new([]).closest("data"), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn the_trie_finds_what_comparing_each_name_finds() {
        // Names over a small alphabet, so that many are within two edits of each other.
        let mut seed = 0x9e37_79b9_u64;
        let mut next = |bound: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % bound
        };
        let word = |next: &mut dyn FnMut(u64) -> u64| -> String {
            let len = next(7) as usize;
            (0..len).map(|_| ['a', 'b', 'c', 'é'][next(4) as usize]).collect()
        };
        for _ in 0..200 {
            let count = next(30) as usize;
            let declared: Vec<String> = (0..count).map(|_| word(&mut next)).collect();
            let refs: Vec<&str> = declared.iter().map(String::as_str).collect();
            let names = SimilarNames::new(refs.iter().copied());
            for _ in 0..20 {
                let query = word(&mut next);
                assert_eq!(names.closest(&query), nearest(&query, &refs), "{query:?} among {refs:?}");
            }
        }
    }
}
