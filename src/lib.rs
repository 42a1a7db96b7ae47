//! kdrift: a terminal drift investigator for GitOps-managed Kubernetes.
//!
//! Data flows one way (DESIGN §2): `sources` load desired and live objects, the pure `engine`
//! turns them into a `model::DriftReport`, and `report` renders it for people and machines;
//! `tui` is the interactive investigator over the same sources and engine.

#![forbid(unsafe_code)]

pub mod actions;
pub mod cli;
pub mod clock;
pub mod config;
pub mod decision;
pub mod engine;
pub mod investigate;
pub mod limits;
pub mod model;
pub mod report;
pub mod runbook;
pub mod sanitize;
pub mod sources;
pub mod theme;
pub mod training;
pub mod tui;
