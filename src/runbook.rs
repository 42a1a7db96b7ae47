//! The drift remediation runbook as a state machine (the seed's Part 5), shared by the TUI
//! and training drills: five steps — scope, inspect, ownership and cause, choose, verify and
//! prevent — each a checklist. Items kdrift can check are filled in with their evidence; the
//! rest wait for the responder's tick. The walk cannot end without a decision: step 4 only
//! advances once one of the five responses (or "leave as is") has been taken. Pure: no IO.

use crate::decision::{Decision, Subject, blast_radius};
use crate::model::{AppReport, Category, ManagerClass};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Scope,
    Inspect,
    Ownership,
    Choose,
    Verify,
}

pub(crate) const STEPS: [Step; 5] = [Step::Scope, Step::Inspect, Step::Ownership, Step::Choose, Step::Verify];

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Scope => "1 Acknowledge and scope",
            Step::Inspect => "2 Inspect the diff",
            Step::Ownership => "3 Ownership and cause",
            Step::Choose => "4 Choose the response",
            Step::Verify => "5 Verify and prevent recurrence",
        }
    }

    fn index(self) -> usize {
        STEPS.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// How an item is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// kdrift checked it and found it fine.
    Passed,
    /// kdrift checked it and found a warning sign (`!`): it blocks the walk until the
    /// responder acknowledges it.
    Warning { acknowledged: bool },
    /// The responder must look and tick it.
    Manual { ticked: bool },
}

#[derive(Debug, Clone)]
pub struct Item {
    pub text: String,
    /// What kdrift found, quoted under the item.
    pub evidence: Vec<String>,
    pub check: Check,
}

impl Item {
    fn checked(text: impl Into<String>, ok: bool, evidence: Vec<String>) -> Item {
        let check = if ok { Check::Passed } else { Check::Warning { acknowledged: false } };
        Item { text: text.into(), evidence, check }
    }

    fn manual(text: impl Into<String>) -> Item {
        Item { text: text.into(), evidence: Vec::new(), check: Check::Manual { ticked: false } }
    }

    pub fn settled(&self) -> bool {
        !matches!(self.check, Check::Manual { ticked: false } | Check::Warning { acknowledged: false })
    }
}

#[derive(Debug, Clone)]
pub struct Runbook {
    pub subject: Subject,
    pub step: Step,
    pub items: [Vec<Item>; 5],
    /// The engine's suggestion for the fields in scope.
    pub suggested: Decision,
    pub blast_radius: Option<String>,
    /// The decision taken, once its action finished (or was recorded).
    pub decided: Option<Decision>,
    /// Steps 1–3 were skipped on purpose, for this reason (recorded with the decision).
    pub skipped: Option<String>,
    /// Step 5 was closed: every step settled and the decision verified.
    pub closed: bool,
}

impl Runbook {
    pub fn new(subject: Subject, app: &AppReport) -> Runbook {
        let suggested = subject.findings.first().map_or(Decision::LeaveAsIs, |f| Decision::Act(f.response));
        let items = [scope(&subject, app), inspect(&subject), ownership(&subject), Vec::new(), verify_items(None)];
        let blast_radius = blast_radius(&subject);
        Runbook {
            subject,
            step: Step::Scope,
            items,
            suggested,
            blast_radius,
            decided: None,
            skipped: None,
            closed: false,
        }
    }

    pub fn items(&self) -> &[Item] {
        &self.items[self.step.index()]
    }

    /// The item a cursor should start on: the first one waiting for the responder.
    pub fn first_open(&self) -> usize {
        self.items().iter().position(|item| !item.settled()).unwrap_or(0)
    }

    /// What still keeps the current step open, or `None` when it can be left.
    pub fn blocker(&self) -> Option<String> {
        if self.step == Step::Choose && self.decided.is_none() {
            return Some(
                "take a decision: s sync · b backport · i ignore · p prune · e escalate · L leave as is".to_owned(),
            );
        }
        let open = self.items().iter().filter(|item| !item.settled()).count();
        (open > 0).then(|| format!("{open} item(s) to tick or acknowledge (space) before the next step"))
    }

    /// Whether a decision may be taken now: at step 4 (or after one, at step 5) once steps
    /// 1–3 are settled, or skipped on purpose with a reason.
    pub fn may_decide(&self) -> Result<(), String> {
        if self.step < Step::Choose {
            let open: usize = self.items[..Step::Choose.index()].iter().flatten().filter(|i| !i.settled()).count();
            return Err(format!(
                "decide at step 4: walk steps 1–3 first ({open} item(s) open; space ticks, Tab moves on), or :skip REASON to go there now (recorded)"
            ));
        }
        Ok(())
    }

    /// Goes to step 4 without settling steps 1–3: an explicit choice, recorded with its reason.
    pub fn skip(&mut self, reason: &str) {
        if self.step < Step::Choose {
            self.skipped = Some(reason.to_owned());
            self.step = Step::Choose;
        }
    }

    /// Whether the walk can be closed: at step 5, decided, every item there settled.
    pub fn can_close(&self) -> bool {
        self.step == Step::Verify && self.decided.is_some() && self.items().iter().all(Item::settled)
    }

    /// Closes the walk (once its closing is recorded); returns whether it closed.
    pub fn close(&mut self) -> bool {
        self.closed = self.closed || self.can_close();
        self.closed
    }

    /// Moves to the next step when the current one is settled; returns whether it moved.
    pub fn advance(&mut self) -> bool {
        if self.blocker().is_some() {
            return false;
        }
        match STEPS.get(self.step.index() + 1) {
            Some(next) => {
                self.step = *next;
                true
            }
            None => false,
        }
    }

    pub fn back(&mut self) {
        if let Some(previous) = self.step.index().checked_sub(1) {
            self.step = STEPS[previous];
        }
    }

    /// Ticks (or unticks) a manual item of the current step; acknowledges (or takes back)
    /// a warning sign.
    pub fn toggle(&mut self, index: usize) {
        let step = self.step.index();
        if let Some(Check::Manual { ticked: flag } | Check::Warning { acknowledged: flag }) =
            self.items[step].get_mut(index).map(|item| &mut item.check)
        {
            *flag = !*flag;
        }
    }

    /// The decision has been carried out (or recorded): its verification fills step 5;
    /// `verified` says whether the result is what the decision promised.
    pub fn decided(&mut self, decision: Decision, verification: &[String], verified: bool) {
        self.decided = Some(decision);
        self.closed = false;
        self.items[Step::Verify.index()] = verify_items(Some((decision, verification, verified)));
        self.step = Step::Verify;
    }

    /// Closed at step 5: decided, verified, every item settled.
    pub fn is_complete(&self) -> bool {
        self.closed && self.decided.is_some() && self.items.iter().flatten().all(Item::settled)
    }
}

fn field_line(subject: &Subject) -> String {
    let fields = subject.fields();
    if fields.is_empty() { "the whole object".to_owned() } else { fields.join(", ") }
}

fn scope(subject: &Subject, app: &AppReport) -> Vec<Item> {
    let key = subject.key();
    let mut items = vec![Item::checked(
        "Identify the app, namespace, resource and field",
        true,
        vec![
            format!("app {} · namespace {} · {} {}", subject.app, subject.namespace, key.kind, key.name),
            format!("field: {}", field_line(subject)),
        ],
    )];
    match &app.controller {
        Some(controller) => items.push(Item::checked(
            "Health is judged apart from sync status",
            controller.health.as_deref().is_none_or(|h| h == "Healthy"),
            vec![format!(
                "{}: sync {}, health {}",
                controller.kind,
                controller.sync.as_deref().unwrap_or("unknown"),
                controller.health.as_deref().unwrap_or("not reported")
            )],
        )),
        None if subject.health.is_some() => {}
        None => items.push(Item::manual(
            "Check the workload's health apart from sync status (no controller status in this source)",
        )),
    }
    if let Some(health) = &subject.health {
        // The pods' own state, and what the cluster warned about: not a box to tick.
        let mut evidence = vec![health.summary()];
        let warnings = subject.resource.events.iter().filter(|e| e.kind == "Warning");
        let clean = crate::sanitize::clean_line;
        evidence.extend(warnings.map(|e| format!("warning {} ×{}: {}", clean(&e.reason), e.count, clean(&e.message))));
        evidence.extend(health.warnings.iter().map(|(pod, e)| {
            format!("warning {} ×{} on pod {}: {}", clean(&e.reason), e.count, clean(pod), clean(&e.message))
        }));
        items.push(Item::checked(
            "The workload's pods are healthy, whatever the sync status",
            health.healthy(),
            evidence,
        ));
    }
    let availability: Vec<String> =
        app.findings.iter().filter(|f| f.category == Category::SyncAvailability).map(|f| f.reason.clone()).collect();
    items.push(if availability.is_empty() {
        Item::checked(
            "The GitOps controller is healthy enough to trust the drift status",
            true,
            vec!["no fetch, render or apply failure reported".to_owned()],
        )
    } else {
        Item::checked("The GitOps controller is healthy enough to trust the drift status", false, availability)
    });
    items
}

fn inspect(subject: &Subject) -> Vec<Item> {
    let resource = &subject.resource;
    let harmful = resource.findings.iter().filter(|f| f.needs_action()).count();
    let expected = resource.findings.len() - harmful;
    let mut items = vec![
        Item::checked(
            "Normalize runtime-only fields (status, uid, resourceVersion, timestamps)",
            true,
            vec!["done by kdrift before comparing; quantities compared by value".to_owned()],
        ),
        Item::checked(
            "Read the remaining diff",
            harmful == 0,
            vec![format!("{harmful} difference(s) need action, {expected} expected or ignored on {}", subject.key())],
        ),
    ];
    let rules: Vec<String> = resource
        .findings
        .iter()
        .filter_map(|f| f.ignored_by.as_ref().map(|r| format!("{} hidden by {r}", f.display_path)))
        .collect();
    items.push(Item::checked(
        "Compare against the expected-drift inventory (ignore rules)",
        true,
        if rules.is_empty() { vec!["no ignore rule covers the fields in scope".to_owned()] } else { rules },
    ));
    items
}

fn ownership(subject: &Subject) -> Vec<Item> {
    let mut items = Vec::new();
    let owners: Vec<String> = subject
        .findings
        .iter()
        .map(|f| match &f.owner {
            Some(o) => format!(
                "{}: {} ({}) {} {}",
                f.display_path,
                crate::report::actors::who(o),
                o.class.as_str(),
                o.operation.as_deref().unwrap_or(""),
                o.time.as_deref().unwrap_or("time not recorded")
            ),
            None => format!("{}: no manager recorded", f.display_path),
        })
        .collect();
    let human = subject
        .findings
        .iter()
        .any(|f| f.owner.as_ref().is_some_and(|o| matches!(o.class, ManagerClass::Human | ManagerClass::Unknown)));
    items.push(Item::checked("Who set the live value (managedFields)", !human, owners));
    let people = crate::report::actors::people(&subject.findings, subject.audit_log.as_ref(), human);
    if !people.is_empty() {
        items.push(Item::checked("Who made the change (the API server's audit log)", true, people));
    }
    let delegated: Vec<String> = subject
        .resource
        .findings
        .iter()
        .filter_map(|f| {
            f.owner
                .as_ref()
                .filter(|o| matches!(o.class, ManagerClass::Controller | ManagerClass::Webhook))
                .map(|o| format!("{} by {} ({})", f.display_path, o.manager, o.class.as_str()))
        })
        .collect();
    items.push(Item::checked(
        "HPA, VPA, operator or webhook ownership",
        true,
        if delegated.is_empty() {
            vec!["no controller or webhook owns a drifted field here".to_owned()]
        } else {
            delegated
        },
    ));
    let events: Vec<String> = subject
        .resource
        .events
        .iter()
        .map(|e| format!("{} {}: {} (×{})", e.kind, e.reason, e.message, e.count))
        .collect();
    items.push(Item::checked(
        "Kubernetes events for direct writes or failures",
        subject.resource.events.iter().all(|e| e.kind != "Warning"),
        if events.is_empty() { vec!["no events recorded for this object".to_owned()] } else { events },
    ));
    let blame: Vec<String> = subject
        .findings
        .iter()
        .filter_map(|f| {
            f.git_commit.as_ref().map(|c| {
                format!(
                    "Git last changed {} in {} by {} ({}): {}",
                    f.display_path,
                    &c.id[..c.id.len().min(7)],
                    c.author,
                    c.time,
                    c.summary
                )
            })
        })
        .collect();
    if !blame.is_empty() {
        items.push(Item::checked("Git history of the desired value", true, blame));
    }
    items.push(Item::manual("Check recent incidents and changes for emergency patches never backported"));
    items
}

fn verify_items(outcome: Option<(Decision, &[String], bool)>) -> Vec<Item> {
    let mut items = Vec::new();
    if let Some((decision, verification, ok)) = outcome {
        items.push(Item::checked(format!("The {} result is verified", decision.as_str()), ok, verification.to_vec()));
    }
    items.push(Item::manual("Workload health, error rate, latency and saturation stay acceptable"));
    items.push(Item::manual(
        "Record whether RBAC, webhook defaults, prune policy or break-glass need improvement (w writes the controls)",
    ));
    items
}
