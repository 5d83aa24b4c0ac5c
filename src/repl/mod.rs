//! Interactive console (`dlg repl`).
