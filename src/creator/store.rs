//! The embedded database: one SQLite table per form, a field table with
//! each field's type, and a counter for Zoho-like 64-bit record IDs.
//! Table and column names are checked (`valid_name`) and quoted; values
//! always travel as bound parameters.

use std::path::Path;

use chrono::NaiveDateTime;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, params_from_iter};

use super::schema::{FieldDef, FieldType, FormDef, valid_name};
use crate::value::{DateTime, Key, MapData, Value};

/// First record ID of a fresh database: 19 digits, like Zoho's.
pub const ID_BASE: i64 = 4_000_000_000_000_000_000;

pub struct Store {
    conn: Connection,
    forms: Vec<FormDef>,
    in_tx: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("forms", &self.forms).finish()
    }
}

pub type StoreResult<T> = Result<T, String>;

fn sql_err(e: rusqlite::Error) -> String {
    format!("creator database: {e}")
}

/// `"name"` with inner quotes doubled (names are validated besides).
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn table(form: &str) -> String {
    quote(&format!("form_{form}"))
}

pub fn fmt_datetime(at: &NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

impl Store {
    pub fn open(path: &Path) -> StoreResult<Store> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Store::init(conn)
    }

    pub fn open_in_memory() -> StoreResult<Store> {
        Store::init(Connection::open_in_memory().map_err(sql_err)?)
    }

    fn init(conn: Connection) -> StoreResult<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql_err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS dlg_forms (name TEXT PRIMARY KEY, declared INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS dlg_fields (form TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (form, name));
             CREATE TABLE IF NOT EXISTS dlg_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
        )
        .map_err(sql_err)?;
        let mut store = Store {
            conn,
            forms: Vec::new(),
            in_tx: false,
        };
        store.load_forms()?;
        Ok(store)
    }

    fn load_forms(&mut self) -> StoreResult<()> {
        let mut forms: Vec<FormDef> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT name, declared FROM dlg_forms ORDER BY rowid")
                .map_err(sql_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(sql_err)?;
            for row in rows {
                let (name, declared) = row.map_err(sql_err)?;
                forms.push(FormDef {
                    name,
                    fields: Vec::new(),
                    declared: declared != 0,
                });
            }
            let mut stmt = self
                .conn
                .prepare("SELECT form, name, type FROM dlg_fields ORDER BY form, position")
                .map_err(sql_err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(sql_err)?;
            for row in rows {
                let (form, name, ty) = row.map_err(sql_err)?;
                if let Some(f) = forms.iter_mut().find(|f| f.name == form) {
                    f.fields.push(FieldDef {
                        name,
                        ty: FieldType::parse(&ty).unwrap_or(FieldType::Text),
                    });
                }
            }
        }
        self.forms = forms;
        Ok(())
    }

    /// Start the transaction every write of a run goes into.
    pub fn begin(&mut self) -> StoreResult<()> {
        if !self.in_tx {
            self.conn.execute_batch("BEGIN").map_err(sql_err)?;
            self.in_tx = true;
        }
        Ok(())
    }

    pub fn commit(&mut self) -> StoreResult<()> {
        if self.in_tx {
            self.in_tx = false;
            self.conn.execute_batch("COMMIT").map_err(sql_err)?;
        }
        Ok(())
    }

    pub fn rollback(&mut self) -> StoreResult<()> {
        if self.in_tx {
            self.in_tx = false;
            self.conn.execute_batch("ROLLBACK").map_err(sql_err)?;
            self.load_forms()?;
        }
        Ok(())
    }

    pub fn forms(&self) -> &[FormDef] {
        &self.forms
    }

    /// A form by name (exact spelling first, then ignoring case).
    pub fn form(&self, name: &str) -> Option<&FormDef> {
        self.forms.iter().find(|f| f.name == name).or_else(|| {
            self.forms
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
        })
    }

    /// Create a form's table, or add the fields it lacks.
    pub fn ensure_form(&mut self, def: &FormDef) -> StoreResult<()> {
        if !valid_name(&def.name) {
            return Err(format!("`{}` is not a valid form name", def.name));
        }
        if self.form(&def.name).is_none() {
            self.conn
                .execute(
                    &format!(
                        "CREATE TABLE IF NOT EXISTS {} (ID INTEGER PRIMARY KEY, Added_User, Added_Time, Modified_Time)",
                        table(&def.name)
                    ),
                    [],
                )
                .map_err(sql_err)?;
            self.conn
                .execute(
                    "INSERT OR REPLACE INTO dlg_forms (name, declared) VALUES (?1, ?2)",
                    rusqlite::params![def.name, def.declared as i64],
                )
                .map_err(sql_err)?;
            self.forms.push(FormDef {
                name: def.name.clone(),
                fields: Vec::new(),
                declared: def.declared,
            });
        } else if def.declared {
            let name = self
                .form(&def.name)
                .map(|f| f.name.clone())
                .unwrap_or_default();
            self.conn
                .execute("UPDATE dlg_forms SET declared = 1 WHERE name = ?1", [&name])
                .map_err(sql_err)?;
            if let Some(f) = self.forms.iter_mut().find(|f| f.name == name) {
                f.declared = true;
            }
        }
        let form_name = self
            .form(&def.name)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        for field in &def.fields {
            self.ensure_field(&form_name, &field.name, &field.ty, def.declared)?;
        }
        Ok(())
    }

    /// Add a field (column) to a form; a declared type replaces an
    /// inferred one.
    pub fn ensure_field(
        &mut self,
        form: &str,
        field: &str,
        ty: &FieldType,
        declared: bool,
    ) -> StoreResult<()> {
        if !valid_name(field) {
            return Err(format!("`{field}` is not a valid field name"));
        }
        let Some(def) = self.forms.iter().position(|f| f.name == form) else {
            return Err(format!("no form named {form}"));
        };
        if let Some(existing) = self.forms[def].field(field).map(|f| f.name.clone()) {
            if declared {
                self.conn
                    .execute(
                        "UPDATE dlg_fields SET type = ?1 WHERE form = ?2 AND name = ?3",
                        rusqlite::params![ty.name(), form, existing],
                    )
                    .map_err(sql_err)?;
                if let Some(f) = self.forms[def]
                    .fields
                    .iter_mut()
                    .find(|f| f.name == existing)
                {
                    f.ty = ty.clone();
                }
            }
            return Ok(());
        }
        self.conn
            .execute(
                &format!("ALTER TABLE {} ADD COLUMN {}", table(form), quote(field)),
                [],
            )
            .map_err(sql_err)?;
        let position = self.forms[def].fields.len() as i64;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO dlg_fields (form, name, type, position) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![form, field, ty.name(), position],
            )
            .map_err(sql_err)?;
        self.forms[def].fields.push(FieldDef {
            name: field.to_string(),
            ty: ty.clone(),
        });
        Ok(())
    }

    fn next_id(&mut self) -> StoreResult<i64> {
        let current: Option<i64> = self
            .conn
            .query_row(
                "SELECT value FROM dlg_meta WHERE key = 'last_id'",
                [],
                |r| r.get(0),
            )
            .ok();
        let id = current.unwrap_or(ID_BASE) + 1;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO dlg_meta (key, value) VALUES ('last_id', ?1)",
                [id],
            )
            .map_err(sql_err)?;
        Ok(id)
    }

    /// Keep the ID counter above an imported ID.
    fn bump_id(&mut self, id: i64) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO dlg_meta (key, value) VALUES ('last_id', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
                [id.max(ID_BASE)],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    /// Insert a record; fields must exist. Returns the new ID.
    pub fn insert(
        &mut self,
        form: &str,
        values: &[(String, Value)],
        now: &NaiveDateTime,
        user: &str,
    ) -> StoreResult<i64> {
        let def = self
            .form(form)
            .cloned()
            .ok_or_else(|| format!("no form named {form}"))?;
        let given_id = values.iter().find_map(|(k, v)| {
            (k.eq_ignore_ascii_case("ID")).then(|| match v {
                Value::Int(i) => Some(*i),
                Value::Text(t) => t.trim().parse().ok(),
                _ => None,
            })?
        });
        let id = match given_id {
            Some(id) => {
                self.bump_id(id)?;
                id
            }
            None => self.next_id()?,
        };
        let stamp = fmt_datetime(now);
        let mut cols = vec![
            "ID".to_string(),
            "Added_User".into(),
            "Added_Time".into(),
            "Modified_Time".into(),
        ];
        let mut params: Vec<Sql> = vec![
            Sql::Integer(id),
            Sql::Text(user.to_string()),
            Sql::Text(stamp.clone()),
            Sql::Text(stamp),
        ];
        for (name, v) in values {
            if name.eq_ignore_ascii_case("ID") {
                continue;
            }
            if let Some(i) = ["Added_User", "Added_Time", "Modified_Time"]
                .iter()
                .position(|s| s.eq_ignore_ascii_case(name))
            {
                // Imports (and scripts) may set the system fields.
                let ty = if i == 0 {
                    FieldType::Text
                } else {
                    FieldType::DateTime
                };
                params[i + 1] = encode(&ty, v);
                continue;
            }
            let field = def
                .field(name)
                .ok_or_else(|| format!("form {form} has no field {name}"))?;
            let v = match field.ty {
                FieldType::Subform => self.with_row_ids(v)?,
                _ => v.clone(),
            };
            cols.push(quote(&field.name));
            params.push(encode(&field.ty, &v));
        }
        let placeholders = vec!["?"; cols.len()].join(", ");
        self.conn
            .execute(
                &format!(
                    "INSERT INTO {} ({}) VALUES ({placeholders})",
                    table(&def.name),
                    cols.join(", ")
                ),
                params_from_iter(params.iter()),
            )
            .map_err(sql_err)?;
        Ok(id)
    }

    /// Subform rows get IDs when they are stored.
    fn with_row_ids(&mut self, v: &Value) -> StoreResult<Value> {
        let Value::List(rows) = v else {
            return Ok(v.clone());
        };
        let rows: Vec<Value> = rows.borrow().clone();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            match row {
                Value::Map(m) => {
                    let mut data = m.borrow().clone();
                    let has_id = data
                        .iter()
                        .any(|(k, v)| k.as_text().eq_ignore_ascii_case("ID") && !v.is_null());
                    if !has_id {
                        let id = self.next_id()?;
                        let mut with_id = MapData::default();
                        with_id.insert(Key::text("ID"), Value::Int(id));
                        for (k, v) in data.drain(..) {
                            with_id.insert(k, v);
                        }
                        data = with_id;
                    }
                    out.push(Value::new_map(data));
                }
                other => out.push(other),
            }
        }
        Ok(Value::new_list(out))
    }

    /// Records matching a WHERE clause, as (field, value) rows.
    pub fn select(
        &self,
        form: &str,
        where_sql: &str,
        params: &[Sql],
        order: Option<(&str, bool)>,
        limit: Option<(i64, i64)>,
    ) -> StoreResult<Vec<Vec<(String, Value)>>> {
        let def = self
            .form(form)
            .ok_or_else(|| format!("no form named {form}"))?;
        let mut cols: Vec<(String, FieldType)> = vec![("ID".into(), FieldType::Number)];
        for f in &def.fields {
            cols.push((f.name.clone(), f.ty.clone()));
        }
        cols.push(("Added_User".into(), FieldType::Text));
        cols.push(("Added_Time".into(), FieldType::DateTime));
        cols.push(("Modified_Time".into(), FieldType::DateTime));
        let col_sql: Vec<String> = cols.iter().map(|(n, _)| quote(n)).collect();
        let mut sql = format!(
            "SELECT {} FROM {} WHERE {where_sql}",
            col_sql.join(", "),
            table(&def.name)
        );
        match order {
            Some((field, desc)) => sql.push_str(&format!(
                " ORDER BY {} {}, ID",
                quote(field),
                if desc { "DESC" } else { "ASC" }
            )),
            None => sql.push_str(" ORDER BY ID"),
        }
        if let Some((offset, count)) = limit {
            sql.push_str(&format!(" LIMIT {} OFFSET {}", count.max(0), offset.max(0)));
        }
        let mut stmt = self.conn.prepare(&sql).map_err(sql_err)?;
        let rows = stmt
            .query_map(params_from_iter(params.iter()), |r| {
                let mut row = Vec::with_capacity(cols.len());
                for (i, (name, ty)) in cols.iter().enumerate() {
                    let raw: Sql = r.get(i)?;
                    row.push((name.clone(), decode(ty, raw)));
                }
                Ok(row)
            })
            .map_err(sql_err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql_err)
    }

    /// Set one field of one record (and its Modified_Time).
    pub fn update(
        &mut self,
        form: &str,
        id: i64,
        field: &str,
        value: &Value,
        now: &NaiveDateTime,
    ) -> StoreResult<()> {
        let def = self
            .form(form)
            .cloned()
            .ok_or_else(|| format!("no form named {form}"))?;
        let (name, ty) = match def.field(field) {
            Some(f) => (f.name.clone(), f.ty.clone()),
            None => match def.canonical(field) {
                Some(n) if n != "ID" => (n.clone(), def.type_of(&n).unwrap_or(FieldType::Text)),
                _ => return Err(format!("form {form} has no field {field}")),
            },
        };
        let value = match ty {
            FieldType::Subform => self.with_row_ids(value)?,
            _ => value.clone(),
        };
        self.conn
            .execute(
                &format!(
                    "UPDATE {} SET {} = ?1, Modified_Time = ?2 WHERE ID = ?3",
                    table(&def.name),
                    quote(&name)
                ),
                rusqlite::params![encode(&ty, &value), fmt_datetime(now), id],
            )
            .map_err(sql_err)?;
        Ok(())
    }

    /// The stored value of one field of one record.
    pub fn get_field(&self, form: &str, id: i64, field: &str) -> StoreResult<Value> {
        let def = self
            .form(form)
            .ok_or_else(|| format!("no form named {form}"))?;
        let Some(f) = def.field(field) else {
            return Ok(Value::Null);
        };
        let raw: Option<Sql> = self
            .conn
            .query_row(
                &format!(
                    "SELECT {} FROM {} WHERE ID = ?1",
                    quote(&f.name),
                    table(&def.name)
                ),
                [id],
                |r| r.get(0),
            )
            .ok();
        Ok(raw.map(|r| decode(&f.ty, r)).unwrap_or(Value::Null))
    }

    /// How many records a form has.
    pub fn count(&self, form: &str) -> StoreResult<i64> {
        let def = self
            .form(form)
            .ok_or_else(|| format!("no form named {form}"))?;
        self.conn
            .query_row(
                &format!("SELECT count(*) FROM {}", table(&def.name)),
                [],
                |r| r.get(0),
            )
            .map_err(sql_err)
    }

    pub fn delete(&mut self, form: &str, where_sql: &str, params: &[Sql]) -> StoreResult<usize> {
        let def = self
            .form(form)
            .ok_or_else(|| format!("no form named {form}"))?;
        self.conn
            .execute(
                &format!("DELETE FROM {} WHERE {where_sql}", table(&def.name)),
                params_from_iter(params.iter()),
            )
            .map_err(sql_err)
    }

    /// Drop every form and record.
    pub fn reset(&mut self) -> StoreResult<()> {
        let names: Vec<String> = self.forms.iter().map(|f| f.name.clone()).collect();
        for n in names {
            self.conn
                .execute(&format!("DROP TABLE IF EXISTS {}", table(&n)), [])
                .map_err(sql_err)?;
        }
        self.conn
            .execute_batch("DELETE FROM dlg_forms; DELETE FROM dlg_fields; DELETE FROM dlg_meta;")
            .map_err(sql_err)?;
        self.forms.clear();
        Ok(())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.commit();
    }
}

/// A script value as stored in a field of type `ty`.
pub fn encode(ty: &FieldType, v: &Value) -> Sql {
    match (ty, v) {
        (_, Value::Null) => Sql::Null,
        (FieldType::Number | FieldType::Lookup(_), Value::Text(t)) => match t.trim().parse::<i64>()
        {
            Ok(i) => Sql::Integer(i),
            Err(_) => match t.trim().parse::<f64>() {
                Ok(d) => Sql::Real(d),
                Err(_) if t.is_empty() => Sql::Null,
                Err(_) => Sql::Text(t.to_string()),
            },
        },
        (FieldType::Decimal, Value::Text(t)) => match t.trim().parse::<f64>() {
            Ok(d) => Sql::Real(d),
            Err(_) if t.is_empty() => Sql::Null,
            Err(_) => Sql::Text(t.to_string()),
        },
        (FieldType::Decimal, Value::Int(i)) => Sql::Real(*i as f64),
        (FieldType::Number, Value::Decimal(d)) if d.fract() == 0.0 && d.abs() < 9e18 => {
            Sql::Integer(*d as i64)
        }
        (
            FieldType::Text | FieldType::Email,
            Value::Int(_) | Value::Decimal(_) | Value::Bool(_),
        ) => Sql::Text(v.to_display()),
        (FieldType::Boolean, Value::Text(t)) => match t.trim().to_ascii_lowercase().as_str() {
            "true" => Sql::Integer(1),
            "false" => Sql::Integer(0),
            _ => Sql::Text(t.to_string()),
        },
        (FieldType::Date, Value::Date(d)) => Sql::Text(d.at.format("%Y-%m-%d").to_string()),
        (FieldType::Date | FieldType::DateTime, Value::Text(t)) => {
            match crate::value::date::parse_date_literal(t) {
                Some(d) => encode(ty, &Value::date(d)),
                None => Sql::Text(t.to_string()),
            }
        }
        (FieldType::MultiSelect, Value::Text(t)) => {
            let items: Vec<serde_json::Value> = t
                .split(',')
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| serde_json::Value::String(s.to_string()))
                .collect();
            Sql::Text(serde_json::Value::Array(items).to_string())
        }
        (_, Value::Bool(b)) => Sql::Integer(*b as i64),
        (_, Value::Int(i)) => Sql::Integer(*i),
        (_, Value::Decimal(d)) => Sql::Real(*d),
        (_, Value::Text(t)) => Sql::Text(t.to_string()),
        (_, Value::Date(d)) => Sql::Text(fmt_datetime(&d.at)),
        (_, Value::List(_) | Value::Map(_)) => Sql::Text(crate::value::to_json(v).to_string()),
        (_, Value::Error(e)) => Sql::Text(e.message.clone()),
    }
}

/// A stored value read back as a field of type `ty`.
pub fn decode(ty: &FieldType, raw: Sql) -> Value {
    match (ty, raw) {
        (_, Sql::Null) => Value::Null,
        (FieldType::Boolean, Sql::Integer(i)) => Value::Bool(i != 0),
        (FieldType::Decimal, Sql::Integer(i)) => Value::Decimal(i as f64),
        (FieldType::Date | FieldType::DateTime, Sql::Text(t)) => {
            let has_time = *ty == FieldType::DateTime;
            let parsed = NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S")
                .ok()
                .or_else(|| {
                    chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                });
            match parsed {
                Some(at) => Value::date(DateTime { at, has_time }),
                None => Value::text(t),
            }
        }
        (FieldType::MultiSelect | FieldType::Subform, Sql::Text(t)) => {
            match serde_json::from_str::<serde_json::Value>(&t) {
                Ok(j @ serde_json::Value::Array(_)) => crate::value::from_json(&j),
                _ => Value::text(t),
            }
        }
        (FieldType::Text | FieldType::Email, Sql::Integer(i)) => Value::text(i.to_string()),
        (_, Sql::Integer(i)) => Value::Int(i),
        (_, Sql::Real(d)) => Value::Decimal(d),
        (_, Sql::Text(t)) => Value::text(t),
        (_, Sql::Blob(b)) => Value::text(String::from_utf8_lossy(&b).into_owned()),
    }
}
