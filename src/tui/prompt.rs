//! The prompt under the screen: `/` filters the list as it is typed (in the diff, searches
//! it on Enter), `:` takes a command (run from the table in `commands`).

use crate::tui::app::{App, Effect};
use crate::tui::keys::Screen;
use crate::tui::lists::ListScreen;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Command,
    /// Text to find in the diff (run on Enter).
    Search,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

impl App {
    /// The list the filter prompt works on: the resources on their screen, else the apps.
    pub(crate) fn filtered_list(&mut self) -> &mut ListScreen {
        match self.screen {
            Screen::Resources => &mut self.resources,
            _ => &mut self.apps,
        }
    }

    pub(crate) fn prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(prompt) = &mut self.prompt else { return Vec::new() };
        match key.code {
            KeyCode::Esc => {
                if prompt.kind == PromptKind::Filter {
                    // Only a filter that was set moves the selection (the list it indexed changes).
                    if !self.filtered_list().filter.is_empty() {
                        self.filtered_list().filter_by(String::new());
                    }
                }
                self.prompt = None;
            }
            KeyCode::Enter => {
                let Some(prompt) = self.prompt.take() else { return Vec::new() };
                match prompt.kind {
                    PromptKind::Command => return self.run_command(prompt.text.trim()),
                    PromptKind::Search => self.search_diff(&prompt.text),
                    PromptKind::Filter => {}
                }
            }
            KeyCode::Backspace => {
                prompt.text.pop();
            }
            KeyCode::Char(c) => prompt.text.push(c),
            _ => {}
        }
        // A filter applies as it is typed, and selection starts over.
        if let Some(Prompt { kind: PromptKind::Filter, text }) = &self.prompt {
            let text = text.clone();
            self.filtered_list().filter_by(text);
        }
        Vec::new()
    }

    /// Runs a diff search; an empty query clears it, a query with no match says so.
    fn search_diff(&mut self, query: &str) {
        let height = self.body_height();
        let Some(diff) = &mut self.diff else { return };
        if !diff.search(query, height) && !query.is_empty() {
            self.notice = Some(format!("no match for '{}'", crate::sanitize::clean_line(query)));
        }
    }
}
