//! Signatures and one-line docs of the built-ins (`docs.txt`), for the
//! editor's hover, completion and signature help. A test keeps the file and
//! the tables equal: every function and method has a line whose parameters
//! agree with its argument counts, and every line documents something.
//!
//! Read on first use only: `dlg run` never touches it.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::Recv;

const TEXT: &str = include_str!("docs.txt");

/// One parameter of a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamDoc {
    pub name: &'static str,
    pub optional: bool,
    /// `name...`: any number of arguments.
    pub repeated: bool,
}

/// The documentation of one built-in.
#[derive(Clone, Debug)]
pub struct Doc {
    /// As written in the file: `map.put`, `toList`, `ifnull`.
    pub key: &'static str,
    pub params: Vec<ParamDoc>,
    /// `text`, `number`, `decimal`, `bool`, `list`, `map`, `date`, `any`
    /// or `void`.
    pub returns: &'static str,
    pub summary: &'static str,
}

impl Doc {
    /// Fewest and most arguments (`usize::MAX` for a repeated parameter).
    pub fn arity(&self) -> (usize, usize) {
        let min = self
            .params
            .iter()
            .filter(|p| !p.optional && !p.repeated)
            .count();
        let max = if self.params.iter().any(|p| p.repeated) {
            usize::MAX
        } else {
            self.params.len()
        };
        (min, max)
    }

    /// `(key, value)`, with `?` after optional parameters.
    pub fn param_list(&self) -> String {
        let parts: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                let mark = if p.repeated {
                    "..."
                } else if p.optional {
                    "?"
                } else {
                    ""
                };
                format!("{}{mark}", p.name)
            })
            .collect();
        format!("({})", parts.join(", "))
    }

    /// The name without a receiver prefix (`put` for `map.put`).
    pub fn name(&self) -> &'static str {
        match self.key.split_once('.') {
            Some((head, rest)) if RECEIVERS.contains(&head) => rest,
            _ => self.key,
        }
    }
}

const RECEIVERS: [&str; 6] = ["text", "number", "list", "map", "date", "any"];

fn parse_line(line: &'static str) -> Option<Doc> {
    let open = line.find('(')?;
    let close = open + line[open..].find(')')?;
    let key = line[..open].trim();
    let rest = line[close + 1..].trim_start().strip_prefix("->")?;
    let (returns, summary) = rest.split_once(':')?;
    let params = line[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some(name) = p.strip_suffix("...") {
                ParamDoc {
                    name,
                    optional: true,
                    repeated: true,
                }
            } else if let Some(name) = p.strip_suffix('?') {
                ParamDoc {
                    name,
                    optional: true,
                    repeated: false,
                }
            } else {
                ParamDoc {
                    name: p,
                    optional: false,
                    repeated: false,
                }
            }
        })
        .collect();
    Some(Doc {
        key,
        params,
        returns: returns.trim(),
        summary: summary.trim(),
    })
}

static DOCS: LazyLock<HashMap<String, Doc>> = LazyLock::new(|| {
    TEXT.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(parse_line)
        .map(|d| (d.key.to_ascii_lowercase(), d))
        .collect()
});

/// Every documented built-in.
pub fn all() -> impl Iterator<Item = &'static Doc> {
    DOCS.values()
}

/// The doc of method `name` on a receiver type (`None`: any receiver that
/// has it).
pub fn method(recv: Option<Recv>, name: &str) -> Option<&'static Doc> {
    let lname = name.to_ascii_lowercase();
    if let Some(r) = recv
        && let Some(d) = DOCS.get(&format!("{}.{lname}", r.name()))
    {
        return Some(d);
    }
    if let Some(d) = DOCS.get(&lname) {
        return Some(d);
    }
    if recv.is_none() {
        // Receiver unknown: the first receiver-specific doc of that name.
        return RECEIVERS
            .iter()
            .find_map(|r| DOCS.get(&format!("{r}.{lname}")));
    }
    None
}

/// The doc of free function `name` (`zoho.encryption.md5` included).
pub fn function(name: &str) -> Option<&'static Doc> {
    DOCS.get(&name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::{all_functions, all_methods};

    #[test]
    fn every_line_parses() {
        let lines = TEXT
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        for line in lines {
            assert!(
                parse_line(line).is_some(),
                "cannot read docs.txt line: {line}"
            );
        }
    }

    #[test]
    fn every_built_in_has_a_doc_with_its_arity() {
        let mut problems = Vec::new();
        let mut used = std::collections::HashSet::new();
        for m in all_methods() {
            let key = format!("{}.{}", m.recv.name(), m.name).to_ascii_lowercase();
            let doc = DOCS
                .get(&key)
                .or_else(|| DOCS.get(&m.name.to_ascii_lowercase()));
            match doc {
                None => problems.push(format!("no line for method {}.{}", m.recv.name(), m.name)),
                Some(d) => {
                    used.insert(d.key);
                    if d.arity() != (m.min, m.max) {
                        problems.push(format!(
                            "{}.{}: table takes {}..{}, docs.txt line `{}` says {:?}",
                            m.recv.name(),
                            m.name,
                            m.min,
                            m.max,
                            d.key,
                            d.arity()
                        ));
                    }
                }
            }
        }
        for f in all_functions() {
            match function(f.name) {
                None => problems.push(format!("no line for function {}", f.name)),
                Some(d) => {
                    used.insert(d.key);
                    if d.arity() != (f.min, f.max) {
                        problems.push(format!(
                            "{}: table takes {}..{}, docs.txt says {:?}",
                            f.name,
                            f.min,
                            f.max,
                            d.arity()
                        ));
                    }
                }
            }
        }
        for d in all() {
            if !used.contains(d.key) {
                problems.push(format!(
                    "docs.txt documents `{}`, which no table has",
                    d.key
                ));
            }
        }
        assert!(
            problems.is_empty(),
            "fix src/builtins/docs.txt:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn the_check_fails_for_a_wrong_arity() {
        // The arity comparison above is what catches a stale line.
        let d = parse_line("map.put(key) -> void: wrong").unwrap();
        assert_ne!(d.arity(), (2, 2));
        let d = parse_line("list.insert(element, more...) -> void: x").unwrap();
        assert_eq!(d.arity(), (1, usize::MAX));
    }

    #[test]
    fn receiver_specific_lines_win() {
        assert_eq!(method(Some(Recv::Map), "put").unwrap().params.len(), 2);
        assert_eq!(
            method(Some(Recv::Text), "toList").unwrap().key,
            "text.toList"
        );
        assert_eq!(
            method(Some(Recv::List), "toList").unwrap().key,
            "list.toList"
        );
        assert_eq!(method(None, "PUT").unwrap().key, "map.put");
        assert_eq!(method(Some(Recv::Date), "addDay").unwrap().returns, "date");
        assert_eq!(
            function("ifnull").unwrap().param_list(),
            "(value, fallback)"
        );
        assert!(method(Some(Recv::Number), "put").is_none());
    }
}
