//! Training in the TUI: the scenarios offered by the picker, the drill being played
//! (`crate::training::drill`), who is training and where their results are recorded. The
//! training screen owns its keys: a key changes this state and returns what it asks of the
//! rest of the TUI (`TrainAsk`): start or leave a drill, set up the next stage's screens.

use crate::training::drill::{Drill, Stage};
use crate::training::scenario::Scenario;
use crate::tui::keys::Action;
use crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

/// What a key on the training screen asks of the rest of the TUI.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TrainAsk {
    Nothing,
    /// Leave kdrift (from the picker).
    Quit,
    /// Start the picker's scenario at this index.
    Start(usize),
    /// Back to the picker; the drill's answers so far are dropped.
    Leave,
    /// The first `q`/`Esc` in a drill: say that a second one leaves.
    ConfirmLeave,
    /// The drill moved on: set up what the new stage shows.
    EnterStage,
    /// Page the diff a classification question shows (`true`: down).
    PageDiff(bool),
    /// A key that does nothing here: say what does.
    Hint(&'static str),
}

pub struct Training {
    /// What the picker offers, in order.
    pub scenarios: Vec<Scenario>,
    /// The picker's highlighted scenario.
    pub selected: usize,
    pub drill: Option<Drill>,
    /// `--record FILE`: every finished drill is appended to it.
    pub record: Option<PathBuf>,
    pub trainee: String,
    /// What became of the finished drill's record ("recorded in …", or why not).
    pub recorded: Option<String>,
    /// Lines scrolled in long texts (briefing, feedback, debrief).
    pub scroll: usize,
    /// When the drill in play started (Unix seconds), for its record.
    pub started: i64,
    /// `q`/`Esc` was pressed once in a drill: a second press leaves it.
    pub leaving: bool,
    /// The last score of each scenario finished in this session, by name.
    pub results: std::collections::HashMap<String, crate::training::drill::Score>,
}

impl Training {
    pub fn new(scenarios: Vec<Scenario>, record: Option<PathBuf>, trainee: String) -> Training {
        Training {
            scenarios,
            selected: 0,
            drill: None,
            record,
            trainee,
            recorded: None,
            scroll: 0,
            started: 0,
            leaving: false,
            results: Default::default(),
        }
    }
}

impl Training {
    /// What `action` (from `key`) does on the training screen; `diff_shown`: a question shows
    /// a finding's diff, which the page keys move through.
    pub(crate) fn on_action(&mut self, action: Action, key: KeyEvent, page: usize, diff_shown: bool) -> TrainAsk {
        let last = self.scenarios.len().saturating_sub(1);
        let Some(drill) = &mut self.drill else {
            match action {
                Action::Down => self.selected = (self.selected + 1).min(last),
                Action::Up => self.selected = self.selected.saturating_sub(1),
                Action::Top => self.selected = 0,
                Action::Bottom => self.selected = last,
                Action::Open => return TrainAsk::Start(self.selected),
                Action::Quit | Action::Back => return TrainAsk::Quit,
                _ => {}
            }
            return TrainAsk::Nothing;
        };
        let choices = drill.choices().len();
        let confirming_leave = std::mem::take(&mut self.leaving);
        match action {
            Action::Answer => {
                if let KeyCode::Char(digit) = key.code
                    && let Some(choice) = digit.to_digit(10).and_then(|d| usize::try_from(d).ok())
                    && choice >= 1
                {
                    drill.answer(choice - 1);
                }
            }
            Action::Down if drill.feedback.is_none() && choices > 0 => {
                drill.selected = Some(drill.selected.map_or(0, |s| (s + 1).min(choices - 1)))
            }
            Action::Up if drill.feedback.is_none() && choices > 0 => {
                drill.selected = Some(drill.selected.map_or(0, |s| s.saturating_sub(1)))
            }
            Action::NextStep => return self.continue_drill(),
            Action::Down => self.scroll += 1,
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown | Action::PageUp if diff_shown => return TrainAsk::PageDiff(action == Action::PageDown),
            Action::PageDown => self.scroll += page,
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page),
            Action::Open => return self.open(),
            Action::Quit | Action::Back => return self.leave(confirming_leave),
            _ => {}
        }
        TrainAsk::Nothing
    }

    /// Enter: start the highlighted scenario, answer the highlighted choice, or move on once
    /// the answer has been shown.
    pub(crate) fn open(&mut self) -> TrainAsk {
        let Some(drill) = &mut self.drill else { return TrainAsk::Start(self.selected) };
        if drill.stage == Stage::Debrief {
            return TrainAsk::Leave;
        }
        if drill.question().is_some() && drill.feedback.is_none() {
            return match drill.selected {
                Some(selected) => {
                    drill.answer(selected);
                    TrainAsk::Nothing
                }
                None => TrainAsk::Hint(crate::tui::strings::CHOOSE_FIRST),
            };
        }
        // After an answer, only the continue key moves on: a second Enter must not carry the
        // trainee past the explanation.
        if drill.feedback.is_some() {
            return TrainAsk::Hint(crate::tui::strings::SPACE_CONTINUES);
        }
        self.continue_drill()
    }

    /// Space (or Tab): on to the next stage, once this one is answered (or from the briefing).
    pub(crate) fn continue_drill(&mut self) -> TrainAsk {
        let Some(drill) = &mut self.drill else { return TrainAsk::Nothing };
        if drill.stage != Stage::Debrief && drill.move_on() {
            self.scroll = 0;
            return TrainAsk::EnterStage;
        }
        TrainAsk::Nothing
    }

    /// Leaving a drill drops its answers: the first `q`/`Esc` asks, the second leaves. A
    /// finished drill (at its debrief) leaves at once.
    pub(crate) fn leave(&mut self, confirmed: bool) -> TrainAsk {
        let finished = self.drill.as_ref().is_some_and(|d| d.stage == Stage::Debrief);
        if confirmed || finished {
            return TrainAsk::Leave;
        }
        self.leaving = true;
        TrainAsk::ConfirmLeave
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn the_training_screen_says_what_its_keys_ask_for() {
        let scenarios = crate::training::scenario::embedded().expect("embedded scenarios");
        let count = scenarios.len();
        let mut training = Training::new(scenarios, None, "trainee".to_owned());
        assert_eq!(training.on_action(Action::Bottom, key('G'), 10, false), TrainAsk::Nothing);
        assert_eq!(training.selected, count - 1);
        assert_eq!(training.on_action(Action::Open, key('\n'), 10, false), TrainAsk::Start(count - 1));
        assert_eq!(training.on_action(Action::Quit, key('q'), 10, false), TrainAsk::Quit);
        let scenario = training.scenarios[0].clone();
        training.drill = Some(Drill::new(scenario));
        // In a drill: the first q asks, the second leaves; the page keys move a shown diff.
        assert_eq!(training.on_action(Action::Quit, key('q'), 10, false), TrainAsk::ConfirmLeave);
        assert_eq!(training.on_action(Action::Quit, key('q'), 10, false), TrainAsk::Leave);
        assert_eq!(training.on_action(Action::PageDown, key('f'), 10, true), TrainAsk::PageDiff(true));
        assert_eq!(training.on_action(Action::PageDown, key('f'), 10, false), TrainAsk::Nothing);
        assert_eq!(training.scroll, 10);
    }
}
