//! Byte spans into the text a syntax node was read from.

use serde::Serialize;

/// A half-open byte range `start..end` into the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The same span moved `by` bytes to the right: used when a value was parsed on its
    /// own and is then placed inside a larger text (a flag value inside a command line).
    pub const fn shift(self, by: usize) -> Span {
        Span { start: self.start + by, end: self.end + by }
    }

    pub const fn len(self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }
}
