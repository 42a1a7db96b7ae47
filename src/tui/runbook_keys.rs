//! The runbook screen inside the app: opening a runbook on the selected finding, running
//! the jobs the screen asks for (`runbook_screen::Ask`) with the session's target and
//! options, and folding a verified result back into what the other screens show. The
//! screen's own keys and state live in `runbook_screen`.

use crate::actions::workspace::Options;
use crate::decision::{Decision, Subject};
use crate::investigate::SourceKind;
use crate::investigate::decide::{self, Scope, Target};
use crate::model::Response;
use crate::runbook::Runbook;
use crate::tui::app::{App, Effect};
use crate::tui::keys::{Action, Screen};
use crate::tui::runbook_screen::{Ask, RunbookScreen};
use crate::tui::runbook_state::{self, Acted, Done, Job, Origin};
use crate::tui::strings;
use crossterm::event::KeyEvent;

impl App {
    /// `r` on a finding (resources screen) or in a diff: the runbook for that finding.
    pub(crate) fn open_runbook(&mut self) {
        let (app_index, resource, finding) = match self.screen {
            Screen::Diff => match &self.diff {
                Some(diff) => (diff.app, Some(diff.resource), diff.focused_row().and_then(|row| row.finding)),
                None => return,
            },
            _ => {
                let rows = self.resource_rows();
                let Some(row) = rows.get(self.resources.selected) else { return };
                (self.app_open, row.resource, row.finding)
            }
        };
        let Some(resource) = resource else {
            self.notice = Some(strings::APP_LEVEL_NO_RUNBOOK.to_owned());
            return;
        };
        let Some(subject) = self.subject_for(app_index, resource, finding) else { return };
        // Nothing differs: there is no decision to walk to (step 4 would only refuse).
        if subject.findings.is_empty() {
            self.notice = Some(strings::in_sync(subject.key()));
            return;
        }
        let Some(data) = self.data.apps.get(app_index) else { return };
        self.runbook = Some(RunbookScreen::new(Runbook::new(subject, &data.report), app_index));
        self.runbook_from = self.screen;
        self.screen = Screen::Runbook;
    }

    /// What a runbook on `resource` of app `app_index` is about: the one `finding`, or every
    /// finding of the resource that needs action (set up as the command line does).
    pub(crate) fn subject_for(&self, app_index: usize, resource: usize, finding: Option<usize>) -> Option<Subject> {
        let data = self.data.apps.get(app_index)?;
        let key = data.report.resources.get(resource)?.key();
        let scope = finding.map_or(Scope::Acting, Scope::Finding);
        decide::subject(data, &key, scope).ok()
    }

    /// Whether the runbook's preview is taking the resource's typed name.
    pub(crate) fn typing_name(&self, key: KeyEvent) -> bool {
        self.runbook.as_ref().is_some_and(|screen| screen.typing_name(key))
    }

    pub(crate) fn runbook_typed(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(screen) = &mut self.runbook else { return Vec::new() };
        let ask = screen.on_typed(key);
        self.ask(ask)
    }

    /// A key on the runbook screen: the screen decides, the app runs what it asks.
    pub(crate) fn runbook_key(&mut self, action: Action) -> Vec<Effect> {
        let Some(screen) = &mut self.runbook else {
            self.screen = Screen::Resources;
            return Vec::new();
        };
        let ask = screen.on_action(action);
        self.ask(ask)
    }

    /// Does what the runbook screen asked.
    fn ask(&mut self, ask: Ask) -> Vec<Effect> {
        let Some(screen) = &self.runbook else { return Vec::new() };
        let subject = || Box::new(screen.runbook.subject.clone());
        let step = match ask {
            Ask::Nothing => return Vec::new(),
            Ask::Notice(notice) => {
                self.notice = Some(notice);
                return Vec::new();
            }
            Ask::Leave => {
                let to_diff = self.runbook_from == Screen::Diff && self.diff.is_some();
                self.screen = if to_diff { Screen::Diff } else { Screen::Resources };
                self.runbook = None;
                // A load that arrived while deciding is shown now.
                return self.release_held();
            }
            Ask::Executed(outcome) => {
                let (index, key) = (screen.app, screen.runbook.subject.key());
                let app = self.data.apps.get(index).map(crate::tui::changes::app_id).unwrap_or_default();
                self.fold_back(&app, &key, &outcome);
                return Vec::new();
            }
            Ask::Prepare { decision, break_glass } => {
                return self.job(runbook_state::Step::Prepare(decision, subject()), break_glass);
            }
            Ask::Execute { plan, confirmation } => runbook_state::Step::Execute(plan, confirmation),
            Ask::Close { decision } => runbook_state::Step::Close(decision, subject()),
            Ask::Prevent => match self.data.apps.get(screen.app) {
                Some(data) => runbook_state::Step::Prevent(Box::new(data.report.clone()), data.namespace.clone()),
                // The app is gone (a reload): nothing to write for, and nothing to wait for.
                None => {
                    if let Some(screen) = &mut self.runbook {
                        screen.stage = crate::tui::runbook_screen::Stage::Checklist;
                    }
                    return Vec::new();
                }
            },
        };
        self.job(step, false)
    }

    /// A job for the open runbook, with the session's target and options. Built only when
    /// a key asks for one: every app's report goes with it (the ignore preview counts across
    /// them), so ticking and moving copy nothing.
    fn job(&self, step: runbook_state::Step, break_glass: bool) -> Vec<Effect> {
        let Some(screen) = &self.runbook else { return Vec::new() };
        let reason = strings::reason(self.note.as_deref(), screen.runbook.skipped.as_deref());
        let options = Options {
            read_only: self.read_only(),
            data_dir: self.options.data_dir.clone(),
            incident: self.incident.clone(),
            reason,
            break_glass,
            // A rule belongs in Git when the app came from there (commit to its Application).
            prefer_application: true,
            ..Options::default()
        };
        let app = self.data.apps.get(screen.app).map(crate::tui::changes::app_id).unwrap_or_default();
        let origin = Origin { runbook: screen.id, app, key: screen.runbook.subject.key() };
        vec![Effect::Act(Box::new(Job {
            origin,
            target: self.action_target(),
            options,
            now: self.data.apps.get(screen.app).and_then(|a| a.now),
            all_apps: self.data.apps.iter().map(|a| a.report.clone()).collect(),
            step,
        }))]
    }

    /// Where the open app's decisions act: a sample's simulation starts from what earlier
    /// decisions changed there.
    fn action_target(&self) -> Target {
        let Some(app) = self.runbook.as_ref().and_then(|r| self.data.apps.get(r.app)) else { return Target::Nowhere };
        let changes = match &app.source {
            SourceKind::Sample(name) => self.simulated.get(name).cloned().unwrap_or_default(),
            _ => Default::default(),
        };
        Target::for_app(app, &self.request, changes)
    }

    pub(crate) fn acted(&mut self, acted: Acted) -> Vec<Effect> {
        let Acted { origin, result } = acted;
        let Some(screen) = self.runbook.as_mut().filter(|screen| screen.id == origin.runbook) else {
            // The responder left that runbook while it worked: a write still happened, so its
            // verified state goes where it belongs; a preview nobody waits for is dropped.
            if let Ok(Done::Executed(outcome)) = result {
                self.notice = Some(strings::earlier_decision(&outcome.result));
                self.fold_back(&origin.app, &origin.key, &outcome);
            }
            return Vec::new();
        };
        let ask = screen.answered(result);
        self.ask(ask)
    }

    /// Shows the verified state on the other screens: the rescanned resource replaces the
    /// old one; a pruned resource disappears; a sample remembers its simulated change.
    fn fold_back(&mut self, app: &str, key: &crate::model::ResourceKey, outcome: &crate::actions::Outcome) {
        let Some(data) = self.data.apps.iter_mut().find(|data| crate::tui::changes::app_id(data) == app) else {
            return;
        };
        let writes_live = matches!(outcome.decision, Decision::Act(Response::Sync) | Decision::Act(Response::Prune));
        if let SourceKind::Sample(name) = &data.source
            && writes_live
        {
            self.simulated.entry(name.clone()).or_default().insert(key.clone(), outcome.live_after.clone());
        }
        if outcome.decision == Decision::Act(Response::Prune) && outcome.live_after.is_none() {
            data.report.resources.retain(|r| r.key() != *key);
            data.objects.remove(key);
        } else if let Some(rescanned) = &outcome.rescanned
            && let Some(slot) = data.report.resources.iter_mut().find(|r| r.key() == *key)
        {
            // Keep what the rescan could not know (events, Git evidence) from the full scan.
            let (events, commit) = (slot.events.clone(), slot.desired_commit.clone());
            *slot = rescanned.clone();
            slot.events = events;
            slot.desired_commit = commit;
            if writes_live && let Some(pair) = data.objects.get_mut(key) {
                pair.set_live(outcome.live_after.as_ref());
            }
        }
        if data.report.all_findings().all(|f| !f.needs_action()) {
            data.report.sync_status = crate::model::SyncStatus::Synced;
        }
        self.summaries =
            self.data.apps.iter().map(|a| crate::tui::lists::AppSummary::of(a, &self.options.owner_labels)).collect();
        self.diff = None;
        self.runbook_from = Screen::Resources;
    }
}
