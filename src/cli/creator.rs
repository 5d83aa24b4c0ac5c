//! `dlg creator import|export|reset|forms`: the local Creator database.

use crate::code::Code;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::creator::{CreatorOptions, DbLocation, FormDef, Store};
use crate::diag::Diag;

#[derive(Args, Debug)]
pub struct CreatorArgs {
    #[command(subcommand)]
    pub command: CreatorCommand,
    /// Creator database (default: .dlg/creator.db in the project).
    #[arg(long, value_name = "PATH", env = "DLG_CREATOR_DB", global = true)]
    pub creator_db: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CreatorCommand {
    /// Add records to a form from a JSON array of objects or a CSV file with a header row.
    Import {
        /// Form name, e.g. Orders.
        form: String,
        /// FILE.json or FILE.csv.
        file: PathBuf,
    },
    /// Print a form's records as a JSON array.
    Export {
        /// Form name, e.g. Orders.
        form: String,
    },
    /// Delete every form and record of the database.
    Reset,
    /// List the forms and their fields.
    Forms,
}

fn usage(msg: impl std::fmt::Display) -> i32 {
    super::usage_error("creator", msg)
}

fn open(args: &CreatorArgs) -> Result<(Store, bool), i32> {
    let opts = CreatorOptions {
        db: args
            .creator_db
            .as_deref()
            .map(DbLocation::from_arg)
            .unwrap_or_default(),
        ..Default::default()
    };
    match crate::creator::open_store(&opts) {
        Ok((store, config)) => Ok((store, !config.forms.is_empty())),
        Err(d) => {
            crate::diag::eprint(&d);
            Err(1)
        }
    }
}

pub fn creator(args: CreatorArgs) -> i32 {
    let (mut store, strict) = match open(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let code = match &args.command {
        CreatorCommand::Import { form, file } => import(&mut store, strict, form, file),
        CreatorCommand::Export { form } => export(&store, form),
        CreatorCommand::Reset => match store.reset() {
            Ok(()) => {
                println!("creator database reset");
                0
            }
            Err(e) => fail(e),
        },
        CreatorCommand::Forms => {
            for f in store.forms() {
                let fields: Vec<String> = f
                    .fields
                    .iter()
                    .map(|x| format!("{}:{}", x.name, x.ty.name()))
                    .collect();
                println!(
                    "{}{} {}",
                    f.name,
                    if f.declared { "" } else { " (inferred)" },
                    fields.join(" ")
                );
            }
            0
        }
    };
    if code == 0
        && let Err(e) = store.commit()
    {
        return fail(e);
    }
    code
}

fn fail(e: String) -> i32 {
    crate::diag::eprint(
        &Diag::new(Code::DlgCreator, e)
            .with_help("check the database path (--creator-db) and the file"),
    );
    1
}

fn form_named(store: &Store, strict: bool, name: &str) -> Result<Option<FormDef>, i32> {
    if let Some(f) = store.form(name) {
        return Ok(Some(f.clone()));
    }
    if strict {
        let names: Vec<&str> = store.forms().iter().map(|f| f.name.as_str()).collect();
        let hint = crate::eval::did_you_mean(name, names.iter().copied())
            .map(|h| format!("did you mean `{h}`?"))
            .unwrap_or_else(|| format!("declared forms: {}", names.join(", ")));
        crate::diag::eprint(
            &Diag::new(Code::DlgCreator, format!("no form named {name}")).with_help(hint),
        );
        return Err(1);
    }
    Ok(None)
}

fn import(store: &mut Store, strict: bool, form: &str, file: &std::path::Path) -> i32 {
    if !crate::creator::schema::valid_name(form) {
        return usage(format!(
            "`{form}` is not a form name (letters, digits and _)"
        ));
    }
    let rows = match crate::creator::import::read_rows(file) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let name = match form_named(store, strict, form) {
        Ok(Some(d)) => d.name,
        Ok(None) => {
            eprintln!(
                "warning: form {form} is not declared: its fields are inferred from {}",
                file.display()
            );
            form.to_string()
        }
        Err(code) => return code,
    };
    match crate::creator::import::import_rows(store, &name, rows, &crate::creator::import::now()) {
        Ok(n) => {
            println!(
                "imported {n} record{} into {name}",
                if n == 1 { "" } else { "s" }
            );
            0
        }
        Err(e) => fail(e),
    }
}

fn export(store: &Store, form: &str) -> i32 {
    let Some(def) = store.form(form) else {
        let names: Vec<&str> = store.forms().iter().map(|f| f.name.as_str()).collect();
        crate::diag::eprint(
            &Diag::new(Code::DlgCreator, format!("no form named {form}")).with_help(
                match crate::eval::did_you_mean(form, names.iter().copied()) {
                    Some(h) => format!("did you mean `{h}`?"),
                    None => "`dlg creator forms` lists the forms".to_string(),
                },
            ),
        );
        return 1;
    };
    let rows = match store.select(&def.name, "1", &[], None, None) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut out = Vec::new();
    for row in rows {
        let mut obj = serde_json::Map::new();
        for (k, v) in row {
            let j: serde_json::Value =
                serde_json::from_str(&crate::value::to_json(&v)).unwrap_or(serde_json::Value::Null);
            obj.insert(k, j);
        }
        out.push(serde_json::Value::Object(obj));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::Value::Array(out)).unwrap_or_default()
    );
    0
}
