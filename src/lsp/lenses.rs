//! Code lenses "Run" and "Run test", and the commands they execute.
//!
//! A run is `dlg run --format json` (a test `dlg test --filter`) in a child
//! process of this same executable: the editor never waits on it (it runs
//! on a worker thread, see the server), a runaway script is killed after
//! [`RUN_TIMEOUT`], a crash cannot take the server down, and its output can
//! never reach the protocol's stdout. It runs offline: with the project's
//! (or the file's sidecar) mock file, else with an empty one, so an HTTP
//! call fails with `http::unmocked` instead of reaching the network.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use super::analysis::Analysis;

pub const RUN: &str = "dlg.run";
pub const RUN_TEST: &str = "dlg.runTest";
/// A run still going after this is killed.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// Output kept from a run.
const MAX_OUTPUT: usize = 1 << 20;

/// A lens: the byte offset of its line, its title, the command and its
/// arguments.
pub struct Lens {
    pub at: usize,
    pub title: String,
    pub command: &'static str,
    pub arguments: Vec<Json>,
}

fn is_test_path(path: &Path) -> bool {
    crate::testing::discover::is_test_file(path, None)
}

/// The lenses of a document at `path` (`uri` as the editor names it).
pub fn lenses(doc: &Analysis, uri: &str, path: &Path) -> Vec<Lens> {
    let Some(program) = &doc.program else {
        return Vec::new();
    };
    let test = is_test_path(path);
    let mut out = Vec::new();
    for f in &doc.functions {
        let needs: Vec<&str> = f.params.iter().map(|(_, n)| n.as_str()).collect();
        let args_title = if needs.is_empty() {
            String::new()
        } else {
            format!(" (needs {})", needs.join(", "))
        };
        if program.is_script {
            let (title, command) = if test {
                ("▶ Run test".to_string(), RUN_TEST)
            } else {
                (format!("▶ Run{args_title}"), RUN)
            };
            out.push(Lens {
                at: 0,
                title,
                command,
                arguments: vec![json!(uri), Json::Null, json!(needs)],
            });
            continue;
        }
        let is_test_fn =
            test && f.params.is_empty() && f.name.to_ascii_lowercase().starts_with("test");
        if test && !is_test_fn {
            continue;
        }
        let (title, command) = if is_test_fn {
            (format!("▶ Run test {}", f.name), RUN_TEST)
        } else {
            (format!("▶ Run {}{args_title}", f.qualified_name), RUN)
        };
        out.push(Lens {
            at: f.span.start,
            title,
            command,
            arguments: vec![json!(uri), json!(f.qualified_name), json!(needs)],
        });
    }
    out
}

/// What a command asks for: the file, the function (or test), and the
/// arguments' values (`name → JSON`), if the editor collected them.
pub struct Job {
    pub command: String,
    pub file: PathBuf,
    pub function: Option<String>,
    pub args: Vec<(String, Json)>,
}

impl Job {
    /// Read `[uri, function?, needs?, values?]`.
    pub fn from_arguments(command: &str, arguments: &[Json]) -> Result<Job, String> {
        let uri = arguments
            .first()
            .and_then(Json::as_str)
            .ok_or("the first argument must be the file's URI")?;
        let file = url::Url::parse(uri)
            .ok()
            .and_then(|u| u.to_file_path().ok())
            .ok_or_else(|| format!("not a file URI: {uri}"))?;
        let function = arguments.get(1).and_then(Json::as_str).map(str::to_string);
        let args = arguments
            .get(3)
            .and_then(Json::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        Ok(Job {
            command: command.to_string(),
            file,
            function,
            args,
        })
    }

    /// The `dlg` command line for this job (without the executable).
    pub fn command_line(&self, empty_mock: &Path) -> Vec<String> {
        let file = self.file.display().to_string();
        if self.command == RUN_TEST {
            let mut v = vec!["test".to_string(), file];
            if let Some(f) = &self.function {
                v.push("--filter".into());
                v.push(format!("::{f}"));
            }
            return v;
        }
        let mut v = vec!["run".to_string(), "--format".into(), "json".into()];
        if let Some(f) = &self.function {
            v.push("--function".into());
            v.push(f.clone());
        }
        for (k, value) in &self.args {
            let raw = match value {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            v.push("--arg".into());
            v.push(format!("{k}={raw}"));
        }
        if mock_for(&self.file).is_none() {
            v.push("--mock".into());
            v.push(empty_mock.display().to_string());
        }
        v.push(file);
        v
    }
}

/// The mock file a run of `file` uses without `--mock`: a sidecar
/// `NAME.mock.toml`, else the project's `[run] mock`.
fn mock_for(file: &Path) -> Option<PathBuf> {
    let sidecar = file.with_extension("mock.toml");
    if sidecar.is_file() {
        return Some(sidecar);
    }
    let dir = file.parent()?;
    let toml = crate::project::find_upwards(dir, crate::project::FILE_NAME)?;
    crate::project::Project::load(&toml).ok()?.mock
}

/// Run a job to its end (or [`RUN_TIMEOUT`]) and describe the result:
/// `exitCode`, `info` (the `info` lines), `result`, `diagnostics`,
/// `output` (everything, as text).
pub fn execute(exe: &Path, job: &Job, empty_mock: &Path, timeout: Duration) -> Json {
    let args = job.command_line(empty_mock);
    let mut cmd = Command::new(exe);
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_COLOR", "1");
    if let Some(dir) = job.file.parent() {
        cmd.current_dir(dir);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return json!({"exitCode": null, "error": format!("cannot start {}: {e}", exe.display())});
        }
    };
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || read_capped(&mut stdout));
    let err_reader = std::thread::spawn(move || read_capped(&mut stderr));
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                timed_out = true;
                break child.wait().ok().and_then(|s| s.code());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    describe(job, &args, status, timed_out, &stdout, &stderr)
}

fn read_capped(r: &mut impl Read) -> String {
    let mut buf = Vec::new();
    let _ = r.take(MAX_OUTPUT as u64).read_to_end(&mut buf);
    // Drain the rest so the child never blocks on a full pipe.
    let _ = std::io::copy(r, &mut std::io::sink());
    String::from_utf8_lossy(&buf).into_owned()
}

fn describe(
    job: &Job,
    args: &[String],
    status: Option<i32>,
    timed_out: bool,
    stdout: &str,
    stderr: &str,
) -> Json {
    let command = format!("dlg {}", args.join(" "));
    if job.command == RUN_TEST {
        return json!({
            "command": command,
            "exitCode": status,
            "passed": status == Some(0),
            "timedOut": timed_out,
            "output": format!("{stdout}{stderr}"),
        });
    }
    let mut info = Vec::new();
    let mut diagnostics = Vec::new();
    let mut result = Json::Null;
    let mut output = String::new();
    for line in stdout.lines() {
        let Ok(event) = serde_json::from_str::<Json>(line) else {
            output.push_str(line);
            output.push('\n');
            continue;
        };
        match event.get("type").and_then(Json::as_str) {
            Some("info") => {
                let text = event.get("text").and_then(Json::as_str).unwrap_or("");
                output.push_str(text);
                output.push('\n');
                info.push(text.to_string());
            }
            Some("result") => {
                let text = event.get("text").and_then(Json::as_str).unwrap_or("");
                output.push_str(text);
                output.push('\n');
                result = event.get("value").cloned().unwrap_or(Json::Null);
            }
            Some("diagnostic") => {
                let code = event.get("code").and_then(Json::as_str).unwrap_or("");
                let message = event.get("message").and_then(Json::as_str).unwrap_or("");
                output.push_str(&format!("{code}: {message}\n"));
                diagnostics.push(event);
            }
            _ => {}
        }
    }
    if timed_out {
        output.push_str(&format!(
            "stopped after {} s (the editor's run limit)\n",
            RUN_TIMEOUT.as_secs()
        ));
    }
    json!({
        "command": command,
        "exitCode": status,
        "timedOut": timed_out,
        "info": info,
        "result": result,
        "diagnostics": diagnostics,
        "stderr": stderr,
        "output": output,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_functions_and_tests_get_their_lenses() {
        let a = Analysis::new("info id;\n".into());
        let l = lenses(&a, "file:///p/a.dg", Path::new("/p/a.dg"));
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].title, "▶ Run (needs id)");
        let a = Analysis::new("int f(int n)\n{\n\treturn n;\n}\nvoid g()\n{\n}\n".into());
        let titles: Vec<String> = lenses(&a, "file:///p/f.dg", Path::new("/p/f.dg"))
            .into_iter()
            .map(|l| l.title)
            .collect();
        assert_eq!(titles, ["▶ Run f (needs n)", "▶ Run g"]);
        let a = Analysis::new("void testA()\n{\n}\nvoid helper(int x)\n{\n}\n".into());
        let l = lenses(&a, "file:///p/t.test.dg", Path::new("/p/t.test.dg"));
        assert_eq!(l.len(), 1);
        assert_eq!(
            (l[0].title.as_str(), l[0].command),
            ("▶ Run test testA", RUN_TEST)
        );
    }

    #[test]
    fn jobs_read_their_arguments_and_run_offline() {
        let job = Job::from_arguments(
            RUN,
            &[
                json!("file:///p/a%20b.dg"),
                Json::Null,
                json!(["id"]),
                json!({"id": 5}),
            ],
        )
        .unwrap();
        assert_eq!(job.file, PathBuf::from("/p/a b.dg"));
        let line = job.command_line(Path::new("/tmp/empty.mock.toml"));
        assert_eq!(
            line,
            [
                "run",
                "--format",
                "json",
                "--arg",
                "id=5",
                "--mock",
                "/tmp/empty.mock.toml",
                "/p/a b.dg"
            ]
        );
        assert!(Job::from_arguments(RUN, &[json!(1)]).is_err());
        assert!(Job::from_arguments(RUN, &[]).is_err());
    }

    #[test]
    fn run_output_is_read_into_info_lines() {
        let job = Job::from_arguments(RUN, &[json!("file:///p/a.dg")]).unwrap();
        let out = "{\"type\":\"info\",\"text\":\"2\"}\n{\"type\":\"diagnostic\",\"code\":\"deluge::runtime\",\"message\":\"boom\"}\n{\"type\":\"done\",\"exit_code\":1}\n";
        let d = describe(&job, &[], Some(1), false, out, "");
        assert_eq!(d["info"], json!(["2"]));
        assert_eq!(d["diagnostics"][0]["code"], "deluge::runtime");
        assert_eq!(d["output"], "2\ndeluge::runtime: boom\n");
    }
}
