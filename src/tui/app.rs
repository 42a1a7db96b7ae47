//! The TUI's state and its one `update` function: every key, load result and resize arrives
//! as a `Msg`, changes the state, and may ask for IO as an `Effect` that the event loop runs
//! on a worker and answers with another `Msg`. Nothing here does IO or draws.

use crate::investigate::{Investigation, Request};
use crate::tui::WorkError;
use crate::tui::diff_job::{AlignJob, AlignedJob};
use crate::tui::diff_state::DiffState;
use crate::tui::keys::{self, Action, Screen};
use crate::tui::lists::{AppSort, AppSummary, ListScreen};
pub use crate::tui::options::Options;
use crate::tui::picker::PickKind;
pub use crate::tui::prompt::{Prompt, PromptKind};
use crate::tui::runbook_screen::{RunbookScreen, Stage};
use crate::tui::runbook_state::{Acted, Job};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Loaded(Result<Investigation, WorkError>),
    /// A runbook job (preview, execution, prevention artefacts) finished.
    Acted(Box<Acted>),
    /// A finished drill's record was written (its path) or not (why).
    Recorded(Result<String, WorkError>),
    /// A worker aligned a large diff.
    Aligned(Box<AlignedJob>),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// A click or a turn of the wheel (only while `:mouse` is on).
    Mouse(crossterm::event::MouseEvent),
    /// What a picker lists (contexts, namespaces), or why it cannot be read.
    Listed(PickKind, Result<Vec<String>, String>),
    /// The watched cluster changed (a burst of changes, settled).
    ClusterChanged,
    /// The watches are open (how many), or why they are not.
    Watching(Result<usize, String>),
}

#[derive(Debug, Clone)]
pub enum Effect {
    /// Load the sources; samples start from what decisions changed in their simulation.
    Load(Request, crate::investigate::Simulation),
    Act(Box<Job>),
    /// Append a finished drill to the record file.
    Record(PathBuf, Box<crate::training::record::Run>),
    /// Align a large resource's diff.
    Align(Box<AlignJob>),
    /// Read what a picker lists, for the source of `Request`.
    List(PickKind, Request),
    /// Follow the cluster: the event loop (re)starts its watches (see `follow`).
    Watch(Option<Box<crate::tui::follow::WatchPlan>>),
}

pub struct App {
    pub request: Request,
    pub data: Investigation,
    pub summaries: Vec<AppSummary>,
    pub loading: bool,
    /// Wall-clock time (seconds) of the last completed load.
    pub loaded_at: Option<i64>,
    /// Why what is shown may be stale (a failed load): stays until a load succeeds.
    pub banner: Option<String>,
    /// Feedback on the last command or key: gone at the next key.
    pub notice: Option<String>,
    pub options: Options,
    pub screen: Screen,
    /// The apps list: its selection and filter.
    pub apps: ListScreen,
    pub app_sort: AppSort,
    /// The app the resources screen shows (index into `data.apps`).
    pub app_open: usize,
    /// The resources list of the open app: its selection and filter.
    pub resources: ListScreen,
    pub diff: Option<DiffState>,
    pub prompt: Option<Prompt>,
    /// The help overlay, when open: how far it is scrolled.
    pub help: Option<usize>,
    pub quit: bool,
    /// Terminal size, for paging and keeping the cursor on screen.
    pub size: (u16, u16),
    pub runbook: Option<RunbookScreen>,
    /// The screen `Esc` returns to from the runbook.
    pub runbook_from: Screen,
    /// Per sample: objects simulated actions changed (`None`: pruned).
    pub simulated: crate::investigate::Simulation,
    /// The incident or change id (`:incident ID`) quoted in commits, records and the audit log.
    pub incident: Option<String>,
    /// The responder's note (`:note TEXT`): the reason recorded with the next decisions.
    pub note: Option<String>,
    /// Training mode (`kdrift train`): the picker and the drill in play.
    pub train: Option<crate::tui::train_state::Training>,
    /// The whole-value panel over the diff, when open.
    pub value_panel: Option<crate::tui::value_panel::ValuePanel>,
    /// Text to put on the terminal's clipboard (the event loop sends it with OSC 52).
    pub clipboard: Option<String>,
    /// Clicks and the wheel are taken (`:mouse`); the event loop captures the mouse then.
    pub mouse: bool,
    /// The `:ctx`, `:ns` or `:sample` picker, when open.
    pub picker: Option<crate::tui::picker::Picker>,
    /// Following the cluster: watches, changes pending, what changed since you looked.
    pub live: crate::tui::changes::Live,
    /// Ctrl-C was pressed once while a decision was being written: a second one quits.
    pub quit_armed: bool,
    /// The fleet overview an app was drilled into from (`--prometheus`): Esc goes back.
    pub fleet_overview: Option<Request>,
}

impl App {
    pub fn new(request: Request, options: Options) -> App {
        App {
            request,
            data: Investigation::default(),
            summaries: Vec::new(),
            loading: true,
            loaded_at: None,
            banner: None,
            notice: None,
            options,
            screen: Screen::Apps,
            apps: ListScreen::default(),
            app_sort: AppSort::Urgency,
            app_open: 0,
            resources: ListScreen::default(),
            diff: None,
            prompt: None,
            help: None,
            quit: false,
            size: (80, 24),
            runbook: None,
            runbook_from: Screen::Resources,
            simulated: HashMap::new(),
            incident: None,
            note: None,
            train: None,
            value_panel: None,
            clipboard: None,
            mouse: false,
            picker: None,
            live: Default::default(),
            quit_armed: false,
            fleet_overview: None,
        }
    }

    /// A training session: the scenario picker, or straight into scenario `start`.
    pub fn training(training: crate::tui::train_state::Training, start: Option<usize>, options: Options) -> App {
        let mut app = App::new(Request::Samples, options);
        app.train = Some(training);
        app.loading = false;
        app.screen = Screen::Train;
        if let Some(index) = start {
            app.start_drill(index);
        }
        app
    }

    /// Writes go to a simulated copy of an embedded sample, not to anything real.
    pub fn simulated(&self) -> bool {
        match &self.request {
            Request::Samples => true,
            Request::Sources(args) => args.sample.is_some(),
        }
    }

    /// No write is possible: `--read-only`, a read-only context, or a snapshot (nothing to
    /// write to). Samples are writable: their writes are simulated.
    pub fn read_only(&self) -> bool {
        // Several clusters: the open app's own context decides.
        let open_cluster = self.data.apps.get(self.app_open).and_then(|a| a.report.cluster.as_deref());
        let context_read_only = self.data.context.as_deref().or(open_cluster).is_some_and(|context| {
            self.options.read_only_contexts.iter().any(|p| crate::engine::ignore::matching::glob_matches(p, context))
        });
        self.options.read_only || context_read_only || !(self.request.is_cluster() || self.simulated())
    }

    /// The first thing to do: load the source.
    pub fn start(&self) -> Vec<Effect> {
        if self.train.is_some() {
            // A scenario is compared when it loads: there is nothing to wait for.
            return Vec::new();
        }
        vec![Effect::Load(self.request.clone(), self.simulated.clone())]
    }

    /// Lines the body of the screen holds (the terminal minus header, titles and footer).
    pub fn body_height(&self) -> usize {
        let chrome = 3 + crate::tui::view::title_height(self) + self.footer_height();
        usize::from(self.size.1).saturating_sub(usize::from(chrome)).max(1)
    }

    /// The footer: the diff's names the owner, the values and the keys; others, the keys.
    pub fn footer_height(&self) -> u16 {
        if self.screen == Screen::Diff { 3 } else { 2 }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = match msg {
            Msg::Resize(columns, rows) => {
                self.size = (columns, rows);
                let page = self.body_height();
                if let Some(diff) = self.diff.as_mut().filter(|diff| diff.wrap.is_some()) {
                    diff.wrap = Some(usize::from(columns));
                    diff.scroll_into_view(page);
                }
                Vec::new()
            }
            Msg::Loaded(result) => self.loaded(result),
            Msg::ClusterChanged => self.cluster_changed(),
            Msg::Watching(result) => {
                self.watching(result);
                Vec::new()
            }
            Msg::Acted(acted) => self.acted(*acted),
            Msg::Recorded(result) => {
                self.recorded(result);
                Vec::new()
            }
            Msg::Aligned(job) => {
                // The drill shows the diff in the upper part of its screen.
                let height = match self.screen {
                    Screen::Train => self.body_height() * 3 / 5,
                    _ => self.body_height(),
                };
                if let Some(diff) = &mut self.diff {
                    diff.arrived(*job, height);
                }
                Vec::new()
            }
            Msg::Key(key) => self.key(key),
            Msg::Mouse(event) => self.mouse(event),
            Msg::Listed(kind, result) => {
                self.listed(kind, result);
                Vec::new()
            }
        };
        // A diff too large to align on the spot is aligned by a worker.
        effects.extend(self.diff.as_mut().and_then(|diff| diff.request.take()).map(Effect::Align));
        // A change held back while the responder was busy is read once they are done.
        effects.extend(self.take_pending());
        effects
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.notice = None;
        // Ctrl-C cancels whatever is being typed, as Esc does; only on a screen does it quit.
        let interrupt = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        if interrupt && (self.prompt.is_some() || (self.screen == Screen::Runbook && self.typing_name(key))) {
            return self.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        }
        // A decision being written and verified is not walked away from by accident: its
        // outcome would miss the audit log.
        let writing = matches!(self.runbook.as_ref().map(|r| &r.stage), Some(Stage::Executing(_)));
        if interrupt && writing && !std::mem::replace(&mut self.quit_armed, true) {
            self.notice = Some(crate::tui::strings::QUIT_WHILE_WRITING.to_owned());
            return Vec::new();
        }
        if interrupt {
            self.quit = true;
            return Vec::new();
        }
        self.quit_armed = false;
        if self.prompt.is_some() {
            return self.prompt_key(key);
        }
        if self.help.is_some() {
            self.help_key(key);
            return Vec::new();
        }
        if self.value_panel.is_some() {
            self.value_panel_key(key);
            return Vec::new();
        }
        if self.picker.is_some() {
            return self.picker_key(key);
        }
        if self.screen == Screen::Runbook && self.typing_name(key) {
            return self.runbook_typed(key);
        }
        let Some(action) = keys::action_for(self.screen, key) else {
            return Vec::new();
        };
        if action.writes() && self.read_only() {
            return Vec::new();
        }
        if self.screen == Screen::Train && action != Action::Help {
            return self.train_key(action, key);
        }
        if self.screen == Screen::Runbook
            && let Some(effects) = self.drill_runbook_key(action)
        {
            return effects;
        }
        self.act(action)
    }

    fn act(&mut self, action: Action) -> Vec<Effect> {
        match action {
            // The runbook screen owns Esc and q too (Esc leaves a preview, not the screen).
            Action::Quit | Action::Back if self.screen == Screen::Runbook => return self.runbook_key(action),
            Action::Quit if self.screen == Screen::Apps => self.quit = true,
            Action::Back if self.may_go_back_to_overview() => return self.back_to_overview(),
            Action::Quit | Action::Back => self.back(),
            Action::Help => self.help = Some(0),
            Action::Filter => {
                let text = self.filtered_list().filter.clone();
                self.prompt = Some(Prompt { kind: PromptKind::Filter, text });
            }
            Action::Command => self.prompt = Some(Prompt { kind: PromptKind::Command, text: String::new() }),
            Action::Search => {
                let text = self.diff.as_ref().and_then(|d| d.search.as_ref()).map(|s| s.query.clone());
                self.prompt = Some(Prompt { kind: PromptKind::Search, text: text.unwrap_or_default() });
            }
            Action::ShowValue => self.open_value_panel(),
            Action::Exit => self.quit = true,
            Action::Refresh => return self.refresh(),
            Action::Sort => {
                self.app_sort = self.app_sort.next();
            }
            Action::Open => return self.open(),
            Action::OpenRunbook => self.open_runbook(),
            _ if self.screen == Screen::Runbook => return self.runbook_key(action),
            _ => self.navigate(action),
        }
        Vec::new()
    }

    pub(crate) fn refresh(&mut self) -> Vec<Effect> {
        if self.train.is_some() {
            // A scenario never changes under the trainee.
            return Vec::new();
        }
        self.loading = true;
        // A sample reloads from its simulation: a refresh never undoes a decision.
        vec![Effect::Load(self.request.clone(), self.simulated.clone())]
    }

    fn open(&mut self) -> Vec<Effect> {
        match self.screen {
            Screen::Apps => {
                if let Some(&app) = self.visible_apps().get(self.apps.selected) {
                    if self.data.apps[app].overview.is_some() {
                        return self.drill_into(app);
                    }
                    self.app_open = app;
                    self.live.changed_apps.remove(&crate::tui::changes::app_id(&self.data.apps[app]));
                    self.resources.selected = 0;
                    self.resources.filter.clear();
                    self.screen = Screen::Resources;
                }
            }
            Screen::Resources => {
                let rows = self.resource_rows();
                let Some(row) = rows.get(self.resources.selected) else { return Vec::new() };
                let Some(resource) = row.resource else {
                    self.notice = Some(crate::tui::strings::APP_LEVEL_NO_DIFF.to_owned());
                    return Vec::new();
                };
                if let Some(app) = self.data.apps.get(self.app_open)
                    && let Some(opened) = app.report.resources.get(resource)
                {
                    self.live.changed_resources.remove(&(crate::tui::changes::app_id(app), opened.key()));
                }
                self.open_diff(self.app_open, resource, row.finding, self.body_height());
                self.screen = Screen::Diff;
            }
            Screen::Train => return self.train_open(),
            Screen::Diff | Screen::Runbook => {}
        }
        Vec::new()
    }

    /// The diff of `resource`, its cursor on `finding`, scrolled for a view `height` lines high.
    pub(crate) fn open_diff(&mut self, app_index: usize, resource: usize, finding: Option<usize>, height: usize) {
        let Some(app) = self.data.apps.get(app_index) else { return };
        let Some(report) = app.report.resources.get(resource) else { return };
        let pair = app.objects.get(&report.key());
        let mut diff = DiffState::open((app_index, resource), report, pair, &self.options.mask_annotations, finding);
        diff.place(height);
        self.diff = Some(diff);
    }
}
