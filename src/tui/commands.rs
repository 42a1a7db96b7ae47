//! The `:` commands (DESIGN §4, k9s and vim habits) as one table: what each is called, how
//! it is used and what it does. Running a command and the `?` help both read the table, so
//! help lists exactly the commands that exist.

use crate::investigate::{Request, SourceKind};
use crate::theme::Theme;
use crate::tui::app::{App, Effect};
use crate::tui::keys::Screen;
use crate::tui::picker::PickKind;
use crate::tui::strings;

/// One `:` command.
pub(crate) struct Command {
    /// Its names: the first is shown, the others are aliases.
    pub names: &'static [&'static str],
    /// How help shows it (`:theme NAME`).
    pub usage: &'static str,
    pub help: &'static str,
    run: fn(&mut App, &str) -> Vec<Effect>,
}

pub(crate) const COMMANDS: &[Command] = &[
    Command { names: &["quit", "q", "q!"], usage: ":quit", help: "leave kdrift", run: quit },
    Command { names: &["apps", "app"], usage: ":apps", help: "the apps list", run: apps },
    Command {
        names: &["refresh", "reload"],
        usage: ":refresh",
        help: "read the sources again (a sample keeps its simulated decisions)",
        run: refresh,
    },
    Command { names: &["theme"], usage: ":theme NAME", help: "switch the colour theme", run: theme },
    Command {
        names: &["context", "ctx"],
        usage: ":context NAME",
        help: "investigate another kubeconfig context (no NAME: pick one)",
        run: switch_context,
    },
    Command {
        names: &["ns", "namespace"],
        usage: ":ns NAME",
        help: "investigate another namespace of the cluster (no NAME: pick one)",
        run: switch_namespace,
    },
    Command {
        names: &["sample"],
        usage: ":sample NAME",
        help: "investigate one embedded sample (no NAME: pick one)",
        run: sample,
    },
    Command {
        names: &["incident"],
        usage: ":incident ID",
        help: "the incident or change id quoted in commits, records and the audit log (no ID: clear)",
        run: incident,
    },
    Command {
        names: &["note", "reason"],
        usage: ":note TEXT",
        help: "why you decide as you do: recorded with the next decisions (no TEXT: clear)",
        run: note,
    },
    Command {
        names: &["mouse"],
        usage: ":mouse",
        help: "clicks select (again: open), the wheel scrolls; again to give the mouse back for selecting text",
        run: mouse,
    },
    Command {
        names: &["skip"],
        usage: ":skip REASON",
        help: "runbook: go to step 4 without walking steps 1–3 (the reason is recorded)",
        run: skip,
    },
];

impl App {
    /// Runs a `:` command line.
    pub(crate) fn run_command(&mut self, text: &str) -> Vec<Effect> {
        let (verb, argument) = text.split_once(' ').map_or((text, ""), |(v, a)| (v, a.trim()));
        match COMMANDS.iter().find(|command| command.names.contains(&verb)) {
            Some(command) => (command.run)(self, argument),
            None => {
                let known: Vec<&str> = COMMANDS.iter().map(|c| c.names[0]).collect();
                self.notice = Some(strings::unknown_command(text, &known));
                Vec::new()
            }
        }
    }

    /// Reloads from another context or namespace of the cluster. An embedded sample has
    /// neither: it says so instead of silently dropping the sample.
    pub(crate) fn switch_source(&mut self, context: Option<&str>, namespace: Option<&str>) -> Vec<Effect> {
        let spec = match &self.request {
            Request::Sources(spec) if spec.kind() != SourceKind::Cluster => None,
            Request::Sources(spec) => Some((**spec).clone()),
            Request::Samples => None,
        };
        let Some(mut spec) = spec else {
            self.notice = Some(strings::no_contexts(&self.request.label()));
            return Vec::new();
        };
        if let Some(context) = context {
            // One context chosen: no longer several.
            spec.context = Some(context.to_owned());
            (spec.contexts, spec.prometheus) = (Vec::new(), None);
        }
        if let Some(namespace) = namespace {
            spec.namespace = Some(namespace.to_owned());
        }
        // A read-only context is asked for nothing that looks like a write, not even a dry run.
        let context = spec.context.clone().or_else(|| self.data.context.clone()).unwrap_or_default();
        let read_only_context =
            self.options.read_only_contexts.iter().any(|p| crate::engine::ignore::matching::glob_matches(p, &context));
        spec.no_server_dry_run |= self.options.read_only || read_only_context;
        self.request = Request::Sources(Box::new(spec));
        self.screen = Screen::Apps;
        self.diff = None;
        self.apps.selected = 0;
        self.refresh()
    }
}

fn quit(app: &mut App, _: &str) -> Vec<Effect> {
    app.quit = true;
    Vec::new()
}

fn apps(app: &mut App, _: &str) -> Vec<Effect> {
    app.diff = None;
    app.screen = Screen::Apps;
    Vec::new()
}

fn refresh(app: &mut App, _: &str) -> Vec<Effect> {
    app.refresh()
}

fn theme(app: &mut App, name: &str) -> Vec<Effect> {
    if name.is_empty() {
        let names: Vec<&str> = crate::theme::BUILTIN_THEMES.iter().map(|(name, _)| *name).collect();
        app.notice = Some(strings::theme_usage(&names));
        return Vec::new();
    }
    match Theme::named(name, app.options.themes_dir.as_deref()) {
        Ok(theme) => {
            app.options.theme = theme;
            app.options.theme_name = name.to_owned();
        }
        Err(error) => app.notice = Some(strings::theme_kept(&app.options.theme_name, error)),
    }
    Vec::new()
}

/// Without a name, the picker of what there is (on a cluster; a sample has no contexts).
fn switch_context(app: &mut App, name: &str) -> Vec<Effect> {
    match name.is_empty() {
        true if app.request.is_cluster() => app.open_picker(PickKind::Context),
        true => app.switch_source(None, None),
        false => app.switch_source(Some(name), None),
    }
}

fn switch_namespace(app: &mut App, name: &str) -> Vec<Effect> {
    match name.is_empty() {
        true if app.request.is_cluster() => app.open_picker(PickKind::Namespace),
        true => app.switch_source(None, None),
        false => app.switch_source(None, Some(name)),
    }
}

/// One embedded sample alone (without a name: the picker of them).
fn sample(app: &mut App, name: &str) -> Vec<Effect> {
    if name.is_empty() {
        return app.open_picker(PickKind::Sample);
    }
    if !crate::sources::samples::names().contains(&name) {
        app.notice = Some(strings::no_such_sample(name));
        return Vec::new();
    }
    app.request = Request::Sources(Box::new(crate::investigate::SourceSpec::sample(name)));
    app.screen = Screen::Apps;
    app.diff = None;
    app.apps.selected = 0;
    app.refresh()
}

/// What the responder typed, as it may be recorded: one clean line, at most 200 characters.
fn recordable(text: &str) -> Option<String> {
    let text: String = crate::sanitize::clean_line(text.trim()).chars().take(200).collect();
    (!text.is_empty()).then_some(text)
}

fn incident(app: &mut App, id: &str) -> Vec<Effect> {
    app.incident = recordable(id);
    app.notice =
        Some(app.incident.as_deref().map_or_else(|| strings::INCIDENT_CLEARED.to_owned(), strings::incident_set));
    Vec::new()
}

fn note(app: &mut App, text: &str) -> Vec<Effect> {
    app.note = recordable(text);
    app.notice = Some(if app.note.is_some() { strings::NOTE_KEPT } else { strings::NOTE_CLEARED }.to_owned());
    Vec::new()
}

fn mouse(app: &mut App, _: &str) -> Vec<Effect> {
    app.mouse = !app.mouse;
    app.notice = Some(if app.mouse { strings::MOUSE_ON } else { strings::MOUSE_OFF }.to_owned());
    Vec::new()
}

fn skip(app: &mut App, reason: &str) -> Vec<Effect> {
    let Some(screen) = app.runbook.as_mut().filter(|_| app.screen == Screen::Runbook) else {
        app.notice = Some(strings::SKIP_OUTSIDE_RUNBOOK.to_owned());
        return Vec::new();
    };
    if app.train.is_some() {
        app.notice = Some(strings::SKIP_IN_DRILL.to_owned());
        return Vec::new();
    }
    let Some(reason) = recordable(reason) else {
        app.notice = Some(strings::USAGE_SKIP.to_owned());
        return Vec::new();
    };
    if screen.runbook.step >= crate::runbook::Step::Choose {
        app.notice = Some(strings::SKIP_TOO_LATE.to_owned());
        return Vec::new();
    }
    screen.runbook.skip(&reason);
    screen.selected = screen.runbook.first_open();
    app.notice = Some(strings::skipped(&reason));
    Vec::new()
}
