//! What a handler knows about its request, read once from the API Gateway event.

use std::sync::OnceLock;
use std::time::Instant;

use lambda_http::http::{HeaderMap, Method};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};

use crate::App;
use crate::auth::{self, Identity, MerchantCaller, Principal};
use crate::domain::Timestamp;
use crate::error::{ApiError, ErrorCode};
use crate::ids::PrefixedId;
use crate::input::{IdempotencyKey, ListParams};
use crate::keys::key::RateWindow;
use crate::two_step::{self, HubCheck};

/// API Gateway's payload limit is far larger; ours keeps a payment request small and cheap.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A header that is present but is not visible ASCII text (bytes beyond ASCII, or controls).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("header value is not visible ASCII text")]
pub struct UnreadableHeader {
    /// The value with invalid UTF-8 replaced (U+FFFD), for validators that report it.
    pub lossy: String,
}

pub struct RequestCtx {
    /// `METHOD /path/{param}` as declared in template.yaml; API Gateway names it per request.
    pub route: String,
    pub method: Method,
    pub path: String,
    pub request_id: String,
    pub headers: HeaderMap,
    query: lambda_http::aws_lambda_events::query_map::QueryMap,
    path_params: lambda_http::aws_lambda_events::query_map::QueryMap,
    body: Vec<u8>,
    pub started: Instant,
    /// The merchant key that authenticated this request, once known.
    caller: OnceLock<MerchantCaller>,
    /// Its rate-limit window, once counted.
    rate: OnceLock<RateWindow>,
    /// Set once the operator's admin token authenticated this request (for the audit log).
    admin: OnceLock<()>,
    /// The domain API Gateway received the request on (`requestContext.domainName`).
    gateway_domain: Option<String>,
    /// The client's address, as API Gateway saw it (`requestContext.http.sourceIp`).
    pub source_ip: Option<String>,
}

impl RequestCtx {
    pub fn new(req: Request) -> Self {
        let started = Instant::now();
        let (route, request_id, gateway_domain, source_ip) = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => (
                ctx.route_key.clone(),
                ctx.request_id.clone(),
                ctx.domain_name.clone(),
                ctx.http.source_ip.clone(),
            ),
            _ => (None, None, None, None),
        };
        let query = req.query_string_parameters();
        let path_params = req.path_parameters();
        let (parts, body) = req.into_parts();
        let route = route.unwrap_or_else(|| format!("{} {}", parts.method, parts.uri.path()));
        let body = match body {
            Body::Empty => Vec::new(),
            Body::Text(t) => t.into_bytes(),
            Body::Binary(b) => b,
            // The body enum may grow; an unknown kind carries nothing we can read.
            #[allow(unreachable_patterns)]
            _ => Vec::new(),
        };
        Self {
            route,
            method: parts.method,
            path: parts.uri.path().to_owned(),
            request_id: request_id
                .filter(|id| !id.is_empty())
                .unwrap_or_else(crate::ids::request_id),
            headers: parts.headers,
            query,
            path_params,
            body,
            started,
            caller: OnceLock::new(),
            rate: OnceLock::new(),
            admin: OnceLock::new(),
            gateway_domain: gateway_domain.filter(|d| !d.is_empty()),
            source_ip,
        }
    }

    pub(crate) fn note_caller(&self, caller: MerchantCaller, rate: RateWindow) {
        let _ = self.caller.set(caller);
        self.note_rate(rate);
    }

    pub(crate) fn note_rate(&self, rate: RateWindow) {
        let _ = self.rate.set(rate);
    }

    pub(crate) fn note_admin(&self) {
        let _ = self.admin.set(());
    }

    /// Whether the admin token authenticated this request.
    pub fn is_admin(&self) -> bool {
        self.admin.get().is_some()
    }

    pub fn caller(&self) -> Option<&MerchantCaller> {
        self.caller.get()
    }

    pub fn rate(&self) -> Option<&RateWindow> {
        self.rate.get()
    }

    /// The header as text; `None` when absent or not visible ASCII (see [`Self::header_text`]).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The header as text, `Ok(None)` when absent: for headers where a value that is not visible
    /// ASCII must be refused rather than taken for no header at all.
    pub fn header_text(&self, name: &str) -> Result<Option<&str>, UnreadableHeader> {
        match self.headers.get(name) {
            None => Ok(None),
            Some(value) => value.to_str().map(Some).map_err(|_| UnreadableHeader {
                lossy: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            }),
        }
    }

    /// The `Authorization: Bearer <token>` credential, if the header has that shape.
    pub fn bearer(&self) -> Result<&str, ApiError> {
        let raw = self.header("authorization").ok_or_else(|| {
            ApiError::Unauthorized(
                ErrorCode::CredentialMissing,
                "missing Authorization header".into(),
            )
        })?;
        let (scheme, token) = raw.trim().split_once(' ').ok_or_else(malformed_auth)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(malformed_auth());
        }
        Ok(token)
    }

    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params.first(name)
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.first(name)
    }

    /// The raw body, refused when it is over [`MAX_BODY_BYTES`].
    pub fn body(&self) -> Result<&[u8], ApiError> {
        if self.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        Ok(&self.body)
    }

    /// The media type of the body, lower-cased, without parameters.
    pub fn content_type(&self) -> Option<String> {
        let raw = self.header("content-type")?;
        let media = raw.split(';').next().unwrap_or_default().trim();
        Some(media.to_ascii_lowercase())
    }

    /// The body as a JSON object; 400 unless the content type is JSON and the body parses, and
    /// 422 naming each field this route does not know (see [`crate::input::fields`]).
    pub fn json_object(&self) -> Result<crate::input::JsonObject, ApiError> {
        let object = self.any_json_object()?;
        if let Some(known) = crate::input::fields::known(&self.route) {
            object.only(known)?;
        }
        Ok(object)
    }

    /// [`Self::json_object`] for a route whose fields are all optional: an empty body reads as
    /// `{}`.
    pub fn json_object_or_empty(&self) -> Result<crate::input::JsonObject, ApiError> {
        if self.body()?.iter().all(u8::is_ascii_whitespace) {
            Ok(crate::input::JsonObject::default())
        } else {
            self.json_object()
        }
    }

    /// The body as a JSON object, whatever fields it has: for the dialect routes, which accept
    /// what their gateway accepts.
    pub fn any_json_object(&self) -> Result<crate::input::JsonObject, ApiError> {
        let body = self.body()?;
        match self.content_type().as_deref() {
            Some("application/json") => {}
            Some(ct) if ct.starts_with("application/") && ct.ends_with("+json") => {}
            _ => {
                return Err(ApiError::bad_request(
                    ErrorCode::UnsupportedContentType,
                    "Content-Type must be application/json",
                ));
            }
        }
        crate::input::parse_json_object(body)
    }

    /// The request's `Idempotency-Key`, if it sent one; a header that is not visible ASCII is
    /// refused (400) rather than ignored, so two different requests are never both created.
    pub fn idempotency_key(&self) -> Result<Option<IdempotencyKey>, ApiError> {
        match self.header_text("idempotency-key") {
            Ok(raw) => raw.map(IdempotencyKey::parse),
            Err(unreadable) => Some(IdempotencyKey::parse(&unreadable.lossy)),
        }
        .transpose()
    }

    /// Authenticates the request's bearer credential and checks it may call the route.
    pub async fn authenticate(&self, app: &App) -> Result<Principal, ApiError> {
        self.authenticate_token(app, self.bearer()?).await
    }

    /// Authenticates a credential (an API key or the admin token) and checks it may call the
    /// request's route. The outcome is noted here, which adds the `X-RateLimit-*` headers and
    /// the access-log entry to the response.
    pub async fn authenticate_token(&self, app: &App, token: &str) -> Result<Principal, ApiError> {
        let principal = match auth::identify(app, token, self.source_ip.as_deref()).await? {
            Identity::Key(caller, window) => {
                self.note_caller(caller.clone(), window);
                Principal::Merchant(caller)
            }
            Identity::Admin => {
                self.note_admin();
                Principal::Admin
            }
            Identity::Limited(window) => {
                self.note_rate(window);
                return Err(ApiError::RateLimited {
                    retry_after: (window.reset - Timestamp::now().unix()).max(1) as u64,
                });
            }
        };
        auth::check_route(&self.route, &principal)?;
        Ok(principal)
    }

    /// What this request brings for the Developer Hub's second step: whether the Hub made it
    /// (`X-Payrail-Client: hub`), and its code (`X-Payrail-Otp`).
    pub fn hub_check(&self) -> HubCheck {
        let from_hub = self
            .header(two_step::CLIENT_HEADER)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(two_step::HUB));
        HubCheck::new(&self.route, from_hub, self.header(two_step::CODE_HEADER))
    }

    /// The list parameters (`limit`, `cursor`) of a list of `I`-identified items.
    pub fn list_params<I: PrefixedId>(&self) -> Result<ListParams<I>, ApiError> {
        ListParams::parse(self.query("limit"), self.query("cursor"))
    }

    /// The origin the client reached us on, for links back to this deployment; `None` when
    /// there is no valid host to name.
    ///
    /// The domain comes from API Gateway's request context: it is the domain the API was
    /// reached on (its execute-api domain or a custom domain mapped to it), which a client
    /// cannot choose. `Host` and `X-Forwarded-Host` are whatever the client sent, so `Host` is
    /// used only without a request context, and either way only a host name or IP address
    /// (with an optional port) is accepted.
    pub fn origin(&self) -> Option<String> {
        let raw = match &self.gateway_domain {
            Some(domain) => domain.as_str(),
            None => self.header("host")?,
        };
        let host = valid_authority(raw)?;
        let proto = self.header("x-forwarded-proto").unwrap_or("https");
        let proto = if proto.eq_ignore_ascii_case("http") {
            "http"
        } else {
            "https"
        };
        Some(format!("{proto}://{host}"))
    }
}

/// `host[:port]` normalised, if `raw` is a DNS host name, an IPv4 address or a bracketed IPv6
/// address, with an optional decimal port: nothing that could smuggle markup, a path or
/// credentials into a link.
fn valid_authority(raw: &str) -> Option<String> {
    let (host, port) = match raw.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (&raw[..v6.len() + 2], port)
        }
        None => match raw.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (raw, None),
        },
    };
    let bracketed = host.starts_with('[');
    if !bracketed
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return None;
    }
    let host = url::Host::parse(host).ok()?;
    if let url::Host::Domain(name) = &host
        && !is_dns_name(name)
    {
        return None;
    }
    match port {
        None => Some(host.to_string()),
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("{host}:{}", p.parse::<u16>().ok()?))
        }
        Some(_) => None,
    }
}

/// Dot-separated labels of letters, digits and inner hyphens, 1–63 characters each.
fn is_dns_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn malformed_auth() -> ApiError {
    ApiError::Unauthorized(
        ErrorCode::CredentialMissing,
        "Authorization header must be 'Bearer <credential>'".into(),
    )
}

#[cfg(test)]
mod tests {
    use lambda_http::http::HeaderValue;

    use super::*;

    #[test]
    fn host_names_and_addresses_with_ports_are_origins() {
        for (raw, want) in [
            (
                "abc123.execute-api.eu-west-1.amazonaws.com",
                "abc123.execute-api.eu-west-1.amazonaws.com",
            ),
            ("Pay.Example.COM", "pay.example.com"),
            ("127.0.0.1:3000", "127.0.0.1:3000"),
            ("[::1]:3000", "[::1]:3000"),
            ("localhost", "localhost"),
        ] {
            assert_eq!(valid_authority(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for raw in [
            "",
            "evil\"><script>alert(1)</script>",
            "a\"b.example",
            "user@evil.example",
            "evil.example/path",
            "evil.example:",
            "evil.example:+80",
            "evil.example:99999",
            "-evil.example",
            "evil..example",
            "ex%61mple.com",
            "[::1]x",
            "evil.example?q",
        ] {
            assert_eq!(valid_authority(raw), None, "{raw}");
        }
    }

    #[test]
    fn header_text_tells_an_absent_header_from_an_unreadable_one() {
        let req = lambda_http::http::Request::builder()
            .header(
                "idempotency-key",
                HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
            )
            .header("x-plain", "fine")
            .body(Body::Empty)
            .unwrap();
        let ctx = RequestCtx::new(req);
        assert_eq!(ctx.header("idempotency-key"), None);
        assert_eq!(
            ctx.header_text("idempotency-key"),
            Err(UnreadableHeader {
                lossy: "café".to_owned()
            })
        );
        assert_eq!(ctx.header_text("x-plain"), Ok(Some("fine")));
        assert_eq!(ctx.header_text("missing"), Ok(None));
    }
}
