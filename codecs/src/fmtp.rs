//! The generic `a=fmtp` parameter list: `name=value` pairs separated by `;`
//! (RFC 4855 media type parameters). Names compare case-insensitively;
//! whitespace around pairs is ignored, because endpoints put it everywhere.

/// Parsed parameters, in their original order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FmtpParams(Vec<(String, String)>);

impl FmtpParams {
    /// Parse a parameter string. Pairs without `=` are kept with an empty
    /// value (telephone-event's `0-15` is a bare value, for example).
    pub fn parse(s: &str) -> FmtpParams {
        FmtpParams(
            s.split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
                    None => (p.to_string(), String::new()),
                })
                .collect(),
        )
    }

    pub fn new() -> FmtpParams {
        FmtpParams(Vec::new())
    }

    /// The value of the first parameter of that name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A numeric parameter; `Err` with the raw text when it is not a number.
    pub fn get_u32(&self, name: &str) -> Result<Option<u32>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{name}={v} is not a number")),
        }
    }

    /// A boolean flag written as `1`/`0`.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name) == Some("1")
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn push(&mut self, name: impl Into<String>, value: impl ToString) {
        self.0.push((name.into(), value.to_string()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for FmtpParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            if v.is_empty() {
                f.write_str(k)?;
            } else {
                write!(f, "{k}={v}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_stray_whitespace_and_case() {
        let p = FmtpParams::parse(" Profile-Level-Id=42e01f ; packetization-mode = 1;;sprop-parameter-sets=Z0LAH9oBQBbpUgAAAwACAAADAGQeMGVA,aM4xsg==");
        assert_eq!(p.get("profile-level-id"), Some("42e01f"));
        assert_eq!(p.get_u32("PACKETIZATION-MODE"), Ok(Some(1)));
        assert_eq!(
            p.get("sprop-parameter-sets"),
            Some("Z0LAH9oBQBbpUgAAAwACAAADAGQeMGVA,aM4xsg==")
        );
        assert_eq!(p.get("max-fs"), None);
        assert!(p.get_u32("profile-level-id").is_err());
    }

    #[test]
    fn bare_values_and_display() {
        let p = FmtpParams::parse("0-15");
        assert_eq!(p.get("0-15"), Some(""));
        assert_eq!(p.to_string(), "0-15");
        let mut q = FmtpParams::new();
        q.push("minptime", 10);
        q.push("useinbandfec", 1);
        assert_eq!(q.to_string(), "minptime=10;useinbandfec=1");
        assert!(FmtpParams::parse(" ; ").is_empty());
    }
}
