//! The runbook screen's half of `App::update`: opening a runbook on the selected finding,
//! walking its steps, turning a decision key into a preview job, a confirmation into an
//! execution job, and folding the verified result back into what the other screens show.

use crate::actions::workspace::Options;
use crate::actions::{Confirm, Confirmation};
use crate::decision::{Decision, Subject};
use crate::investigate::SourceKind;
use crate::investigate::decide::{self, Scope, Target};
use crate::model::Response;
use crate::runbook::{Runbook, Step};
use crate::tui::app::{App, Effect};
use crate::tui::keys::{Action, Screen};
use crate::tui::runbook_state::{self, Acted, Done, Job, Origin, RunbookScreen, Stage};
use crossterm::event::{KeyCode, KeyEvent};

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
                let Some(row) = rows.get(self.resource_selected) else { return };
                (self.app_open, row.resource, row.finding)
            }
        };
        let Some(resource) = resource else {
            self.notice =
                Some("an app-level finding: fix the controller first (the runbook works on a resource)".to_owned());
            return;
        };
        let Some(subject) = self.subject_for(app_index, resource, finding) else { return };
        // Nothing differs: there is no decision to walk to (step 4 would only refuse).
        if subject.findings.is_empty() {
            self.notice = Some(format!("{} is in sync: nothing to decide", subject.key()));
            return;
        }
        let Some(data) = self.data.apps.get(app_index) else { return };
        let mut screen = RunbookScreen::new(Runbook::new(subject, &data.report), app_index);
        screen.selected = screen.runbook.first_open();
        self.runbook = Some(screen);
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

    pub(crate) fn runbook_back(&mut self) {
        let Some(screen) = &mut self.runbook else {
            self.screen = Screen::Resources;
            return;
        };
        match screen.stage {
            Stage::Checklist => {
                self.screen = if self.runbook_from == Screen::Diff && self.diff.is_some() {
                    Screen::Diff
                } else {
                    Screen::Resources
                };
                self.runbook = None;
            }
            _ => screen.stage = Stage::Checklist,
        }
    }

    pub(crate) fn runbook_move(&mut self, action: Action) {
        let Some(screen) = &mut self.runbook else { return };
        match (&screen.stage, action) {
            (Stage::Preview { .. }, Action::Down) => screen.scroll += 1,
            (Stage::Preview { .. }, Action::Up) => screen.scroll = screen.scroll.saturating_sub(1),
            (Stage::Preview { .. }, Action::PageDown) => screen.scroll += 10,
            (Stage::Preview { .. }, Action::PageUp) => screen.scroll = screen.scroll.saturating_sub(10),
            (_, Action::Down) => {
                screen.selected = (screen.selected + 1).min(screen.runbook.items().len().saturating_sub(1))
            }
            (_, Action::Up) => screen.selected = screen.selected.saturating_sub(1),
            _ => {}
        }
    }

    /// The preview asks for the resource's name: keys type it.
    pub(crate) fn typing_name(&self, key: KeyEvent) -> bool {
        let typing = matches!(self.runbook.as_ref().map(|r| &r.stage), Some(Stage::Preview { typed: Some(_), .. }));
        typing && matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Enter)
    }

    pub(crate) fn runbook_typed(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(RunbookScreen { stage: Stage::Preview { typed: Some(typed), .. }, .. }) = &mut self.runbook else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Char(c) => typed.push(c),
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Enter => return self.runbook_action(Action::Confirm),
            _ => {}
        }
        Vec::new()
    }

    pub(crate) fn runbook_action(&mut self, action: Action) -> Vec<Effect> {
        let target = self.action_target();
        let skipped = self.runbook.as_ref().and_then(|r| r.runbook.skipped.as_ref());
        let reason = match (&self.note, skipped) {
            (Some(note), Some(skip)) => Some(format!("{note}; runbook steps 1–3 skipped: {skip}")),
            (Some(note), None) => Some(note.clone()),
            (None, Some(skip)) => Some(format!("runbook steps 1–3 skipped: {skip}")),
            (None, None) => None,
        };
        let options = Options {
            read_only: self.read_only(),
            data_dir: self.options.data_dir.clone(),
            incident: self.incident.clone(),
            reason,
            // A rule belongs in Git when the app came from there (commit to its Application).
            prefer_application: true,
            ..Options::default()
        };
        let now = self.runbook.as_ref().and_then(|r| self.data.apps.get(r.app)).and_then(|a| a.now);
        let data = &self.data;
        let Some(screen) = &mut self.runbook else { return Vec::new() };
        // Built only when a key asks for a job: every app's report goes with it (the ignore
        // preview counts across them), so ticking and moving copy nothing.
        let origin = Origin { runbook: screen.id, app: screen.app, key: screen.runbook.subject.key() };
        let job_with = |step, options: Options| {
            vec![Effect::Act(Box::new(Job {
                origin: origin.clone(),
                target: target.clone(),
                options,
                now,
                all_apps: data.apps.iter().map(|a| a.report.clone()).collect(),
                step,
            }))]
        };
        let job = |step| job_with(step, options.clone());
        match (&mut screen.stage, action) {
            (Stage::Waiting(_), _) => {}
            (Stage::Checklist | Stage::Failed(_), Action::NextStep) => {
                if screen.runbook.step == Step::Verify && screen.runbook.decided.is_some() && !screen.runbook.closed {
                    // Closed only once the closing line is in the audit log (`acted`).
                    if let (true, Some(decision)) = (screen.runbook.can_close(), screen.runbook.decided) {
                        screen.stage = Stage::Waiting("recording the closed runbook…".to_owned());
                        let subject = Box::new(screen.runbook.subject.clone());
                        return job(runbook_state::Step::Close(decision, subject));
                    }
                    self.notice = screen.runbook.blocker();
                } else if !screen.runbook.advance() {
                    self.notice = screen.runbook.blocker().or(Some("this is the last step".to_owned()));
                }
                screen.selected = screen.runbook.first_open();
            }
            (Stage::Checklist | Stage::Failed(_), Action::PreviousStep) => {
                screen.runbook.back();
                screen.selected = screen.runbook.first_open();
            }
            (Stage::Checklist, Action::Tick) => {
                screen.runbook.toggle(screen.selected);
                // Ticked: on to the next item still waiting, as a checklist is walked.
                if screen.runbook.items().get(screen.selected).is_some_and(|item| item.settled()) {
                    screen.selected = screen.runbook.first_open();
                }
            }
            (Stage::Checklist | Stage::Failed(_), Action::Decide(_) | Action::BreakGlass) => {
                if let Err(why) = screen.runbook.may_decide() {
                    self.notice = Some(why);
                    return Vec::new();
                }
                let (decision, break_glass) = match action {
                    Action::Decide(decision) => (decision, false),
                    _ => (Decision::Act(Response::Sync), true),
                };
                let what = if break_glass { "break-glass sync" } else { decision.as_str() };
                screen.stage = Stage::Waiting(format!("preparing the {what} preview…"));
                screen.scroll = 0;
                let subject = Box::new(screen.runbook.subject.clone());
                let options = Options { break_glass, ..options.clone() };
                return job_with(runbook_state::Step::Prepare(decision, subject), options);
            }
            (Stage::Preview { plan, .. }, Action::Force) if !plan.conflicts.is_empty() => {
                if let Stage::Preview { forcing, .. } = &mut screen.stage {
                    *forcing = true;
                }
                self.notice = Some("forcing: c takes the conflicting fields from their managers".to_owned());
            }
            (Stage::Preview { plan, typed, forcing }, Action::Confirm) => {
                if let Some(why) = &plan.refused {
                    self.notice = Some(format!("refused: {why} — choose another response"));
                    return Vec::new();
                }
                if !plan.conflicts.is_empty() && !*forcing {
                    self.notice = Some("field conflicts: F to force (a second confirmation), or Esc".to_owned());
                    return Vec::new();
                }
                if let Confirm::TypeName(name) = &plan.confirm
                    && typed.as_deref() != Some(name.as_str())
                {
                    self.notice = Some(format!("type '{name}' and press Enter to confirm"));
                    return Vec::new();
                }
                let confirmation = Confirmation { typed: typed.clone(), force: *forcing };
                let plan = plan.clone();
                screen.stage = Stage::Waiting(format!("{}: executing and verifying…", plan.decision.as_str()));
                return job(runbook_state::Step::Execute(plan, confirmation));
            }
            (Stage::Checklist, Action::WritePrevention) => {
                if let Some(data) = self.data.apps.get(screen.app) {
                    screen.stage = Stage::Waiting("writing the prevention controls…".to_owned());
                    return job(runbook_state::Step::Prevent(Box::new(data.report.clone()), data.namespace.clone()));
                }
            }
            _ => {}
        }
        Vec::new()
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
                self.notice = Some(format!("earlier decision finished: {}", outcome.result));
                self.fold_back(origin.app, &origin.key, &outcome);
            }
            return Vec::new();
        };
        match result {
            Err(error) => screen.stage = Stage::Failed(error.to_string()),
            Ok(Done::Prepared(plan)) => {
                let typed = matches!(plan.confirm, Confirm::TypeName(_)).then(String::new);
                screen.stage = Stage::Preview { plan, typed, forcing: false };
            }
            Ok(Done::Closed) => {
                screen.runbook.close();
                screen.stage = Stage::Checklist;
                self.notice = Some("runbook complete: recorded in the audit log".to_owned());
            }
            Ok(Done::Prevented(files)) => {
                screen.stage = Stage::Checklist;
                self.notice = Some(format!("wrote {} file(s): {}", files.len(), files.join(", ")));
            }
            Ok(Done::Executed(outcome)) => {
                let mut lines = vec![outcome.result.clone()];
                lines.extend(outcome.verification.iter().cloned());
                lines.extend(outcome.artefacts.iter().cloned());
                screen.runbook.decided(outcome.decision, &lines, outcome.still_differ.is_empty());
                // A further decision on this resource starts from what is live now.
                if matches!(outcome.decision, Decision::Act(Response::Sync) | Decision::Act(Response::Prune)) {
                    screen.runbook.subject.live = outcome.live_after.clone();
                }
                screen.stage = Stage::Checklist;
                screen.selected = screen.runbook.first_open();
                let key = screen.runbook.subject.key();
                let app_index = screen.app;
                self.fold_back(app_index, &key, &outcome);
            }
        }
        Vec::new()
    }

    /// Shows the verified state on the other screens: the rescanned resource replaces the
    /// old one; a pruned resource disappears; a sample remembers its simulated change.
    fn fold_back(&mut self, app_index: usize, key: &crate::model::ResourceKey, outcome: &crate::actions::Outcome) {
        let Some(data) = self.data.apps.get_mut(app_index) else { return };
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
                pair.live = outcome.live_after.clone();
            }
        }
        if data.report.all_findings().all(|f| !f.needs_action()) {
            data.report.sync_status = crate::model::SyncStatus::Synced;
        }
        self.summaries = self.data.apps.iter().map(crate::tui::lists::AppSummary::of).collect();
        self.diff = None;
        self.runbook_from = Screen::Resources;
    }
}
