use super::*;

/// Each `Config` path a setting sends is named in its documented Railway
/// keys (so hover and the docs say where a value goes).
#[test]
fn railway_paths_are_documented() {
    for s in SETTINGS {
        for f in s.fields.iter().filter(|f| f.railway == Railway::Config) {
            let last = f.path.rsplit('.').next().unwrap_or(f.path);
            assert!(
                s.railway.contains(last),
                "`{}`: `{}` not in {:?}",
                s.name,
                f.path,
                s.railway
            );
        }
    }
}

/// A generic setting stores its argument then each property: one field
/// each.
#[test]
fn generic_settings_have_a_field_per_value() {
    for s in SETTINGS.iter().filter(|s| s.read == Read::Generic) {
        let args = usize::from(s.args.ty().is_some());
        assert_eq!(
            s.fields.len(),
            args + s.props.len(),
            "`{}`: fields do not match its argument and properties",
            s.name
        );
    }
}

/// Names are unique, and every key a setting lists is stored by a field.
#[test]
fn names_unique_and_keys_stored() {
    for (i, s) in SETTINGS.iter().enumerate() {
        assert!(
            !SETTINGS[..i].iter().any(|t| t.name == s.name),
            "`{}` twice",
            s.name
        );
        for key in s.keys() {
            assert!(field(key).is_some(), "{key:?}");
        }
    }
}
