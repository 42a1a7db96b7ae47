//! kdrift: a terminal drift investigator for GitOps-managed Kubernetes.
//!
//! Data flows one way (DESIGN §2): `sources` load desired and live objects, the pure `engine`
//! turns them into a `model::DriftReport`, and `report` renders it for people and machines;
//! `tui` is the interactive investigator over the same sources and engine.

#![forbid(unsafe_code)]
// `pub` means part of the library (what tests, benches and the binary use); everything else is
// `pub(crate)`, and this lint keeps it so.
#![warn(unreachable_pub)]

pub(crate) mod actions;
pub mod cli;
pub(crate) mod clock;
pub(crate) mod config;
pub mod decision;
pub mod engine;
pub mod investigate;
pub(crate) mod limits;
pub mod model;
pub(crate) mod report;
pub(crate) mod runbook;
pub mod sanitize;
pub mod serve;
pub mod sources;
pub mod theme;
pub mod training;
pub mod tui;
