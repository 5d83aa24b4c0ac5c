//! Zoho Creator records on an embedded SQLite database: `Form[criteria]`,
//! `insert into`, `delete from`, record updates (`rec.F = v`), `input.`
//! and the client actions (`alert`, `openUrl`, `cancel submit`, …), which
//! are recorded rather than performed.
//!
//! A fetched record is a map (field → value) that the session remembers
//! as "record ID n of form F", so assigning one of its fields writes the
//! database as well; a fetch is a list of such maps.

mod criteria;
pub mod import;
pub mod schema;
pub mod store;
mod tasks;

use crate::code::Code;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::{Rc, Weak};

use rustc_hash::{FxHashMap, FxHashSet};

pub use schema::{CreatorConfig, FieldType, FormDef};
pub use store::Store;

use crate::diag::Diag;
use crate::eval::{Interpreter, RtError, RtResult};
use crate::syntax::ast::{
    CreatorExpr, CreatorStmt, Expr, ExprKind, FormQuery, Name, Span, Stmt, StmtKind,
};
use crate::value::{Key, KeyRef, MapData, Value};

/// Where the database lives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DbLocation {
    /// `.dlg/creator.db` in the project (the directory of `dlg.toml` /
    /// `creator.toml`), else in the current directory.
    #[default]
    Project,
    Path(PathBuf),
    Memory,
}

impl DbLocation {
    /// `--creator-db PATH` (`:memory:` for an in-memory database).
    pub fn from_arg(arg: &str) -> DbLocation {
        if arg == ":memory:" {
            DbLocation::Memory
        } else {
            DbLocation::Path(PathBuf::from(arg))
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct CreatorOptions {
    pub db: DbLocation,
    /// Where the project file is looked for (the script's directory).
    pub start_dir: Option<PathBuf>,
    /// Roll back everything the run wrote when it fails.
    pub transaction: bool,
    /// The form submission `input.` reads (`--input FILE.json`).
    pub input: Option<Value>,
    /// Print client actions and warnings' details on stderr.
    pub verbose: bool,
    /// A schema given directly (tests), instead of the project file.
    pub config: Option<CreatorConfig>,
}

impl CreatorOptions {
    /// An in-memory store with rollback on failure: the default for tests.
    pub fn in_memory() -> CreatorOptions {
        CreatorOptions {
            db: DbLocation::Memory,
            transaction: true,
            ..Default::default()
        }
    }
}

/// A client-side action a Creator script performed (`alert`, `openUrl`,
/// `cancel submit`, `hide F`, …), kept for `--verbose`, traces and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAction {
    pub action: String,
    pub detail: String,
}

#[derive(Clone, Debug)]
enum RecordRef {
    Record {
        form: Rc<str>,
        id: i64,
    },
    Row {
        form: Rc<str>,
        parent: i64,
        field: Rc<str>,
        id: i64,
    },
}

/// The Creator state of one interpreter: the store (opened on first use),
/// the submission, the recorded client actions.
#[derive(Default)]
pub struct Session {
    store: Option<Store>,
    config: Option<CreatorConfig>,
    opened: bool,
    input: Option<Value>,
    pub actions: Vec<ClientAction>,
    warned: FxHashSet<String>,
    records: FxHashMap<usize, (Weak<RefCell<MapData>>, RecordRef)>,
    registered_since_sweep: usize,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("actions", &self.actions)
            .finish()
    }
}

fn store_err(msg: String) -> RtError {
    RtError::runtime(msg)
        .with_help("check the --creator-db path; `dlg creator reset` starts a fresh database")
}

impl Session {
    pub fn actions(&self) -> &[ClientAction] {
        &self.actions
    }

    /// Put a form submission in place of the current one (a test's `run`
    /// passes its arguments as `input.`), returning the one it replaces.
    pub fn replace_input(&mut self, input: Option<Value>) -> Option<Value> {
        std::mem::replace(&mut self.input, input)
    }

    /// The open store, if a Creator statement has run.
    pub fn store_mut(&mut self) -> Option<&mut Store> {
        self.store.as_mut()
    }

    /// Finish a run: commit, or roll back when `--transaction` and failed.
    pub fn finish(&mut self, ok: bool, transaction: bool) -> Result<(), String> {
        if let Some(store) = self.store.as_mut() {
            if !ok && transaction {
                store.rollback()
            } else {
                store.commit()
            }?;
            store.begin()?;
        }
        Ok(())
    }
}

fn start_dir(opts: &CreatorOptions) -> PathBuf {
    opts.start_dir
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default()
}

/// The `[creator]` table of the project file (or the one given).
pub fn load_project_config(opts: &CreatorOptions) -> Result<CreatorConfig, Diag> {
    match &opts.config {
        Some(c) => Ok(c.clone()),
        None => match schema::find_project(&start_dir(opts)) {
            Some((_, path)) => schema::load_config(&path),
            None => Ok(CreatorConfig::default()),
        },
    }
}

/// Open the project's Creator configuration and database.
pub fn open_store(opts: &CreatorOptions) -> Result<(Store, CreatorConfig), Diag> {
    let config = load_project_config(opts)?;
    let store = open_store_with(opts, &config)?;
    Ok((store, config))
}

/// The database file (None: in memory).
fn db_path(opts: &CreatorOptions, config: &CreatorConfig, start: PathBuf) -> Option<PathBuf> {
    let location = match (&opts.db, &config.db) {
        (DbLocation::Project, Some(p)) if p.as_os_str() == ":memory:" => DbLocation::Memory,
        (DbLocation::Project, Some(p)) => DbLocation::Path(p.clone()),
        (other, _) => other.clone(),
    };
    match location {
        DbLocation::Memory => None,
        DbLocation::Path(p) => Some(p),
        DbLocation::Project => Some(
            config
                .dir
                .clone()
                .unwrap_or(start)
                .join(".dlg")
                .join("creator.db"),
        ),
    }
}

/// Open the database for a loaded configuration, declaring its forms.
pub fn open_store_with(opts: &CreatorOptions, config: &CreatorConfig) -> Result<Store, Diag> {
    let start = start_dir(opts);
    let mut store = match db_path(opts, config, start) {
        None => Store::open_in_memory(),
        Some(p) => Store::open(&p),
    }
    .map_err(|e| {
        Diag::new(Code::DlgCreator, e)
            .with_help("pass --creator-db PATH (or :memory:) to use another database")
    })?;
    let declare = |store: &mut Store| -> Result<(), String> {
        store.begin()?;
        for form in &config.forms {
            store.ensure_form(form)?;
        }
        for (form, file) in &config.seed {
            let empty = store.form(form).is_none() || store.count(form)? == 0;
            if empty {
                let rows = import::read_rows(file)?;
                let name = store
                    .form(form)
                    .map(|f| f.name.clone())
                    .unwrap_or(form.clone());
                import::import_rows(store, &name, rows, &import::now())?;
            }
        }
        // Declarations and seeds stay even if the run is rolled back.
        store.commit()?;
        store.begin()
    };
    declare(&mut store).map_err(|e| {
        Diag::new(Code::DlgCreator, e)
            .with_help("check the [creator.forms] tables of the project file")
    })?;
    Ok(store)
}

impl Interpreter {
    /// The Creator state (recorded client actions, the store).
    pub fn creator(&mut self) -> &mut Session {
        &mut self.creator
    }

    /// Commit the run's writes, or roll them back (with `--transaction`)
    /// when it failed.
    pub fn finish_creator(&mut self, ok: bool) -> Result<(), String> {
        let transaction = self.options.creator.transaction;
        self.creator.finish(ok, transaction)
    }

    /// The project's `[creator]` settings (read once).
    pub(crate) fn creator_config(&mut self) -> RtResult<&CreatorConfig> {
        if self.creator.config.is_none() {
            let config = load_project_config(&self.options.creator).map_err(RtError::from_diag)?;
            self.creator.config = Some(config);
        }
        Ok(self.creator.config.as_ref().expect("just loaded"))
    }

    fn creator_store(&mut self) -> RtResult<&mut Store> {
        if !self.creator.opened {
            let config = self.creator_config()?.clone();
            self.creator.opened = true;
            let store =
                open_store_with(&self.options.creator, &config).map_err(RtError::from_diag)?;
            self.creator.store = Some(store);
        }
        match self.creator.store.as_mut() {
            Some(s) => Ok(s),
            None => Err(RtError::runtime("the Creator database could not be opened")
                .with_help("see the first error above")),
        }
    }

    fn creator_strict(&self) -> bool {
        self.creator
            .config
            .as_ref()
            .is_some_and(|c| !c.forms.is_empty())
    }

    fn creator_warn(&mut self, key: String, message: String, span: Span, help: &str) {
        if self.creator.warned.insert(key) {
            crate::diag::eprint(
                &Diag::new(Code::DlgCreator, message)
                    .warning()
                    .with_help(help)
                    .with_label("here", span.range())
                    .with_source(self.source().clone()),
            );
        }
    }

    /// No database file yet and nothing to declare: reads find nothing,
    /// and need not create one.
    fn creator_db_absent(&mut self) -> RtResult<bool> {
        if self.creator.opened {
            return Ok(false);
        }
        let config = self.creator_config()?.clone();
        if !config.forms.is_empty() || !config.seed.is_empty() {
            return Ok(false);
        }
        let opts = &self.options.creator;
        Ok(db_path(opts, &config, start_dir(opts)).is_some_and(|p| !p.exists()))
    }

    /// The form a script names, or an error with did-you-mean (declared
    /// schema), or None (no schema: the caller decides).
    fn resolve_form(&mut self, name: &Name) -> RtResult<Option<FormDef>> {
        self.creator_store()?;
        let strict = self.creator_strict();
        let store = self.creator_store()?;
        if let Some(f) = store.form(&name.name) {
            return Ok(Some(f.clone()));
        }
        if strict {
            let names: Vec<String> = store.forms().iter().map(|f| f.name.clone()).collect();
            let err = RtError::runtime(format!("no form named {}", name.name));
            let err = match crate::eval::did_you_mean(&name.name, names.iter().map(|s| s.as_str()))
            {
                Some(h) => err.with_help(format!("did you mean `{h}`?")),
                None => err.with_help(format!(
                    "forms declared in the project file: {}",
                    names.join(", ")
                )),
            };
            return Err(err.at(name.span, self.source()));
        }
        Ok(None)
    }

    pub(crate) fn eval_creator(
        &mut self,
        ce: &CreatorExpr,
        span: Span,
        frame: &mut [Value],
    ) -> RtResult<Value> {
        match ce {
            CreatorExpr::Query(q) => self.creator_query(q, frame),
            CreatorExpr::Insert {
                form,
                fields,
                unparsed,
            } => {
                if let Some(text) = unparsed {
                    return Err(RtError::runtime(format!(
                        "cannot read the record of this insert: {}",
                        text.split_whitespace().collect::<Vec<_>>().join(" ")
                    ))
                    .with_help("write one `Field = value` per line between [ and ]")
                    .at(span, self.source()));
                }
                self.creator_insert(form, fields, span, frame)
            }
            CreatorExpr::FieldAll {
                query,
                field,
                distinct,
            } => {
                let coll = self.eval(query, frame)?;
                let mut out: Vec<Value> = Vec::new();
                let mut push = |v: Value| {
                    if !*distinct || !out.iter().any(|x| crate::value::values_equal(x, &v)) {
                        out.push(v);
                    }
                };
                match &coll {
                    Value::List(items) => {
                        for item in items.borrow().iter() {
                            match item {
                                Value::Map(m) => push(map_field(m, &field.name)),
                                other => push(other.clone()),
                            }
                        }
                    }
                    Value::Map(m) => match map_field(m, &field.name) {
                        Value::List(l) => l.borrow().iter().cloned().for_each(&mut push),
                        v => push(v),
                    },
                    Value::Null => {}
                    other => {
                        return Err(RtError::runtime(format!(
                            "getAll() needs records, found {}",
                            other.type_tag().deluge_name()
                        ))
                        .at(span, self.source()));
                    }
                }
                Ok(Value::new_list(out))
            }
            CreatorExpr::Aggregate { query, func, field } => {
                let coll = self.eval(query, frame)?;
                let values: Vec<Value> = match &coll {
                    Value::List(items) => items
                        .borrow()
                        .iter()
                        .map(|item| match item {
                            Value::Map(m) => map_field(m, &field.name),
                            _ => Value::Null,
                        })
                        .filter(|v| !v.is_null())
                        .collect(),
                    Value::Map(m) => vec![map_field(m, &field.name)],
                    _ => Vec::new(),
                };
                aggregate(func, values).map_err(|e| e.at(span, self.source()))
            }
            CreatorExpr::Attachment(what) => Err(RtError::unsupported(format!(
                "`{what}` renders Creator templates or reports, which needs a Creator application"
            ))
            .at(span, self.source())),
        }
    }

    fn creator_query(&mut self, q: &FormQuery, frame: &mut [Value]) -> RtResult<Value> {
        let form = if self.creator_db_absent()? {
            None
        } else {
            self.resolve_form(&q.form)?
        };
        let Some(form) = form else {
            self.creator_warn(
                format!("query:{}", q.form.name.to_ascii_lowercase()),
                format!(
                    "form {} has no records yet (no schema declares it): the fetch is empty",
                    q.form.name
                ),
                q.form.span,
                "seed it with `dlg creator import FORM FILE.json`, or declare it in [creator.forms]",
            );
            return Ok(Value::new_list(Vec::new()));
        };
        let compiled = self.compile_criteria(&q.criteria, &form, frame)?;
        let order = match &q.sort {
            Some((field, desc)) => match form.canonical(&field.name) {
                Some(c) => Some((c, *desc)),
                None if self.creator_strict() => {
                    return Err(criteria::unknown_field(self, field, &form));
                }
                None => None,
            },
            None => None,
        };
        let limit = match &q.range {
            Some(r) => {
                let from = self.eval(&r.0, frame)?;
                let to = self.eval(&r.1, frame)?;
                let as_int = |v: &Value| match v {
                    Value::Int(i) => Some(*i),
                    Value::Decimal(d) => Some(*d as i64),
                    Value::Text(t) => t.trim().parse().ok(),
                    _ => None,
                };
                match (as_int(&from), as_int(&to)) {
                    // 1-based and inclusive: `range from 1 to 10` is the first ten.
                    (Some(a), Some(b)) => {
                        let offset = a.max(1) - 1;
                        Some((offset, (b - offset).max(0)))
                    }
                    _ => {
                        return Err(RtError::runtime("range from … to … needs two numbers")
                            .at(r.0.span.to(r.1.span), self.source()));
                    }
                }
            }
            None => None,
        };
        let out = self.select_records(&form, &compiled, order, limit)?;
        Ok(Value::new_list(out))
    }

    fn select_records(
        &mut self,
        form: &FormDef,
        compiled: &criteria::Compiled,
        order: Option<(String, bool)>,
        limit: Option<(i64, i64)>,
    ) -> RtResult<Vec<Value>> {
        let rows = {
            let store = self.creator_store()?;
            store
                .select(
                    &form.name,
                    &compiled.sql,
                    &compiled.params,
                    order.as_ref().map(|(f, d)| (f.as_str(), *d)),
                    limit,
                )
                .map_err(store_err)?
        };
        let form_name: Rc<str> = Rc::from(form.name.as_str());
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.record_value(&form_name, form, row));
        }
        Ok(out)
    }

    /// Records of a form matching criteria that need no variables.
    pub(crate) fn creator_fetch(
        &mut self,
        form: &FormDef,
        crit: &crate::syntax::ast::Criteria,
        limit: Option<(i64, i64)>,
    ) -> RtResult<Vec<Value>> {
        let mut frame: Vec<Value> = Vec::new();
        let compiled = self.compile_criteria(crit, form, &mut frame)?;
        self.select_records(form, &compiled, None, limit)
    }

    /// One record by ID.
    pub(crate) fn creator_record(&mut self, form: &FormDef, id: i64) -> RtResult<Option<Value>> {
        let compiled = criteria::Compiled {
            sql: "ID = ?".into(),
            params: vec![rusqlite::types::Value::Integer(id)],
        };
        Ok(self
            .select_records(form, &compiled, None, None)?
            .into_iter()
            .next())
    }

    /// A form by name, without errors for unknown ones.
    pub(crate) fn lookup_form(&mut self, name: &Name) -> RtResult<Option<FormDef>> {
        Ok(self.creator_store()?.form(&name.name).cloned())
    }

    /// `insert into` with evaluated values (also `zoho.creator.createRecord`).
    pub(crate) fn creator_insert_values(
        &mut self,
        form: &str,
        values: Vec<(String, Value)>,
    ) -> RtResult<i64> {
        let name = Name {
            name: Rc::from(form),
            span: Span::default(),
        };
        let values = values
            .into_iter()
            .map(|(k, v)| {
                (
                    Name {
                        name: Rc::from(k.as_str()),
                        span: Span::default(),
                    },
                    v,
                )
            })
            .collect();
        self.insert_values(&name, values, Span::default())
    }

    /// Seed a form with records (tests, `dlg test` fixtures).
    pub fn creator_import(
        &mut self,
        form: &str,
        rows: Vec<Vec<(String, Value)>>,
    ) -> RtResult<usize> {
        let now = self.now();
        let store = self.creator_store()?;
        import::import_rows(store, form, rows, &now).map_err(store_err)
    }

    fn record_value(
        &mut self,
        form_name: &Rc<str>,
        form: &FormDef,
        row: Vec<(String, Value)>,
    ) -> Value {
        let id = match row.first() {
            Some((_, Value::Int(i))) => *i,
            _ => 0,
        };
        let mut data = MapData::default();
        for (k, v) in row {
            if let (Value::List(rows), Some(FieldType::Subform)) = (&v, form.type_of(&k)) {
                let field: Rc<str> = Rc::from(k.as_str());
                for r in rows.borrow().iter() {
                    if let Value::Map(m) = r {
                        let row_id = match m.borrow().get(&KeyRef::Text("ID")) {
                            Some(Value::Int(i)) => *i,
                            _ => 0,
                        };
                        self.register(
                            m,
                            RecordRef::Row {
                                form: form_name.clone(),
                                parent: id,
                                field: field.clone(),
                                id: row_id,
                            },
                        );
                    }
                }
            }
            data.insert(Key::text(&k), v);
        }
        let value = Value::new_map(data);
        if let Value::Map(m) = &value {
            self.register(
                m,
                RecordRef::Record {
                    form: form_name.clone(),
                    id,
                },
            );
        }
        value
    }

    fn register(&mut self, m: &Rc<RefCell<MapData>>, r: RecordRef) {
        let s = &mut self.creator;
        s.registered_since_sweep += 1;
        if s.registered_since_sweep > 4096 && s.registered_since_sweep > s.records.len() {
            s.records.retain(|_, (w, _)| w.strong_count() > 0);
            s.registered_since_sweep = 0;
        }
        s.records
            .insert(Rc::as_ptr(m) as usize, (Rc::downgrade(m), r));
    }

    fn record_of(&self, m: &Rc<RefCell<MapData>>) -> Option<RecordRef> {
        let (weak, r) = self.creator.records.get(&(Rc::as_ptr(m) as usize))?;
        weak.upgrade()
            .filter(|live| Rc::ptr_eq(live, m))
            .map(|_| r.clone())
    }

    fn compile_criteria(
        &mut self,
        crit: &crate::syntax::ast::Criteria,
        form: &FormDef,
        frame: &mut [Value],
    ) -> RtResult<criteria::Compiled> {
        // The compiler evaluates values through the interpreter, so it sees
        // the forms through a copy of their definitions.
        self.creator_store()?;
        let strict = self.creator_strict();
        self.compile_with_forms(crit, form, frame, strict)
    }

    fn compile_with_forms(
        &mut self,
        crit: &crate::syntax::ast::Criteria,
        form: &FormDef,
        frame: &mut [Value],
        strict: bool,
    ) -> RtResult<criteria::Compiled> {
        let forms: Vec<FormDef> = self
            .creator
            .store
            .as_ref()
            .map(|s| s.forms().to_vec())
            .unwrap_or_default();
        let view = FormList { forms, strict };
        criteria::compile(self, frame, crit, form, &view)
    }

    fn creator_insert(
        &mut self,
        form: &Name,
        fields: &[(Name, Expr)],
        span: Span,
        frame: &mut [Value],
    ) -> RtResult<Value> {
        let mut values: Vec<(Name, Value)> = Vec::with_capacity(fields.len());
        for (name, e) in fields {
            let v = self.eval(e, frame)?;
            values.push((name.clone(), v));
        }
        self.insert_values(form, values, span).map(Value::Int)
    }

    fn insert_values(
        &mut self,
        form: &Name,
        values: Vec<(Name, Value)>,
        span: Span,
    ) -> RtResult<i64> {
        let def = match self.resolve_form(form)? {
            Some(def) => def,
            None => {
                let inferred = FormDef {
                    name: form.name.to_string(),
                    fields: Vec::new(),
                    declared: false,
                };
                let store = self.creator_store()?;
                store.ensure_form(&inferred).map_err(store_err)?;
                let described: Vec<String> = values
                    .iter()
                    .map(|(n, v)| format!("{} ({})", n.name, FieldType::infer(v).name()))
                    .collect();
                self.creator_warn(
                    format!("form:{}", form.name.to_ascii_lowercase()),
                    format!(
                        "form {} is not declared: created it with fields {}",
                        form.name,
                        described.join(", ")
                    ),
                    form.span,
                    "declare it under [creator.forms] in dlg.toml to fix the field types",
                );
                inferred
            }
        };
        let mut resolved: Vec<(String, Value)> = Vec::with_capacity(values.len());
        for (name, v) in values {
            match def.canonical(&name.name) {
                Some(c) => resolved.push((c, v)),
                None if def.declared || self.creator_strict() => {
                    return Err(criteria::unknown_field(self, &name, &def));
                }
                None => {
                    let ty = FieldType::infer(&v);
                    self.creator_store()?
                        .ensure_field(&def.name, &name.name, &ty, false)
                        .map_err(|e| store_err(e).at(name.span, self.source()))?;
                    resolved.push((name.name.to_string(), v));
                }
            }
        }
        let now = self.now();
        let user = self.options.login_user.clone();
        let id = self
            .creator_store()?
            .insert(&def.name, &resolved, &now, &user)
            .map_err(|e| store_err(e).at(span, self.source()))?;
        Ok(id)
    }

    pub(crate) fn exec_creator(
        &mut self,
        cs: &CreatorStmt,
        span: Span,
        frame: &mut [Value],
    ) -> RtResult<()> {
        match cs {
            CreatorStmt::Delete(q) => {
                if self.creator_db_absent()? {
                    return Ok(());
                }
                let Some(form) = self.resolve_form(&q.form)? else {
                    return Ok(());
                };
                let compiled = self.compile_criteria(&q.criteria, &form, frame)?;
                self.creator_store()?
                    .delete(&form.name, &compiled.sql, &compiled.params)
                    .map_err(|e| store_err(e).at(span, self.source()))?;
                Ok(())
            }
            CreatorStmt::Alert(e) => {
                let v = self.eval(e, frame)?;
                self.client_action("alert", v.to_display());
                Ok(())
            }
            CreatorStmt::Cancel(what) => {
                self.client_action(&format!("cancel {what}"), String::new());
                Ok(())
            }
            CreatorStmt::FieldAction { action, target } => {
                self.client_action(action, target.clone());
                Ok(())
            }
            CreatorStmt::Ui {
                target,
                action,
                args,
            } => {
                let mut shown = Vec::new();
                for a in args {
                    shown.push(self.eval(a, frame)?.to_display());
                }
                self.client_action(&format!("{target}:ui.{action}"), shown.join(", "));
                Ok(())
            }
        }
    }

    /// Record a client-side action (`alert`, `openUrl`, …).
    pub fn client_action(&mut self, action: &str, detail: String) {
        if self.options.creator.verbose {
            if detail.is_empty() {
                eprintln!("creator: {action}");
            } else {
                eprintln!("creator: {action} {detail}");
            }
        }
        self.creator.actions.push(ClientAction {
            action: action.to_string(),
            detail,
        });
    }

    /// The submission `input.` reads (an empty one when none was given).
    pub(crate) fn creator_input(&mut self) -> Value {
        if self.creator.input.is_none() {
            let v = match &self.options.creator.input {
                Some(Value::Map(m)) => Value::new_map(m.borrow().clone()),
                _ => Value::empty_map(),
            };
            self.creator.input = Some(v);
        }
        self.creator.input.clone().unwrap_or(Value::Null)
    }

    /// `x.Field` on a record, a fetch (its first record) or a map.
    pub(crate) fn creator_field(&mut self, recv: &Value, name: &str) -> Option<Value> {
        match recv {
            Value::Map(m) => Some(map_field(m, name)),
            Value::List(l) => {
                let first = l.borrow().first().cloned();
                match first {
                    None => Some(Value::Null),
                    Some(Value::Map(m)) => Some(map_field(&m, name)),
                    Some(_) => None,
                }
            }
            _ => None,
        }
    }

    /// `target.field = value`: sets the map's key; for fetched records
    /// (or every record of a fetch) the database is updated too.
    pub(crate) fn creator_assign(
        &mut self,
        target: &Value,
        field: &str,
        value: Value,
        span: Span,
    ) -> RtResult<()> {
        match target {
            Value::Map(m) => self.assign_one(m, field, value, span),
            Value::List(l) => {
                let items: Vec<Value> = l.borrow().clone();
                for item in items {
                    if let Value::Map(m) = item {
                        self.assign_one(&m, field, value.clone(), span)?;
                    }
                }
                Ok(())
            }
            Value::Null => Err(
                RtError::runtime(format!("cannot set field '{field}' of null"))
                    .with_help("the record was not found; check the fetch with .count() first")
                    .at(span, self.source()),
            ),
            other => Err(RtError::runtime(format!(
                "cannot set field '{field}' of a {}",
                other.type_tag().deluge_name()
            ))
            .with_help("fields can be set on records, input and maps")
            .at(span, self.source())),
        }
    }

    fn assign_one(
        &mut self,
        m: &Rc<RefCell<MapData>>,
        field: &str,
        value: Value,
        span: Span,
    ) -> RtResult<()> {
        let record = self.record_of(m);
        let key = {
            let data = m.borrow();
            data.keys()
                .find(|k| k.as_text().eq_ignore_ascii_case(field))
                .map(|k| k.as_text().into_owned())
                .unwrap_or_else(|| field.to_string())
        };
        if let Some(r) = record {
            self.persist(r, &key, &value, span)?;
        }
        m.borrow_mut().insert(Key::text(&key), value);
        Ok(())
    }

    fn persist(&mut self, r: RecordRef, field: &str, value: &Value, span: Span) -> RtResult<()> {
        let now = self.now();
        let strict = self.creator_strict();
        match r {
            RecordRef::Record { form, id } => {
                if field.eq_ignore_ascii_case("ID") {
                    return Err(
                        RtError::runtime("a record's ID cannot be changed").at(span, self.source())
                    );
                }
                let def = self.creator_store()?.form(&form).cloned();
                let Some(def) = def else { return Ok(()) };
                if def.canonical(field).is_none() {
                    if def.declared || strict {
                        let name = Name {
                            name: Rc::from(field),
                            span,
                        };
                        return Err(criteria::unknown_field(self, &name, &def));
                    }
                    let ty = FieldType::infer(value);
                    self.creator_store()?
                        .ensure_field(&form, field, &ty, false)
                        .map_err(|e| store_err(e).at(span, self.source()))?;
                }
                self.creator_store()?
                    .update(&form, id, field, value, &now)
                    .map_err(|e| store_err(e).at(span, self.source()))
            }
            RecordRef::Row {
                form,
                parent,
                field: sub,
                id,
            } => {
                let store = self.creator_store()?;
                let rows = store.get_field(&form, parent, &sub).map_err(store_err)?;
                if let Value::List(l) = &rows {
                    for row in l.borrow().iter() {
                        if let Value::Map(rm) = row {
                            let is_it = matches!(rm.borrow().get(&KeyRef::Text("ID")), Some(Value::Int(i)) if *i == id);
                            if is_it {
                                let key = rm
                                    .borrow()
                                    .keys()
                                    .find(|k| k.as_text().eq_ignore_ascii_case(field))
                                    .map(|k| k.as_text().into_owned())
                                    .unwrap_or_else(|| field.to_string());
                                rm.borrow_mut().insert(Key::text(&key), value.clone());
                            }
                        }
                    }
                }
                store
                    .update(&form, parent, &sub, &rows, &now)
                    .map_err(|e| store_err(e).at(span, self.source()))
            }
        }
    }
}

struct FormList {
    forms: Vec<FormDef>,
    strict: bool,
}

impl criteria::Forms for FormList {
    fn form(&self, name: &str) -> Option<FormDef> {
        self.forms
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .cloned()
    }
    fn strict(&self) -> bool {
        self.strict
    }
}

/// A map's field by name (exact, then ignoring case); null when absent.
pub fn map_field(m: &Rc<RefCell<MapData>>, name: &str) -> Value {
    let data = m.borrow();
    if let Some(v) = data.get(&KeyRef::Text(name)) {
        return v.clone();
    }
    data.iter()
        .find(|(k, _)| k.as_text().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null)
}

fn aggregate(func: &str, values: Vec<Value>) -> RtResult<Value> {
    let numbers = || -> Vec<f64> {
        values
            .iter()
            .filter_map(|v| match v {
                Value::Int(i) => Some(*i as f64),
                Value::Decimal(d) => Some(*d),
                Value::Text(t) => t.trim().parse().ok(),
                _ => None,
            })
            .collect()
    };
    let all_int = values.iter().all(|v| matches!(v, Value::Int(_)));
    Ok(match func {
        "count" => Value::Int(values.len() as i64),
        "distinct" => {
            let mut out: Vec<Value> = Vec::new();
            for v in values {
                if !out.iter().any(|x| crate::value::values_equal(x, &v)) {
                    out.push(v);
                }
            }
            Value::new_list(out)
        }
        "sum" => {
            if values.is_empty() {
                Value::Null
            } else if all_int {
                let mut total: i64 = 0;
                for v in &values {
                    if let Value::Int(i) = v {
                        total = total
                            .checked_add(*i)
                            .ok_or_else(|| RtError::runtime("Number overflow in sum"))?;
                    }
                }
                Value::Int(total)
            } else {
                Value::Decimal(numbers().iter().sum())
            }
        }
        "avg" | "average" => {
            let n = numbers();
            if n.is_empty() {
                Value::Null
            } else {
                Value::Decimal(n.iter().sum::<f64>() / n.len() as f64)
            }
        }
        _ => {
            // maximum / minimum: by the values' own order.
            let want_max = matches!(func, "maximum" | "max");
            let mut best: Option<Value> = None;
            for v in values {
                best = match best {
                    None => Some(v),
                    Some(b) => {
                        let ord = crate::value::compare_values(&v, &b);
                        let better = match ord {
                            Some(std::cmp::Ordering::Greater) => want_max,
                            Some(std::cmp::Ordering::Less) => !want_max,
                            _ => false,
                        };
                        Some(if better { v } else { b })
                    }
                };
            }
            best.unwrap_or(Value::Null)
        }
    })
}

/// Fields a program reads from `input.` and never sets itself
/// (`input.X = v` anywhere makes `X` the script's own), in order of first
/// appearance: the submission must supply them.
pub fn input_fields_read(program: &crate::syntax::ast::Program) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut written: Vec<String> = Vec::new();
    for f in &program.functions {
        for s in &f.body {
            walk_stmt(s, &mut out);
            input_writes(s, &mut written);
        }
    }
    out.retain(|f| !written.iter().any(|w| w.eq_ignore_ascii_case(f)));
    out
}

fn input_writes(s: &Stmt, out: &mut Vec<String>) {
    match &s.kind {
        StmtKind::FieldAssign { target, field, .. } => {
            if matches!(&target.kind, ExprKind::Undefined(n) if n.as_ref() == "input") {
                out.push(field.to_string());
            }
        }
        StmtKind::If {
            branches,
            otherwise,
        } => {
            for (_, b) in branches {
                b.iter().for_each(|s| input_writes(s, out));
            }
            if let Some(b) = otherwise {
                b.iter().for_each(|s| input_writes(s, out));
            }
        }
        StmtKind::ForEach { body, .. } => body.iter().for_each(|s| input_writes(s, out)),
        StmtKind::Try { body, handler, .. } => {
            body.iter().for_each(|s| input_writes(s, out));
            handler.iter().for_each(|s| input_writes(s, out));
        }
        _ => {}
    }
}

fn walk_stmts(stmts: &[Stmt], out: &mut Vec<String>) {
    for s in stmts {
        walk_stmt(s, out);
    }
}

fn walk_stmt(s: &Stmt, out: &mut Vec<String>) {
    match &s.kind {
        StmtKind::Assign { value, .. } => walk_expr(value, out),
        StmtKind::FieldAssign { target, value, .. } => {
            // `input.F = v` writes F; `input.Sub.F = v` reads Sub.
            if !matches!(&target.kind, ExprKind::Undefined(n) if n.as_ref() == "input") {
                walk_expr(target, out);
            }
            walk_expr(value, out);
        }
        StmtKind::Expr(e) | StmtKind::Info(e) => walk_expr(e, out),
        StmtKind::If {
            branches,
            otherwise,
        } => {
            for (c, b) in branches {
                walk_expr(c, out);
                walk_stmts(b, out);
            }
            if let Some(b) = otherwise {
                walk_stmts(b, out);
            }
        }
        StmtKind::ForEach { iterable, body, .. } => {
            walk_expr(iterable, out);
            walk_stmts(body, out);
        }
        StmtKind::Return(Some(e)) => walk_expr(e, out),
        StmtKind::Try { body, handler, .. } => {
            walk_stmts(body, out);
            walk_stmts(handler, out);
        }
        StmtKind::Creator(c) => match c.as_ref() {
            CreatorStmt::Delete(q) => walk_query(q, out),
            CreatorStmt::Alert(e) => walk_expr(e, out),
            CreatorStmt::Ui { args, .. } => args.iter().for_each(|a| walk_expr(a, out)),
            _ => {}
        },
        _ => {}
    }
}

fn walk_query(q: &FormQuery, out: &mut Vec<String>) {
    walk_criteria(&q.criteria, out);
    if let Some(r) = &q.range {
        walk_expr(&r.0, out);
        walk_expr(&r.1, out);
    }
}

fn walk_criteria(c: &crate::syntax::ast::Criteria, out: &mut Vec<String>) {
    use crate::syntax::ast::Criteria;
    match c {
        Criteria::And(a, b) | Criteria::Or(a, b) => {
            walk_criteria(a, out);
            walk_criteria(b, out);
        }
        Criteria::Not(a) => walk_criteria(a, out),
        Criteria::Compare { value: Some(e), .. } => walk_expr(e, out),
        _ => {}
    }
}

fn walk_expr(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Field { receiver, name } => {
            if matches!(&receiver.kind, ExprKind::Undefined(n) if n.as_ref() == "input") {
                if !out.iter().any(|x| x == name.as_ref()) {
                    out.push(name.to_string());
                }
            } else {
                walk_expr(receiver, out);
            }
        }
        ExprKind::List(items) => items.iter().for_each(|x| walk_expr(x, out)),
        ExprKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            walk_expr(k, out);
            walk_expr(v, out);
        }),
        ExprKind::Unary(_, x) => walk_expr(x, out),
        ExprKind::Binary(_, a, b) => {
            walk_expr(a, out);
            walk_expr(b, out);
        }
        ExprKind::IfExpr(parts) => parts.iter().for_each(|x| walk_expr(x, out)),
        ExprKind::Call { args, .. } | ExprKind::QualifiedCall { args, .. } => {
            args.iter().for_each(|x| walk_expr(x, out))
        }
        ExprKind::Method { receiver, args, .. } => {
            walk_expr(receiver, out);
            args.iter().for_each(|x| walk_expr(x, out));
        }
        ExprKind::Task(t) => t
            .entries
            .iter()
            .for_each(|en| en.values.iter().for_each(|x| walk_expr(x, out))),
        ExprKind::Creator(c) => match c.as_ref() {
            CreatorExpr::Query(q) => walk_query(q, out),
            CreatorExpr::Insert { fields, .. } => {
                fields.iter().for_each(|(_, x)| walk_expr(x, out))
            }
            CreatorExpr::FieldAll { query, .. } | CreatorExpr::Aggregate { query, .. } => {
                walk_expr(query, out)
            }
            CreatorExpr::Attachment(_) => {}
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests;
