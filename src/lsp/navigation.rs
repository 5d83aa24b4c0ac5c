//! Go to definition and find references for functions across the
//! project's files, and the document's symbols.

use std::ops::Range;
use std::path::{Path, PathBuf};

use lsp_types::{DocumentSymbol, SymbolKind};

use super::analysis::{Analysis, CallKind};
use super::context::Ctx;
use super::hover::{Target, USER_NAMESPACES, target_at};

/// A place in a file: the file (`None`: the document itself) and a range.
#[derive(Debug, PartialEq, Eq)]
pub struct Place {
    pub path: Option<PathBuf>,
    pub range: Range<usize>,
}

fn place(ctx: &Ctx<'_>, path: &Path, range: Range<usize>) -> Place {
    let own = ctx.path == Some(path) || path.as_os_str().is_empty();
    Place {
        path: (!own).then(|| path.to_path_buf()),
        range,
    }
}

/// Where the function under the cursor is defined.
pub fn definition(ctx: &Ctx<'_>, offset: usize) -> Vec<Place> {
    let Some((_, Target::Function(path))) = target_at(ctx, offset) else {
        return Vec::new();
    };
    ctx.find_function(&path)
        .into_iter()
        .map(|d| place(ctx, d.path, d.summary.name_span.clone()))
        .collect()
}

/// Does call `name` (as written) reach function `fname` (lower-case)?
fn calls_function(kind: &CallKind, name: &str, fname: &str) -> bool {
    let lname = name.to_ascii_lowercase();
    match kind {
        CallKind::Function => lname == fname,
        CallKind::Qualified => {
            let head = lname.split('.').next().unwrap_or("");
            USER_NAMESPACES.contains(&head) && lname.rsplit('.').next() == Some(fname)
        }
        CallKind::Method(_) => false,
    }
}

/// Every call of the function under the cursor across the project (and
/// its definitions when `declaration`).
pub fn references(ctx: &Ctx<'_>, offset: usize, declaration: bool) -> Vec<Place> {
    let Some((_, Target::Function(path))) = target_at(ctx, offset) else {
        return Vec::new();
    };
    let fname = path
        .rsplit('.')
        .next()
        .unwrap_or(&path)
        .to_ascii_lowercase();
    let mut files: Vec<(&Path, &Analysis)> = ctx.files.clone();
    if !files.iter().any(|(p, _)| Some(*p) == ctx.path) {
        files.push((ctx.path.unwrap_or(Path::new("")), ctx.doc));
    }
    let mut out = Vec::new();
    for (path, analysis) in files {
        let analysis = if Some(path) == ctx.path {
            ctx.doc
        } else {
            analysis
        };
        if declaration {
            for f in analysis.functions.iter().filter(|f| !f.is_script) {
                if f.name.eq_ignore_ascii_case(&fname) {
                    out.push(place(ctx, path, f.name_span.clone()));
                }
            }
        }
        for call in &analysis.calls {
            if calls_function(&call.kind, &call.name, &fname) {
                out.push(place(ctx, path, call.name_span.clone()));
            }
        }
    }
    out
}

/// The document's functions (a bare script: its top-level variables).
pub fn symbols(doc: &Analysis) -> Vec<DocumentSymbol> {
    let range = |r: Range<usize>| doc.index.range(&doc.text, r);
    let mut out = Vec::new();
    for f in &doc.functions {
        if f.is_script {
            let Some(program) = &doc.program else {
                continue;
            };
            let mut seen = std::collections::HashSet::new();
            for s in &program.functions[0].body {
                if let crate::syntax::ast::StmtKind::Assign { slot, .. } = &s.kind
                    && let Some(name) = program.functions[0].slot_names.get(*slot as usize)
                    && seen.insert(name.clone())
                {
                    let span = s.span.range();
                    let name_end = span.start + name.len();
                    #[allow(deprecated)]
                    out.push(DocumentSymbol {
                        name: name.to_string(),
                        detail: doc
                            .types
                            .first()
                            .and_then(|t| t.get(name.as_ref()))
                            .map(|t| t.ty.name().to_string()),
                        kind: SymbolKind::VARIABLE,
                        tags: None,
                        deprecated: None,
                        range: range(span.start..span.end.min(doc.text.len())),
                        selection_range: range(span.start..name_end.min(doc.text.len())),
                        children: None,
                    });
                }
            }
            continue;
        }
        #[allow(deprecated)]
        out.push(DocumentSymbol {
            name: f.qualified_name.clone(),
            detail: Some(f.signature()),
            kind: SymbolKind::FUNCTION,
            tags: None,
            deprecated: None,
            range: range(f.span.clone()),
            selection_range: range(f.name_span.clone()),
            children: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_and_references_across_files() {
        let helper = Analysis::new("int standalone.helper(int n)\n{\n\treturn n + 1;\n}\n".into());
        let other =
            Analysis::new("x = standalone.helper(2);\ny = helper(3);\nz = m.helper();\n".into());
        let main_text = "info standalone.helper(1);\n";
        let main = Analysis::new(main_text.into());
        let files = vec![
            (Path::new("/p/h.ts"), &helper),
            (Path::new("/p/o.dg"), &other),
            (Path::new("/p/main.dg"), &main),
        ];
        let ctx = Ctx {
            path: Some(Path::new("/p/main.dg")),
            doc: &main,
            files,
            project: None,
        };
        let at = main_text.find("helper").unwrap() + 2;
        let defs = definition(&ctx, at);
        assert_eq!(
            defs,
            vec![Place {
                path: Some(PathBuf::from("/p/h.ts")),
                range: 4..21
            }]
        );
        let refs = references(&ctx, at, true);
        let files: Vec<Option<&str>> = refs
            .iter()
            .map(|p| p.path.as_deref().and_then(|p| p.to_str()))
            .collect();
        assert_eq!(
            files,
            [Some("/p/h.ts"), Some("/p/o.dg"), Some("/p/o.dg"), None],
            "{refs:?}"
        );
        assert_eq!(references(&ctx, at, false).len(), 3);
    }

    #[test]
    fn symbols_list_functions_or_script_variables() {
        let a = Analysis::new("int a()\n{\n\treturn 1;\n}\nvoid b(string s)\n{\n}\n".into());
        let names: Vec<String> = symbols(&a).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["a", "b"]);
        let a = Analysis::new("m = Map();\nx = 1;\nm = Map();\n".into());
        let names: Vec<String> = symbols(&a).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["m", "x"]);
    }
}
