//! Keeps the docs honest: every `dlg …` command shown in a code block of the
//! README, ARCHITECTURE.md, CONTRIBUTING.md or docs/ parses with the CLI (and
//! the repository paths it names exist), the README's command table lists
//! exactly clap's subcommands, relative links lead to files, and no
//! placeholder is left for a reader to fill in.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn doc_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["README.md", "ARCHITECTURE.md", "CONTRIBUTING.md"]
        .iter()
        .map(|f| root().join(f))
        .collect();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Shell lines of the fenced code blocks that hold commands (`sh`, `bash`,
/// `console`, unlabelled), plus the `run:` steps of YAML workflows, with
/// `\` continuations joined. Each comes with its 1-based line number.
fn shell_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(lang) = trimmed.strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(lang.trim().to_string()),
            };
            continue;
        }
        let Some(lang) = &fence else { continue };
        let command = match lang.as_str() {
            "sh" | "bash" | "console" | "" => trimmed.strip_prefix("$ ").unwrap_or(trimmed),
            "yaml" | "yml" => match trimmed.trim_start_matches("- ").strip_prefix("run:") {
                Some(rest) => rest.trim_start(),
                None => continue,
            },
            _ => continue,
        };
        let (start, mut joined) = pending.take().unwrap_or((i + 1, String::new()));
        match command.strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head);
                joined.push(' ');
                pending = Some((start, joined));
            }
            None => {
                joined.push_str(command);
                out.push((start, joined));
            }
        }
    }
    out
}

/// The line without its `# comment` (a `#` outside quotes that starts a word).
fn without_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return &line[..i],
            None => {}
        }
        prev = c;
    }
    line
}

/// Splits a command line at unquoted `|`, `&&`, `||` and `;`.
fn pipeline_segments(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.last_mut().unwrap().push(c);
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    out.last_mut().unwrap().push(c);
                }
                '|' | ';' => {
                    if chars.peek() == Some(&'|') {
                        chars.next();
                    }
                    out.push(String::new());
                }
                '&' if chars.peek() == Some(&'&') => {
                    chars.next();
                    out.push(String::new());
                }
                _ => out.last_mut().unwrap().push(c),
            },
        }
    }
    out
}

/// `dlg` arguments of a pipeline segment (`dlg …` or `cargo run [--release]
/// -- …`), without shell redirections; `None` for other commands.
fn dlg_args(segment: &str) -> Option<Vec<String>> {
    let words = shlex::split(segment.trim())?;
    let rest: Vec<String> = match words.first().map(String::as_str) {
        Some("dlg") => words[1..].to_vec(),
        Some("cargo") if words.get(1).is_some_and(|w| w == "run") => {
            let dashes = words.iter().position(|w| w == "--")?;
            words[dashes + 1..].to_vec()
        }
        _ => return None,
    };
    let mut args = vec!["dlg".to_string()];
    let mut skip_next = false;
    for w in rest {
        if skip_next {
            skip_next = false;
            continue;
        }
        if matches!(w.as_str(), ">" | ">>" | "<" | "2>" | "2>>") {
            skip_next = true;
            continue;
        }
        if w.starts_with('>') || w.starts_with('<') || w.starts_with("2>") {
            continue;
        }
        args.push(w);
    }
    Some(args)
}

#[test]
fn every_documented_command_parses() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in doc_files() {
        let text = read(&file);
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        for (line_no, line) in shell_lines(&text) {
            for segment in pipeline_segments(without_comment(&line)) {
                let Some(args) = dlg_args(&segment) else {
                    continue;
                };
                checked += 1;
                let args = dlg::cli::with_run_shortcut(args.into_iter().map(Into::into).collect());
                if let Err(e) = <dlg::cli::Cli as clap::Parser>::try_parse_from(&args) {
                    use clap::error::ErrorKind;
                    if !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                        failures.push(format!("{name}:{line_no}: `{}`: {}", segment.trim(), e));
                    }
                }
                for arg in args.iter().skip(1) {
                    let arg = arg.to_string_lossy();
                    let path = arg.split_once('=').map_or(arg.as_ref(), |(_, v)| v);
                    if path.starts_with("scripts/") && !root().join(path).exists() {
                        failures.push(format!("{name}:{line_no}: `{path}` does not exist"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked > 20,
        "only {checked} commands found: is the extraction broken?"
    );
}

#[test]
fn readme_command_table_lists_exactly_the_subcommands() {
    let readme = read(&root().join("README.md"));
    let start = readme
        .find("## Commands")
        .expect("README has a Commands section");
    let mut documented: Vec<String> = readme[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.strip_prefix("| `dlg "))
        .filter_map(|l| l.split('`').next())
        .map(|c| c.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    documented.sort();
    let mut actual: Vec<String> = dlg::cli::Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect();
    actual.sort();
    assert_eq!(documented, actual);
}

#[test]
fn relative_links_lead_to_files() {
    let mut broken = Vec::new();
    for file in doc_files() {
        let text = read(&file);
        let dir = file.parent().unwrap();
        for (i, _) in text.match_indices("](") {
            let target = &text[i + 2..];
            let Some(end) = target.find(')') else {
                continue;
            };
            let target = &target[..end];
            if target.starts_with("http") || target.starts_with('#') || target.contains(' ') {
                continue;
            }
            let path = target.split('#').next().unwrap();
            if !dir.join(path).exists() {
                broken.push(format!("{}: {target}", file.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Text a reader would have to replace before a command or workflow works.
const PLACEHOLDERS: &[&str] = &[
    "OWNER/",
    "<repository-url>",
    "your-org",
    "YOUR_",
    "TODO",
    "FIXME",
    "TBD",
];

/// `(line, placeholder)` for each placeholder in `text`.
fn placeholders_in(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for p in PLACEHOLDERS {
            if line.contains(p) {
                found.push((n + 1, *p));
            }
        }
    }
    found
}

#[test]
fn no_placeholder_is_left_for_the_reader() {
    let mut files = doc_files();
    // The release workflow and the install metadata are read as written too.
    files.push(root().join(".github/workflows/release.yml"));
    files.push(root().join("Cargo.toml"));
    let mut found = Vec::new();
    for file in files {
        for (n, p) in placeholders_in(&read(&file)) {
            found.push(format!("{}:{n}: {p}", file.display()));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The scan finds what it looks for.
    assert_eq!(
        placeholders_in("ok\ncargo install --git https://github.com/OWNER/dlg\n"),
        vec![(2, "OWNER/")]
    );
}

/// The CI recipe downloads the archives the release workflow builds, under
/// the names `cargo binstall` looks for.
#[test]
fn the_ci_recipe_downloads_what_the_release_workflow_builds() {
    let workflow = read(&root().join(".github/workflows/release.yml"));
    let targets: Vec<&str> = workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- target: "))
        .collect();
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&target), "release.yml builds no {target}");
    }
    assert!(workflow.contains(
        "tar -czf dlg-${{ matrix.target }}.tar.gz -C target/${{ matrix.target }}/release dlg"
    ));
    assert!(workflow.contains("-DestinationPath dlg-${{ matrix.target }}.zip"));
    let cargo = read(&root().join("Cargo.toml"));
    assert!(cargo.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/dlg-{ target }{ archive-suffix }\""
    ));
    let testing = read(&root().join("docs/testing.md"));
    assert!(testing.contains("--pattern 'dlg-x86_64-unknown-linux-gnu.tar.gz'"));
    assert!(
        testing
            .contains("tar -xzf /tmp/dlg/dlg-x86_64-unknown-linux-gnu.tar.gz -C ~/.local/bin dlg")
    );
    assert!(
        testing.contains("key: dlg-${{ runner.os }}-${{ vars.DLG_REPO }}-${{ vars.DLG_VERSION }}")
    );
    // Offline tests need no secrets: the recipe's test step passes none.
    let test_step = testing
        .split("- name: Run the tests")
        .nth(1)
        .expect("the recipe has a test step");
    let step = test_step.split("- uses:").next().unwrap_or("");
    assert!(!step.contains("secrets."), "{step}");
}

#[test]
fn the_readme_stays_a_short_front_door() {
    let lines = read(&root().join("README.md")).lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines; the manual belongs in docs/"
    );
}

/// The extraction itself: a test that cannot find commands would pass
/// anything.
#[test]
fn extraction_finds_commands_in_blocks_pipes_and_workflows() {
    let text = "```sh\nprintf 'x' | dlg repl   # comment\ndlg run a.dg \\\n  --arg x=1 > out.txt\n```\n```yaml\n      - run: dlg test --junit j.xml\n```\n```toml\ndlg = 1\n```\n";
    let lines = shell_lines(text);
    let commands: Vec<Vec<String>> = lines
        .iter()
        .flat_map(|(_, l)| pipeline_segments(without_comment(l)))
        .filter_map(|s| dlg_args(&s))
        .collect();
    assert_eq!(
        commands,
        vec![
            vec!["dlg", "repl"],
            vec!["dlg", "run", "a.dg", "--arg", "x=1"],
            vec!["dlg", "test", "--junit", "j.xml"],
        ]
        .into_iter()
        .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>()
    );
    let bad = <dlg::cli::Cli as clap::Parser>::try_parse_from(["dlg", "rnu"]);
    assert!(bad.is_err(), "an unknown subcommand must not parse");
}
