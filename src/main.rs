fn main() {
    std::process::exit(dlg::cli::main());
}
