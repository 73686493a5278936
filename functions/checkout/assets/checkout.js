// Payrail hosted checkout, for merchants who collect through Stripe. The card is typed into
// Stripe's own element and turned into a PaymentMethod by Stripe.js: only its id is posted to
// Payrail. When the customer's bank asks them to confirm (3-D Secure), the page that Payrail
// answers hands the PaymentIntent's client secret to Stripe.js's `handleNextAction` (Payrail
// already confirmed it on the server), then posts back so Payrail asks Stripe for the outcome
// itself.
(() => {
  "use strict";
  const bank = document.getElementById("bank-step");
  if (bank) {
    const stripe = Stripe(bank.dataset.publishableKey);
    // Whatever the browser learns, the server asks Stripe: post back either way.
    const back = () => bank.submit();
    Promise.resolve(stripe.handleNextAction({ clientSecret: bank.dataset.clientSecret })).then(back, back);
    return;
  }

  const form = document.getElementById("stripe-form");
  if (!form) return;
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = form.querySelector("button[type=submit]");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    try {
      const result = await stripe.createPaymentMethod({ type: "card", card });
      if (!result || result.error || !result.paymentMethod) {
        errors.textContent =
          (result && result.error && result.error.message) ||
          "Your card could not be read. Please check it and try again.";
        button.disabled = false;
        return;
      }
      form.elements.payment_method.value = result.paymentMethod.id;
      form.submit();
    } catch (err) {
      errors.textContent = "Your card could not be read. Please check it and try again.";
      button.disabled = false;
    }
  });
})();
