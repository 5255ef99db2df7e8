//! Span lookup in the parsed TOML document, so checks that work on typed
//! values can still point at the exact key or value in the file.

use super::problem::{KeyPath, Segment};
use crate::diagnostic::{Location, SourceFile};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The parsed document and the file it came from.
pub(crate) struct Document<'a> {
    pub root: &'a Spanned<DeTable<'a>>,
    pub file: &'a SourceFile,
}

impl<'a> Document<'a> {
    pub(crate) fn new(root: &'a Spanned<DeTable<'a>>, file: &'a SourceFile) -> Self {
        Document { root, file }
    }

    /// The value at a path, if the manifest contains it.
    pub(crate) fn value(&self, path: &KeyPath) -> Option<&'a Spanned<DeValue<'a>>> {
        let mut table: &'a DeTable<'a> = self.root.get_ref();
        let mut current: Option<&'a Spanned<DeValue<'a>>> = None;
        for seg in &path.0 {
            let next = match (seg, current.map(|v| v.get_ref())) {
                (Segment::Key(k), None) => table.get(k.as_str()),
                (Segment::Key(k), Some(DeValue::Table(t))) => t.get(k.as_str()),
                (Segment::Index(i), Some(DeValue::Array(a))) => a.get(*i),
                _ => None,
            }?;
            if let DeValue::Table(t) = next.get_ref() {
                table = t;
            }
            current = Some(next);
        }
        current
    }

    pub(crate) fn contains(&self, path: &KeyPath) -> bool {
        self.value(path).is_some()
    }

    /// The span of the key itself (`listen` in `listen = ...`, `docker` in `[docker]`).
    pub(crate) fn key_span(&self, path: &KeyPath) -> Option<Range<usize>> {
        let key = path.last_key()?;
        let parent = path.parent();
        let table = if parent.is_root() {
            self.root.get_ref()
        } else {
            match self.value(&parent)?.get_ref() {
                DeValue::Table(t) => t,
                _ => return None,
            }
        };
        table.get_key_value(key).map(|(k, _)| k.span())
    }

    /// Where to point for a problem with `path`: its value, else the
    /// nearest enclosing table that exists (for missing keys), else the
    /// start of the file.
    pub(crate) fn span(&self, path: &KeyPath) -> Range<usize> {
        let mut p = path.clone();
        loop {
            if let Some(v) = self.value(&p) {
                return v.span();
            }
            if p.is_root() {
                return 0..0;
            }
            p = p.parent();
        }
    }

    /// Like [`span`](Self::span) but prefers the key for tables, so a
    /// problem with a whole table underlines `[docker]`'s name, not its body.
    pub(crate) fn key_or_value_span(&self, path: &KeyPath) -> Range<usize> {
        match self.value(path) {
            Some(v) if matches!(v.get_ref(), DeValue::Table(_)) => {
                self.key_span(path).unwrap_or_else(|| v.span())
            }
            Some(v) => v.span(),
            None => self.span(path),
        }
    }

    /// The location of a path's value, for provenance.
    pub(crate) fn location(&self, path: &KeyPath) -> Option<Location> {
        self.value(path).map(|v| self.file.location(v.span().start))
    }
}
