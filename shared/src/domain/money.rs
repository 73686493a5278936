//! Exact money: integer minor units of an ISO 4217 currency, parsed from decimal text.
//!
//! Amounts arrive as JSON numbers or decimal strings in major units (`25`, `"25.00"`). Both are
//! read digit by digit from their source text, never through a float, in one strict notation
//! (`digits[.digits]`, and an exponent for JSON numbers), and must not carry more decimals than
//! the currency has.

use std::fmt;

use rust_decimal::Decimal;

/// Largest accepted amount in minor units: 2^53 - 1, so `amount_minor` stays exact in clients
/// that read JSON numbers as doubles (JavaScript).
pub const MAX_MINOR: i64 = 9_007_199_254_740_991;

/// A currency that can be charged: ISO 4217, with minor units, not a fund or precious-metal code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn usd() -> Self {
        Self(iso_currency::Currency::USD)
    }

    pub fn parse(raw: &str) -> Result<Self, MoneyError> {
        let code = raw.trim();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(MoneyError::UnknownCurrency(raw.to_owned()));
        }
        let currency = iso_currency::Currency::from_code(&code.to_ascii_uppercase())
            .ok_or_else(|| MoneyError::UnknownCurrency(raw.to_owned()))?;
        let chargeable = currency.exponent().is_some()
            && !currency.is_fund()
            && !currency.is_special()
            && currency.is_superseded().is_none();
        if !chargeable {
            return Err(MoneyError::UnsupportedCurrency(currency.code()));
        }
        Ok(Self(currency))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// The local symbol (`€`, `$`, `¥`), when the currency has one.
    pub fn symbol(self) -> Option<String> {
        let symbol = self.0.symbol().symbol;
        (!symbol.is_empty() && symbol != "¤").then_some(symbol)
    }

    /// The fewest minor units worth at least `major` major units: `0.50` is 50 for USD, 500
    /// for KWD, and 1 (rounded up) for JPY.
    pub fn minor_at_least(self, major: rust_decimal::Decimal) -> i64 {
        use rust_decimal::prelude::ToPrimitive;
        (major * rust_decimal::Decimal::from(10i64.pow(self.exponent())))
            .ceil()
            .to_i64()
            .unwrap_or(i64::MAX)
    }

    /// Digits after the decimal point in major units: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> u32 {
        // `parse` admits only currencies that have an exponent.
        u32::from(self.0.exponent().unwrap_or(0))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal number such as 25 or \"25.00\"")]
    NotANumber,
    #[error("must be greater than 0")]
    NotPositive,
    #[error("{currency} allows at most {allowed} decimal places")]
    TooManyDecimals {
        currency: &'static str,
        allowed: u32,
    },
    #[error("is too large")]
    TooLarge,
    #[error("'{0}' is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    #[error("{0} cannot be charged")]
    UnsupportedCurrency(&'static str),
}

/// An amount as a request wrote it; how it was written decides the notation it may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecimalText {
    /// A JSON number's exact source text, which may carry an exponent (`1e2`).
    Number(String),
    /// A JSON string or a form field.
    Text(String),
}

/// Decimal text taken apart: `-12.50e1` is `negative`, `"12"`, `"50"`, exponent 1.
struct DecimalParts<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
    exponent: i64,
}

impl<'a> DecimalParts<'a> {
    /// `-?digits[.digits]`, plus `[eE][+-]?digits` when `exponent_allowed`. Nothing else: no `_`
    /// separators, no bare `.5` or `5.`, no `+` sign, no spaces inside.
    fn split(text: &'a str, exponent_allowed: bool) -> Option<Self> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let (negative, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) if exponent_allowed => (m, Some(e)),
            Some(_) => return None,
            None => (text, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((int, frac)) if digits(frac) => (int, frac),
            Some(_) => return None,
            None => (mantissa, ""),
        };
        if !digits(int) {
            return None;
        }
        let exponent = match exponent {
            None => 0,
            Some(e) => {
                let (sign, e) = match e.strip_prefix('-') {
                    Some(rest) => (-1, rest),
                    None => (1, e.strip_prefix('+').unwrap_or(e)),
                };
                if !digits(e) {
                    return None;
                }
                // Saturating: an exponent beyond i64 is out of range whatever its exact value.
                sign * e.bytes().fold(0i64, |n, b| {
                    n.saturating_mul(10).saturating_add(i64::from(b - b'0'))
                })
            }
        };
        Some(Self {
            negative,
            int,
            frac,
            exponent,
        })
    }
}

/// Digits in [`MAX_MINOR`]: an amount with more significant digits than this is too large.
const MAX_MINOR_DIGITS: i64 = 16;

/// A positive amount of money, in minor units of its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Parses an amount in major units, exactly: `"25.5"` as text, and `1e2` too as a JSON
    /// number. Surrounding whitespace is ignored.
    pub fn parse_major(text: &DecimalText, currency: Currency) -> Result<Self, MoneyError> {
        let parts = match text {
            DecimalText::Number(n) => DecimalParts::split(n.trim(), true),
            DecimalText::Text(t) => DecimalParts::split(t.trim(), false),
        }
        .ok_or(MoneyError::NotANumber)?;
        let digits = [parts.int, parts.frac].concat();
        let digits = digits.trim_start_matches('0');
        let significant = digits.trim_end_matches('0');
        if significant.is_empty() || parts.negative {
            return Err(MoneyError::NotPositive);
        }
        // Decimals the amount needs once trailing zeros are dropped ("25.50" needs 1); negative
        // when zeros are implied ("25e1").
        let trailing_zeros = (digits.len() - significant.len()) as i64;
        let scale = (parts.frac.len() as i64)
            .saturating_sub(parts.exponent)
            .saturating_sub(trailing_zeros);
        let allowed = currency.exponent();
        if scale > i64::from(allowed) {
            return Err(MoneyError::TooManyDecimals {
                currency: currency.code(),
                allowed,
            });
        }
        // Zeros to append to reach minor units.
        let shift = i64::from(allowed).saturating_sub(scale);
        if (significant.len() as i64).saturating_add(shift) > MAX_MINOR_DIGITS {
            return Err(MoneyError::TooLarge);
        }
        // At most 16 digits in all, so this fits in an i64.
        let minor = significant
            .parse::<i64>()
            .ok()
            .and_then(|m| m.checked_mul(10i64.pow(shift as u32)))
            .ok_or(MoneyError::TooLarge)?;
        Self::from_minor(minor, currency)
    }

    pub fn from_minor(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if minor <= 0 {
            return Err(MoneyError::NotPositive);
        }
        if minor > MAX_MINOR {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self { minor, currency })
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// For people: `€49.99`, or `49.99 XYZ` when the currency has no symbol.
    pub fn display(self) -> String {
        match self.currency.symbol() {
            Some(symbol) => format!("{symbol}{}", self.to_major_string()),
            None => format!("{} {}", self.to_major_string(), self.currency.code()),
        }
    }

    /// Major units with exactly the currency's decimals: `"25.00"`, `"2500"` for JPY.
    pub fn to_major_string(self) -> String {
        Decimal::from_i128_with_scale(i128::from(self.minor), self.currency.exponent()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str) -> Result<Money, MoneyError> {
        Money::parse_major(&DecimalText::Text(text.to_owned()), Currency::usd())
    }

    fn usd_number(text: &str) -> Result<Money, MoneyError> {
        Money::parse_major(&DecimalText::Number(text.to_owned()), Currency::usd())
    }

    fn major(text: &str, currency: &str) -> Result<Money, MoneyError> {
        let currency = Currency::parse(currency).unwrap();
        Money::parse_major(&DecimalText::Text(text.to_owned()), currency)
    }

    #[test]
    fn decimal_text_becomes_exact_minor_units() {
        assert_eq!(usd("25").unwrap().minor(), 2500);
        assert_eq!(usd("25.5").unwrap().minor(), 2550);
        assert_eq!(usd("0.01").unwrap().minor(), 1);
        assert_eq!(usd("25.000").unwrap().minor(), 2500);
        assert_eq!(usd("007.50").unwrap().minor(), 750);
        assert_eq!(usd(" 25 ").unwrap().minor(), 2500);
        // The classic float trap: 0.1 + 0.2 style values stay exact.
        assert_eq!(usd("19.99").unwrap().minor(), 1999);
        assert_eq!(usd("1234567.89").unwrap().minor(), 123_456_789);
    }

    #[test]
    fn major_string_has_the_currency_decimals() {
        assert_eq!(usd("25").unwrap().to_major_string(), "25.00");
        assert_eq!(usd("0.5").unwrap().to_major_string(), "0.50");
        assert_eq!(major("2500", "JPY").unwrap().to_major_string(), "2500");
        let m = major("1.5", "kwd").unwrap();
        assert_eq!((m.minor(), m.to_major_string().as_str()), (1500, "1.500"));
    }

    #[test]
    fn too_many_decimals_for_the_currency_is_rejected() {
        assert!(matches!(
            usd("25.001"),
            Err(MoneyError::TooManyDecimals { allowed: 2, .. })
        ));
        assert!(major("10.5", "JPY").is_err());
        assert!(matches!(
            usd("0.000000000000000000000000000001"),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        // Trailing zeros are not precision, however many there are.
        let zeros = format!("25.{}", "0".repeat(40));
        assert_eq!(usd(&zeros).unwrap().minor(), 2500);
    }

    #[test]
    fn text_is_plain_digits_with_an_optional_fraction() {
        let lenient = [
            "1_000",
            "0_0_1",
            "1.0_1",
            "5.",
            ".5",
            "-.5",
            "1e2",
            "2.55e1",
            "1 000",
            "1.",
            "٣",
            "1\u{a0}000",
        ];
        for bad in lenient {
            assert_eq!(usd(bad), Err(MoneyError::NotANumber), "{bad}");
        }
    }

    #[test]
    fn json_numbers_may_carry_an_exponent() {
        for (text, minor) in [
            ("1e2", 10_000),
            ("2.55e1", 2550),
            ("2.5E+1", 2500),
            ("1250e-2", 1250),
            ("100e-2", 100),
            ("25", 2500),
            ("19.99", 1999),
        ] {
            assert_eq!(usd_number(text).map(Money::minor), Ok(minor), "{text}");
        }
        for bad in [
            "1_000", ".5", "5.", "1e", "1e+", "e5", "1.5e2.0", "1e_2", "1ee2",
        ] {
            assert_eq!(usd_number(bad), Err(MoneyError::NotANumber), "{bad}");
        }
    }

    #[test]
    fn exponents_out_of_range_are_judged_not_overflowed() {
        assert_eq!(usd_number("1e400"), Err(MoneyError::TooLarge));
        assert_eq!(
            usd_number("1e99999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert!(matches!(
            usd_number("1e-400"),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            usd_number("1e-99999999999999999999999"),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert_eq!(usd_number("0e400"), Err(MoneyError::NotPositive));
        assert_eq!(usd_number("-1e400"), Err(MoneyError::NotPositive));
    }

    #[test]
    fn zero_negative_and_garbage_are_rejected() {
        assert_eq!(usd("0"), Err(MoneyError::NotPositive));
        assert_eq!(usd("0.00"), Err(MoneyError::NotPositive));
        assert_eq!(usd("-5"), Err(MoneyError::NotPositive));
        for bad in ["", "abc", "1,50", "NaN", "inf", "+5", "1.2.3", "0x10"] {
            assert_eq!(usd(bad), Err(MoneyError::NotANumber), "{bad}");
        }
    }

    #[test]
    fn amounts_beyond_exact_json_integers_are_rejected() {
        assert_eq!(usd("90071992547409.91").unwrap().minor(), MAX_MINOR);
        assert_eq!(usd("90071992547409.92"), Err(MoneyError::TooLarge));
        assert_eq!(usd_number("1e30"), Err(MoneyError::TooLarge));
        assert_eq!(
            usd_number("9007199254740991e-2").unwrap().minor(),
            MAX_MINOR
        );
        assert_eq!(
            usd("123456789012345678901234567890"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn only_chargeable_iso_currencies_parse() {
        assert_eq!(Currency::parse("usd").unwrap().code(), "USD");
        assert!(matches!(
            Currency::parse("ZZZ"),
            Err(MoneyError::UnknownCurrency(_))
        ));
        assert!(matches!(
            Currency::parse("XAU"),
            Err(MoneyError::UnsupportedCurrency("XAU"))
        ));
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("").is_err());
    }
}
