//! The codes of two-step verification: an authenticator's RFC 6238 codes (SHA-1, 6 digits, 30 s
//! steps, one step either side for clock drift) and single-use recovery codes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::crypto::hex;

/// 160 bits, the size RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
pub const STEP_SECONDS: u64 = 30;
pub const RECOVERY_CODES: usize = 8;
/// 80 random bits each: a plain SHA-256 of one cannot be searched back to it.
const RECOVERY_BYTES: usize = 10;
/// Crockford's base32 alphabet: no I, L, O or U to misread.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// An authenticator's shared secret. Its `Debug` never shows it.
pub struct Authenticator(Totp);

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authenticator { .. }")
    }
}

fn build(secret: Vec<u8>, account: &str) -> Option<Totp> {
    // The otpauth label cannot hold ':', which separates issuer from account.
    let account: String = account
        .chars()
        .map(|c| if c == ':' { ' ' } else { c })
        .collect();
    // An app lists the account by this label; a URL needs one.
    let account = match account.trim() {
        "" => "merchant",
        label => label,
    };
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_issuer(Some("Payrail"))
        .with_account_name(account)
        .build()
        .ok()
}

impl Authenticator {
    /// A new random secret from the OS CSPRNG, labelled `account` in authenticator apps.
    pub fn generate(account: &str) -> Self {
        let mut secret = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut secret).expect("the OS random number generator is unavailable");
        Self(build(secret, account).expect("a 160-bit secret and a label without ':' are valid"))
    }

    /// The authenticator of a stored secret (base32, as [`Self::secret_base32`] gives it).
    pub fn from_base32(secret: &str) -> Option<Self> {
        let bytes = Secret::try_from_base32(secret).ok()?.as_ref().to_vec();
        build(bytes, "").map(Self)
    }

    /// The secret as people type it into an authenticator app.
    pub fn secret_base32(&self) -> String {
        self.0.secret().to_base32()
    }

    /// The `otpauth://totp/…` URL that authenticator apps read from the QR code.
    pub fn otpauth_url(&self) -> String {
        self.0.to_url().unwrap_or_default()
    }

    /// The QR code of [`Self::otpauth_url`], as an SVG `data:` URL for an `<img>`.
    pub fn qr_data_url(&self) -> String {
        let svg = qrcode::QrCode::new(self.otpauth_url().as_bytes())
            .map(|code| {
                code.render::<qrcode::render::svg::Color>()
                    .min_dimensions(220, 220)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default();
        format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg))
    }

    /// The time step (`unix / 30`) whose code `code` is, within one step of `unix_now`.
    pub fn step_of(&self, code: &str, unix_now: u64) -> Option<u64> {
        self.0.check(code, unix_now)
    }

    /// The code of the step that holds `unix` (for tests and for the enrolment's first check).
    pub fn code_at(&self, unix: u64) -> String {
        self.0.generate(unix).to_string()
    }
}

/// A code as a person typed it: the authenticator's six digits, or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Totp(String),
    /// Normalised: upper case, without separators.
    Recovery(String),
}

impl Code {
    /// Reads a code, ignoring spaces and dashes; `None` when it can be neither kind.
    pub fn parse(raw: &str) -> Option<Self> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Code::Totp(compact));
        }
        let upper = compact.to_ascii_uppercase();
        let recovery = upper.len() == RECOVERY_BYTES * 8 / 5
            && upper.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
        recovery.then_some(Code::Recovery(upper))
    }
}

/// A new set of recovery codes, as shown once (`XXXX-XXXX-XXXX-XXXX`).
pub fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES).map(|_| recovery_code()).collect()
}

fn recovery_code() -> String {
    let mut bytes = [0u8; RECOVERY_BYTES];
    getrandom::fill(&mut bytes).expect("the OS random number generator is unavailable");
    // 80 bits as 16 base32 characters, five bits at a time.
    let bits = bytes
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let chars: String = (0..16)
        .rev()
        .map(|i| RECOVERY_ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    chars
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

/// What is stored of a recovery code: the SHA-256 of its normalised text.
pub fn recovery_hash(code: &str) -> Option<String> {
    match Code::parse(code)? {
        Code::Recovery(normal) => Some(hex(&Sha256::digest(normal.as_bytes()))),
        Code::Totp(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_own_step_and_its_neighbours_only() {
        let auth = Authenticator::generate("Blue Mug: shop");
        let now = 1_900_000_015;
        let step = now / STEP_SECONDS;
        let code = auth.code_at(now);
        assert_eq!(auth.step_of(&code, now), Some(step));
        assert_eq!(auth.step_of(&code, now + STEP_SECONDS), Some(step));
        assert_eq!(auth.step_of(&code, now - STEP_SECONDS), Some(step));
        assert_eq!(auth.step_of(&code, now + 2 * STEP_SECONDS), None);
        let other = Authenticator::generate("x");
        assert_eq!(other.step_of(&code, now), None, "another secret's code");
    }

    #[test]
    fn the_rfc_6238_sha1_vector_holds() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits);
        // six digits are its last six.
        let secret = totp_rs::Secret::new_stack(*b"12345678901234567890").to_base32();
        let auth = Authenticator::from_base32(&secret).unwrap();
        assert_eq!(auth.code_at(59), "287082");
        assert_eq!(auth.code_at(1_111_111_109), "081804");
    }

    #[test]
    fn the_secret_survives_storage_and_the_url_names_the_issuer() {
        let auth = Authenticator::generate("Blue Mug Co.");
        let back = Authenticator::from_base32(&auth.secret_base32()).unwrap();
        assert_eq!(back.code_at(1_000_000), auth.code_at(1_000_000));
        let url = auth.otpauth_url();
        assert!(
            url.starts_with("otpauth://totp/Payrail:Blue%20Mug%20Co."),
            "{url}"
        );
        assert!(url.contains("issuer=Payrail"), "{url}");
        assert!(!format!("{auth:?}").contains(&auth.secret_base32()));
        let qr = auth.qr_data_url();
        let svg = STANDARD
            .decode(qr.strip_prefix("data:image/svg+xml;base64,").unwrap())
            .unwrap();
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    }

    #[test]
    fn codes_are_read_as_typed() {
        assert_eq!(Code::parse(" 123 456 "), Some(Code::Totp("123456".into())));
        assert_eq!(Code::parse("12345"), None);
        assert_eq!(Code::parse("12345a"), None);
        let recovery = recovery_code();
        assert_eq!(recovery.len(), 19);
        assert_eq!(
            Code::parse(&recovery.to_ascii_lowercase()),
            Some(Code::Recovery(recovery.replace('-', "")))
        );
        assert_eq!(Code::parse("IIII-IIII-IIII-IIII"), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_hashed_alike_however_typed() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let h = recovery_hash(&codes[0]).unwrap();
        assert_eq!(
            recovery_hash(&codes[0].to_ascii_lowercase().replace('-', " ")),
            Some(h.clone())
        );
        assert!(!h.contains(&codes[0].replace('-', "")));
        assert_eq!(recovery_hash("123456"), None);
    }
}
