//! Which pull request a Railway environment is the preview of: its name
//! read back through the name pattern of each template of the project
//! (`{template}-{number}` makes `pr-123` of template `pr`).

use crate::model::Project;

/// The name patterns of a project's templates, split around `{number}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreviewNames(Vec<(String, String)>);

impl PreviewNames {
    /// The patterns of `project`'s templates.
    pub fn of(project: &Project) -> PreviewNames {
        let mut patterns = Vec::new();
        for template in project.templates() {
            let settings = template.preview.clone().unwrap_or_default();
            let pattern = settings.name_pattern.replace("{template}", &template.name);
            if let Some((prefix, suffix)) = pattern.split_once("{number}") {
                patterns.push((prefix.to_owned(), suffix.to_owned()));
            }
        }
        PreviewNames(patterns)
    }

    /// Patterns given as `(prefix, suffix)` around the number.
    pub fn new(patterns: Vec<(String, String)>) -> PreviewNames {
        PreviewNames(patterns)
    }

    /// Whether the project has no template.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pull request number `environment` is the preview of, if it is
    /// one.
    pub fn number_of(&self, environment: &str) -> Option<u64> {
        self.0.iter().find_map(|(prefix, suffix)| {
            let digits = environment.strip_prefix(prefix.as_str())?;
            let digits = digits.strip_suffix(suffix.as_str())?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_back_through_the_patterns() {
        let names = PreviewNames::new(vec![
            ("pr-".into(), String::new()),
            ("review-".into(), "-app".into()),
        ]);
        assert_eq!(names.number_of("pr-123"), Some(123));
        assert_eq!(names.number_of("review-7-app"), Some(7));
        assert_eq!(names.number_of("pr-"), None);
        assert_eq!(names.number_of("pr-12a"), None);
        assert_eq!(names.number_of("production"), None);
        assert_eq!(names.number_of("pr-+1"), None);
    }
}
