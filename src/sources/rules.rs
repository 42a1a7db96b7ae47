//! Ignore-rule files given with `--ignore FILE` (or listed in the config): every document in
//! the file is read as one of the rule shapes `engine::ignore::parse` knows (an argocd-cm also
//! brings its compare options); anything else is an error naming the file and document.

use crate::engine::ignore::IgnoreRule;
use crate::engine::ignore::compare_options::CompareOptions;
use crate::engine::ignore::parse::{RuleError, rules_in};
use crate::sources::files::{self, LoadError};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(
        "{origin}: not an ignore rule source ({found}): expected an Argo CD Application, an argocd-cm ConfigMap, a Flux Kustomization or HelmRelease, or a YAML list of rules"
    )]
    NotRules { origin: String, found: String },
}

/// The rules of one file, and remarks for stderr (a file that holds no rule).
#[derive(Debug, Default)]
pub struct LoadedRules {
    pub rules: Vec<IgnoreRule>,
    pub warnings: Vec<String>,
    /// argocd-cm's `resource.compareoptions`, from the first file that sets them.
    pub compare_options: Option<CompareOptions>,
}

pub fn load_rule_files(paths: &[PathBuf]) -> Result<LoadedRules, RulesError> {
    let mut loaded = LoadedRules::default();
    for path in paths {
        let before = loaded.rules.len();
        let had_options = loaded.compare_options.is_some();
        load_rule_file(path, &mut loaded)?;
        if loaded.rules.len() == before && loaded.compare_options.is_some() == had_options {
            loaded.warnings.push(format!("{} holds no ignore rules", path.display()));
        }
    }
    Ok(loaded)
}

fn load_rule_file(path: &Path, loaded: &mut LoadedRules) -> Result<(), RulesError> {
    if !path.exists() {
        return Err(LoadError::NotFound { path: path.to_owned() }.into());
    }
    let text =
        crate::sources::bounded::read_text(path).map_err(|source| LoadError::Io { path: path.to_owned(), source })?;
    let documents = files::yaml_documents(&text).map_err(|problem| problem.at(path))?;
    let several = documents.len() > 1;
    for (number, document) in documents {
        let origin = if several { format!("{}#{number}", path.display()) } else { path.display().to_string() };
        match rules_in(&document, &origin)? {
            Some(parsed) => {
                loaded.rules.extend(parsed.rules);
                loaded.warnings.extend(parsed.notes);
                if loaded.compare_options.is_none() {
                    loaded.compare_options = parsed.compare_options;
                }
            }
            None => {
                let found = document.get("kind").and_then(Value::as_str).unwrap_or("no kind").to_owned();
                return Err(RulesError::NotRules { origin, found });
            }
        }
    }
    Ok(())
}
