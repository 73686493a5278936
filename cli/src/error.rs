//! What goes wrong, as the one line the command prints before it exits non-zero.

use std::fmt;

#[derive(Debug)]
pub enum CliError {
    /// No URL or key, or a malformed one.
    Config(String),
    /// The API could not be reached.
    Unreachable(String),
    /// The API answered with an error envelope.
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// Anything else the command cannot go on from (a bad argument, a local file).
    Other(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(m) => write!(f, "configuration: {m}"),
            Self::Unreachable(m) => write!(f, "the API is unreachable: {m}"),
            Self::Api {
                status,
                code,
                message,
            } => {
                let hint = match *status {
                    401 => " (check PAYRAIL_API_KEY: is the key revoked?)",
                    403 => " (the key lacks a permission this needs)",
                    _ => "",
                };
                write!(f, "the API answered {status} {code}: {message}{hint}")
            }
            Self::Other(m) => f.write_str(m),
        }
    }
}

impl CliError {
    /// The process's exit status: 2 for configuration, 3 the network, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) => 2,
            Self::Unreachable(_) => 3,
            _ => 1,
        }
    }
}
