//! The element registry: class names to constructors and documentation.
//!
//! The standard library registers its classes (`elements::standard_registry()`); embedders
//! add their own next to them with [`Registry::register`].

use std::collections::BTreeMap;

use crate::element::Element;

/// One element class.
#[derive(Clone, Copy)]
pub struct ElementClass {
    /// Click class name.
    pub name: &'static str,
    /// Makes an unconfigured instance.
    pub make: fn() -> Box<dyn Element>,
    /// Documentation in Markdown: synopsis, ports and processing, keywords, handlers, example.
    pub doc: &'static str,
}

impl std::fmt::Debug for ElementClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElementClass").field("name", &self.name).finish()
    }
}

/// Class names to element classes.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    classes: BTreeMap<&'static str, ElementClass>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a class, replacing any class of the same name.
    pub fn register(&mut self, class: ElementClass) -> &mut Registry {
        self.classes.insert(class.name, class);
        self
    }

    /// Adds a class from its parts.
    pub fn register_fn(
        &mut self,
        name: &'static str,
        make: fn() -> Box<dyn Element>,
        doc: &'static str,
    ) -> &mut Registry {
        self.register(ElementClass { name, make, doc })
    }

    /// The class named `name`.
    pub fn get(&self, name: &str) -> Option<&ElementClass> {
        self.classes.get(name)
    }

    /// True when `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.classes.contains_key(name)
    }

    /// A new instance of `name`.
    pub fn make(&self, name: &str) -> Option<Box<dyn Element>> {
        self.classes.get(name).map(|c| (c.make)())
    }

    /// Every class, sorted by name.
    pub fn classes(&self) -> impl Iterator<Item = &ElementClass> {
        self.classes.values()
    }

    /// Class names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.classes.keys().copied()
    }

    /// The registered name closest to `name`, for "did you mean" hints.
    pub fn suggest(&self, name: &str) -> Option<&'static str> {
        let lower = name.to_ascii_lowercase();
        self.names()
            .map(|n| (edit_distance(&lower, &n.to_ascii_lowercase()), n))
            .filter(|&(d, n)| d <= (n.len() / 3).max(1))
            .min()
            .map(|(_, n)| n)
    }
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("counter", "counter"), 0);
    }
}
