//! A trainee's results as JSON (`kdrift train --record FILE`), and the instructor's summary
//! of many such files (`kdrift train --report DIR`): per scenario, the success rate, the
//! score per skill and the most common wrong answer. A record file collects every run of a
//! session; an existing file is appended to, never overwritten.

use crate::training::drill::{Answer, Drill, Score, Tally};
use crate::training::spec::SKILLS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordFile {
    pub version: u32,
    pub runs: Vec<Run>,
}

/// One scenario played to the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub trainee: String,
    pub scenario: String,
    pub title: String,
    /// RFC 3339, when the debrief was reached.
    pub finished_at: String,
    /// From the briefing to the debrief.
    pub seconds: i64,
    pub answers: Vec<Answer>,
    pub score: Score,
}

impl Run {
    /// The run of `drill`, started and finished at these Unix times.
    pub fn of(drill: &Drill, trainee: &str, started: i64, finished: i64) -> Run {
        Run {
            trainee: trainee.to_owned(),
            scenario: drill.scenario.name.clone(),
            title: drill.scenario.title.clone(),
            finished_at: crate::engine::time::format_rfc3339(finished),
            seconds: finished - started,
            answers: drill.answers.clone(),
            score: drill.score(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot read '{}': {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write '{}': {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("'{}' is not a kdrift training record ({problem}); nothing was written to it", path.display())]
    NotARecord { path: PathBuf, problem: String },
    #[error("'{}' holds no training records (*.json written by `kdrift train --record`)", path.display())]
    Empty { path: PathBuf },
}

/// Reads a record file.
pub fn read(path: &Path) -> Result<RecordFile, RecordError> {
    let text = crate::sources::bounded::read_text(path)
        .map_err(|source| RecordError::Read { path: path.to_owned(), source })?;
    let not_a_record = |problem: String| RecordError::NotARecord { path: path.to_owned(), problem };
    let file: RecordFile = serde_json::from_str(&text).map_err(|e| not_a_record(e.to_string()))?;
    if file.version != RECORD_VERSION {
        return Err(not_a_record(format!("version {} (this kdrift writes {RECORD_VERSION})", file.version)));
    }
    Ok(file)
}

/// Adds `run` to the record file at `path` (created when missing), through a temporary file
/// so an interrupted write never leaves half a record.
pub fn append(path: &Path, run: Run) -> Result<(), RecordError> {
    let mut file = if path.exists() { read(path)? } else { RecordFile { version: RECORD_VERSION, runs: Vec::new() } };
    file.runs.push(run);
    let write = |source| RecordError::Write { path: path.to_owned(), source };
    let text = serde_json::to_string_pretty(&file).map_err(|e| write(std::io::Error::other(e)))?;
    let temporary = path.with_extension("json.partial");
    std::fs::write(&temporary, format!("{text}\n")).map_err(write)?;
    std::fs::rename(&temporary, path).map_err(write)
}

/// Per scenario: what a class did.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioSummary {
    pub scenario: String,
    pub runs: usize,
    pub passed: usize,
    /// Percent of runs passed.
    pub success_rate: usize,
    pub skills: BTreeMap<&'static str, Tally>,
    pub total: Tally,
    /// The median time from briefing to debrief.
    pub median_seconds: i64,
    /// The wrong answer given most often: where, what, and how many runs gave it.
    pub most_common_wrong: Option<WrongAnswer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WrongAnswer {
    pub step: String,
    pub given: String,
    pub expected: String,
    pub runs: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub files: usize,
    pub trainees: Vec<TraineeSummary>,
    pub scenarios: Vec<ScenarioSummary>,
    /// Files that were not records, with why (they are left out, not fatal).
    pub skipped: Vec<String>,
}

/// Per trainee: what they played and what is left to pass.
#[derive(Debug, Clone, Serialize)]
pub struct TraineeSummary {
    pub trainee: String,
    pub runs: usize,
    pub passed: usize,
    pub total: Tally,
    /// Scenarios whose latest run did not pass.
    pub not_passed: Vec<String>,
}

/// Summarizes every `*.json` record file in `dir`.
pub fn summarize(dir: &Path) -> Result<Summary, RecordError> {
    let entries = std::fs::read_dir(dir).map_err(|source| RecordError::Read { path: dir.to_owned(), source })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    let mut files = 0;
    for path in &paths {
        match read(path) {
            Ok(file) => {
                files += 1;
                runs.extend(file.runs);
            }
            Err(error) => skipped.push(error.to_string()),
        }
    }
    if runs.is_empty() {
        return Err(RecordError::Empty { path: dir.to_owned() });
    }
    let mut by_trainee: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
    for run in &runs {
        by_trainee.entry(run.trainee.as_str()).or_default().push(run);
    }
    let trainees = by_trainee.into_iter().map(|(name, runs)| trainee_summary(name, &runs)).collect();
    let mut by_scenario: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
    for run in &runs {
        by_scenario.entry(run.scenario.as_str()).or_default().push(run);
    }
    let scenarios = by_scenario.into_iter().map(|(name, runs)| scenario_summary(name, &runs)).collect();
    Ok(Summary { files, trainees, scenarios, skipped })
}

fn trainee_summary(name: &str, runs: &[&Run]) -> TraineeSummary {
    let total = runs.iter().fold(Tally::default(), |t, r| add(t, r.score.total));
    // The latest run of each scenario decides whether it still needs work.
    let mut latest: BTreeMap<&str, &Run> = BTreeMap::new();
    for run in runs {
        let slot = latest.entry(run.scenario.as_str()).or_insert(run);
        if run.finished_at >= slot.finished_at {
            *slot = run;
        }
    }
    TraineeSummary {
        trainee: name.to_owned(),
        runs: runs.len(),
        passed: runs.iter().filter(|r| r.score.passed).count(),
        total,
        not_passed: latest.into_iter().filter(|(_, r)| !r.score.passed).map(|(s, _)| s.to_owned()).collect(),
    }
}

fn add(a: Tally, b: Tally) -> Tally {
    Tally { right: a.right + b.right, total: a.total + b.total }
}

fn scenario_summary(name: &str, runs: &[&Run]) -> ScenarioSummary {
    let skills = SKILLS
        .iter()
        .map(|skill| (skill.as_str(), runs.iter().fold(Tally::default(), |t, r| add(t, r.score.skill(*skill)))))
        .collect();
    let total = runs.iter().fold(Tally::default(), |t, r| add(t, r.score.total));
    let passed = runs.iter().filter(|r| r.score.passed).count();
    // Counted once per run, so one trainee's repeated mistake is not a class trend.
    let mut wrong: BTreeMap<(&str, &str), (usize, &str)> = BTreeMap::new();
    for run in runs {
        let mut seen = Vec::new();
        for answer in run.answers.iter().filter(|a| !a.correct) {
            let key = (answer.step.as_str(), answer.given.as_str());
            if !seen.contains(&key) {
                seen.push(key);
                wrong.entry(key).or_insert((0, answer.expected.as_str())).0 += 1;
            }
        }
    }
    // Ties go to a wrong decision (the costliest mistake), then to the earliest step.
    let most_common_wrong = wrong
        .into_iter()
        .max_by(|(a_key, (a, _)), (b_key, (b, _))| {
            a.cmp(b).then(a_key.0.starts_with("decide ").cmp(&b_key.0.starts_with("decide "))).then(b_key.cmp(a_key))
        })
        .map(|((step, given), (count, expected))| WrongAnswer {
            step: step.to_owned(),
            given: given.to_owned(),
            expected: expected.to_owned(),
            runs: count,
        });
    let mut seconds: Vec<i64> = runs.iter().map(|r| r.seconds).collect();
    seconds.sort_unstable();
    ScenarioSummary {
        scenario: name.to_owned(),
        median_seconds: seconds.get(seconds.len() / 2).copied().unwrap_or_default(),
        runs: runs.len(),
        passed,
        success_rate: crate::training::drill::rounded_percent(passed, runs.len()),
        skills,
        total,
        most_common_wrong,
    }
}

/// The summary as a table for the terminal.
pub fn render(summary: &Summary, dir: &Path) -> String {
    let runs: usize = summary.scenarios.iter().map(|s| s.runs).sum();
    let mut out = format!(
        "Training report: {runs} run(s) by {} trainee(s) in {} record file(s) from {}\n\n",
        summary.trainees.len(),
        summary.files,
        dir.display()
    );
    let percent = |t: Tally| t.percent().map_or_else(|| "–".to_owned(), |p| format!("{p}%"));
    out.push_str(&format!(
        "{:<20} {:>4} {:>6} {:>7} {:>5} {:>14} {:>9} {:>8} {:>12} {:>7}\n",
        "SCENARIO",
        "RUNS",
        "PASSED",
        "SUCCESS",
        "SCORE",
        "CLASSIFICATION",
        "OWNERSHIP",
        "RESPONSE",
        "VERIFICATION",
        "TIME"
    ));
    for scenario in &summary.scenarios {
        let skill = |name: &str| scenario.skills.get(name).copied().map(percent).unwrap_or_default();
        out.push_str(&format!(
            "{:<20} {:>4} {:>6} {:>6}% {:>5} {:>14} {:>9} {:>8} {:>12} {:>7}\n",
            scenario.scenario,
            scenario.runs,
            scenario.passed,
            scenario.success_rate,
            percent(scenario.total),
            skill("classification"),
            skill("ownership"),
            skill("response"),
            skill("verification"),
            duration(scenario.median_seconds),
        ));
        match &scenario.most_common_wrong {
            Some(wrong) => out.push_str(&format!(
                "  most common wrong answer: {} → '{}' in {} of {} run(s) (right: {})\n",
                wrong.step, wrong.given, wrong.runs, scenario.runs, wrong.expected
            )),
            None => out.push_str("  no wrong answers\n"),
        }
    }
    out.push_str(&format!("\n{:<20} {:>4} {:>6} {:>5}  NOT PASSED YET\n", "TRAINEE", "RUNS", "PASSED", "SCORE"));
    for trainee in &summary.trainees {
        let pending = if trainee.not_passed.is_empty() { "–".to_owned() } else { trainee.not_passed.join(", ") };
        out.push_str(&format!(
            "{:<20} {:>4} {:>6} {:>5}  {pending}\n",
            trainee.trainee,
            trainee.runs,
            trainee.passed,
            percent(trainee.total)
        ));
    }
    for skipped in &summary.skipped {
        out.push_str(&format!("\nskipped: {skipped}"));
    }
    if !summary.skipped.is_empty() {
        out.push('\n');
    }
    out
}

/// "45s", "3m05s": the median time column.
fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s => format!("{}m{:02}s", s / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::spec::Skill;

    fn run(trainee: &str, wrong: &[(&str, &str)]) -> Run {
        let answers = wrong
            .iter()
            .map(|(step, given)| Answer {
                skill: Skill::Response,
                step: (*step).to_owned(),
                question: String::new(),
                given: (*given).to_owned(),
                expected: "right".to_owned(),
                correct: false,
                explanation: String::new(),
                consequences: Vec::new(),
            })
            .collect::<Vec<_>>();
        let score = Score {
            classification: Tally::default(),
            ownership: Tally::default(),
            response: Tally { right: 0, total: answers.len() },
            verification: Tally::default(),
            total: Tally { right: 0, total: answers.len() },
            passed: answers.is_empty(),
        };
        Run {
            trainee: trainee.to_owned(),
            scenario: "s".to_owned(),
            title: String::new(),
            finished_at: String::new(),
            seconds: 0,
            answers,
            score,
        }
    }

    #[test]
    fn the_most_common_wrong_answer_counts_runs_and_prefers_decisions_on_ties() {
        let runs = [
            run("a", &[("predict 1", "yes"), ("predict 1", "yes"), ("decide X", "sync")]),
            run("b", &[("predict 1", "yes"), ("decide X", "sync")]),
            run("c", &[]),
        ];
        let refs: Vec<&Run> = runs.iter().collect();
        let summary = scenario_summary("s", &refs);
        let wrong = summary.most_common_wrong.expect("wrong answers");
        assert_eq!((wrong.step.as_str(), wrong.given.as_str(), wrong.runs), ("decide X", "sync", 2));
        assert_eq!((summary.runs, summary.passed, summary.success_rate), (3, 1, 33));
        assert_eq!(crate::training::drill::rounded_percent(2, 3), 67, "rounded, not cut");
        assert_eq!(crate::training::drill::rounded_percent(1, 8), 13);
        assert_eq!(crate::training::drill::rounded_percent(0, 0), 0);
    }
}
