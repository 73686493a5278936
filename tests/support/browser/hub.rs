//! The Developer Hub as a page object: what a person does on it (signs in, opens a tab,
//! confirms in the dialog) by name, so that a test reads as those steps and a change to the
//! page's markup is made here once rather than in every test.

use super::Browser;
use crate::TestStack;

pub struct Hub<'a> {
    browser: &'a Browser,
    url: String,
}

impl<'a> Hub<'a> {
    /// The Hub of stack `s`, in `browser`.
    pub fn new(browser: &'a Browser, s: &TestStack) -> Self {
        Self {
            browser,
            url: s.url("/hub"),
        }
    }

    /// Opens the Hub and waits for the sign-in form (shown when no session is kept).
    pub async fn open(&self) {
        self.browser.goto(&self.url).await;
        self.browser.wait_shown("#signin").await;
    }

    /// Submits `credential` on the open sign-in form, without waiting for the outcome.
    pub async fn submit_credential(&self, credential: &str) {
        self.browser.fill("#credential", credential).await;
        self.browser.click("#signin-form button[type=submit]").await;
    }

    /// Signs in with `credential` and waits for the console (or, for the admin token, the
    /// merchant picker).
    pub async fn sign_in(&self, credential: &str) {
        self.open().await;
        self.submit_credential(credential).await;
        self.browser
            .until("!document.querySelector('#console').hidden || !document.querySelector('#merchants').hidden")
            .await;
    }

    /// Signs out and waits for the sign-in form.
    pub async fn sign_out(&self) {
        self.browser.click("#sign-out").await;
        self.browser.wait_shown("#signin").await;
    }

    /// Waits for the console: after the operator picks a merchant, or a reload of a session.
    pub async fn wait_console(&self) {
        self.browser.wait_shown("#console").await;
    }

    /// Opens tab `tab` (its id without `tab-`) and waits until its panel has loaded.
    pub async fn open_tab(&self, tab: &str) {
        self.browser.click(&format!("#tab-{tab}")).await;
        self.browser
            .until(&format!(
                "document.querySelector('#tab-{tab}').getAttribute('aria-selected') === 'true' \
                 && !document.querySelector('#panel [aria-busy]')"
            ))
            .await;
    }

    /// Waits until the page's one dialog is open.
    pub async fn wait_dialog(&self) {
        self.browser
            .until("document.querySelector('#dialog').open")
            .await;
    }

    /// Waits until the dialog has closed (a save that succeeded closes it).
    pub async fn wait_dialog_closed(&self) {
        self.browser
            .until("!document.querySelector('#dialog').open")
            .await;
    }

    /// Clicks the control matching `css` and waits for the dialog it opens.
    pub async fn open_dialog(&self, css: &str) {
        self.browser.click(css).await;
        self.wait_dialog().await;
    }

    /// Clicks the button labelled `label` inside `within` and waits for the dialog it opens.
    pub async fn open_dialog_by(&self, within: &str, label: &str) {
        self.browser.click_button(within, label).await;
        self.wait_dialog().await;
    }

    /// Clicks the control matching `css`, which asks first, and confirms in the dialog.
    pub async fn click_and_confirm(&self, css: &str) {
        self.open_dialog(css).await;
        self.browser.click("#confirm").await;
    }

    /// Clicks the button labelled `label` inside `within`, which asks first, and confirms.
    pub async fn click_button_and_confirm(&self, within: &str, label: &str) {
        self.open_dialog_by(within, label).await;
        self.browser.click("#confirm").await;
    }

    /// Waits until the toast (the page's passing notice) says `text`.
    pub async fn wait_toast(&self, text: &str) {
        self.browser.wait_text("#toast", text).await;
    }

    /// The secret the one-time dialog shows (a new key, an endpoint's signing secret) once
    /// it starts with `prefix`.
    pub async fn one_time_secret(&self, prefix: &str) -> String {
        self.browser
            .until_with(
                "document.querySelector('#secret-value')?.value.startsWith(arguments[0])",
                vec![serde_json::json!(prefix)],
            )
            .await;
        self.browser.value("#secret-value").await
    }

    /// Closes the one-time dialog with its Done button.
    pub async fn done(&self) {
        self.browser.click("#dialog-done").await;
    }

    /// Waits until the keys table has the key whose prefix (the part before the `.`) `key`
    /// has, and answers that row's selector.
    pub async fn key_row(&self, key: &str) -> String {
        let prefix = key.split('.').next().unwrap();
        let row = format!("#keys-table tr[data-prefix='{prefix}']");
        self.browser.wait_for(&row).await;
        row
    }

    /// Fills the Settings tab's Stripe form with the three keys and submits it.
    pub async fn connect_stripe(&self, secret_key: &str, publishable_key: &str, webhook: &str) {
        self.browser.fill("#stripe-secret-key", secret_key).await;
        self.browser
            .fill("#stripe-publishable-key", publishable_key)
            .await;
        self.browser.fill("#stripe-webhook-secret", webhook).await;
        self.browser.click("#connect-stripe").await;
    }

    /// Refunds the payment open in the detail view: `amount` (all that is left if `None`) and
    /// `reason`, if given, in the refund dialog, then confirms it.
    pub async fn refund(&self, amount: Option<&str>, reason: Option<&str>) {
        self.open_dialog("#refund-payment").await;
        if let Some(amount) = amount {
            self.browser.fill("#refund-amount", amount).await;
        }
        if let Some(reason) = reason {
            self.browser.fill("#refund-reason", reason).await;
        }
        self.browser.click("#confirm-refund").await;
    }
}
