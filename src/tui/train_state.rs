//! Training in the TUI: the scenarios offered by the picker, the drill being played
//! (`crate::training::drill`), who is training and where their results are recorded.

use crate::training::drill::Drill;
use crate::training::scenario::Scenario;
use std::path::PathBuf;

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
