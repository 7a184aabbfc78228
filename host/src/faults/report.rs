//! What a fault run saw, counted, and said for people.

use std::collections::BTreeMap;

use serde::Serialize;

use super::NEVER_READ_LOOK;
use super::cases::Case;
use super::verdict::Verdict;

/// How many broken promises the report spells out.
const BROKEN_SPELLED_OUT: usize = 10;

/// What a fault run saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FaultReport {
    /// Requests sent.
    pub sent: usize,
    /// Outcomes by case: `"400 length-mismatch"` (status and error kind),
    /// `"200"`, `"cut"` (the server closed the connection mid-answer) or
    /// `"none"` (no answer).
    pub statuses: BTreeMap<Case, BTreeMap<String, usize>>,
    /// Good requests answered 200 with exactly core's bytes.
    pub good_identical: usize,
    /// Good requests answered otherwise.
    pub good_wrong: usize,
    /// 5xx answers to bad input (must be 0).
    pub bad_5xx: usize,
    /// Bad requests whose outcome was not the promised one (must be 0).
    pub bad_wrong: usize,
    /// The first few broken promises, for people.
    pub broken: Vec<String>,
    /// Slowest good answer, ms (stalled uploads must not block them).
    pub good_max_ms: f64,
    /// The server's body deadline, ms, from `GET /`.
    pub body_timeout_ms: u64,
    /// The server's send deadline, ms, from `GET /`.
    pub send_timeout_ms: u64,
    /// Slowest 408 to a stalled upload, ms (it must come within the body
    /// deadline and a second).
    pub stall_max_ms: f64,
    /// The server's peak resident memory (VmHWM), MiB, if its pid was given.
    pub server_peak_rss_mib: Option<f64>,
    /// Whether `GET /` still answered 200 after the run.
    pub answering_after: bool,
    /// Wall time, s.
    pub seconds: f64,
}

impl FaultReport {
    /// Counts one request's verdict.
    pub(super) fn record(&mut self, verdict: Verdict) {
        self.sent += 1;
        *self
            .statuses
            .entry(verdict.case)
            .or_default()
            .entry(verdict.label.clone())
            .or_insert(0) += 1;
        match verdict.identical {
            Some(true) => {
                self.good_identical += 1;
                self.good_max_ms = self.good_max_ms.max(verdict.millis);
            }
            Some(false) => self.good_wrong += 1,
            None => {
                if verdict.status.is_some_and(|s| s >= 500) {
                    self.bad_5xx += 1;
                }
                if verdict.case == Case::StalledBody {
                    self.stall_max_ms = self.stall_max_ms.max(verdict.millis);
                }
            }
        }
        if let Some(promised) = verdict.broken {
            self.bad_wrong += 1;
            if self.broken.len() < BROKEN_SPELLED_OUT {
                self.broken.push(format!(
                    "{}: promised {promised}, got {} after {:.0} ms",
                    verdict.case.name(),
                    verdict.label,
                    verdict.millis
                ));
            }
        }
    }

    /// Lines for people.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{} requests in {:.1} s; good answers byte-identical to core: {} (wrong: {}), slowest {:.1} ms; bad requests answered otherwise than promised: {} (5xx: {})\n",
            self.sent,
            self.seconds,
            self.good_identical,
            self.good_wrong,
            self.good_max_ms,
            self.bad_wrong,
            self.bad_5xx
        );
        out.push_str(&format!(
            "stalled uploads answered within {:.0} ms (body deadline {} ms); unread answers checked for a cut {} ms after sending (send deadline {} ms)\n",
            self.stall_max_ms,
            self.body_timeout_ms,
            self.send_timeout_ms + NEVER_READ_LOOK.as_millis() as u64,
            self.send_timeout_ms
        ));
        for (case, statuses) in &self.statuses {
            let list: Vec<String> = statuses.iter().map(|(s, n)| format!("{n}x {s}")).collect();
            out.push_str(&format!("  {:<18} {}\n", case.name(), list.join(", ")));
        }
        for broken in &self.broken {
            out.push_str(&format!("  broken: {broken}\n"));
        }
        if let Some(mib) = self.server_peak_rss_mib {
            out.push_str(&format!("server peak RSS: {mib:.0} MiB\n"));
        }
        out.push_str(&format!(
            "server answering after the run: {}\n",
            if self.answering_after { "yes" } else { "NO" }
        ));
        out
    }

    /// Whether every promise held: good answers identical, every bad
    /// request answered exactly as promised and in time, the server still
    /// up.
    pub fn passed(&self) -> bool {
        self.good_wrong == 0 && self.bad_wrong == 0 && self.answering_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(case: Case, label: &str, identical: Option<bool>, broken: Option<&str>) -> Verdict {
        Verdict {
            case,
            label: label.to_string(),
            status: label.split(' ').next().and_then(|s| s.parse().ok()),
            identical,
            broken: broken.map(str::to_string),
            millis: 12.0,
        }
    }

    #[test]
    fn verdicts_are_counted_and_a_broken_promise_fails_the_run() {
        let mut report = FaultReport {
            answering_after: true,
            ..FaultReport::default()
        };
        report.record(verdict(Case::GoodAdjust, "200", Some(true), None));
        report.record(verdict(Case::StalledBody, "408 timeout", None, None));
        assert!(report.passed());
        assert_eq!(
            (report.sent, report.good_identical, report.stall_max_ms),
            (2, 1, 12.0)
        );
        report.record(verdict(
            Case::WrongLength,
            "500 internal",
            None,
            Some("400 length-mismatch"),
        ));
        assert!(!report.passed());
        assert_eq!((report.bad_5xx, report.bad_wrong), (1, 1));
        assert_eq!(
            report.broken,
            ["wrong-length: promised 400 length-mismatch, got 500 internal after 12 ms"]
        );
        assert!(
            report
                .summary()
                .contains("  wrong-length       1x 500 internal\n")
        );
    }
}
