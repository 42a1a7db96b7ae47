//! The whole-value panel over the diff (`v`): the focused line's path in both spellings, its
//! complete desired and live values wrapped, who set the live one, and its finding — and the
//! copy choices (`1`–`5`): live value, Git value, display path, JSON pointer, the narrowest
//! ignore rule. Copying goes to the terminal's clipboard with OSC 52 (through SSH and tmux);
//! what is copied is what the screen shows, secrets masked.

use crate::tui::app::App;
use crate::tui::focus::{self, Focused, SideValue};
use crossterm::event::{KeyCode, KeyEvent};

/// The open panel: how far it is scrolled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValuePanel {
    pub scroll: usize,
}

/// What the panel shows: the focused line of the aligned view, or a raw line.
#[derive(Debug, Clone)]
pub(crate) enum Shown {
    Line(Box<Focused>),
    Raw(SideValue),
}

/// One copy choice: its key, what it is, and the text copied.
pub(crate) struct Choice {
    pub key: char,
    pub label: &'static str,
    pub text: String,
}

impl App {
    /// What the panel shows now, if the cursor is on a line.
    pub(crate) fn panel_subject(&self) -> Option<Shown> {
        let diff = self.diff.as_ref()?;
        if diff.show_raw {
            return focus::raw_line(diff).map(Shown::Raw);
        }
        let resource = self.data.apps.get(diff.app).and_then(|a| a.report.resources.get(diff.resource));
        let paths =
            |f: usize| resource?.findings.get(f).map(|finding| (finding.path.clone(), finding.display_path.clone()));
        focus::focused(diff, paths).map(|f| Shown::Line(Box::new(f)))
    }

    /// The copy choices the focused line offers.
    pub(crate) fn copy_choices(&self) -> Vec<Choice> {
        let choice = |key, label, text: String| Choice { key, label, text };
        match self.panel_subject() {
            Some(Shown::Raw(line)) => vec![choice('1', "line", line.text())],
            Some(Shown::Line(focused)) => {
                let mut choices = Vec::new();
                choices.extend(focused.live.as_ref().map(|v| choice('1', "live", v.text())));
                choices.extend(focused.desired.as_ref().map(|v| choice('2', "Git", v.text())));
                choices.push(choice('3', "path", focused.display_path.clone()));
                choices.push(choice('4', "pointer", focused.pointer.clone()));
                choices.extend(self.ignore_rule(&focused).map(|rule| choice('5', "rule", rule)));
                choices
            }
            None => Vec::new(),
        }
    }

    /// The narrowest ignore rule for the line's finding, as an `ignoreDifferences` list item.
    fn ignore_rule(&self, focused: &Focused) -> Option<String> {
        let diff = self.diff.as_ref()?;
        let resource = self.data.apps.get(diff.app)?.report.resources.get(diff.resource)?;
        let finding = resource.findings.get(focused.finding?)?;
        let rule = crate::actions::ignore_rule::narrowest_rule(resource, finding);
        yaml_serde::to_string(&[rule]).ok().map(|text| text.trim_end().to_owned())
    }

    /// Opens the panel on the focused line (a fold has no value: the notice says so).
    pub(crate) fn open_value_panel(&mut self) {
        match self.panel_subject() {
            Some(_) => self.value_panel = Some(ValuePanel::default()),
            None => self.notice = Some(crate::tui::strings::NO_VALUE_HERE.to_owned()),
        }
    }

    /// A key while the panel is open: scroll, copy, or close.
    pub(crate) fn value_panel_key(&mut self, key: KeyEvent) {
        let Some(panel) = &mut self.value_panel else { return };
        let page = usize::from(self.size.1).saturating_sub(8).max(1);
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => panel.scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => panel.scroll = panel.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => panel.scroll += page,
            KeyCode::PageUp => panel.scroll = panel.scroll.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => panel.scroll = 0,
            KeyCode::Char(digit @ '1'..='9') => self.copy(digit),
            _ => self.value_panel = None,
        }
        // Never past the last row, so k answers at once after a long j.
        let size = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
        let last =
            crate::tui::views::value::content(self).map_or(0, |lines| crate::tui::views::value::layout(size, &lines).1);
        if let Some(panel) = &mut self.value_panel {
            panel.scroll = panel.scroll.min(last);
        }
    }

    /// Puts choice `key` on the clipboard (the event loop writes it to the terminal).
    fn copy(&mut self, key: char) {
        let Some(choice) = self.copy_choices().into_iter().find(|c| c.key == key) else {
            self.notice = Some(format!("nothing to copy under {key} on this line"));
            return;
        };
        let shown = crate::tui::focus::around(choice.text.lines().next().unwrap_or_default(), 0, 40);
        self.notice = Some(format!("copied {} (OSC 52): {shown}", choice.label));
        self.clipboard = Some(choice.text);
    }
}
