//! What Stripe takes: the currencies it charges in, and the least and most one charge may be,
//! so a payment request Stripe would refuse is refused at creation (422 on the field) rather
//! than given a checkout page that can never be paid.
//!
//! From Stripe's documentation of supported currencies and of minimum and maximum charge
//! amounts. A currency without a minimum here has Stripe's rule of "the equivalent of 0.50
//! USD", which depends on the day's rate: Stripe itself refuses such a charge at checkout.

use super::api::stripe_amount;
use crate::domain::Money;

/// Presentment currencies Stripe charges cards in.
const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CLP", "CNY", "COP", "CRC", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ETB", "EUR",
    "FJD", "FKP", "GBP", "GEL", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "ISK", "JMD", "JPY", "KES", "KGS", "KHR", "KMF", "KRW", "KYD", "KZT",
    "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MUR",
    "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SZL", "THB", "TJS", "TOP", "TRY", "TTD", "TWD",
    "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF",
    "YER", "ZAR", "ZMW",
];

/// The least one charge may be, in the currency's minor units (ISO), where Stripe sets one.
const MINIMUMS: &[(&str, i64)] = &[
    ("USD", 50),
    ("AED", 200),
    ("AUD", 50),
    ("BGN", 100),
    ("BRL", 50),
    ("CAD", 50),
    ("CHF", 50),
    ("CZK", 1500),
    ("DKK", 250),
    ("EUR", 50),
    ("GBP", 30),
    ("HKD", 400),
    ("HUF", 17500),
    ("INR", 50),
    ("JPY", 50),
    ("MXN", 1000),
    ("MYR", 200),
    ("NOK", 300),
    ("NZD", 50),
    ("PLN", 200),
    ("RON", 200),
    ("SEK", 300),
    ("SGD", 50),
    ("THB", 1000),
];

/// The most one charge may be: eight digits in Stripe's units of the currency.
const MAXIMUM_AT_STRIPE: i64 = 99_999_999;

/// Why Stripe would refuse a charge of `amount`: the field and what to say; `None` if it takes it.
pub fn refusal(amount: &Money) -> Option<(&'static str, String)> {
    let currency = amount.currency();
    let code = currency.code();
    if !CURRENCIES.contains(&code) {
        return Some((
            "currency",
            format!("{code} is not a currency Stripe charges in"),
        ));
    }
    if let Some((_, least)) = MINIMUMS.iter().find(|(c, _)| *c == code)
        && amount.minor() < *least
    {
        let least = crate::payments::transaction::major_text(*least, currency);
        return Some((
            "total_amount",
            format!("must be at least {least} {code}: Stripe charges no less"),
        ));
    }
    if stripe_amount(amount) > MAXIMUM_AT_STRIPE {
        return Some((
            "total_amount",
            format!("is more than Stripe takes in one charge in {code}"),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn money(minor: i64, code: &str) -> Money {
        Money::from_minor(minor, Currency::parse(code).unwrap()).unwrap()
    }

    #[test]
    fn stripes_currencies_minimums_and_maximums_are_held_at_creation() {
        assert_eq!(refusal(&money(50, "USD")), None);
        assert_eq!(refusal(&money(49, "USD")).unwrap().0, "total_amount");
        assert_eq!(refusal(&money(30, "GBP")), None);
        assert_eq!(refusal(&money(49, "JPY")).unwrap().0, "total_amount");
        assert_eq!(refusal(&money(99_999_999, "USD")), None);
        assert_eq!(
            refusal(&money(100_000_000, "USD")).unwrap().0,
            "total_amount"
        );
        // ISK goes to Stripe in hundredths: its eight digits hold a million krónur less one.
        assert_eq!(refusal(&money(999_999, "ISK")), None);
        assert_eq!(refusal(&money(1_000_000, "ISK")).unwrap().0, "total_amount");
        assert_eq!(refusal(&money(1000, "KWD")).unwrap().0, "currency");
        assert!(refusal(&money(1000, "KWD")).unwrap().1.contains("KWD"));
    }
}
