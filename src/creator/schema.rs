//! Creator forms and field types: declared in `dlg.toml` / `creator.toml`
//! (`[creator.forms.NAME]`), or inferred from the first insert.

use crate::code::Code;
use std::path::{Path, PathBuf};

use crate::diag::{Diag, SourceFile};
use crate::value::Value;

/// The type of a form field. Stored values are decoded by it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Number,
    Decimal,
    Date,
    DateTime,
    Boolean,
    Email,
    /// The ID of a record of another form.
    Lookup(String),
    /// A list of choices.
    MultiSelect,
    /// Rows (maps), each with its own ID.
    Subform,
}

impl FieldType {
    pub fn parse(text: &str) -> Option<FieldType> {
        let t = text.trim();
        if let Some(target) = t
            .strip_prefix("lookup:")
            .or_else(|| t.strip_prefix("lookup "))
        {
            return Some(FieldType::Lookup(target.trim().to_string()));
        }
        Some(match t.to_ascii_lowercase().replace('_', "-").as_str() {
            "text" | "string" | "single-line" | "multi-line" | "url" | "phone" | "dropdown"
            | "radio" | "rich-text" | "name" | "address" => FieldType::Text,
            "number" | "bigint" | "int" | "long" | "integer" | "autonumber" => FieldType::Number,
            "decimal" | "currency" | "percent" | "double" => FieldType::Decimal,
            "date" => FieldType::Date,
            "date-time" | "datetime" | "timestamp" => FieldType::DateTime,
            "boolean" | "bool" | "checkbox" | "decision" => FieldType::Boolean,
            "email" => FieldType::Email,
            "multi-select" | "multiselect" | "checkboxes" | "list" => FieldType::MultiSelect,
            "subform" => FieldType::Subform,
            "lookup" => FieldType::Lookup(String::new()),
            _ => return None,
        })
    }

    /// As stored in the database's field table and shown to users.
    pub fn name(&self) -> String {
        match self {
            FieldType::Text => "text".into(),
            FieldType::Number => "number".into(),
            FieldType::Decimal => "decimal".into(),
            FieldType::Date => "date".into(),
            FieldType::DateTime => "date-time".into(),
            FieldType::Boolean => "boolean".into(),
            FieldType::Email => "email".into(),
            FieldType::Lookup(t) => format!("lookup:{t}"),
            FieldType::MultiSelect => "multi-select".into(),
            FieldType::Subform => "subform".into(),
        }
    }

    /// The type a field gets when it is inferred from its first value.
    pub fn infer(v: &Value) -> FieldType {
        match v {
            Value::Int(_) => FieldType::Number,
            Value::Decimal(_) => FieldType::Decimal,
            Value::Bool(_) => FieldType::Boolean,
            Value::Date(d) if d.has_time => FieldType::DateTime,
            Value::Date(_) => FieldType::Date,
            Value::List(l) => {
                if l.borrow().iter().any(|x| matches!(x, Value::Map(_))) {
                    FieldType::Subform
                } else {
                    FieldType::MultiSelect
                }
            }
            _ => FieldType::Text,
        }
    }
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: FieldType,
}

#[derive(Clone, Debug)]
pub struct FormDef {
    pub name: String,
    pub fields: Vec<FieldDef>,
    /// Declared in the project file (false: inferred from inserts).
    pub declared: bool,
}

/// Fields every record has, maintained by the store.
pub const SYSTEM_FIELDS: [(&str, FieldType); 4] = [
    ("ID", FieldType::Number),
    ("Added_User", FieldType::Text),
    ("Added_Time", FieldType::DateTime),
    ("Modified_Time", FieldType::DateTime),
];

impl FormDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
        })
    }

    /// The type of a field or system field.
    pub fn type_of(&self, name: &str) -> Option<FieldType> {
        if let Some((_, t)) = SYSTEM_FIELDS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Some(t.clone());
        }
        self.field(name).map(|f| f.ty.clone())
    }

    /// Canonical spelling of a field or system field.
    pub fn canonical(&self, name: &str) -> Option<String> {
        if let Some((n, _)) = SYSTEM_FIELDS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Some(n.to_string());
        }
        self.field(name).map(|f| f.name.clone())
    }

    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        SYSTEM_FIELDS
            .iter()
            .map(|(n, _)| *n)
            .chain(self.fields.iter().map(|f| f.name.as_str()))
    }
}

/// The `[creator]` table of the project file.
#[derive(Clone, Debug, Default)]
pub struct CreatorConfig {
    /// Directory of the file it came from (the project root).
    pub dir: Option<PathBuf>,
    /// `local = true`: `zoho.creator.*` tasks use the local store.
    pub local: bool,
    /// `db = "path"` (relative to the project root).
    pub db: Option<PathBuf>,
    pub forms: Vec<FormDef>,
    /// `[creator.seed]`: `Form = "file.json"`, imported into forms that
    /// have no records yet (a fresh or in-memory database).
    pub seed: Vec<(String, PathBuf)>,
}

/// A field or form name: letters, digits and `_`, not starting with a digit.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 128
}

/// The nearest directory at or above `start` holding `dlg.toml` or
/// `creator.toml`.
pub fn find_project(start: &Path) -> Option<(PathBuf, PathBuf)> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        for name in ["dlg.toml", "creator.toml"] {
            let p = d.join(name);
            if p.is_file() {
                return Some((d.to_path_buf(), p));
            }
        }
        dir = d.parent();
    }
    None
}

fn config_error(file: &SourceFile, message: String, span: Option<std::ops::Range<usize>>) -> Diag {
    let mut d = Diag::new(Code::DlgConfig, message).with_help(
        "declare forms as [creator.forms.Orders] with one `Field = \"type\"` line per field; types: text, number, decimal, date, date-time, boolean, email, lookup:Form, multi-select, subform",
    );
    if let Some(span) = span {
        d = d.with_label("here", span).with_source(file.clone());
    }
    d
}

/// Read the `[creator]` table of a `dlg.toml` (or the whole of a
/// `creator.toml`, with or without the `[creator]` header).
pub fn load_config(path: &Path) -> Result<CreatorConfig, Diag> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diag::new(
            Code::DlgConfig,
            format!("cannot read {}: {e}", path.display()),
        )
        .with_help("check the file's permissions")
    })?;
    let file = SourceFile::new(path.display().to_string(), text.clone());
    let doc: toml::Table = match text.parse::<toml::Table>() {
        Ok(doc) => doc,
        Err(e) => {
            return Err(config_error(
                &file,
                format!("{}: {}", path.display(), e.message()),
                e.span(),
            ));
        }
    };
    let is_creator_toml = path
        .file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("creator.toml"));
    let table = match doc.get("creator") {
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => {
            return Err(config_error(
                &file,
                "`creator` must be a table ([creator])".into(),
                None,
            ));
        }
        None if is_creator_toml => doc.clone(),
        None => toml::Table::new(),
    };
    let mut cfg = CreatorConfig {
        dir: path.parent().map(|p| p.to_path_buf()),
        ..Default::default()
    };
    cfg.local = table
        .get("local")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    cfg.db = table
        .get("db")
        .and_then(|v| v.as_str())
        .map(|s| match cfg.dir.as_ref() {
            Some(dir) if !Path::new(s).is_absolute() && s != ":memory:" => dir.join(s),
            _ => PathBuf::from(s),
        });
    let find = |needle: &str| text.find(needle).map(|i| i..i + needle.len());
    if let Some(seed) = table.get("seed").and_then(|s| s.as_table()) {
        for (form, entry) in seed {
            let Some(name) = entry.as_str() else {
                return Err(config_error(
                    &file,
                    format!("creator.seed.{form} must be a file name"),
                    find(form),
                ));
            };
            let path = match cfg.dir.as_ref() {
                Some(dir) => dir.join(name),
                None => PathBuf::from(name),
            };
            cfg.seed.push((form.clone(), path));
        }
    }
    if let Some(forms) = table.get("forms") {
        let Some(forms) = forms.as_table() else {
            return Err(config_error(
                &file,
                "`creator.forms` must be a table of forms".into(),
                find("forms"),
            ));
        };
        for (form, fields) in forms {
            if !valid_name(form) {
                return Err(config_error(
                    &file,
                    format!("form name `{form}` must be letters, digits and _"),
                    find(form),
                ));
            }
            let Some(fields) = fields.as_table() else {
                return Err(config_error(
                    &file,
                    format!("form `{form}` must be a table of `Field = \"type\"`"),
                    find(form),
                ));
            };
            // `[creator.forms.X.fields]` is accepted as well.
            let fields = match fields.get("fields").and_then(|f| f.as_table()) {
                Some(inner) => inner,
                None => fields,
            };
            let mut def = FormDef {
                name: form.clone(),
                fields: Vec::new(),
                declared: true,
            };
            for (field, ty) in fields {
                if !valid_name(field) {
                    return Err(config_error(
                        &file,
                        format!(
                            "field name `{field}` of form `{form}` must be letters, digits and _"
                        ),
                        find(field),
                    ));
                }
                let parsed = match ty {
                    toml::Value::String(s) => FieldType::parse(s),
                    toml::Value::Table(t) => {
                        let kind = t.get("type").and_then(|v| v.as_str()).unwrap_or("");
                        match FieldType::parse(kind) {
                            Some(FieldType::Lookup(target)) if target.is_empty() => t
                                .get("form")
                                .and_then(|v| v.as_str())
                                .map(|f| FieldType::Lookup(f.to_string())),
                            other => other,
                        }
                    }
                    _ => None,
                };
                let Some(parsed) = parsed else {
                    return Err(config_error(
                        &file,
                        format!("field `{form}.{field}` has an unknown type"),
                        find(field),
                    ));
                };
                if SYSTEM_FIELDS
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(field))
                {
                    continue;
                }
                def.fields.push(FieldDef {
                    name: field.clone(),
                    ty: parsed,
                });
            }
            cfg.forms.push(def);
        }
    }
    Ok(cfg)
}
