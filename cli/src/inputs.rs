//! `--input source:key=value` arguments.

use rampart_core::{Request, Source};

/// One parsed `--input`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InputArg {
    pub source: Source,
    pub key: String,
    pub value: String,
}

/// Parses `source:key=value`; the source is optional (`key=value` is `other`), and the
/// value may contain `=` and `:`.
pub(crate) fn parse_input(arg: &str) -> Result<InputArg, String> {
    let (source, rest) = match arg.split_once(':') {
        Some((name, rest)) if Source::from_name(name).is_some() => {
            (Source::from_name(name).unwrap_or(Source::Other), rest)
        }
        _ => (Source::Other, arg),
    };
    let (key, value) =
        rest.split_once('=').ok_or_else(|| format!("--input `{arg}`: expected SOURCE:KEY=VALUE (e.g. query:q=1)"))?;
    Ok(InputArg { source, key: key.to_owned(), value: value.to_owned() })
}

pub(crate) fn fill(request: &mut Request, inputs: &[InputArg]) {
    for input in inputs {
        request.add_input(input.source, input.key.as_bytes(), input.value.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sources_keys_and_values() {
        let a = parse_input("body:email=' OR 1=1 -- =:").expect("valid");
        assert_eq!((a.source, a.key.as_str(), a.value.as_str()), (Source::Body, "email", "' OR 1=1 -- =:"));
        let b = parse_input("q=a:b").expect("valid");
        assert_eq!((b.source, b.key.as_str(), b.value.as_str()), (Source::Other, "q", "a:b"));
        let c = parse_input("http://x:y=z").expect("valid");
        assert_eq!((c.source, c.key.as_str()), (Source::Other, "http://x:y"));
        assert!(parse_input("query:novalue").is_err());
    }
}
