//! The `:` commands (DESIGN §4, k9s and vim habits) as one table: what each is called, how
//! it is used and what it does. Running a command and the `?` help both read the table, so
//! help lists exactly the commands that exist.

use crate::investigate::{Request, SourceKind};
use crate::theme::Theme;
use crate::tui::app::{App, Effect};
use crate::tui::keys::Screen;

/// One `:` command.
pub struct Command {
    /// Its names: the first is shown, the others are aliases.
    pub names: &'static [&'static str],
    /// How help shows it (`:theme NAME`).
    pub usage: &'static str,
    pub help: &'static str,
    run: fn(&mut App, &str) -> Vec<Effect>,
}

pub const COMMANDS: &[Command] = &[
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
        help: "investigate another kubeconfig context",
        run: switch_context,
    },
    Command {
        names: &["ns", "namespace"],
        usage: ":ns NAME",
        help: "investigate another namespace of the cluster",
        run: switch_namespace,
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
                self.notice = Some(format!("unknown command ':{text}' (try :{})", known.join(" :")));
                Vec::new()
            }
        }
    }

    /// Reloads from another context or namespace of the cluster. An embedded sample has
    /// neither: it says so instead of silently dropping the sample.
    fn switch_source(&mut self, context: Option<&str>, namespace: Option<&str>) -> Vec<Effect> {
        let spec = match &self.request {
            Request::Sources(spec) if spec.kind() != SourceKind::Cluster => None,
            Request::Sources(spec) => Some((**spec).clone()),
            Request::Samples => None,
        };
        let Some(mut spec) = spec else {
            self.notice = Some(format!(
                "{} has no kubeconfig contexts or namespaces to switch to: run `kdrift` (or `kdrift --context NAME`) on a cluster",
                self.request.label()
            ));
            return Vec::new();
        };
        if let Some(context) = context {
            spec.context = Some(context.to_owned());
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
        self.app_selected = 0;
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
        app.notice = Some(format!("usage: :theme NAME ({})", names.join(", ")));
        return Vec::new();
    }
    match Theme::named(name, app.options.themes_dir.as_deref()) {
        Ok(theme) => {
            app.options.theme = theme;
            app.options.theme_name = name.to_owned();
        }
        Err(error) => app.notice = Some(format!("kept theme {}: {error}", app.options.theme_name)),
    }
    Vec::new()
}

fn switch_context(app: &mut App, name: &str) -> Vec<Effect> {
    if name.is_empty() {
        app.notice = Some("usage: :context NAME (a kubeconfig context)".to_owned());
        return Vec::new();
    }
    app.switch_source(Some(name), None)
}

fn switch_namespace(app: &mut App, name: &str) -> Vec<Effect> {
    if name.is_empty() {
        app.notice = Some("usage: :ns NAME".to_owned());
        return Vec::new();
    }
    app.switch_source(None, Some(name))
}

/// What the responder typed, as it may be recorded: one clean line, at most 200 characters.
fn recordable(text: &str) -> Option<String> {
    let text: String = crate::sanitize::clean_line(text.trim()).chars().take(200).collect();
    (!text.is_empty()).then_some(text)
}

fn incident(app: &mut App, id: &str) -> Vec<Effect> {
    app.incident = recordable(id);
    app.notice = Some(match &app.incident {
        Some(id) => format!("incident {id}: quoted in the commits, records and audit lines of your decisions"),
        None => "incident id cleared".to_owned(),
    });
    Vec::new()
}

fn note(app: &mut App, text: &str) -> Vec<Effect> {
    app.note = recordable(text);
    app.notice = Some(match &app.note {
        Some(_) => {
            "note kept: recorded with your next decisions (the audit log's reason, escalation records)".to_owned()
        }
        None => "note cleared".to_owned(),
    });
    Vec::new()
}

fn skip(app: &mut App, reason: &str) -> Vec<Effect> {
    let Some(screen) = app.runbook.as_mut().filter(|_| app.screen == Screen::Runbook) else {
        app.notice = Some(":skip works in a runbook (r on a finding)".to_owned());
        return Vec::new();
    };
    if app.train.is_some() {
        app.notice = Some("training: a drill walks every step — nothing to skip".to_owned());
        return Vec::new();
    }
    let Some(reason) = recordable(reason) else {
        app.notice = Some("usage: :skip REASON — why steps 1–3 are skipped (it is recorded)".to_owned());
        return Vec::new();
    };
    if screen.runbook.step >= crate::runbook::Step::Choose {
        app.notice = Some("steps 1–3 are behind you already: nothing to skip".to_owned());
        return Vec::new();
    }
    screen.runbook.skip(&reason);
    screen.selected = screen.runbook.first_open();
    app.notice = Some(format!("steps 1–3 skipped ({reason}): the reason is recorded with the decision"));
    Vec::new()
}
