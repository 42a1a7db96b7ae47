//! The interactive investigator (ratatui + crossterm + tokio). `run` owns the terminal and the
//! event loop: keys and load results become messages for `app::App::update`, IO runs on
//! worker threads, `view::render` draws the state. The terminal is restored on every exit,
//! error, panic and signal (SIGTERM, SIGHUP, SIGINT); quitting never waits for a stuck
//! loader. Logs go to a file, never to the screen.

pub mod app;
pub mod changes;
pub(crate) mod commands;
pub(crate) mod diff_job;
pub(crate) mod diff_place;
pub(crate) mod diff_search;
pub(crate) mod diff_state;
pub(crate) mod diff_wrap;
mod drill;
pub(crate) mod focus;
pub mod follow;
pub(crate) mod help;
pub mod keys;
pub mod keys_runbook;
pub(crate) mod lists;
mod loads;
pub(crate) mod mouse;
pub(crate) mod navigate;
pub(crate) mod options;
pub mod picker;
pub(crate) mod prompt;
pub(crate) mod runbook_keys;
pub(crate) mod runbook_screen;
pub mod runbook_state;
pub(crate) mod strings;
pub mod style;
pub(crate) mod train_keys;
pub mod train_state;
pub(crate) mod value_panel;
pub mod view;
pub(crate) mod views;

use crate::config;
use crate::investigate::{self, InvestigateError, Investigation, Keep, Request};
use crate::theme::Theme;
use app::{App, Effect, Msg, Options};
use crossterm::event::{Event, EventStream, KeyEventKind};
use diff_job::AlignedJob;
use futures::StreamExt as _;
use std::path::PathBuf;
use std::time::Instant;

/// How the TUI starts.
#[derive(Debug, Clone, Default)]
pub struct Start {
    pub read_only: bool,
    pub theme: Option<String>,
    pub config: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("kdrift's TUI needs a terminal: run it in one, or use `kdrift scan` for a report")]
    NotATerminal,
    #[error("cannot drive the terminal: {0}")]
    Terminal(#[source] std::io::Error),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// Why a job the TUI ran off the UI thread (a load, a decision, a record) did not finish.
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error(transparent)]
    Investigate(#[from] InvestigateError),
    #[error(transparent)]
    Action(#[from] crate::actions::ActionError),
    #[error(transparent)]
    Record(#[from] crate::training::record::RecordError),
    #[error("{what} stopped unexpectedly ({why}); see the log file")]
    Stopped { what: String, why: String },
}

/// The options a session starts with; a bad theme is a banner over the default one.
pub fn options(start: &Start) -> Result<(Options, Option<String>), TuiError> {
    let config = config::load(start.config.as_deref())?;
    let themes_dir = config::themes_dir();
    let name = start.theme.clone().or(config.theme.clone()).unwrap_or_else(|| "default".to_owned());
    let (theme, theme_name, banner) = match Theme::named(&name, themes_dir.as_deref()) {
        Ok(theme) => (theme, name, None),
        Err(error) => {
            (Theme::builtin().clone(), "default".to_owned(), Some(format!("{error}; using the default theme")))
        }
    };
    let options = Options {
        read_only: start.read_only,
        read_only_contexts: config.read_only_contexts.clone(),
        theme,
        theme_name,
        themes_dir,
        mask_annotations: config.mask_annotations.clone(),
        data_dir: None,
        owner_labels: config.owner_labels.clone().unwrap_or_else(|| Options::default().owner_labels),
    };
    Ok((options, banner))
}

/// Runs the TUI until the user quits; returns the exit code.
pub fn run(mut request: Request, start: &Start) -> Result<i32, TuiError> {
    // The header names the real context from the first frame, before anything has loaded
    // (or when the cluster cannot be reached at all).
    if let Request::Sources(spec) = &mut request
        && spec.kind() == investigate::SourceKind::Cluster
        && spec.context.is_none()
    {
        spec.context = crate::sources::cluster::current_context(None).ok();
    }
    run_app(start, |options| App::new(request, options))
}

/// Runs training mode: the scenario picker, or scenario `first` at once.
pub fn run_training(training: train_state::Training, first: Option<usize>, start: &Start) -> Result<i32, TuiError> {
    run_app(start, |options| App::training(training, first, options))
}

fn run_app(start: &Start, make: impl FnOnce(Options) -> App) -> Result<i32, TuiError> {
    use std::io::IsTerminal as _;
    if !std::io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let (options, banner) = options(start)?;
    let _log = start_log();
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(TuiError::Terminal)?;
    let mut terminal = ratatui::try_init().map_err(TuiError::Terminal)?;
    // ratatui's hook restores the screen on a panic; the mouse must be given back too.
    let restore_screen = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        restore_screen(info);
    }));
    let mut app = make(options);
    app.notice = banner.or(app.notice.take());
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    let outcome = runtime.block_on(event_loop(&mut terminal, &mut app, started));
    // Mouse reports would otherwise keep arriving in the shell (harmless when never enabled).
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    // A loader stuck on a cluster or a file must not keep the process alive once the user
    // quit: its thread is abandoned, not awaited.
    runtime.shutdown_background();
    match outcome.map_err(TuiError::Terminal)? {
        Some(signal) => {
            tracing::info!(signal, "stopped by a signal");
            Ok(128 + signal)
        }
        None => {
            tracing::info!("quit");
            Ok(0)
        }
    }
}

/// The signals that end a session the way `q` does (the terminal restored first).
struct Stops {
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Stops {
    fn install() -> std::io::Result<Stops> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Stops {
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// The number of the next signal to arrive.
    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.terminate.recv() => 15,
            _ = self.hangup.recv() => 1,
            _ = self.interrupt.recv() => 2,
        }
    }
}

/// Draws and dispatches until the user quits (`None`) or a signal stops the session (its
/// number).
async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    started: Instant,
) -> std::io::Result<Option<i32>> {
    let (sender, mut results) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let mut events = EventStream::new();
    let mut stops = Stops::install()?;
    let mut follower = follow::Follower::default();
    let run = |effect: Effect, follower: &mut follow::Follower| match effect {
        // Watches live as long as the session follows the cluster: not a worker's job.
        Effect::Watch(Some(plan)) => follower.follow(*plan, sender.clone()),
        Effect::Watch(None) => follower.stop(),
        effect => spawn(effect, sender.clone()),
    };
    for effect in app.start() {
        run(effect, &mut follower);
    }
    let mut first_frame = true;
    let mut mouse_captured = false;
    while !app.quit {
        terminal.draw(|frame| view::render(frame, app))?;
        if std::mem::take(&mut first_frame) {
            tracing::info!(elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "first frame drawn");
        }
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => Msg::Key(key),
                Some(Ok(Event::Resize(columns, rows))) => Msg::Resize(columns, rows),
                Some(Ok(Event::Mouse(event))) => Msg::Mouse(event),
                Some(Ok(_)) => continue,
                Some(Err(error)) => return Err(error),
                None => return Ok(None),
            },
            Some(msg) = results.recv() => msg,
            signal = stops.next() => return Ok(Some(signal)),
        };
        for effect in app.update(msg) {
            run(effect, &mut follower);
        }
        if app.mouse != mouse_captured {
            mouse_captured = app.mouse;
            match mouse_captured {
                true => crossterm::execute!(terminal.backend_mut(), crossterm::event::EnableMouseCapture)?,
                false => crossterm::execute!(terminal.backend_mut(), crossterm::event::DisableMouseCapture)?,
            }
        }
        if let Some(text) = app.clipboard.take() {
            // OSC 52: the terminal (through SSH and tmux) puts it on the system clipboard.
            crossterm::execute!(
                terminal.backend_mut(),
                crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
            )?;
        }
    }
    Ok(None)
}

/// Loads what the TUI shows: every object its diff screen can show is kept.
pub fn load(request: &Request) -> Result<Investigation, WorkError> {
    Ok(investigate::load(request, &Keep::Shown)?)
}

/// Does an effect's IO and answers with the message it leads to (blocking). The event loop
/// runs it on a worker thread; tests call it directly. Watching is the event loop's own:
/// here it opens nothing.
pub fn perform(effect: Effect) -> Msg {
    match effect {
        Effect::Load(request, simulation) => {
            let started = Instant::now();
            let result = investigate::load_simulated(&request, &Keep::Shown, &simulation)
                .map(|data| Investigation { source: Some(request.clone()), ..data })
                .map_err(WorkError::from);
            match &result {
                Ok(data) => {
                    tracing::info!(apps = data.apps.len(), elapsed_ms = started.elapsed().as_millis() as u64, source = %request.label(), "loaded")
                }
                Err(error) => tracing::warn!(%error, source = %request.label(), "load failed"),
            }
            Msg::Loaded(result)
        }
        Effect::Act(job) => {
            let origin = job.origin.clone();
            let result = runbook_state::run(*job);
            if let Err(error) = &result {
                tracing::warn!(%error, "action not done");
            }
            Msg::Acted(Box::new(runbook_state::Acted { origin, result }))
        }
        Effect::Record(path, run) => Msg::Recorded(
            crate::training::record::append(&path, *run).map(|()| path.display().to_string()).map_err(WorkError::from),
        ),
        Effect::Align(job) => Msg::Aligned(Box::new(job.run())),
        Effect::List(kind, request) => Msg::Listed(kind, picker::read_list(kind, &request)),
        Effect::Watch(_) => Msg::Watching(Ok(0)),
    }
}

/// Runs an effect on a worker thread; its result comes back as a message. A worker that
/// died must not leave the UI waiting for ever: its death is the answer then.
fn spawn(effect: Effect, sender: tokio::sync::mpsc::UnboundedSender<Msg>) {
    type Died = Box<dyn FnOnce(WorkError) -> Msg + Send>;
    let (what, died): (String, Died) = match &effect {
        Effect::Load(request, _) => (format!("loading {}", request.label()), Box::new(|e| Msg::Loaded(Err(e)))),
        Effect::Act(job) => {
            let origin = job.origin.clone();
            let died: Died = Box::new(move |e| Msg::Acted(Box::new(runbook_state::Acted { origin, result: Err(e) })));
            ("the action (see the audit log)".to_owned(), died)
        }
        Effect::Record(..) => ("recording".to_owned(), Box::new(|e| Msg::Recorded(Err(e)))),
        Effect::Align(job) => {
            let (app, resource, generation, full) = (job.app, job.resource, job.generation, job.full);
            let died: Died = Box::new(move |e| {
                Msg::Aligned(Box::new(AlignedJob {
                    app,
                    resource,
                    generation,
                    full,
                    aligned: Err(e.to_string()),
                    raw: None,
                }))
            });
            ("aligning the diff".to_owned(), died)
        }
        Effect::List(kind, _) => {
            let kind = *kind;
            ("listing".to_owned(), Box::new(move |e: WorkError| Msg::Listed(kind, Err(e.to_string()))))
        }
        Effect::Watch(_) => ("watching".to_owned(), Box::new(|e: WorkError| Msg::Watching(Err(e.to_string())))),
    };
    let worker = tokio::task::spawn_blocking(move || perform(effect));
    tokio::spawn(async move {
        let msg = worker.await.unwrap_or_else(|error| {
            tracing::error!(%error, "worker stopped");
            died(WorkError::Stopped { what, why: error.to_string() })
        });
        // The UI may have quit meanwhile; nothing is waiting then.
        let _ = sender.send(msg);
    });
}

/// Logs to `kdrift.log` in the state (or cache) directory; none when it cannot be created.
fn start_log() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = config::log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(tracing_appender::rolling::never(dir, "kdrift.log"));
    let subscriber = tracing_subscriber::fmt().with_writer(writer).with_ansi(false).finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    Some(guard)
}
