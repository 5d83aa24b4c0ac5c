//! `dlg builtins`: list every supported function, one per line.

use clap::Args;

#[derive(Args, Debug)]
pub struct BuiltinsArgs {
    /// Only show names containing this text (case-insensitive).
    pub filter: Option<String>,
}

pub fn builtins(args: BuiltinsArgs) -> i32 {
    let filter = args.filter.map(|f| f.to_ascii_lowercase());
    let mut names = crate::builtins::listing();
    // Integration tasks (`zoho.crm.getRecordById`, …), one table per service.
    names.extend(crate::natives::names());
    names.sort_by_key(|s| s.to_ascii_lowercase());
    names.dedup();
    for name in names {
        if filter
            .as_ref()
            .is_none_or(|f| name.to_ascii_lowercase().contains(f))
        {
            println!("{name}");
        }
    }
    0
}
