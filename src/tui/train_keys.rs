//! Training inside the app: setting up what the training screen asks for (a drill started
//! or left, the diff each classification question reveals, the runbook walk each decision
//! is taken in, its decision keys scored and simulated instead of executed), and the record
//! written when the debrief is reached. The training screen's own keys live in `train_state`.

use crate::decision::Decision;
use crate::runbook::{Runbook, Step};
use crate::training::drill::{Drill, Stage};
use crate::training::record::Run;
use crate::training::scenario::resource_named;
use crate::training::simulate;
use crate::tui::app::{App, Effect};
use crate::tui::keys::{Action, Screen};
use crate::tui::runbook_screen::RunbookScreen;
use crate::tui::strings;
use crate::tui::train_state::TrainAsk;
use crossterm::event::KeyEvent;

impl App {
    /// The drill being played, if any.
    pub fn drill(&self) -> Option<&Drill> {
        self.train.as_ref().and_then(|t| t.drill.as_ref())
    }

    /// Keys on the training screen: the screen decides, the app sets up what it asks for.
    pub(crate) fn train_key(&mut self, action: Action, key: KeyEvent) -> Vec<Effect> {
        let page = self.body_height() / 2;
        let diff_shown = self.diff.is_some();
        let Some(training) = &mut self.train else { return Vec::new() };
        let ask = training.on_action(action, key, page, diff_shown);
        self.train_ask(ask, page)
    }

    /// Enter on the training screen (also from `App::open`).
    pub(crate) fn train_open(&mut self) -> Vec<Effect> {
        let Some(training) = &mut self.train else { return Vec::new() };
        let ask = training.open();
        let page = self.body_height() / 2;
        self.train_ask(ask, page)
    }

    /// Does what the training screen asked.
    fn train_ask(&mut self, ask: TrainAsk, page: usize) -> Vec<Effect> {
        match ask {
            TrainAsk::Nothing => {}
            TrainAsk::Quit => self.quit = true,
            TrainAsk::Start(index) => self.start_drill(index),
            TrainAsk::Leave => self.leave_drill(),
            TrainAsk::ConfirmLeave => self.notice = Some(strings::LEAVE_DRILL_AGAIN.to_owned()),
            TrainAsk::Hint(hint) => self.notice = Some(hint.to_owned()),
            TrainAsk::EnterStage => return self.enter_stage(),
            TrainAsk::PageDiff(down) => {
                if let Some(diff) = &mut self.diff {
                    diff.cursor = match down {
                        true => (diff.cursor + page).min(diff.len().saturating_sub(1)),
                        false => diff.cursor.saturating_sub(page),
                    };
                    diff.scroll_into_view(page);
                }
            }
        }
        Vec::new()
    }

    /// Starts scenario `index` of the picker at its briefing; its sample is the only app.
    pub(crate) fn start_drill(&mut self, index: usize) {
        let Some(training) = &mut self.train else { return };
        let Some(scenario) = training.scenarios.get(index).cloned() else { return };
        self.data = crate::investigate::scenario(&scenario);
        self.summaries =
            self.data.apps.iter().map(|a| crate::tui::lists::AppSummary::of(a, &self.options.owner_labels)).collect();
        self.request =
            crate::investigate::Request::Sources(Box::new(crate::investigate::SourceSpec::sample(&scenario.name)));
        self.loading = false;
        self.loaded_at = crate::clock::now();
        self.app_open = 0;
        self.diff = None;
        self.runbook = None;
        training.selected = index;
        training.recorded = None;
        training.scroll = 0;
        training.drill = Some(Drill::new(scenario));
        training.started = crate::clock::now().unwrap_or_default();
        self.screen = Screen::Train;
    }

    /// Back to the picker; the drill's answers so far are dropped.
    fn leave_drill(&mut self) {
        if let Some(training) = &mut self.train {
            training.drill = None;
            training.scroll = 0;
        }
        self.diff = None;
        self.runbook = None;
        self.screen = Screen::Train;
    }

    /// Sets up what the new stage shows: the finding's diff, the runbook for a decision, or
    /// the record of a finished drill.
    fn enter_stage(&mut self) -> Vec<Effect> {
        let Some(stage) = self.drill().map(|d| d.stage) else { return Vec::new() };
        self.diff = None;
        self.screen = Screen::Train;
        match stage {
            // The classification questions show the finding's diff above them.
            Stage::Category(index) | Stage::Owner(index) => self.reveal_finding(index),
            Stage::Decide(index) => self.open_decision(index),
            Stage::Debrief => return self.record_run(),
            Stage::Briefing | Stage::Predict(_) | Stage::Verify => {}
        }
        Vec::new()
    }

    /// The diff of `drill.findings[index]`'s resource, its cursor on the finding; an
    /// app-level finding has none (the view shows the controller's status instead).
    fn reveal_finding(&mut self, index: usize) {
        let Some(target) = self.drill().and_then(|d| d.scenario.targets.get(index)).cloned() else { return };
        let Some(key) = target.resource else { return };
        let Some(report) = self.data.apps.first().map(|a| &a.report) else { return };
        let Some(resource) = report.resources.iter().position(|r| r.key() == key) else { return };
        let finding = report.resources[resource].findings.iter().position(|f| f.path == target.finding.path);
        let height = self.body_height() * 3 / 5;
        self.open_diff(0, resource, finding, height);
    }

    /// The runbook for `drill.decide[index]`, walked on the real runbook screen.
    fn open_decision(&mut self, index: usize) {
        let Some(drill) = self.drill() else { return };
        let Some(spec) = drill.scenario.drill.decide.get(index) else { return };
        let Some(report) = self.data.apps.first().map(|a| &a.report) else { return };
        let Some(resource) = resource_named(report, &spec.resource, &drill.scenario.namespace) else { return };
        let key = resource.key();
        let finding = spec
            .field
            .as_ref()
            .and_then(|field| resource.findings.iter().position(|f| f.path == *field || f.display_path == *field));
        let Some(position) = report.resources.iter().position(|r| r.key() == key) else { return };
        let Some(subject) = self.subject_for(0, position, finding) else { return };
        let Some(data) = self.data.apps.first() else { return };
        self.runbook = Some(RunbookScreen::new(Runbook::new(subject, &data.report), 0));
        self.runbook_from = Screen::Train;
        self.screen = Screen::Runbook;
    }

    /// Keys on the runbook screen while a drill's decision is being taken: decisions are
    /// scored and simulated, nothing is prepared or written. `None`: the key works as usual.
    pub(crate) fn drill_runbook_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let deciding = matches!(self.drill().map(|d| d.stage), Some(Stage::Decide(_)));
        if !deciding {
            return None;
        }
        match action {
            Action::Decide(decision) => {
                self.drill_decide(decision);
                Some(Vec::new())
            }
            Action::Confirm | Action::Force | Action::WritePrevention | Action::BreakGlass => {
                self.notice = Some(strings::DRILL_WRITES_NOTHING.to_owned());
                Some(Vec::new())
            }
            Action::Back => {
                self.notice = Some(strings::DRILL_FINISH_WALK.to_owned());
                Some(Vec::new())
            }
            Action::Quit => {
                let Some(training) = &mut self.train else { return Some(Vec::new()) };
                let confirmed = std::mem::take(&mut training.leaving);
                let ask = training.leave(confirmed);
                Some(self.train_ask(ask, 0))
            }
            _ => {
                if let Some(training) = &mut self.train {
                    training.leaving = false;
                }
                None
            }
        }
    }

    fn drill_decide(&mut self, decision: Decision) {
        let Some(screen) = &mut self.runbook else { return };
        if screen.runbook.step < Step::Choose {
            self.notice = Some(strings::walk_first(screen.runbook.blocker()));
            return;
        }
        let Some(training) = &mut self.train else { return };
        let Some(drill) = &mut training.drill else { return };
        let Stage::Decide(index) = drill.stage else { return };
        let lines = simulate::consequences(&drill.scenario, index, decision);
        // A simulated consequence marked ✗ is the scenario author's way to say it went wrong.
        let verified = !lines.iter().any(|line| line.starts_with('✗'));
        screen.runbook.decided(decision, &lines, verified);
        drill.decide(decision, lines);
        training.scroll = 0;
        self.screen = Screen::Train;
    }

    /// The finished drill's score for the picker, and its record when `--record` names a file.
    fn record_run(&mut self) -> Vec<Effect> {
        let Some(training) = &mut self.train else { return Vec::new() };
        if let Some(drill) = &training.drill {
            training.results.insert(drill.scenario.name.clone(), drill.score());
        }
        let (Some(path), Some(drill)) = (&training.record, &training.drill) else { return Vec::new() };
        let finished = crate::clock::now().unwrap_or(training.started);
        let run = Run::of(drill, &training.trainee, training.started, finished);
        training.recorded = Some(format!("recording in {}…", path.display()));
        vec![Effect::Record(path.clone(), Box::new(run))]
    }

    pub(crate) fn recorded(&mut self, result: Result<String, crate::tui::WorkError>) {
        if let Some(training) = &mut self.train {
            training.recorded = Some(match result {
                Ok(path) => format!("recorded in {path}"),
                Err(error) => format!("not recorded: {error}"),
            });
        }
    }
}
