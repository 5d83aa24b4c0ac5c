//! The server: its life cycle (initialize → requests → shutdown → exit),
//! the open documents, and the dispatch of each message to its feature.
//!
//! Every message is handled on the caller's thread, in order; a panic in a
//! handler is caught and answered as an internal error (the causes are
//! fixed, this is the last resort). Runs started by code lenses go to
//! worker threads and answer when they end.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::*;
use serde_json::Value as Json;

use super::analysis::Analysis;
use super::context::Ctx;
use super::workspace::Workspace;
use super::{
    completion, diagnostics, folding, formatting, hover, lenses, navigation, signature, text,
    tokens,
};

/// Most runs going at once.
const MAX_RUNS: usize = 4;

/// Where answers go: encoded frames for the writer.
#[derive(Clone)]
pub struct Outbox(pub Sender<Vec<u8>>);

impl Outbox {
    pub fn send(&self, msg: Message) {
        // The writer has gone only when the client has: nothing to do.
        let _ = self.0.send(super::transport::encode(&msg));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Uninitialized,
    Running,
    ShutDown,
    /// `exit` received; the code the process ends with.
    Exited(i32),
}

struct Document {
    path: Option<PathBuf>,
    version: i32,
    analysis: Analysis,
    /// Edited text not analysed yet: a burst of keystrokes is analysed
    /// once, when the input is drained or a request needs it.
    edited: Option<String>,
}

pub struct Server {
    out: Outbox,
    state: State,
    docs: HashMap<String, Document>,
    workspace: Workspace,
    snippets: bool,
    /// This executable, for runs.
    exe: Option<PathBuf>,
    empty_mock: Option<tempfile::NamedTempFile>,
    running: Arc<AtomicUsize>,
    /// Documents whose diagnostics are to be published at the next flush.
    dirty: std::collections::BTreeSet<String>,
    panics: usize,
}

/// The analysis of `text`; should it panic, a bare one (the text without
/// a tree), so the document stays in step with the editor.
fn analyse(text: String, panics: &mut usize) -> Analysis {
    match catch_unwind(AssertUnwindSafe(|| Analysis::new(text.clone()))) {
        Ok(a) => a,
        Err(p) => {
            *panics += 1;
            eprintln!(
                "dlg lsp: internal error while analysing a document: {}",
                panic_message(&*p)
            );
            Analysis::unanalysed(text)
        }
    }
}

fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

fn path_to_uri(path: &Path) -> Option<Uri> {
    url::Url::from_file_path(path).ok()?.as_str().parse().ok()
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

impl Server {
    pub fn new(out: Outbox) -> Server {
        Server {
            out,
            state: State::Uninitialized,
            docs: HashMap::new(),
            workspace: Workspace::default(),
            snippets: false,
            exe: std::env::current_exe().ok(),
            empty_mock: None,
            running: Arc::new(AtomicUsize::new(0)),
            dirty: Default::default(),
            panics: 0,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Analyse the edited documents and publish their diagnostics. Called
    /// when no input is waiting, so a burst of edits is analysed once.
    pub fn flush(&mut self) {
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
            self.settle();
            for key in std::mem::take(&mut self.dirty) {
                self.publish(&key);
            }
        })) {
            self.panics += 1;
            eprintln!(
                "dlg lsp: internal error while publishing diagnostics: {}",
                panic_message(&*p)
            );
        }
    }

    /// Analyse every document edited since its last analysis.
    fn settle(&mut self) {
        for doc in self.docs.values_mut() {
            if let Some(text) = doc.edited.take() {
                doc.analysis = analyse(text, &mut self.panics);
            }
        }
    }

    /// Panics caught so far (each one a bug: the tests require none).
    pub fn panics(&self) -> usize {
        self.panics
    }

    /// Handle one message from the client.
    pub fn handle(&mut self, msg: Message) {
        match msg {
            Message::Request(req) => {
                let id = req.id.clone();
                let method = req.method.clone();
                match catch_unwind(AssertUnwindSafe(|| self.request(req))) {
                    Ok(Some(resp)) => self.out.send(resp.into()),
                    Ok(None) => {}
                    Err(p) => {
                        self.panics += 1;
                        eprintln!(
                            "dlg lsp: internal error in {method}: {}",
                            panic_message(&*p)
                        );
                        self.out.send(
                            Response::new_err(
                                id,
                                ErrorCode::InternalError as i32,
                                format!("internal error in dlg lsp while handling {method}"),
                            )
                            .into(),
                        );
                    }
                }
            }
            Message::Notification(n) => {
                let method = n.method.clone();
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| self.notification(n))) {
                    self.panics += 1;
                    eprintln!(
                        "dlg lsp: internal error in {method}: {}",
                        panic_message(&*p)
                    );
                }
            }
            // The server sends no requests: answers are unexpected.
            Message::Response(_) => {}
        }
    }

    fn request(&mut self, req: Request) -> Option<Response> {
        let id = req.id.clone();
        let err = |code: ErrorCode, message: String| {
            Some(Response::new_err(id.clone(), code as i32, message))
        };
        match (self.state, req.method.as_str()) {
            (State::Uninitialized, "initialize") => {
                let params: InitializeParams = match serde_json::from_value(req.params) {
                    Ok(p) => p,
                    Err(e) => return err(ErrorCode::InvalidParams, format!("initialize: {e}")),
                };
                self.initialize(&params);
                self.state = State::Running;
                let result = InitializeResult {
                    capabilities: capabilities(),
                    server_info: Some(ServerInfo {
                        name: "dlg".into(),
                        version: Some(env!("CARGO_PKG_VERSION").into()),
                    }),
                };
                Some(Response::new_ok(id, result))
            }
            (State::Uninitialized, _) => err(
                ErrorCode::ServerNotInitialized,
                format!("{}: the server is not initialized yet", req.method),
            ),
            (State::Running, "initialize") => err(
                ErrorCode::InvalidRequest,
                "initialize: the server is already initialized".into(),
            ),
            (State::Running, "shutdown") => {
                self.state = State::ShutDown;
                Some(Response::new_ok(id, Json::Null))
            }
            (State::Running, method) => {
                let method = method.to_string();
                match self.dispatch(&method, req) {
                    Ok(Some(value)) => Some(Response::new_ok(id, value)),
                    Ok(None) => None,
                    Err((code, message)) => Some(Response::new_err(id, code as i32, message)),
                }
            }
            (_, method) => err(
                ErrorCode::InvalidRequest,
                format!("{method}: the server is shutting down"),
            ),
        }
    }

    fn notification(&mut self, n: Notification) {
        if n.method == "exit" {
            self.state = State::Exited(if self.state == State::ShutDown { 0 } else { 1 });
            return;
        }
        if self.state != State::Running {
            return;
        }
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                    let doc = p.text_document;
                    let key = doc.uri.as_str().to_string();
                    self.docs.insert(
                        key.clone(),
                        Document {
                            path: uri_to_path(&doc.uri),
                            version: doc.version,
                            analysis: analyse(doc.text, &mut self.panics),
                            edited: None,
                        },
                    );
                    self.dirty.insert(key);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                    let key = p.text_document.uri.as_str().to_string();
                    let Some(doc) = self.docs.get_mut(&key) else {
                        return;
                    };
                    let mut content = doc
                        .edited
                        .take()
                        .unwrap_or_else(|| doc.analysis.text.clone());
                    text::apply_changes(&mut content, p.content_changes);
                    doc.version = p.text_document.version;
                    doc.edited = Some(content);
                    self.dirty.insert(key);
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) {
                    if let Some(path) = uri_to_path(&p.text_document.uri) {
                        self.workspace.file_changed(&path);
                    }
                    self.dirty.extend(self.docs.keys().cloned());
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                    self.docs.remove(p.text_document.uri.as_str());
                    self.dirty.remove(p.text_document.uri.as_str());
                    self.out.send(
                        Notification::new(
                            "textDocument/publishDiagnostics".into(),
                            PublishDiagnosticsParams {
                                uri: p.text_document.uri,
                                diagnostics: Vec::new(),
                                version: None,
                            },
                        )
                        .into(),
                    );
                }
            }
            "workspace/didChangeWatchedFiles" => {
                if let Ok(p) = serde_json::from_value::<DidChangeWatchedFilesParams>(n.params) {
                    for change in p.changes {
                        if let Some(path) = uri_to_path(&change.uri) {
                            self.workspace.file_changed(&path);
                        }
                    }
                    self.dirty.extend(self.docs.keys().cloned());
                }
            }
            // initialized, $/cancelRequest, $/setTrace, configuration…
            _ => {}
        }
    }

    fn initialize(&mut self, params: &InitializeParams) {
        self.snippets = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        let mut folders: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| uri_to_path(&f.uri))
            .collect();
        #[allow(deprecated)]
        if folders.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(uri_to_path)
        {
            folders.push(root);
        }
        self.workspace.folders = folders;
    }

    /// Run `f` with the context of document `key`.
    fn with_ctx<R>(&mut self, key: &str, f: impl FnOnce(&Ctx<'_>) -> R) -> Option<R> {
        let doc = self.docs.get(key)?;
        let path = doc.path.clone();
        let project = match &path {
            Some(p) => {
                let project = self.workspace.project_for(p);
                project.refresh();
                Some(&*project)
            }
            None => None,
        };
        let open: HashMap<PathBuf, &Analysis> = self
            .docs
            .values()
            .filter_map(|d| Some((d.path.clone()?, &d.analysis)))
            .collect();
        let doc = &self.docs.get(key)?.analysis;
        let files = project.map(|p| p.files(&open)).unwrap_or_default();
        let ctx = Ctx {
            path: path.as_deref(),
            doc,
            files,
            project,
        };
        Some(f(&ctx))
    }

    fn publish(&mut self, key: &str) {
        let Some(version) = self.docs.get(key).map(|d| d.version) else {
            return;
        };
        let Some(diagnostics) = self.with_ctx(key, |ctx| {
            diagnostics::findings(ctx)
                .iter()
                .map(|f| diagnostics::to_lsp(ctx.doc, f))
                .collect::<Vec<_>>()
        }) else {
            return;
        };
        let Ok(uri) = key.parse::<Uri>() else {
            return;
        };
        self.out.send(
            Notification::new(
                "textDocument/publishDiagnostics".into(),
                PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version: Some(version),
                },
            )
            .into(),
        );
    }

    /// A request of a running server: its result (`None`: answered later,
    /// by a worker).
    fn dispatch(
        &mut self,
        method: &str,
        req: Request,
    ) -> Result<Option<Json>, (ErrorCode, String)> {
        self.settle();
        fn params<P: serde::de::DeserializeOwned>(
            method: &str,
            v: Json,
        ) -> Result<P, (ErrorCode, String)> {
            serde_json::from_value(v)
                .map_err(|e| (ErrorCode::InvalidParams, format!("{method}: {e}")))
        }
        fn value(v: impl serde::Serialize) -> Result<Option<Json>, (ErrorCode, String)> {
            Ok(Some(serde_json::to_value(v).unwrap_or(Json::Null)))
        }
        match method {
            "textDocument/hover" => {
                let p: HoverParams = params(method, req.params)?;
                let pos = p.text_document_position_params;
                value(
                    self.at(&pos.text_document.uri, pos.position, |ctx, offset| {
                        hover::hover(ctx, offset).map(|(md, range)| Hover {
                            contents: HoverContents::Markup(MarkupContent {
                                kind: MarkupKind::Markdown,
                                value: md,
                            }),
                            range: Some(ctx.doc.index.range(&ctx.doc.text, range)),
                        })
                    }),
                )
            }
            "textDocument/completion" => {
                let p: CompletionParams = params(method, req.params)?;
                let pos = p.text_document_position;
                let opts = completion::Options {
                    snippets: self.snippets,
                };
                value(
                    self.at(&pos.text_document.uri, pos.position, |ctx, offset| {
                        Some(CompletionResponse::Array(completion::complete(
                            ctx, offset, &opts,
                        )))
                    }),
                )
            }
            "textDocument/signatureHelp" => {
                let p: SignatureHelpParams = params(method, req.params)?;
                let pos = p.text_document_position_params;
                value(self.at(
                    &pos.text_document.uri,
                    pos.position,
                    signature::signature_help,
                ))
            }
            "textDocument/definition" => {
                let p: GotoDefinitionParams = params(method, req.params)?;
                let pos = p.text_document_position_params;
                let uri = pos.text_document.uri.clone();
                value(self.at(&uri, pos.position, |ctx, offset| {
                    let places = navigation::definition(ctx, offset);
                    (!places.is_empty()).then(|| {
                        GotoDefinitionResponse::Array(
                            places
                                .iter()
                                .filter_map(|p| self_location(ctx, &uri, p))
                                .collect(),
                        )
                    })
                }))
            }
            "textDocument/references" => {
                let p: ReferenceParams = params(method, req.params)?;
                let pos = p.text_document_position;
                let uri = pos.text_document.uri.clone();
                let declaration = p.context.include_declaration;
                value(self.at(&uri, pos.position, |ctx, offset| {
                    Some(
                        navigation::references(ctx, offset, declaration)
                            .iter()
                            .filter_map(|p| self_location(ctx, &uri, p))
                            .collect::<Vec<_>>(),
                    )
                }))
            }
            "textDocument/documentSymbol" => {
                let p: DocumentSymbolParams = params(method, req.params)?;
                let doc = self.doc(&p.text_document.uri)?;
                value(DocumentSymbolResponse::Nested(navigation::symbols(doc)))
            }
            "textDocument/formatting" => {
                let p: DocumentFormattingParams = params(method, req.params)?;
                let doc = self.doc(&p.text_document.uri)?;
                value(text_edits(doc, formatting::document(&doc.text)))
            }
            "textDocument/rangeFormatting" => {
                let p: DocumentRangeFormattingParams = params(method, req.params)?;
                let doc = self.doc(&p.text_document.uri)?;
                let lines = p.range.start.line as usize..p.range.end.line as usize;
                value(text_edits(doc, formatting::range(&doc.text, lines)))
            }
            "textDocument/foldingRange" => {
                let p: FoldingRangeParams = params(method, req.params)?;
                value(folding::folding_ranges(self.doc(&p.text_document.uri)?))
            }
            "textDocument/semanticTokens/full" => {
                let p: SemanticTokensParams = params(method, req.params)?;
                let data = tokens::semantic_tokens(self.doc(&p.text_document.uri)?);
                value(SemanticTokensResult::Tokens(SemanticTokens {
                    result_id: None,
                    data,
                }))
            }
            "textDocument/codeLens" => {
                let p: CodeLensParams = params(method, req.params)?;
                let uri = p.text_document.uri;
                let doc = self
                    .docs
                    .get(uri.as_str())
                    .ok_or_else(|| unknown_doc(&uri))?;
                let Some(path) = &doc.path else {
                    return value(Vec::<CodeLens>::new());
                };
                let a = &doc.analysis;
                let lenses: Vec<CodeLens> = lenses::lenses(a, uri.as_str(), path)
                    .into_iter()
                    .map(|l| {
                        let pos = a.index.position(&a.text, l.at);
                        CodeLens {
                            range: Range::new(pos, pos),
                            command: Some(Command {
                                title: l.title,
                                command: l.command.into(),
                                arguments: Some(l.arguments),
                            }),
                            data: None,
                        }
                    })
                    .collect();
                value(lenses)
            }
            "textDocument/codeAction" => {
                let p: CodeActionParams = params(method, req.params)?;
                value(quick_fixes(&p))
            }
            "workspace/executeCommand" => {
                let p: ExecuteCommandParams = params(method, req.params)?;
                self.execute(req.id, p)?;
                Ok(None)
            }
            // Lets the tests check that a panicking handler is caught,
            // answered and counted.
            #[cfg(test)]
            "test/panic" => panic!("injected by a test"),
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("{method}: not supported by dlg lsp"),
            )),
        }
    }

    fn doc(&self, uri: &Uri) -> Result<&Analysis, (ErrorCode, String)> {
        self.docs
            .get(uri.as_str())
            .map(|d| &d.analysis)
            .ok_or_else(|| unknown_doc(uri))
    }

    /// `f` with the context of `uri` and the byte offset of `pos`.
    fn at<R>(
        &mut self,
        uri: &Uri,
        pos: Position,
        f: impl FnOnce(&Ctx<'_>, usize) -> Option<R>,
    ) -> Option<R> {
        self.with_ctx(uri.as_str(), |ctx| {
            let offset = ctx.doc.index.offset(&ctx.doc.text, pos);
            f(ctx, offset)
        })
        .flatten()
    }

    /// Start a run on a worker; it answers `id` when done.
    fn execute(
        &mut self,
        id: RequestId,
        p: ExecuteCommandParams,
    ) -> Result<(), (ErrorCode, String)> {
        if p.command != lenses::RUN && p.command != lenses::RUN_TEST {
            return Err((
                ErrorCode::InvalidParams,
                format!("unknown command `{}`", p.command),
            ));
        }
        let job = lenses::Job::from_arguments(&p.command, &p.arguments)
            .map_err(|e| (ErrorCode::InvalidParams, format!("{}: {e}", p.command)))?;
        let exe = self.exe.clone().ok_or((
            ErrorCode::InternalError,
            "cannot find the dlg executable".to_string(),
        ))?;
        if self.empty_mock.is_none() {
            self.empty_mock = tempfile::Builder::new()
                .prefix("dlg-lsp-offline")
                .suffix(".mock.toml")
                .tempfile()
                .ok();
        }
        let mock = self
            .empty_mock
            .as_ref()
            .map(|f| f.path().to_path_buf())
            .ok_or((
                ErrorCode::InternalError,
                "cannot create the offline mock file".to_string(),
            ))?;
        if self.running.fetch_add(1, Ordering::SeqCst) >= MAX_RUNS {
            self.running.fetch_sub(1, Ordering::SeqCst);
            return Err((
                ErrorCode::RequestFailed,
                format!("{MAX_RUNS} runs are still going; try again when one ends"),
            ));
        }
        let out = self.out.clone();
        let running = self.running.clone();
        let spawned = std::thread::Builder::new()
            .name("dlg-lsp-run".into())
            .spawn(move || {
                let result = lenses::execute(&exe, &job, &mock, lenses::RUN_TIMEOUT);
                out.send(Response::new_ok(id, result).into());
                running.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            self.running.fetch_sub(1, Ordering::SeqCst);
            return Err((
                ErrorCode::InternalError,
                "cannot start a worker thread".into(),
            ));
        }
        Ok(())
    }
}

fn unknown_doc(uri: &Uri) -> (ErrorCode, String) {
    (
        ErrorCode::InvalidParams,
        format!("{}: the document is not open", uri.as_str()),
    )
}

fn self_location(ctx: &Ctx<'_>, uri: &Uri, place: &navigation::Place) -> Option<Location> {
    match &place.path {
        None => Some(Location::new(
            uri.clone(),
            ctx.doc.index.range(&ctx.doc.text, place.range.clone()),
        )),
        Some(path) => {
            let (_, analysis) = ctx.files.iter().find(|(p, _)| *p == path.as_path())?;
            Some(Location::new(
                path_to_uri(path)?,
                analysis.index.range(&analysis.text, place.range.clone()),
            ))
        }
    }
}

fn text_edits(doc: &Analysis, edits: Vec<(std::ops::Range<usize>, String)>) -> Vec<TextEdit> {
    edits
        .into_iter()
        .map(|(r, new_text)| TextEdit {
            range: doc.index.range(&doc.text, r),
            new_text,
        })
        .collect()
}

/// "Replace with `x`" for every diagnostic carrying a fix.
fn quick_fixes(p: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    p.context
        .diagnostics
        .iter()
        .filter_map(|d| {
            let fix = d.data.as_ref()?.get("fix")?.as_str()?.to_string();
            let edit = TextEdit {
                range: d.range,
                new_text: fix.clone(),
            };
            let document = TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: p.text_document.uri.clone(),
                    version: None,
                },
                edits: vec![OneOf::Left(edit)],
            };
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace with `{fix}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit {
                    document_changes: Some(DocumentChanges::Edits(vec![document])),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            }))
        })
        .collect()
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), ":".into(), "\"".into()]),
            ..Default::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..Default::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                ..Default::default()
            },
        )),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![lenses::RUN.into(), lenses::RUN_TEST.into()],
            ..Default::default()
        }),
        ..Default::default()
    }
}
