//! Training mode (`kdrift train`): drills on the embedded sample clusters. A scenario adds a
//! drill to its sample (`spec`), loads and is checked against the engine (`scenario`), is
//! played as a pure state machine with scoring (`drill`) whose decisions are simulated in
//! memory (`simulate`), and its results are recorded and summarized for instructors (`record`).

pub mod drill;
pub mod record;
pub mod scenario;
pub mod simulate;
pub mod spec;
