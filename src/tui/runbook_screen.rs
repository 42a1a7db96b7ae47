//! The runbook screen owns its state and its keys: the walk (`crate::runbook`), where the
//! decision in progress stands (waiting for a preview, the preview awaiting confirmation,
//! the typed name, a failure), the cursor and the scroll. A key or a job's answer changes
//! that state and returns what it asks of the rest of the TUI (`Ask`): a job to run, a
//! notice, leaving the screen. The screen never does IO and never touches other screens.

use crate::actions::{Confirm, Confirmation, Outcome, Plan};
use crate::decision::Decision;
use crate::model::Response;
use crate::runbook::{Runbook, Step};
use crate::tui::WorkError;
use crate::tui::keys::Action;
use crate::tui::runbook_state::Done;
use crate::tui::strings;
use crossterm::event::{KeyCode, KeyEvent};

/// Where the decision in progress stands.
#[derive(Debug, Clone)]
pub enum Stage {
    Checklist,
    Waiting(String),
    /// A confirmed decision being written and verified (a sync may wait for its controller).
    Executing(String),
    /// The preview, waiting for `c` (or the typed name and Enter); `forcing` after `F`.
    Preview {
        plan: Box<Plan>,
        typed: Option<String>,
        forcing: bool,
    },
    /// What happened, until the next key.
    Failed(String),
}

/// What a key or an answer on the runbook screen asks of the rest of the TUI.
#[derive(Debug)]
pub enum Ask {
    Nothing,
    Notice(String),
    /// Leave the screen (Esc on the checklist).
    Leave,
    /// Prepare the decision's preview (`break_glass`: a sync bypassing the controller).
    Prepare {
        decision: Decision,
        break_glass: bool,
    },
    Execute {
        plan: Box<Plan>,
        confirmation: Confirmation,
    },
    /// Write the prevention controls for the app.
    Prevent,
    /// Record that the walk after `decision` was closed.
    Close {
        decision: Decision,
    },
    /// A decision was carried out: fold its verified result into the other screens.
    Executed(Box<Outcome>),
}

pub struct RunbookScreen {
    /// Unique per opened runbook: answers to another runbook's jobs are told apart by it.
    pub id: u64,
    pub runbook: Runbook,
    pub app: usize,
    pub stage: Stage,
    pub selected: usize,
    pub scroll: usize,
}

impl RunbookScreen {
    pub fn new(runbook: Runbook, app: usize) -> RunbookScreen {
        static OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let selected = runbook.first_open();
        RunbookScreen { id, runbook, app, stage: Stage::Checklist, selected, scroll: 0 }
    }

    /// Whether the preview asks for the resource's name, so keys type it.
    pub fn typing_name(&self, key: KeyEvent) -> bool {
        matches!(self.stage, Stage::Preview { typed: Some(_), .. })
            && matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Enter)
    }

    /// A key typed into the name prompt (Enter confirms).
    pub fn on_typed(&mut self, key: KeyEvent) -> Ask {
        let Stage::Preview { typed: Some(typed), .. } = &mut self.stage else { return Ask::Nothing };
        match key.code {
            KeyCode::Char(c) => typed.push(c),
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Enter => return self.on_action(Action::Confirm),
            _ => {}
        }
        Ask::Nothing
    }

    /// What `action` does here.
    pub fn on_action(&mut self, action: Action) -> Ask {
        match (&mut self.stage, action) {
            (Stage::Checklist, Action::Back | Action::Quit) => Ask::Leave,
            (_, Action::Back | Action::Quit) => {
                self.stage = Stage::Checklist;
                Ask::Nothing
            }
            (Stage::Waiting(_) | Stage::Executing(_), _) => Ask::Nothing,
            (Stage::Preview { .. }, Action::Down) => self.scrolled(1, true),
            (Stage::Preview { .. }, Action::Up) => self.scrolled(1, false),
            (Stage::Preview { .. }, Action::PageDown) => self.scrolled(10, true),
            (Stage::Preview { .. }, Action::PageUp) => self.scrolled(10, false),
            (_, Action::Down) => {
                self.selected = (self.selected + 1).min(self.runbook.items().len().saturating_sub(1));
                Ask::Nothing
            }
            (_, Action::Up) => {
                self.selected = self.selected.saturating_sub(1);
                Ask::Nothing
            }
            (Stage::Preview { .. }, Action::Top) => {
                self.scroll = 0;
                Ask::Nothing
            }
            (_, Action::Top) => {
                self.selected = 0;
                Ask::Nothing
            }
            (Stage::Checklist | Stage::Failed(_), Action::Bottom) => {
                self.selected = self.runbook.items().len().saturating_sub(1);
                Ask::Nothing
            }
            (Stage::Checklist | Stage::Failed(_), Action::NextStep) => self.next_step(),
            (Stage::Checklist | Stage::Failed(_), Action::PreviousStep) => {
                self.runbook.back();
                self.selected = self.runbook.first_open();
                Ask::Nothing
            }
            (Stage::Checklist, Action::Tick) => {
                self.runbook.toggle(self.selected);
                // Ticked: on to the next item still waiting, as a checklist is walked.
                if self.runbook.items().get(self.selected).is_some_and(|item| item.settled()) {
                    self.selected = self.runbook.first_open();
                }
                Ask::Nothing
            }
            (Stage::Checklist | Stage::Failed(_), Action::Decide(_) | Action::BreakGlass) => {
                if let Err(why) = self.runbook.may_decide() {
                    return Ask::Notice(why);
                }
                let (decision, break_glass) = match action {
                    Action::Decide(decision) => (decision, false),
                    _ => (Decision::Act(Response::Sync), true),
                };
                let what = if break_glass { "break-glass sync" } else { decision.as_str() };
                self.stage = Stage::Waiting(strings::preparing(what));
                self.scroll = 0;
                Ask::Prepare { decision, break_glass }
            }
            (Stage::Preview { plan, forcing, .. }, Action::Force) if !plan.conflicts.is_empty() => {
                *forcing = true;
                Ask::Notice(strings::FORCING.to_owned())
            }
            (Stage::Preview { plan, typed, forcing }, Action::Confirm) => {
                if let Some(why) = &plan.refused {
                    return Ask::Notice(strings::refused(why));
                }
                if !plan.conflicts.is_empty() && !*forcing {
                    return Ask::Notice(strings::CONFLICTS.to_owned());
                }
                if let Confirm::TypeName(name) = &plan.confirm
                    && typed.as_deref() != Some(name.as_str())
                {
                    return Ask::Notice(strings::type_name(name));
                }
                let confirmation = Confirmation { typed: typed.clone(), force: *forcing };
                let plan = plan.clone();
                self.stage = Stage::Executing(strings::executing(plan.decision.as_str()));
                Ask::Execute { plan, confirmation }
            }
            (Stage::Checklist, Action::WritePrevention) => {
                self.stage = Stage::Waiting(strings::WAITING_PREVENTION.to_owned());
                Ask::Prevent
            }
            _ => Ask::Nothing,
        }
    }

    fn scrolled(&mut self, lines: usize, down: bool) -> Ask {
        self.scroll = if down { self.scroll + lines } else { self.scroll.saturating_sub(lines) };
        Ask::Nothing
    }

    /// Tab: the next step once this one is settled; at step 5 after a decision, closing.
    fn next_step(&mut self) -> Ask {
        let runbook = &mut self.runbook;
        let ask = if runbook.step == Step::Verify && runbook.decided.is_some() && !runbook.closed {
            // Closed only once the closing line is in the audit log (`answered`).
            match (runbook.can_close(), runbook.decided) {
                (true, Some(decision)) => {
                    self.stage = Stage::Waiting(strings::WAITING_CLOSE.to_owned());
                    return Ask::Close { decision };
                }
                _ => runbook.blocker().map_or(Ask::Nothing, Ask::Notice),
            }
        } else if !runbook.advance() {
            Ask::Notice(runbook.blocker().unwrap_or_else(|| strings::LAST_STEP.to_owned()))
        } else {
            Ask::Nothing
        };
        self.selected = self.runbook.first_open();
        ask
    }

    /// The answer to one of this screen's jobs.
    pub fn answered(&mut self, result: Result<Done, WorkError>) -> Ask {
        self.stage = Stage::Checklist;
        match result {
            Err(error) => {
                self.stage = Stage::Failed(error.to_string());
                Ask::Nothing
            }
            Ok(Done::Prepared(plan)) => {
                let typed = matches!(plan.confirm, Confirm::TypeName(_)).then(String::new);
                self.stage = Stage::Preview { plan, typed, forcing: false };
                Ask::Nothing
            }
            Ok(Done::Closed) => {
                self.runbook.close();
                Ask::Notice(strings::RUNBOOK_COMPLETE.to_owned())
            }
            Ok(Done::Prevented(files)) => Ask::Notice(strings::wrote(&files)),
            Ok(Done::Executed(outcome)) => {
                let mut lines = vec![outcome.result.clone()];
                lines.extend(outcome.verification.iter().cloned());
                lines.extend(outcome.artefacts.iter().cloned());
                self.runbook.decided(outcome.decision, &lines, outcome.still_differ.is_empty());
                // A further decision on this resource starts from what is live now.
                if matches!(outcome.decision, Decision::Act(Response::Sync) | Decision::Act(Response::Prune)) {
                    self.runbook.subject.live = outcome.live_after.clone();
                }
                self.selected = self.runbook.first_open();
                Ask::Executed(outcome)
            }
        }
    }
}
