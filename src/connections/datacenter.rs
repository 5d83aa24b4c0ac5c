//! Zoho data centers: a lookup table, never string building (Canada's
//! accounts host is `accounts.zohocloud.ca`, AU is `.com.au`, CN `.com.cn`).

/// One Zoho data center.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataCenter {
    /// Short location code as Zoho's redirect reports it (`us`, `in`, ...).
    pub code: &'static str,
    /// Human name for messages.
    pub name: &'static str,
    /// Accounts server (token endpoint host), with scheme.
    pub accounts_url: &'static str,
    /// Default API domain (`api_domain` in token responses), with scheme.
    pub api_domain: &'static str,
    /// Registrable domain suffixes whose hosts belong to this DC.
    pub domains: &'static [&'static str],
}

impl DataCenter {
    /// `https://accounts.../oauth/v2/token`
    pub fn token_url(&self) -> String {
        format!("{}/oauth/v2/token", self.accounts_url)
    }
}

pub const DATACENTERS: &[DataCenter] = &[
    DataCenter {
        code: "us",
        name: "United States",
        accounts_url: "https://accounts.zoho.com",
        api_domain: "https://www.zohoapis.com",
        domains: &["zohoapis.com", "zoho.com"],
    },
    DataCenter {
        code: "eu",
        name: "Europe",
        accounts_url: "https://accounts.zoho.eu",
        api_domain: "https://www.zohoapis.eu",
        domains: &["zohoapis.eu", "zoho.eu"],
    },
    DataCenter {
        code: "in",
        name: "India",
        accounts_url: "https://accounts.zoho.in",
        api_domain: "https://www.zohoapis.in",
        domains: &["zohoapis.in", "zoho.in"],
    },
    DataCenter {
        code: "au",
        name: "Australia",
        accounts_url: "https://accounts.zoho.com.au",
        api_domain: "https://www.zohoapis.com.au",
        domains: &["zohoapis.com.au", "zoho.com.au"],
    },
    DataCenter {
        code: "jp",
        name: "Japan",
        accounts_url: "https://accounts.zoho.jp",
        api_domain: "https://www.zohoapis.jp",
        domains: &["zohoapis.jp", "zoho.jp"],
    },
    DataCenter {
        code: "ca",
        name: "Canada",
        accounts_url: "https://accounts.zohocloud.ca",
        api_domain: "https://www.zohoapis.ca",
        domains: &["zohoapis.ca", "zohocloud.ca", "zoho.ca"],
    },
    DataCenter {
        code: "sa",
        name: "Saudi Arabia",
        accounts_url: "https://accounts.zoho.sa",
        api_domain: "https://www.zohoapis.sa",
        domains: &["zohoapis.sa", "zoho.sa"],
    },
    DataCenter {
        code: "uk",
        name: "United Kingdom",
        accounts_url: "https://accounts.zoho.uk",
        api_domain: "https://www.zohoapis.uk",
        domains: &["zohoapis.uk", "zoho.uk"],
    },
    DataCenter {
        code: "cn",
        name: "China",
        accounts_url: "https://accounts.zoho.com.cn",
        api_domain: "https://www.zohoapis.com.cn",
        domains: &["zohoapis.com.cn", "zoho.com.cn"],
    },
];

/// Look a data center up by its code (case-insensitive). Also accepts the
/// common aliases `com` (us), `com.au` (au), `com.cn` (cn).
pub fn lookup(code: &str) -> Option<&'static DataCenter> {
    let c = code.trim().to_ascii_lowercase();
    let c = match c.as_str() {
        "com" => "us",
        "com.au" => "au",
        "com.cn" => "cn",
        other => other,
    };
    DATACENTERS.iter().find(|dc| dc.code == c)
}

/// All codes, for help messages.
pub fn codes() -> Vec<&'static str> {
    DATACENTERS.iter().map(|d| d.code).collect()
}

/// The data center a Zoho host belongs to (`www.zohoapis.in` → in,
/// `books.zoho.com` → us, `accounts.zohocloud.ca` → ca). `None` for
/// non-Zoho hosts.
pub fn of_host(host: &str) -> Option<&'static DataCenter> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    DATACENTERS.iter().find(|dc| {
        dc.domains.iter().any(|d| {
            host == *d
                || (host.len() > d.len()
                    && host.ends_with(d)
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_map_to_datacenters() {
        let dc = |h| of_host(h).map(|d| d.code);
        assert_eq!(dc("www.zohoapis.in"), Some("in"));
        assert_eq!(dc("www.zohoapis.com"), Some("us"));
        assert_eq!(dc("books.zoho.com"), Some("us"));
        assert_eq!(dc("books.zoho.com.au"), Some("au"));
        assert_eq!(dc("www.zohoapis.com.cn"), Some("cn"));
        assert_eq!(dc("accounts.zohocloud.ca"), Some("ca"));
        assert_eq!(dc("creator.zoho.eu"), Some("eu"));
        assert_eq!(dc("sandbox.zohoapis.jp"), Some("jp"));
        assert_eq!(dc("example.com"), None);
        assert_eq!(dc("notzoho.com"), None);
        assert_eq!(dc("zoho.community"), None);
    }

    #[test]
    fn canada_uses_zohocloud_accounts() {
        assert_eq!(
            lookup("ca").unwrap().token_url(),
            "https://accounts.zohocloud.ca/oauth/v2/token"
        );
        assert_eq!(
            lookup("IN").unwrap().accounts_url,
            "https://accounts.zoho.in"
        );
        assert!(lookup("xx").is_none());
    }
}
