//! The card form, validated. A [`CardDetails`] holds the full number only for as long as the
//! processor needs it; only its brand and last four digits are ever stored or logged.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::input::JsonObject;

/// What may be kept and shown of a card: its brand and last four digits, the only card data
/// ever kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub brand: String,
    pub last4: String,
}

pub struct CardDetails {
    number: String,
    pub exp_month: u8,
    pub exp_year: u16,
    pub cardholder_name: String,
}

impl fmt::Debug for CardDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardDetails")
            .field("brand", &self.brand())
            .field("last4", &self.last4())
            .finish_non_exhaustive()
    }
}

/// Luhn's checksum over a string of digits.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

pub fn brand_of(number: &str) -> &'static str {
    let prefix = |n: usize| {
        number
            .get(..n)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    match () {
        _ if number.starts_with('4') => "visa",
        _ if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) => "mastercard",
        _ if matches!(prefix(2), 34 | 37) => "amex",
        _ if prefix(4) == 6011 || prefix(2) == 65 || (644..=649).contains(&prefix(3)) => "discover",
        _ if (3528..=3589).contains(&prefix(4)) => "jcb",
        _ if matches!(prefix(2), 36 | 38 | 39) || (300..=305).contains(&prefix(3)) => "diners",
        _ => "unknown",
    }
}

impl CardDetails {
    /// Validates the form; `Err` names each bad field. `today` is (year, month).
    pub fn parse(form: &JsonObject, today: (u16, u8)) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut add = |field: &str, msg: &str| {
            errors
                .entry(field.to_owned())
                .or_default()
                .push(msg.to_owned());
        };
        let text = |name: &str| form.string(name).ok().flatten().unwrap_or_default();

        let number: String = text("card_number")
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        if number.is_empty() {
            add("card_number", "Enter the card number.");
        } else if !number.bytes().all(|b| b.is_ascii_digit()) || !(12..=19).contains(&number.len())
        {
            add("card_number", "A card number has 12 to 19 digits.");
        } else if !luhn_valid(&number) {
            add(
                "card_number",
                "This card number is not valid; check the digits.",
            );
        }

        let month = text("exp_month")
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|m| (1..=12).contains(m));
        if month.is_none() {
            add("exp_month", "Enter the expiry month, 1 to 12.");
        }
        let year = text("exp_year")
            .trim()
            .parse::<u16>()
            .ok()
            .map(|y| if y < 100 { 2000 + y } else { y });
        let year = year.filter(|y| (2000..=2099).contains(y));
        if year.is_none() {
            add("exp_year", "Enter the expiry year, such as 2030.");
        }
        if let (Some(m), Some(y)) = (month, year)
            && (y, m) < today
        {
            add("exp_year", "This card has expired.");
        }

        let cvc = text("cvc");
        let cvc = cvc.trim();
        let cvc_len = if brand_of(&number) == "amex" {
            4..=4
        } else {
            3..=3
        };
        if !cvc.bytes().all(|b| b.is_ascii_digit()) || !cvc_len.contains(&cvc.len()) {
            add(
                "cvc",
                if cvc_len.start() == &4 {
                    "Enter the 4-digit security code."
                } else {
                    "Enter the 3-digit security code."
                },
            );
        }

        let name = text("cardholder_name").trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            add(
                "cardholder_name",
                "Enter the name on the card (up to 100 characters).",
            );
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            number,
            exp_month: month.unwrap_or_default(),
            exp_year: year.unwrap_or_default(),
            cardholder_name: name,
        })
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn brand(&self) -> &'static str {
        brand_of(&self.number)
    }

    pub fn last4(&self) -> &str {
        &self.number[self.number.len() - 4..]
    }

    /// What may be kept.
    pub fn summary(&self) -> Card {
        Card {
            brand: self.brand().to_owned(),
            last4: self.last4().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_form_object;

    fn form(number: &str, month: &str, year: &str, cvc: &str, name: &str) -> JsonObject {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("card_number", number)
            .append_pair("exp_month", month)
            .append_pair("exp_year", year)
            .append_pair("cvc", cvc)
            .append_pair("cardholder_name", name)
            .finish();
        parse_form_object(body.as_bytes())
    }

    #[test]
    fn luhn_accepts_test_numbers_and_rejects_typos() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("4000000000000002"));
        assert!(luhn_valid("4000000000009995"));
        assert!(luhn_valid("5555555555554444"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4242424242424241"));
    }

    #[test]
    fn brands_are_recognised() {
        assert_eq!(brand_of("4242424242424242"), "visa");
        assert_eq!(brand_of("5555555555554444"), "mastercard");
        assert_eq!(brand_of("2223003122003222"), "mastercard");
        assert_eq!(brand_of("378282246310005"), "amex");
        assert_eq!(brand_of("6011111111111117"), "discover");
    }

    #[test]
    fn a_valid_form_keeps_only_brand_and_last4_in_its_summary() {
        let card = CardDetails::parse(
            &form("4242 4242 4242 4242", "12", "30", "123", "Ann Lee"),
            (2026, 11),
        )
        .unwrap();
        assert_eq!(card.exp_year, 2030);
        let summary = card.summary();
        assert_eq!(
            (summary.brand.as_str(), summary.last4.as_str()),
            ("visa", "4242")
        );
        assert!(!format!("{card:?}").contains("42424242"));
    }

    #[test]
    fn each_bad_field_is_named() {
        let errors = CardDetails::parse(
            &form("4242424242424241", "13", "soon", "12", ""),
            (2026, 11),
        )
        .unwrap_err();
        for field in [
            "card_number",
            "exp_month",
            "exp_year",
            "cvc",
            "cardholder_name",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn last_month_is_expired_and_this_month_is_not() {
        let f = |m: &str, y: &str| {
            CardDetails::parse(&form("4242424242424242", m, y, "123", "A"), (2026, 11))
        };
        assert!(f("10", "2026").is_err());
        assert!(f("11", "2026").is_ok());
        assert!(f("1", "2027").is_ok());
    }

    #[test]
    fn amex_needs_four_cvc_digits() {
        let f = |cvc: &str| {
            CardDetails::parse(&form("378282246310005", "1", "2030", cvc, "A"), (2026, 11))
        };
        assert!(f("123").is_err());
        assert!(f("1234").is_ok());
    }
}
