//! Reading samples out of the Prometheus text exposition format.

/// One sample line: `name{k="v",...} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// Every sample in `text`; comments and lines that do not parse are skipped.
pub fn samples(text: &str) -> Vec<Sample> {
    text.lines().filter_map(parse_line).collect()
}

/// The value of the sample `name` whose labels include all of `labels`
/// (other labels may be present). With several matches, their sum: asking
/// for `diemcau_calls` with no labels gives the total over rooms.
pub fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = samples(text)
        .into_iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
        })
        .map(|s| s.value)
        .collect();
    (!matching.is_empty()).then(|| matching.iter().sum())
}

fn parse_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (name, labels, rest) = match line.find('{') {
        Some(open) => {
            let close = open + line[open..].find('}')?;
            (
                &line[..open],
                parse_labels(&line[open + 1..close])?,
                &line[close + 1..],
            )
        }
        None => {
            let (name, rest) = line.split_once(char::is_whitespace)?;
            (name, Vec::new(), rest)
        }
    };
    // A timestamp may follow the value.
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some(Sample {
        name: name.trim().to_owned(),
        labels,
        value,
    })
}

/// `k="v",k2="v2"` with `\"`, `\\` and `\n` escapes in values.
fn parse_labels(s: &str) -> Option<Vec<(String, String)>> {
    let mut labels = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(labels);
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if chars.next() != Some('"') {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                c => value.push(c),
            }
        }
        labels.push((key.trim().to_owned(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP diemcau_calls Calls currently in rooms
# TYPE diemcau_calls gauge
diemcau_calls{protocol="sip",room="1000"} 2
diemcau_calls{protocol="h323",room="1000"} 1
diemcau_calls{protocol="sip",room="2000"} 4
diemcau_auth_failures_total 3
diemcau_odd{name="a \"quoted\" \\ value, with comma"} 1.5 1700000000000
bad line here
"#;

    #[test]
    fn finds_by_name_and_label_subset() {
        assert_eq!(value(TEXT, "diemcau_auth_failures_total", &[]), Some(3.0));
        assert_eq!(
            value(
                TEXT,
                "diemcau_calls",
                &[("protocol", "sip"), ("room", "1000")]
            ),
            Some(2.0)
        );
        assert_eq!(value(TEXT, "diemcau_calls", &[("room", "1000")]), Some(3.0));
        assert_eq!(value(TEXT, "diemcau_calls", &[]), Some(7.0));
        assert_eq!(value(TEXT, "diemcau_calls", &[("room", "3000")]), None);
        assert_eq!(value(TEXT, "diemcau_missing", &[]), None);
    }

    #[test]
    fn handles_escapes_and_timestamps() {
        assert_eq!(
            value(
                TEXT,
                "diemcau_odd",
                &[("name", r#"a "quoted" \ value, with comma"#)]
            ),
            Some(1.5)
        );
        assert_eq!(samples(TEXT).len(), 5);
    }
}
