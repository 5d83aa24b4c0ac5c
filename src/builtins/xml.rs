//! XML: `text.executeXPath(path)` and `toXML()` (deluge/help/functions/xml).
//!
//! Documents are parsed with `roxmltree`. XPath covers what Deluge scripts
//! use: absolute and relative location paths with `/` and `//`, `.`, `..`,
//! `*`, names, `@attr`, `@*`, `text()`, `node()`, and predicates `[n]`,
//! `[last()]`, `[@a]`, `[@a='v']`, `[name='v']`, `[text()='v']`, `[name]`.
//! As on Zoho, matched elements come back as their XML text, attributes as
//! `<name>value</name>`, `text()` as the bare text, all concatenated; JSON
//! input is read as XML under a `<root>` element.

use super::{MethodDef, Recv, arg_text, method};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::{Value, parse_json_lenient};

pub const METHODS: &[MethodDef] = &[
    method(Recv::Text, "executeXPath", 1, 1, execute_xpath),
    method(Recv::Text, "toXML", 0, 0, text_to_xml),
    method(Recv::Map, "toXML", 0, 0, value_to_xml),
    method(Recv::List, "toXML", 0, 0, value_to_xml),
];

// ------------------------------------------------------------------ toXML

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A key usable as an element name (others become `key`).
fn element_name(k: &str) -> String {
    let ok = !k.is_empty()
        && k.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_alphanumeric() || "_-.".contains(c));
    if ok { k.to_string() } else { "key".to_string() }
}

fn write_value(out: &mut String, name: &str, v: &Value) {
    match v {
        // Lists repeat the element, as org.json's XML.toString does.
        Value::List(l) => {
            for item in l.borrow().iter() {
                write_value(out, name, item);
            }
        }
        Value::Map(m) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            for (k, v) in m.borrow().iter() {
                let key = element_name(&k.as_text());
                write_value(out, &key, v);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str(">null</");
            out.push_str(name);
            out.push('>');
        }
        other => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            out.push_str(&escape(&other.to_display()));
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

pub fn to_xml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::List(_) => {
            out.push_str("<root>");
            write_value(&mut out, "array", v);
            out.push_str("</root>");
        }
        _ => write_value(&mut out, "root", v),
    }
    out
}

fn text_to_xml(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let t = r.as_str().unwrap_or("");
    match parse_json_lenient(t) {
        Some(v @ (Value::Map(_) | Value::List(_))) => {
            // Text is read like toMap(): keys in Java HashMap order, which
            // reproduces the documented example.
            super::json::java_hash_order(&v);
            Ok(Value::text(to_xml(&v)))
        }
        _ => Err(RtError::runtime("toXML needs JSON text (a map or a list)")
            .with_help("e.g. \"{Name:'Lia', OrderNo:[343,443]}\".toXML()")),
    }
}

fn value_to_xml(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::text(to_xml(r)))
}

// ------------------------------------------------------------------ XPath

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Name(String),
    Any,
    Attr(String),
    AnyAttr,
    Text,
    Node,
    SelfNode,
    Parent,
}

#[derive(Debug, Clone, PartialEq)]
enum Pred {
    Index(usize),
    Last,
    HasAttr(String),
    AttrEq(String, String),
    ChildEq(String, String),
    TextEq(String),
    HasChild(String),
}

#[derive(Debug, Clone)]
struct Step {
    /// `//` before this step.
    descendants: bool,
    test: Test,
    preds: Vec<Pred>,
}

fn bad_xpath(path: &str, why: &str) -> RtError {
    RtError::runtime(format!("Invalid XPath '{path}': {why}"))
        .with_help("supported: /a/b, //b, *, @attr, text(), .., and predicates [1], [last()], [@a='v'], [child='v']")
}

fn unquote(s: &str) -> Option<String> {
    let s = s.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return Some(inner.to_string());
        }
    }
    None
}

fn parse_pred(path: &str, p: &str) -> RtResult<Pred> {
    let p = p.trim();
    if let Ok(n) = p.parse::<usize>() {
        return if n == 0 {
            Err(bad_xpath(path, "positions start at 1"))
        } else {
            Ok(Pred::Index(n))
        };
    }
    if p == "last()" {
        return Ok(Pred::Last);
    }
    if let Some((lhs, rhs)) = p.split_once('=') {
        let value = unquote(rhs).ok_or_else(|| bad_xpath(path, "compare with a quoted value"))?;
        let lhs = lhs.trim();
        return Ok(if let Some(a) = lhs.strip_prefix('@') {
            Pred::AttrEq(a.to_string(), value)
        } else if lhs == "text()" || lhs == "." {
            Pred::TextEq(value)
        } else {
            Pred::ChildEq(lhs.to_string(), value)
        });
    }
    if let Some(a) = p.strip_prefix('@') {
        return Ok(Pred::HasAttr(a.to_string()));
    }
    if !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || "_-.:".contains(c)) {
        return Ok(Pred::HasChild(p.to_string()));
    }
    Err(bad_xpath(path, &format!("unsupported predicate [{p}]")))
}

fn parse_xpath(path: &str) -> RtResult<(bool, Vec<Step>)> {
    let s = path.trim();
    if s.is_empty() {
        return Err(bad_xpath(path, "it is empty"));
    }
    let absolute = s.starts_with('/');
    let mut steps = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut descendants = false;
    while i < bytes.len() {
        if bytes[i] == b'/' {
            if bytes.get(i + 1) == Some(&b'/') {
                descendants = true;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        // One step: up to the next `/` outside brackets and quotes.
        let start = i;
        let mut depth = 0;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None => match b {
                    b'\'' | b'"' => quote = Some(b),
                    b'[' => depth += 1,
                    b']' => depth -= 1,
                    b'/' if depth == 0 => break,
                    _ => {}
                },
            }
            i += 1;
        }
        let raw = &s[start..i];
        let (head, mut rest) = match raw.find('[') {
            Some(at) => (&raw[..at], &raw[at..]),
            None => (raw, ""),
        };
        let head = head.trim();
        let test = match head {
            "" => return Err(bad_xpath(path, "a step is empty")),
            "*" => Test::Any,
            "." => Test::SelfNode,
            ".." => Test::Parent,
            "text()" => Test::Text,
            "node()" => Test::Node,
            "@*" => Test::AnyAttr,
            h if h.starts_with('@') => Test::Attr(h[1..].to_string()),
            h if h.chars().all(|c| c.is_alphanumeric() || "_-.:".contains(c)) => {
                Test::Name(h.to_string())
            }
            h => return Err(bad_xpath(path, &format!("unsupported step '{h}'"))),
        };
        let mut preds = Vec::new();
        while let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else {
                return Err(bad_xpath(path, "a `[` is not closed"));
            };
            preds.push(parse_pred(path, &r[..end])?);
            rest = r[end + 1..].trim_start();
        }
        if !rest.trim().is_empty() {
            return Err(bad_xpath(path, &format!("unexpected '{rest}'")));
        }
        steps.push(Step {
            descendants,
            test,
            preds,
        });
        descendants = false;
    }
    if descendants {
        return Err(bad_xpath(path, "it ends with //"));
    }
    Ok((absolute, steps))
}

#[derive(Clone)]
enum Item<'a, 'input> {
    Node(roxmltree::Node<'a, 'input>),
    Attr(String, String),
    Text(String),
}

fn local(n: &roxmltree::Node) -> String {
    n.tag_name().name().to_string()
}

fn text_of(n: &roxmltree::Node) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

fn pred_ok(node: &roxmltree::Node, pred: &Pred) -> bool {
    match pred {
        Pred::HasAttr(a) => node.attribute(a.as_str()).is_some(),
        Pred::AttrEq(a, v) => node.attribute(a.as_str()) == Some(v.as_str()),
        Pred::TextEq(v) => text_of(node) == *v,
        Pred::ChildEq(c, v) => node
            .children()
            .any(|ch| ch.is_element() && local(&ch) == *c && text_of(&ch) == *v),
        Pred::HasChild(c) => node
            .children()
            .any(|ch| ch.is_element() && local(&ch) == *c),
        Pred::Index(_) | Pred::Last => true,
    }
}

fn apply_step<'a, 'input>(ctx: &[Item<'a, 'input>], step: &Step) -> Vec<Item<'a, 'input>> {
    let mut out: Vec<Item<'a, 'input>> = Vec::new();
    for item in ctx {
        let Item::Node(node) = item else { continue };
        let candidates: Vec<roxmltree::Node> = if step.descendants {
            node.descendants().collect()
        } else {
            vec![*node]
        };
        for base in candidates {
            let mut matched: Vec<Item> = Vec::new();
            match &step.test {
                Test::SelfNode => matched.push(Item::Node(base)),
                Test::Parent => {
                    if let Some(p) = base.parent() {
                        matched.push(Item::Node(p));
                    }
                }
                Test::Attr(a) => {
                    if let Some(v) = base.attribute(a.as_str()) {
                        matched.push(Item::Attr(a.clone(), v.to_string()));
                    }
                }
                Test::AnyAttr => {
                    for a in base.attributes() {
                        matched.push(Item::Attr(a.name().to_string(), a.value().to_string()));
                    }
                }
                Test::Text => {
                    for ch in base.children().filter(|c| c.is_text()) {
                        matched.push(Item::Text(ch.text().unwrap_or("").to_string()));
                    }
                }
                Test::Node => {
                    for ch in base.children() {
                        if ch.is_text() {
                            matched.push(Item::Text(ch.text().unwrap_or("").to_string()));
                        } else if ch.is_element() {
                            matched.push(Item::Node(ch));
                        }
                    }
                }
                Test::Any | Test::Name(_) => {
                    for ch in base.children().filter(|c| c.is_element()) {
                        if matches!(&step.test, Test::Name(n) if *n != local(&ch)) {
                            continue;
                        }
                        matched.push(Item::Node(ch));
                    }
                }
            }
            // Predicates filter, then positions count within this parent.
            for pred in &step.preds {
                matched = match pred {
                    Pred::Index(n) => matched.get(n - 1).cloned().into_iter().collect(),
                    Pred::Last => matched.last().cloned().into_iter().collect(),
                    p => matched
                        .into_iter()
                        .filter(|it| match it {
                            Item::Node(n) => pred_ok(n, p),
                            _ => false,
                        })
                        .collect(),
                };
            }
            for m in matched {
                let dup = match &m {
                    Item::Node(n) => out.iter().any(|o| matches!(o, Item::Node(x) if x == n)),
                    _ => false,
                };
                if !dup {
                    out.push(m);
                }
            }
        }
    }
    out
}

/// Run an XPath over a document; the concatenated result as Deluge shows it.
pub fn xpath(input: &str, path: &str) -> RtResult<String> {
    let (absolute, steps) = parse_xpath(path)?;
    let xml_text;
    let source = {
        let t = input.trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            match parse_json_lenient(t) {
                Some(v) => {
                    xml_text = to_xml(&v);
                    xml_text.as_str()
                }
                None => input,
            }
        } else {
            input
        }
    };
    let doc = roxmltree::Document::parse(source).map_err(|e| {
        RtError::runtime(format!("executeXPath: the text is not valid XML ({e})"))
            .with_help("executeXPath reads XML text, or JSON text under a /root element")
    })?;
    let start = if absolute {
        doc.root()
    } else {
        doc.root_element()
    };
    let mut ctx = vec![Item::Node(start)];
    for step in &steps {
        ctx = apply_step(&ctx, step);
    }
    let mut out = String::new();
    for item in ctx {
        match item {
            Item::Node(n) if n.is_root() => out.push_str(source),
            Item::Node(n) => out.push_str(&source[n.range()]),
            Item::Attr(name, v) => {
                out.push_str(&format!("<{name}>{}</{name}>", escape(&v)));
            }
            Item::Text(t) => out.push_str(&t),
        }
    }
    Ok(out)
}

fn execute_xpath(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let path = arg_text(args, 0, "executeXPath")?;
    Ok(Value::text(xpath(r.as_str().unwrap_or(""), &path)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = r#"<CATALOG><CD id="1"><TITLE>Empire Burlesque</TITLE><ARTIST>Bob Dylan</ARTIST></CD><CD id="2"><TITLE>Hide your heart</TITLE><ARTIST>Bonnie Tyler</ARTIST></CD></CATALOG>"#;

    #[test]
    fn paths_predicates_attributes_and_text() {
        assert_eq!(
            xpath(CATALOG, "/CATALOG/CD/TITLE").unwrap(),
            "<TITLE>Empire Burlesque</TITLE><TITLE>Hide your heart</TITLE>"
        );
        assert_eq!(
            xpath(CATALOG, "/CATALOG/CD[2]/TITLE/text()").unwrap(),
            "Hide your heart"
        );
        assert_eq!(xpath(CATALOG, "//CD[last()]/@id").unwrap(), "<id>2</id>");
        assert_eq!(
            xpath(CATALOG, "//CD[ARTIST='Bob Dylan']/TITLE/text()").unwrap(),
            "Empire Burlesque"
        );
        assert_eq!(
            xpath(CATALOG, "//CD[@id='2']/ARTIST/text()").unwrap(),
            "Bonnie Tyler"
        );
        assert_eq!(xpath(CATALOG, "/CATALOG/NOPE").unwrap(), "");
        // The documented attribute example.
        let a = r#"<a href="https://x.example/book.pdf" target="_blank">Harry Potter</a>"#;
        let href = xpath(a, "/a/@href").unwrap();
        assert_eq!(href, "<href>https://x.example/book.pdf</href>");
        assert_eq!(
            xpath(&href, "/href/text()").unwrap(),
            "https://x.example/book.pdf"
        );
    }

    #[test]
    fn json_reads_under_root() {
        let j = r#"{"name": "Ravi", "address": {"city": "Surat"}}"#;
        assert_eq!(
            xpath(j, "/root/address/city").unwrap(),
            "<city>Surat</city>"
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(xpath("<a>", "/a").is_err());
        assert!(xpath(CATALOG, "/CATALOG/CD[").is_err());
        assert!(xpath(CATALOG, "").is_err());
        assert!(xpath(CATALOG, "//").is_err());
        assert!(xpath(CATALOG, "/CATALOG/CD[0]").is_err());
    }
}
