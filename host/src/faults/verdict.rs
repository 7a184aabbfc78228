//! What each request was promised, and whether the answer kept it.

use std::time::Duration;

use super::cases::Case;
use super::raw_http::{Answer, Response};

/// What a request was promised.
#[derive(Debug)]
pub(super) enum Promise {
    /// 200 with exactly these bytes (none: the request was not valid).
    Bytes(Option<Vec<u8>>),
    /// This status and error kind (`"400 length-mismatch"`), within this
    /// time.
    Error(&'static str, Duration),
    /// The connection closed before this many answer bytes, within this
    /// time.
    Cut(usize, Duration),
    /// A 200 stream whose last line is this error kind after this many
    /// frames, within this time.
    LastLine(&'static str, u64, Duration),
    /// The server closed the connection while the client still wrote,
    /// within this time.
    WritesCut(Duration),
}

/// One request's outcome.
#[derive(Debug)]
pub(super) struct Verdict {
    pub case: Case,
    /// What came, as the report counts it: `"400 length-mismatch"`,
    /// `"200"`, `"200 line timeout after 1"`, `"cut"` or `"none"`.
    pub label: String,
    /// The answer's status, if one came.
    pub status: Option<u16>,
    /// Good cases: whether the answer was exactly core's.
    pub identical: Option<bool>,
    /// Bad cases: the promise, when it was not kept (or not in time).
    pub broken: Option<String>,
    /// How long the request took, ms.
    pub millis: f64,
}

impl Promise {
    /// Judges `answer` to `case`'s request, which took `took`.
    pub(super) fn judge(self, case: Case, answer: Answer, took: Duration) -> Verdict {
        let mut verdict = Verdict {
            case,
            label: String::new(),
            status: None,
            identical: None,
            broken: None,
            millis: took.as_secs_f64() * 1e3,
        };
        let Response { status, body } = match answer {
            Answer::Writes { cut } => {
                verdict.label = if cut { "cut" } else { "not cut" }.to_string();
                let kept = matches!(self, Promise::WritesCut(within) if cut && took <= within);
                verdict.broken = (!kept).then(|| "cut".to_string());
                return verdict;
            }
            Answer::Response(response) => response,
        };
        verdict.status = status;
        verdict.label = status_label(status, &body);
        let kept_in = |within: Duration, kept: bool| kept && took <= within;
        match self {
            Promise::Bytes(want) => {
                verdict.identical = Some(status == Some(200) && want.is_some_and(|w| w == body));
            }
            Promise::Error(promised, within) => {
                if !kept_in(within, verdict.label == promised) {
                    verdict.broken = Some(promised.to_string());
                }
            }
            Promise::LastLine(promised, frames, within) => {
                if let Some(line) = last_error_line(status, &body) {
                    verdict.label = line;
                }
                let want = format!("200 line {promised} after {frames}");
                if !kept_in(within, verdict.label == want) {
                    verdict.broken = Some(want);
                }
            }
            Promise::Cut(whole, within) => {
                // The head and part of the body came, then the end.
                let cut = status == Some(200) && body.len() < whole;
                if cut {
                    verdict.label = "cut".to_string();
                }
                if !kept_in(within, cut) {
                    verdict.broken = Some("cut".to_string());
                }
            }
            Promise::WritesCut(_) => verdict.broken = Some("cut".to_string()),
        }
        verdict
    }
}

/// `"400 length-mismatch"` for a JSON error, `"200"` otherwise, `"none"`
/// when no answer came.
fn status_label(status: Option<u16>, body: &[u8]) -> String {
    let Some(status) = status else {
        return "none".to_string();
    };
    let kind = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|json| Some(json["error"]["kind"].as_str()?.to_string()));
    match kind {
        Some(kind) => format!("{status} {kind}"),
        None => status.to_string(),
    }
}

/// `"200 line timeout after 1"` when a stream's last line is an error.
fn last_error_line(status: Option<u16>, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let last: serde_json::Value = serde_json::from_str(text.lines().last()?).ok()?;
    let error = last.get("error").filter(|e| e.is_object())?;
    Some(format!(
        "{} line {} after {}",
        status.unwrap_or(0),
        error["kind"].as_str().unwrap_or("?"),
        error["frames"]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Answer {
        Answer::Response(Response {
            status: Some(status),
            body: body.as_bytes().to_vec(),
        })
    }

    const SOON: Duration = Duration::from_millis(10);
    const LONG: Duration = Duration::from_secs(1);

    #[test]
    fn a_promise_is_kept_only_by_its_answer_in_time() {
        let error = r#"{"error":{"kind":"length-mismatch","message":"m"}}"#;
        let kept = Promise::Error("400 length-mismatch", LONG).judge(
            Case::WrongLength,
            response(400, error),
            SOON,
        );
        assert_eq!(
            (kept.label.as_str(), kept.broken),
            ("400 length-mismatch", None)
        );
        let late = Promise::Error("400 length-mismatch", SOON).judge(
            Case::WrongLength,
            response(400, error),
            LONG,
        );
        assert_eq!(late.broken.as_deref(), Some("400 length-mismatch"));
        let other = Promise::Error("408 timeout", LONG).judge(
            Case::StalledBody,
            response(400, error),
            SOON,
        );
        assert_eq!(
            (other.label.as_str(), other.broken.as_deref()),
            ("400 length-mismatch", Some("408 timeout"))
        );
        let none = Promise::Error("408 timeout", LONG).judge(
            Case::StalledBody,
            Answer::Response(Response::default()),
            SOON,
        );
        assert_eq!(none.label, "none");
    }

    #[test]
    fn bytes_lines_and_cuts_are_told_apart() {
        let same = Promise::Bytes(Some(b"abc".to_vec())).judge(
            Case::GoodAdjust,
            response(200, "abc"),
            SOON,
        );
        assert_eq!((same.identical, same.broken), (Some(true), None));
        let differ = Promise::Bytes(Some(b"abc".to_vec())).judge(
            Case::GoodAdjust,
            response(200, "abd"),
            SOON,
        );
        assert_eq!(differ.identical, Some(false));
        let stream = "{\"version\":1}\n{\"index\":0}\n{\"error\":{\"kind\":\"timeout\",\"message\":\"m\",\"frames\":1}}\n";
        let line = Promise::LastLine("timeout", 1, LONG).judge(
            Case::StreamStalled,
            response(200, stream),
            SOON,
        );
        assert_eq!(
            (line.label.as_str(), line.broken),
            ("200 line timeout after 1", None)
        );
        let ended = Promise::LastLine("timeout", 1, LONG).judge(
            Case::StreamStalled,
            response(200, "{\"index\":0}\n"),
            SOON,
        );
        assert_eq!(
            (ended.label.as_str(), ended.broken.as_deref()),
            ("200", Some("200 line timeout after 1"))
        );
        let cut = Promise::Cut(10, LONG).judge(Case::NeverRead, response(200, "abc"), SOON);
        assert_eq!((cut.label.as_str(), cut.broken), ("cut", None));
        let whole = Promise::Cut(3, LONG).judge(Case::NeverRead, response(200, "abc"), SOON);
        assert_eq!(
            (whole.label.as_str(), whole.broken.as_deref()),
            ("200", Some("cut"))
        );
        let writes = Promise::WritesCut(LONG).judge(
            Case::StreamNeverRead,
            Answer::Writes { cut: true },
            SOON,
        );
        assert_eq!((writes.label.as_str(), writes.broken), ("cut", None));
        let not = Promise::WritesCut(LONG).judge(
            Case::StreamNeverRead,
            Answer::Writes { cut: false },
            SOON,
        );
        assert_eq!(
            (not.label.as_str(), not.broken.as_deref()),
            ("not cut", Some("cut"))
        );
    }
}
