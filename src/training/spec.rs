//! The drill a scenario adds to its sample cluster: the `drill:` key of `scenario.yaml` as
//! typed data (briefing, predict questions, the expected classification and owner of each
//! finding, the expected decisions with their accepted alternatives and consequences, the
//! verification question, the debrief). Unknown keys are refused by name.

use crate::decision::Decision;
use crate::model::Category;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `scenario.yaml` as training reads it: only the drill (the sample module has checked the rest).
#[derive(Deserialize)]
struct WithDrill {
    #[serde(default)]
    drill: Option<DrillSpec>,
}

/// The `drill:` key of a scenario file; a malformed drill names its line and column.
pub fn parse_drill(scenario_yaml: &str) -> Result<Option<DrillSpec>, String> {
    yaml_serde::from_str::<WithDrill>(scenario_yaml)
        .map(|with| with.drill)
        .map_err(|error| format!("scenario.yaml: {error}"))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillSpec {
    pub difficulty: Difficulty,
    /// One line: what the drill teaches (shown by `train --list` and the picker).
    pub teaches: String,
    /// The seed situation it practises ("quiz 1: HPA replicas").
    #[serde(default)]
    pub situation: String,
    /// The alert as the on-call engineer gets it.
    pub briefing: String,
    /// "Pause and predict": asked before the diff is revealed.
    #[serde(default)]
    pub predict: Vec<Question>,
    /// The expected classification (and owner) of every finding the engine reports.
    pub findings: Vec<FindingAnswer>,
    /// The decisions to take, one runbook walk each.
    pub decide: Vec<DecisionAnswer>,
    /// How to tell the correction worked.
    pub verify: Question,
    /// What to remember, shown with the score.
    pub debrief: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Difficulty {
    Beginner,
    Intermediate,
    Advanced,
}

impl Difficulty {
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Beginner => "beginner",
            Difficulty::Intermediate => "intermediate",
            Difficulty::Advanced => "advanced",
        }
    }
}

/// The four skills a drill scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Skill {
    Classification,
    Ownership,
    Response,
    Verification,
}

pub const SKILLS: [Skill; 4] = [Skill::Classification, Skill::Ownership, Skill::Response, Skill::Verification];

impl Skill {
    pub fn as_str(self) -> &'static str {
        match self {
            Skill::Classification => "classification",
            Skill::Ownership => "ownership",
            Skill::Response => "response",
            Skill::Verification => "verification",
        }
    }
}

/// A multiple-choice question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub question: String,
    pub choices: Vec<String>,
    /// The right choice, counted from 1.
    pub answer: usize,
    /// The skill it scores (default: response for predictions, verification for `verify`).
    #[serde(default)]
    pub skill: Option<Skill>,
    pub explanation: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingAnswer {
    /// `KIND/NAMESPACE/NAME`, `KIND/NAME` (the app's namespace), or `app` for an app-level
    /// finding (the controller's own state).
    pub resource: String,
    /// JSON pointer of the field (empty: the whole object, or an app-level finding).
    #[serde(default)]
    pub field: String,
    /// desired-config, runtime-metadata, controller-managed, orphan, missing, sync-availability.
    pub category: Category,
    /// The manager managedFields credit with the live value; absent: no ownership question.
    #[serde(default)]
    pub owner: Option<String>,
    pub explanation: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionAnswer {
    pub resource: String,
    /// The field the runbook opens on (default: every finding of the resource needing action).
    #[serde(default)]
    pub field: Option<String>,
    /// sync, backport, ignore, prune, escalate or leave-as-is.
    pub expected: Decision,
    /// Other decisions that are also right.
    #[serde(default)]
    pub accepted: Vec<Decision>,
    pub explanation: String,
    /// What happens when the trainee takes a decision, by decision name.
    #[serde(default)]
    pub consequences: BTreeMap<Decision, String>,
}

pub const CATEGORY_NAMES: [&str; 6] =
    ["desired-config", "runtime-metadata", "controller-managed", "orphan", "missing", "sync-availability"];

/// Checks what needs no engine: answers in range, names that exist, text present. Each
/// problem names its key (`drill.predict[1].answer`).
pub fn check_shape(drill: &DrillSpec) -> Vec<String> {
    let mut problems = Vec::new();
    let mut text = |key: String, value: &str| {
        if value.trim().is_empty() {
            problems.push(format!("{key}: must not be empty"));
        }
    };
    text("drill.teaches".to_owned(), &drill.teaches);
    text("drill.briefing".to_owned(), &drill.briefing);
    text("drill.debrief".to_owned(), &drill.debrief);
    for (index, question) in drill.predict.iter().enumerate() {
        check_question(&format!("drill.predict[{index}]"), question, &mut problems);
    }
    check_question("drill.verify", &drill.verify, &mut problems);
    if drill.findings.is_empty() {
        problems.push("drill.findings: list at least one finding to classify".to_owned());
    }
    for (index, finding) in drill.findings.iter().enumerate() {
        let key = format!("drill.findings[{index}]");
        if finding.explanation.trim().is_empty() {
            problems.push(format!("{key}.explanation: must not be empty"));
        }
    }
    if drill.decide.is_empty() {
        problems.push("drill.decide: list at least one decision to take".to_owned());
    }
    for (index, decision) in drill.decide.iter().enumerate() {
        let key = format!("drill.decide[{index}]");
        if decision.resource == "app" {
            problems.push(format!("{key}.resource: a decision is taken on a resource, not on 'app'"));
        }
        if decision.explanation.trim().is_empty() {
            problems.push(format!("{key}.explanation: must not be empty"));
        }
    }
    problems
}

fn check_question(key: &str, question: &Question, problems: &mut Vec<String>) {
    if question.question.trim().is_empty() {
        problems.push(format!("{key}.question: must not be empty"));
    }
    if question.choices.len() < 2 || question.choices.len() > 9 {
        problems.push(format!("{key}.choices: give 2 to 9 choices (has {})", question.choices.len()));
    }
    if question.answer == 0 || question.answer > question.choices.len() {
        problems.push(format!(
            "{key}.answer: {} is not a choice (counted from 1, {} choice(s))",
            question.answer,
            question.choices.len()
        ));
    }
    if question.explanation.trim().is_empty() {
        problems.push(format!("{key}.explanation: must not be empty"));
    }
}
