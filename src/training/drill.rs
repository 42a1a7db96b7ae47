//! A drill in progress, as a pure state machine: briefing, "pause and predict" questions
//! (asked before the diff is revealed), the classification and owner of each finding, one
//! runbook walk per decision, the verification question, and the debrief. Every answer is
//! kept with its right answer and the scenario's explanation; the score is counted per skill.

use crate::decision::Decision;
use crate::training::scenario::Scenario;
use crate::training::spec::{CATEGORY_NAMES, Question, SKILLS, Skill};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Briefing,
    Predict(usize),
    /// The category of `drill.findings[i]`.
    Category(usize),
    /// Who set the live value of `drill.findings[i]`.
    Owner(usize),
    /// The runbook walk for `drill.decide[i]`.
    Decide(usize),
    Verify,
    Debrief,
}

/// One answer, judged. Records keep everything but the scenario's own texts.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Answer {
    pub skill: Skill,
    /// Where in the drill: "predict 1", "category Deployment/prod/orders-api /spec/replicas".
    pub step: String,
    pub question: String,
    pub given: String,
    pub expected: String,
    pub correct: bool,
    #[serde(skip)]
    pub explanation: String,
    /// What the decision did to the simulated sample (decisions only).
    #[serde(skip)]
    pub consequences: Vec<String>,
}

/// Right and total answers of one skill.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Tally {
    pub right: usize,
    pub total: usize,
}

impl Tally {
    /// The share right, rounded to the nearest whole percent (2 of 3 is 67%, not 66%).
    pub fn percent(self) -> Option<usize> {
        (self.total > 0).then(|| rounded_percent(self.right, self.total))
    }
}

/// `part` of `whole` in percent, rounded half up; 0 of nothing is 0.
pub fn rounded_percent(part: usize, whole: usize) -> usize {
    (part * 200 + whole).checked_div(whole * 2).unwrap_or(0)
}

/// A drill passes when every decision was right and at least this share of all answers.
pub const PASS_PERCENT: usize = 70;

#[derive(Debug, Clone)]
pub struct Drill {
    pub scenario: Scenario,
    pub stage: Stage,
    pub answers: Vec<Answer>,
    /// The current stage's answer, shown as feedback until the trainee moves on.
    pub feedback: Option<Answer>,
    /// The highlighted choice: none until the trainee picks one, so an Enter meant for
    /// something else never answers a question unseen.
    pub selected: Option<usize>,
}

impl Drill {
    pub fn new(scenario: Scenario) -> Drill {
        Drill { scenario, stage: Stage::Briefing, answers: Vec::new(), feedback: None, selected: None }
    }

    /// The question of a multiple-choice stage (not the briefing, a decision or the debrief).
    pub fn question(&self) -> Option<String> {
        let drill = &self.scenario.drill;
        Some(match self.stage {
            Stage::Predict(i) => drill.predict.get(i)?.question.clone(),
            Stage::Category(i) => format!("How do you classify {}?", self.finding_label(i)),
            Stage::Owner(i) => format!("Who set the live value of {}?", self.finding_label(i)),
            Stage::Verify => drill.verify.question.clone(),
            Stage::Briefing | Stage::Decide(_) | Stage::Debrief => return None,
        })
    }

    pub fn choices(&self) -> Vec<String> {
        let drill = &self.scenario.drill;
        match self.stage {
            Stage::Predict(i) => drill.predict.get(i).map(|q| q.choices.clone()).unwrap_or_default(),
            Stage::Category(_) => CATEGORY_NAMES.iter().map(|c| (*c).to_owned()).collect(),
            Stage::Owner(i) => self.scenario.targets.get(i).map(|t| t.owner_choices.clone()).unwrap_or_default(),
            Stage::Verify => drill.verify.choices.clone(),
            Stage::Briefing | Stage::Decide(_) | Stage::Debrief => Vec::new(),
        }
    }

    /// "spec.replicas on Deployment prod/orders-api".
    pub fn finding_label(&self, index: usize) -> String {
        let Some(target) = self.scenario.targets.get(index) else { return String::new() };
        match &target.resource {
            Some(key) if target.finding.display_path.is_empty() => format!("{key} (the whole object)"),
            Some(key) => format!("{} on {key}", target.finding.display_path),
            None => "the controller's own state (shown above)".to_owned(),
        }
    }

    /// Picks choice `index` (from 0) of the current question; a stage is answered once.
    pub fn answer(&mut self, index: usize) {
        if self.feedback.is_some() {
            return;
        }
        let choices = self.choices();
        let Some(given) = choices.get(index).cloned() else { return };
        self.selected = Some(index);
        let drill = &self.scenario.drill;
        let judged = |skill: Skill, step: String, question: &Question| {
            let expected = question.choices.get(question.answer.saturating_sub(1)).cloned().unwrap_or_default();
            Answer {
                skill: question.skill.unwrap_or(skill),
                step,
                question: question.question.clone(),
                correct: index + 1 == question.answer,
                given: given.clone(),
                expected,
                explanation: question.explanation.clone(),
                consequences: Vec::new(),
            }
        };
        let answer = match self.stage {
            Stage::Predict(i) => match drill.predict.get(i) {
                Some(question) => judged(Skill::Response, format!("predict {}", i + 1), question),
                None => return,
            },
            Stage::Verify => judged(Skill::Verification, "verify".to_owned(), &drill.verify),
            Stage::Category(i) | Stage::Owner(i) => {
                let Some(expected) = drill.findings.get(i) else { return };
                let (skill, what, right) = match self.stage {
                    Stage::Category(_) => (Skill::Classification, "category", expected.category.as_str().to_owned()),
                    _ => (Skill::Ownership, "owner", expected.owner.clone().unwrap_or_default()),
                };
                Answer {
                    skill,
                    step: format!("{what} {}", self.finding_step(i)),
                    question: self.question().unwrap_or_default(),
                    correct: given == right,
                    given,
                    expected: right,
                    explanation: expected.explanation.clone(),
                    consequences: Vec::new(),
                }
            }
            Stage::Briefing | Stage::Decide(_) | Stage::Debrief => return,
        };
        self.feedback = Some(answer);
    }

    fn finding_step(&self, index: usize) -> String {
        let Some(target) = self.scenario.targets.get(index) else { return String::new() };
        match &target.resource {
            Some(key) => {
                format!("{}/{}/{} {}", key.kind, key.namespace, key.name, target.finding.path).trim().to_owned()
            }
            None => format!("app {}", target.finding.category.as_str()),
        }
    }

    /// The decision taken at the current runbook walk, with what it did to the simulation.
    pub fn decide(&mut self, decision: Decision, consequences: Vec<String>) {
        let Stage::Decide(i) = self.stage else { return };
        if self.feedback.is_some() {
            return;
        }
        let Some(expected) = self.scenario.drill.decide.get(i) else { return };
        let given = decision.name();
        let correct = expected.expected == decision || expected.accepted.contains(&decision);
        let mut right = expected.expected.name().to_owned();
        for accepted in &expected.accepted {
            right.push_str(" or ");
            right.push_str(accepted.name());
        }
        self.feedback = Some(Answer {
            skill: Skill::Response,
            step: format!("decide {}", expected.resource),
            question: format!("Which response for {}?", expected.resource),
            given: given.to_owned(),
            expected: right,
            correct,
            explanation: expected.explanation.clone(),
            consequences,
        });
    }

    /// Moves past an answered stage (or the briefing); returns whether it moved.
    pub fn move_on(&mut self) -> bool {
        if self.stage == Stage::Debrief {
            return false;
        }
        if self.stage != Stage::Briefing {
            match self.feedback.take() {
                Some(answer) => self.answers.push(answer),
                None => return false,
            }
        }
        self.stage = self.after(self.stage);
        self.selected = None;
        true
    }

    fn after(&self, stage: Stage) -> Stage {
        let drill = &self.scenario.drill;
        let first_finding = || if drill.findings.is_empty() { Stage::Decide(0) } else { Stage::Category(0) };
        match stage {
            Stage::Briefing if drill.predict.is_empty() => first_finding(),
            Stage::Briefing => Stage::Predict(0),
            Stage::Predict(i) if i + 1 < drill.predict.len() => Stage::Predict(i + 1),
            Stage::Predict(_) => first_finding(),
            Stage::Category(i) if drill.findings.get(i).is_some_and(|f| f.owner.is_some()) => Stage::Owner(i),
            Stage::Category(i) | Stage::Owner(i) if i + 1 < drill.findings.len() => Stage::Category(i + 1),
            Stage::Category(_) | Stage::Owner(_) => Stage::Decide(0),
            Stage::Decide(i) if i + 1 < drill.decide.len() => Stage::Decide(i + 1),
            Stage::Decide(_) => Stage::Verify,
            Stage::Verify | Stage::Debrief => Stage::Debrief,
        }
    }

    /// The diff is revealed once the predictions are in.
    pub fn revealed(&self) -> bool {
        !matches!(self.stage, Stage::Briefing | Stage::Predict(_))
    }

    pub fn score(&self) -> Score {
        Score::of(&self.answers)
    }
}

/// The score per skill and overall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Score {
    pub classification: Tally,
    pub ownership: Tally,
    pub response: Tally,
    pub verification: Tally,
    pub total: Tally,
    /// Every decision right and at least `PASS_PERCENT` of all answers.
    pub passed: bool,
}

impl Score {
    pub fn of(answers: &[Answer]) -> Score {
        let tally = |skill: Option<Skill>| {
            let counted = answers.iter().filter(|a| skill.is_none_or(|s| a.skill == s));
            counted.fold(Tally::default(), |t, a| Tally { right: t.right + usize::from(a.correct), total: t.total + 1 })
        };
        let total = tally(None);
        let decisions_right = answers.iter().filter(|a| a.step.starts_with("decide ")).all(|a| a.correct);
        Score {
            classification: tally(Some(Skill::Classification)),
            ownership: tally(Some(Skill::Ownership)),
            response: tally(Some(Skill::Response)),
            verification: tally(Some(Skill::Verification)),
            total,
            passed: decisions_right && total.right * 100 >= PASS_PERCENT * total.total.max(1),
        }
    }

    pub fn skill(&self, skill: Skill) -> Tally {
        match skill {
            Skill::Classification => self.classification,
            Skill::Ownership => self.ownership,
            Skill::Response => self.response,
            Skill::Verification => self.verification,
        }
    }

    /// "classification 3/4 · ownership 2/2 · response 1/2 · verification 1/1".
    pub fn line(&self) -> String {
        SKILLS
            .iter()
            .map(|s| {
                let t = self.skill(*s);
                format!("{} {}/{}", s.as_str(), t.right, t.total)
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Response;
    use crate::training::scenario;

    fn hpa() -> Drill {
        Drill::new(scenario::load("hpa-replicas").expect("embedded"))
    }

    #[test]
    fn a_stage_is_left_only_once_answered_and_an_answer_is_final() {
        let mut drill = hpa();
        assert!(drill.move_on(), "the briefing needs no answer");
        assert_eq!(drill.stage, Stage::Predict(0));
        assert!(!drill.move_on(), "a question must be answered first");
        drill.answer(0);
        drill.answer(1);
        let feedback = drill.feedback.clone().expect("answered");
        assert!(!feedback.correct && feedback.given.starts_with("Yes"), "the first answer stands: {feedback:?}");
        drill.answer(42);
        assert!(drill.move_on());
        assert_eq!(drill.stage, Stage::Predict(1));
        assert_eq!(drill.answers.len(), 1);
    }

    #[test]
    fn decisions_accept_the_alternatives_and_must_all_be_right_to_pass() {
        let answers = |decision_right: bool, others_right: usize| {
            let mut answers: Vec<Answer> = (0..5)
                .map(|i| Answer {
                    skill: Skill::Classification,
                    step: format!("category {i}"),
                    question: String::new(),
                    given: String::new(),
                    expected: String::new(),
                    correct: i < others_right,
                    explanation: String::new(),
                    consequences: Vec::new(),
                })
                .collect();
            answers.push(Answer {
                skill: Skill::Response,
                step: "decide x".to_owned(),
                correct: decision_right,
                ..answers[0].clone()
            });
            Score::of(&answers)
        };
        assert!(answers(true, 4).passed, "5 of 6 with the decision right");
        assert!(!answers(false, 5).passed, "a wrong decision fails whatever the rest");
        assert!(!answers(true, 2).passed, "3 of 6 is under the pass mark");
        assert_eq!(answers(true, 4).line(), "classification 4/5 · ownership 0/0 · response 1/1 · verification 0/0");

        let mut drill = Drill::new(scenario::load("memory-hotfix").expect("embedded"));
        drill.stage = Stage::Decide(0);
        drill.decide(Decision::Act(Response::Escalate), Vec::new());
        let feedback = drill.feedback.expect("decided");
        assert!(feedback.correct, "escalate is an accepted alternative");
        assert_eq!(feedback.expected, "backport or escalate");
    }
}
