//! Pickers for what a `:` command switches to when it is given no name: `:ctx` lists the
//! kubeconfig's contexts, `:ns` the cluster's namespaces, `:sample` the embedded samples.
//! Typing filters the list (as in fzf), the arrows move, Enter switches, Esc closes. The
//! lists are read off the UI thread; a namespace list the cluster refuses falls back to the
//! namespaces the loaded apps use, and says so.

use crate::investigate::Request;
use crate::tui::app::{App, Effect};
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickKind {
    Context,
    Namespace,
    Sample,
}

impl PickKind {
    pub(crate) fn title(self) -> &'static str {
        match self {
            PickKind::Context => "contexts (kubeconfig)",
            PickKind::Namespace => "namespaces",
            PickKind::Sample => "embedded samples",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub kind: PickKind,
    /// Everything there is to pick, once read (`None` while it is being read).
    pub items: Option<Vec<String>>,
    /// The one in use now, marked in the list.
    pub current: Option<String>,
    pub filter: String,
    /// Index into the filtered items.
    pub selected: usize,
    /// Why the list is partial or empty.
    pub note: Option<String>,
}

impl Picker {
    /// The items the filter lets through (case ignored).
    pub fn shown(&self) -> Vec<&str> {
        let filter = self.filter.to_lowercase();
        let items = self.items.iter().flatten();
        items.filter(|item| item.to_lowercase().contains(&filter)).map(String::as_str).collect()
    }
}

/// Reads what a picker lists (blocking: a worker runs it): the kubeconfig's contexts, or
/// the namespaces of the source's cluster.
pub fn read_list(kind: PickKind, request: &Request) -> Result<Vec<String>, String> {
    use crate::sources::cluster::{blocking::Session, context_names};
    let spec = match request {
        Request::Sources(spec) => spec,
        Request::Samples => return Err("the embedded samples have no cluster".to_owned()),
    };
    match kind {
        PickKind::Context => context_names().map_err(|e| e.to_string()),
        PickKind::Namespace => {
            let timeout = std::time::Duration::from_secs(spec.request_timeout);
            let session = Session::connect(spec.context.as_deref(), None, timeout).map_err(|e| e.to_string())?;
            session.namespaces().map_err(|e| e.to_string())
        }
        PickKind::Sample => Ok(crate::sources::samples::names().into_iter().map(str::to_owned).collect()),
    }
}

impl App {
    /// Opens the picker of `kind`; its list comes from a worker (contexts, namespaces) or at
    /// once (samples).
    pub(crate) fn open_picker(&mut self, kind: PickKind) -> Vec<Effect> {
        let current = match (&self.request, kind) {
            (Request::Sources(spec), PickKind::Sample) => spec.sample.clone(),
            (Request::Sources(spec), PickKind::Namespace) => spec.namespace.clone(),
            (_, PickKind::Context) => self.data.context.clone(),
            _ => None,
        };
        let mut picker = Picker { kind, items: None, current, filter: String::new(), selected: 0, note: None };
        let effects = match kind {
            PickKind::Sample => {
                picker.items = Some(crate::sources::samples::names().into_iter().map(str::to_owned).collect());
                Vec::new()
            }
            PickKind::Context | PickKind::Namespace => vec![Effect::List(kind, self.request.clone())],
        };
        self.picker = Some(picker);
        effects
    }

    /// A worker's list arrived (or why there is none).
    pub(crate) fn listed(&mut self, kind: PickKind, result: Result<Vec<String>, String>) {
        let known = self.known_namespaces();
        let Some(picker) = self.picker.as_mut().filter(|p| p.kind == kind) else { return };
        match result {
            Ok(items) => picker.items = Some(items),
            // The namespaces the loaded apps use are a list too, if a shorter one.
            Err(why) if kind == PickKind::Namespace && !known.is_empty() => {
                picker.note = Some(format!("{why}; showing the namespaces of the loaded apps"));
                picker.items = Some(known);
            }
            Err(why) => {
                picker.note = Some(why);
                picker.items = Some(Vec::new());
            }
        }
    }

    fn known_namespaces(&self) -> Vec<String> {
        let mut namespaces: Vec<String> = self.data.apps.iter().map(|a| a.namespace.clone()).collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        namespaces
    }

    /// A key while a picker is open.
    pub(crate) fn picker_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(picker) = &mut self.picker else { return Vec::new() };
        let count = picker.shown().len();
        match key.code {
            KeyCode::Esc => self.picker = None,
            KeyCode::Down => picker.selected = (picker.selected + 1).min(count.saturating_sub(1)),
            KeyCode::Up => picker.selected = picker.selected.saturating_sub(1),
            KeyCode::Backspace => {
                picker.filter.pop();
                picker.selected = 0;
            }
            KeyCode::Char(c) => {
                picker.filter.push(c);
                picker.selected = 0;
            }
            KeyCode::Enter => {
                let Some(choice) = picker.shown().get(picker.selected).map(|s| (*s).to_owned()) else {
                    return Vec::new();
                };
                let kind = picker.kind;
                self.picker = None;
                let command = match kind {
                    PickKind::Context => "context",
                    PickKind::Namespace => "ns",
                    PickKind::Sample => "sample",
                };
                return self.run_command(&format!("{command} {choice}"));
            }
            _ => {}
        }
        Vec::new()
    }
}
