//! Query-string parameters: parsed strictly, so that a typo is a 400 and
//! not a silently ignored setting.

use std::collections::BTreeMap;
use std::str::FromStr;

use ghostlines_core::GreyMethod;

use crate::respond::HttpError;

/// The parameters of one request, each a known name given at most once.
pub struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    /// Parses `query` (`a=1&b=2`, percent-encoded), accepting only `allowed`
    /// names, each once.
    pub fn parse(query: &str, allowed: &[&str]) -> Result<Params, HttpError> {
        let mut values = BTreeMap::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name)?;
            let value = decode(value)?;
            if !allowed.contains(&name.as_str()) {
                return Err(HttpError::invalid_parameter(format!(
                    "unknown parameter {name:?}; this route takes {}",
                    allowed.join(", ")
                )));
            }
            if values.insert(name.clone(), value).is_some() {
                return Err(HttpError::invalid_parameter(format!(
                    "parameter {name:?} is given twice"
                )));
            }
        }
        Ok(Params { values })
    }

    /// Whether `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The value of `name`, parsed; `None` when it was not given.
    pub fn optional<T: FromStr>(&self, name: &str) -> Result<Option<T>, HttpError> {
        self.values
            .get(name)
            .map(|v| {
                v.parse::<T>().map_err(|_| {
                    HttpError::invalid_parameter(format!(
                        "parameter {name}={v:?} is not a valid {}",
                        kind_of::<T>()
                    ))
                })
            })
            .transpose()
    }

    /// The grey method given as `method`, `max-rgb` when none is.
    pub fn grey_method(&self) -> Result<GreyMethod, HttpError> {
        match self.values.get("method") {
            None => Ok(GreyMethod::default()),
            Some(name) => GreyMethod::from_name(name).map_err(HttpError::from),
        }
    }

    /// The value of `name`, parsed; missing is an error.
    pub fn required<T: FromStr>(&self, name: &str) -> Result<T, HttpError> {
        self.optional(name)?
            .ok_or_else(|| HttpError::invalid_parameter(format!("missing parameter {name:?}")))
    }
}

fn kind_of<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    if name.ends_with("f64") {
        "number"
    } else {
        "integer in range"
    }
}

/// Percent-decoding, with `+` as a space (form encoding).
fn decode(s: &str) -> Result<String, HttpError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        HttpError::invalid_parameter(format!("bad percent-encoding in {s:?}"))
                    })?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map_err(|_| HttpError::invalid_parameter(format!("query {s:?} is not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_parameters() {
        let p = Params::parse(
            "width=3&height=%35&method=max-rgb",
            &["width", "height", "method"],
        )
        .unwrap();
        assert_eq!(p.required::<u32>("width").unwrap(), 3);
        assert_eq!(p.required::<u32>("height").unwrap(), 5);
        assert_eq!(p.optional::<f64>("threshold").unwrap(), None);
        assert!(p.has("method"));
    }

    #[test]
    fn refuses_unknown_repeated_and_malformed() {
        let kind = |r: Result<Params, HttpError>| r.err().map(|e| e.kind);
        assert_eq!(
            kind(Params::parse("widht=3", &["width"])),
            Some("invalid-parameter")
        );
        assert_eq!(
            kind(Params::parse("width=3&width=4", &["width"])),
            Some("invalid-parameter")
        );
        assert_eq!(
            kind(Params::parse("width=%zz", &["width"])),
            Some("invalid-parameter")
        );
        let p = Params::parse("width=-3", &["width"]).unwrap();
        assert_eq!(
            p.required::<u32>("width").unwrap_err().kind,
            "invalid-parameter"
        );
        assert_eq!(
            p.required::<u32>("height").unwrap_err().kind,
            "invalid-parameter"
        );
    }
}
