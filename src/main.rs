// Counts live heap bytes so `--max-memory` is a `deluge::limit` error,
// never an allocation failure that aborts the process.
#[global_allocator]
static ALLOC: dlg::mem::CountingAlloc = dlg::mem::CountingAlloc;

fn main() {
    dlg::mem::enable_counting();
    std::process::exit(dlg::cli::main());
}
