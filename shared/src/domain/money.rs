//! Exact money: integer minor units of an ISO 4217 currency, parsed from decimal text.
//!
//! Amounts arrive as JSON numbers or decimal strings in major units (`25`, `"25.00"`). Both are
//! read from their source text into a [`rust_decimal::Decimal`], never through a float, and must
//! not carry more decimals than the currency has.

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

/// `-?digits[.digits][e[+-]digits]`, the shape of a JSON number.
fn is_decimal_syntax(text: &str) -> bool {
    let text = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// A positive amount of money, in minor units of its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Parses decimal text in major units (`"25.5"`, `"1e2"`), exactly.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let text = text.trim();
        if text.is_empty() || text.starts_with('+') {
            return Err(MoneyError::NotANumber);
        }
        let decimal = if text.contains(['e', 'E']) {
            Decimal::from_scientific(text)
        } else {
            Decimal::from_str_exact(text)
        }
        .map_err(|_| {
            // Well-formed digits that a Decimal cannot hold are simply too big.
            if is_decimal_syntax(text) {
                MoneyError::TooLarge
            } else {
                MoneyError::NotANumber
            }
        })?;
        Self::from_decimal(decimal, currency)
    }

    fn from_decimal(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        // Trailing zeros are not precision: "25.000" is a valid USD amount.
        let amount = amount.normalize();
        if amount.is_sign_negative() || amount.is_zero() {
            return Err(MoneyError::NotPositive);
        }
        let allowed = currency.exponent();
        if amount.scale() > allowed {
            return Err(MoneyError::TooManyDecimals {
                currency: currency.code(),
                allowed,
            });
        }
        let factor = 10i128.pow(allowed - amount.scale());
        let minor = amount
            .mantissa()
            .checked_mul(factor)
            .and_then(|m| i64::try_from(m).ok())
            .filter(|m| *m <= MAX_MINOR)
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
        Money::parse_major(text, Currency::usd())
    }

    #[test]
    fn decimal_text_becomes_exact_minor_units() {
        assert_eq!(usd("25").unwrap().minor(), 2500);
        assert_eq!(usd("25.5").unwrap().minor(), 2550);
        assert_eq!(usd("0.01").unwrap().minor(), 1);
        assert_eq!(usd("25.000").unwrap().minor(), 2500);
        assert_eq!(usd("2.55e1").unwrap().minor(), 2550);
        // The classic float trap: 0.1 + 0.2 style values stay exact.
        assert_eq!(usd("19.99").unwrap().minor(), 1999);
        assert_eq!(usd("1234567.89").unwrap().minor(), 123_456_789);
    }

    #[test]
    fn major_string_has_the_currency_decimals() {
        assert_eq!(usd("25").unwrap().to_major_string(), "25.00");
        assert_eq!(usd("0.5").unwrap().to_major_string(), "0.50");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(
            Money::parse_major("2500", jpy).unwrap().to_major_string(),
            "2500"
        );
        let kwd = Currency::parse("kwd").unwrap();
        let m = Money::parse_major("1.5", kwd).unwrap();
        assert_eq!((m.minor(), m.to_major_string().as_str()), (1500, "1.500"));
    }

    #[test]
    fn too_many_decimals_for_the_currency_is_rejected() {
        assert!(matches!(
            usd("25.001"),
            Err(MoneyError::TooManyDecimals { allowed: 2, .. })
        ));
        let jpy = Currency::parse("JPY").unwrap();
        assert!(Money::parse_major("10.5", jpy).is_err());
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
        assert_eq!(usd("1e30"), Err(MoneyError::TooLarge));
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
