"""What a borrower is told, per event, in English and Hindi: the e-mail's subject and body, the
SMS text, and the name of the WhatsApp template the lender has had approved (its body takes
`params` in order). Each template has a version, recorded on every message sent with it.

The SMS text of an event is what the lender registers on the DLT platform (TRAI) as that
event's template: its variables are the {names} here, and every SMS carries the entity id and
the template id the operator gave (settings: LMS_SMS_DLT_ENTITY_ID, LMS_SMS_DLT_TEMPLATES).

Guarantees: every event has every part in every language (a test holds them so), with the
same variables; rendering refuses a message missing a variable (KeyError), never sends a
placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "hi")


@dataclass(frozen=True, slots=True)
class Template:
    event: str
    version: int
    params: tuple[str, ...]  # the variables, in the WhatsApp template's order
    subject: dict[str, str]  # by language
    body: dict[str, str]  # the e-mail's text
    sms: dict[str, str]  # the SMS text (the DLT-registered template)


def _t(event: str, version: int, params: str, **parts: tuple[str, str]) -> Template:
    by_lang = {k: dict(zip(LANGUAGES, v, strict=True)) for k, v in parts.items()}
    return Template(event, version, tuple(params.split()), by_lang["subject"], by_lang["body"],
                    by_lang["sms"])  # fmt: skip


_SIGN = "\n\n{lender}"
TEMPLATES: dict[str, Template] = {
    t.event: t
    for t in (
        _t("due_soon", 1, "name amount loan_number due_date lender",
           subject=("Your EMI of Rs {amount} is due on {due_date}",
                    "आपकी {amount} रुपये की EMI {due_date} को देय है"),
           body=("Dear {name},\n\nYour EMI of Rs {amount} for loan {loan_number} is due on"
                 " {due_date}. Please keep the amount ready in your account." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} की आपकी {amount} रुपये की EMI {due_date} को"
                 " देय है। कृपया राशि अपने खाते में तैयार रखें।" + _SIGN),
           sms=("Dear {name}, EMI Rs {amount} for loan {loan_number} is due on {due_date}."
                " Please keep funds ready. {lender}",
                "प्रिय {name}, ऋण {loan_number} की EMI {amount} रुपये {due_date} को देय है।"
                " कृपया राशि तैयार रखें। {lender}")),
        _t("due_tomorrow", 1, "name amount loan_number due_date lender",
           subject=("Your EMI of Rs {amount} is due tomorrow",
                    "आपकी {amount} रुपये की EMI कल देय है"),
           body=("Dear {name},\n\nYour EMI of Rs {amount} for loan {loan_number} is due"
                 " tomorrow, {due_date}." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} की आपकी {amount} रुपये की EMI कल, {due_date}"
                 " को देय है।" + _SIGN),
           sms=("Dear {name}, EMI Rs {amount} for loan {loan_number} is due tomorrow,"
                " {due_date}. {lender}",
                "प्रिय {name}, ऋण {loan_number} की EMI {amount} रुपये कल, {due_date} को देय है।"
                " {lender}")),
        _t("due_today", 1, "name amount loan_number due_date lender",
           subject=("Your EMI of Rs {amount} is due today", "आपकी {amount} रुपये की EMI आज देय है"),
           body=("Dear {name},\n\nYour EMI of Rs {amount} for loan {loan_number} is due today,"
                 " {due_date}." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} की आपकी {amount} रुपये की EMI आज, {due_date}"
                 " को देय है।" + _SIGN),
           sms=("Dear {name}, EMI Rs {amount} for loan {loan_number} is due today. {lender}",
                "प्रिय {name}, ऋण {loan_number} की EMI {amount} रुपये आज देय है। {lender}")),
        _t("missed", 1, "name amount loan_number due_date lender",
           subject=("Your EMI of Rs {amount} due on {due_date} is unpaid",
                    "{due_date} को देय आपकी {amount} रुपये की EMI बकाया है"),
           body=("Dear {name},\n\nYour EMI of Rs {amount} for loan {loan_number}, due on"
                 " {due_date}, is unpaid. Please pay it now to avoid penal charges and an"
                 " effect on your credit record." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} की आपकी {amount} रुपये की EMI, जो {due_date}"
                 " को देय थी, बकाया है। दंडात्मक प्रभार और क्रेडिट रिकॉर्ड पर असर से बचने के लिए"
                 " कृपया अभी भुगतान करें।" + _SIGN),
           sms=("Dear {name}, EMI Rs {amount} for loan {loan_number} due on {due_date} is"
                " unpaid. Please pay now. {lender}",
                "प्रिय {name}, ऋण {loan_number} की {due_date} को देय EMI {amount} रुपये बकाया है।"
                " कृपया अभी भुगतान करें। {lender}")),
        _t("nach_returned", 2, "name amount loan_number due_date reason reference lender",
           subject=("Your EMI debit of Rs {amount} was returned",
                    "आपकी {amount} रुपये की EMI का डेबिट लौट गया"),
           body=("Dear {name},\n\nThe debit of Rs {amount} for your loan {loan_number}, due on"
                 " {due_date}, was returned by your bank: {reason}.\nPlease keep enough balance"
                 " in your account or pay by another way; a bounce charge may apply as in your"
                 " Key Facts Statement.\n\nReference: {reference}" + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} के लिए {due_date} को देय {amount} रुपये का"
                 " डेबिट आपके बैंक ने लौटा दिया: {reason}।\nकृपया खाते में पर्याप्त शेष रखें या"
                 " किसी अन्य माध्यम से भुगतान करें; मुख्य तथ्य विवरण के अनुसार बाउंस प्रभार लग"
                 " सकता है।\n\nसंदर्भ: {reference}" + _SIGN),
           sms=("Dear {name}, debit of Rs {amount} for loan {loan_number} was returned:"
                " {reason}. Please pay now. Ref {reference}. {lender}",
                "प्रिय {name}, ऋण {loan_number} का {amount} रुपये का डेबिट लौट गया: {reason}।"
                " कृपया भुगतान करें। संदर्भ {reference}। {lender}")),
        _t("upi_autopay_predebit", 2, "name amount loan_number debit_date lender",
           subject=("Rs {amount} will be debited from your account on {debit_date}",
                    "{debit_date} को आपके खाते से {amount} रुपये डेबिट होंगे"),
           body=("Dear {name},\n\nAs per your UPI AutoPay mandate, Rs {amount} for your loan"
                 " {loan_number} will be debited on {debit_date}." + _SIGN,
                 "प्रिय {name},\n\nआपके UPI AutoPay मैंडेट के अनुसार ऋण {loan_number} के लिए"
                 " {amount} रुपये {debit_date} को डेबिट होंगे।" + _SIGN),
           sms=("Dear {name}, Rs {amount} for loan {loan_number} will be debited on"
                " {debit_date} as per your UPI AutoPay mandate. {lender}",
                "प्रिय {name}, UPI AutoPay मैंडेट के अनुसार ऋण {loan_number} के {amount} रुपये"
                " {debit_date} को डेबिट होंगे। {lender}")),
        _t("bureau_default", 1, "name amount loan_number due_date lender",
           subject=("Loan {loan_number}: overdue since {due_date}, to be reported",
                    "ऋण {loan_number}: {due_date} से अतिदेय, रिपोर्ट किया जाएगा"),
           body=("Dear {name},\n\nRs {amount} of loan {loan_number} has been overdue since"
                 " {due_date}. As the rules require, we will report the overdue amount to the"
                 " credit information companies (credit bureaus) in our next report; it will"
                 " show in your credit record. Pay it now to keep the overdue period short." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} के {amount} रुपये {due_date} से अतिदेय हैं।"
                 " नियमों के अनुसार हम अपनी अगली रिपोर्ट में यह अतिदेय राशि क्रेडिट सूचना कंपनियों"
                 " (क्रेडिट ब्यूरो) को बताएँगे; यह आपके क्रेडिट रिकॉर्ड में दिखेगी। अतिदेय अवधि कम"
                 " रखने के लिए अभी भुगतान करें।" + _SIGN),
           sms=("Dear {name}, Rs {amount} of loan {loan_number} overdue since {due_date} will"
                " be reported to the credit bureaus. Please pay now. {lender}",
                "प्रिय {name}, ऋण {loan_number} के {due_date} से अतिदेय {amount} रुपये क्रेडिट"
                " ब्यूरो को रिपोर्ट किए जाएँगे। कृपया अभी भुगतान करें। {lender}")),
        _t("overdue_notice", 1, "name amount loan_number dpd lender",
           subject=("Rs {amount} is overdue on loan {loan_number}",
                    "ऋण {loan_number} पर {amount} रुपये अतिदेय हैं"),
           body=("Dear {name},\n\nRs {amount} of loan {loan_number} has been overdue for {dpd}"
                 " days. Please pay it now, or call us to agree how; penal charges and your"
                 " credit record depend on it." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} के {amount} रुपये {dpd} दिनों से अतिदेय हैं।"
                 " कृपया अभी भुगतान करें, या हमें फ़ोन करके तय करें कि कैसे; दंडात्मक प्रभार और"
                 " आपका क्रेडिट रिकॉर्ड इस पर निर्भर हैं।" + _SIGN),
           sms=("Dear {name}, Rs {amount} of loan {loan_number} is overdue for {dpd} days."
                " Please pay now. {lender}",
                "प्रिय {name}, ऋण {loan_number} के {amount} रुपये {dpd} दिनों से अतिदेय हैं।"
                " कृपया अभी भुगतान करें। {lender}")),
        _t("gold_auction_notice", 1, "name amount loan_number auction_from lender",
           subject=("Notice of auction of the gold pledged for loan {loan_number}",
                    "ऋण {loan_number} के लिए गिरवी सोने की नीलामी की सूचना"),
           body=("Dear {name},\n\nRs {amount} of your gold loan {loan_number} is overdue. Unless"
                 " the loan is repaid, the gold pledged for it will be auctioned on or after"
                 " {auction_from}, at no less than the reserve price the rules set; whatever the"
                 " sale fetches beyond what you owe will be paid back to you." + _SIGN,
                 "प्रिय {name},\n\nआपके स्वर्ण ऋण {loan_number} के {amount} रुपये अतिदेय हैं।"
                 " ऋण न चुकाए जाने पर उसके लिए गिरवी सोना {auction_from} को या उसके बाद नियमों द्वारा"
                 " तय आरक्षित मूल्य से कम पर नहीं, नीलाम किया जाएगा; बिक्री से आपके बकाया से अधिक"
                 " जो भी मिलेगा, वह आपको लौटा दिया जाएगा।" + _SIGN),
           sms=("Dear {name}, Rs {amount} of gold loan {loan_number} is overdue. Unless repaid,"
                " the pledged gold will be auctioned on or after {auction_from}. {lender}",
                "प्रिय {name}, स्वर्ण ऋण {loan_number} के {amount} रुपये अतिदेय हैं। न चुकाने पर"
                " गिरवी सोना {auction_from} को या उसके बाद नीलाम होगा। {lender}")),
        _t("promise_reminder", 1, "name amount loan_number promise_date lender",
           subject=("A reminder of your promise to pay Rs {amount} by {promise_date}",
                    "{promise_date} तक {amount} रुपये चुकाने के आपके वादे की याद"),
           body=("Dear {name},\n\nAs you promised, please pay Rs {amount} for loan {loan_number}"
                 " by {promise_date}." + _SIGN,
                 "प्रिय {name},\n\nआपके वादे के अनुसार कृपया ऋण {loan_number} के लिए {amount}"
                 " रुपये {promise_date} तक चुकाएँ।" + _SIGN),
           sms=("Dear {name}, as promised, please pay Rs {amount} for loan {loan_number} by"
                " {promise_date}. {lender}",
                "प्रिय {name}, वादे के अनुसार कृपया ऋण {loan_number} के {amount} रुपये"
                " {promise_date} तक चुकाएँ। {lender}")),
        _t("agency_assigned", 1, "name loan_number agency lender",
           subject=("{agency} may contact you about loan {loan_number}",
                    "ऋण {loan_number} के बारे में {agency} आपसे संपर्क कर सकती है"),
           body=("Dear {name},\n\nFor loan {loan_number} you may be contacted by {agency}, a"
                 " recovery agency acting for us. Its agents carry our letter of authority and"
                 " their identity card; call us to check before you pay anyone." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} के लिए हमारी ओर से वसूली एजेंसी {agency}"
                 " आपसे संपर्क कर सकती है। उसके एजेंट हमारा प्राधिकार पत्र और अपना पहचान पत्र साथ"
                 " रखते हैं; किसी को भुगतान करने से पहले हमें फ़ोन करके पुष्टि करें।" + _SIGN),
           sms=("Dear {name}, for loan {loan_number} {agency}, a recovery agency acting for us,"
                " may contact you. Call us to check. {lender}",
                "प्रिय {name}, ऋण {loan_number} के लिए हमारी ओर से वसूली एजेंसी {agency} आपसे"
                " संपर्क कर सकती है। पुष्टि के लिए हमें फ़ोन करें। {lender}")),
        _t("payment_received", 1, "name amount loan_number paid_on reference lender",
           subject=("We received Rs {amount} for loan {loan_number}",
                    "ऋण {loan_number} के लिए {amount} रुपये प्राप्त हुए"),
           body=("Dear {name},\n\nWe received Rs {amount} on {paid_on} for loan"
                 " {loan_number} (reference {reference}). Your receipt is available from us"
                 " on request and in your statement." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} के लिए {paid_on} को {amount} रुपये प्राप्त"
                 " हुए (संदर्भ {reference})। रसीद अनुरोध पर और आपके खाता विवरण में उपलब्ध है।"
                 + _SIGN),
           sms=("Dear {name}, received Rs {amount} on {paid_on} for loan {loan_number}. Ref"
                " {reference}. {lender}",
                "प्रिय {name}, ऋण {loan_number} के लिए {paid_on} को {amount} रुपये प्राप्त हुए।"
                " संदर्भ {reference}। {lender}")),
        _t("statement_ready", 1, "name loan_number period lender",
           subject=("Your loan statement for {period} is ready",
                    "{period} का आपका ऋण खाता विवरण तैयार है"),
           body=("Dear {name},\n\nThe statement of loan {loan_number} for {period} is ready;"
                 " ask us for it or download it where you see your loan." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} का {period} का खाता विवरण तैयार है; इसे हमसे"
                 " माँगें या जहाँ आप अपना ऋण देखते हैं वहाँ से डाउनलोड करें।" + _SIGN),
           sms=("Dear {name}, statement of loan {loan_number} for {period} is ready. {lender}",
                "प्रिय {name}, ऋण {loan_number} का {period} का खाता विवरण तैयार है। {lender}")),
        _t("closure", 1, "name loan_number closed_on lender",
           subject=("Loan {loan_number} is closed: no dues", "ऋण {loan_number} बंद: कोई बकाया नहीं"),
           body=("Dear {name},\n\nLoan {loan_number} was repaid in full and closed on"
                 " {closed_on}; nothing is due on it. Your no-dues certificate and the release of"
                 " any security follow as the RBI's rules require." + _SIGN,
                 "प्रिय {name},\n\nऋण {loan_number} {closed_on} को पूरा चुका कर बंद हो गया; इस पर"
                 " कुछ भी बकाया नहीं है। आपका अनापत्ति (नो-ड्यूज़) प्रमाणपत्र और किसी भी प्रतिभूति"
                 " की वापसी RBI के नियमों के अनुसार की जाएगी।" + _SIGN),
           sms=("Dear {name}, loan {loan_number} is closed on {closed_on}. No dues. {lender}",
                "प्रिय {name}, ऋण {loan_number} {closed_on} को बंद हुआ। कोई बकाया नहीं। {lender}")),
        _t("sign_in_code", 1, "code minutes lender",
           subject=("Your sign-in code: {code}", "आपका साइन-इन कोड: {code}"),
           body=("Your code to sign in to your loan account is {code}. It works once, within"
                 " {minutes} minutes. Do not share it with anyone, our staff included." + _SIGN,
                 "आपके ऋण खाते में साइन-इन का कोड {code} है। यह {minutes} मिनट के भीतर एक बार"
                 " काम करता है। इसे किसी को न बताएँ, हमारे कर्मचारियों को भी नहीं।" + _SIGN),
           sms=("{code} is your code to sign in to your loan account, valid {minutes} min. Do"
                " not share it. {lender}",
                "{code} आपके ऋण खाते में साइन-इन का कोड है, {minutes} मिनट तक मान्य। इसे किसी को"
                " न बताएँ। {lender}")),
        _t("contact_code", 1, "code minutes lender",
           subject=("Your verification code: {code}", "आपका सत्यापन कोड: {code}"),
           body=("Your code to confirm this contact detail for your loan account is {code}. It"
                 " works once, within {minutes} minutes. If you did not ask for it, tell us."
                 + _SIGN,
                 "अपने ऋण खाते के लिए यह संपर्क विवरण पुष्ट करने का कोड {code} है। यह {minutes}"
                 " मिनट के भीतर एक बार काम करता है। यदि आपने यह नहीं माँगा, तो हमें बताएँ।"
                 + _SIGN),
           sms=("{code} is your code to confirm this contact for your loan account, valid"
                " {minutes} min. {lender}",
                "{code} आपके ऋण खाते के लिए यह संपर्क पुष्ट करने का कोड है, {minutes} मिनट तक"
                " मान्य। {lender}")),
        _t("request_update", 1, "name reference status lender",
           subject=("Your request {reference}: {status}", "आपका अनुरोध {reference}: {status}"),
           body=("Dear {name},\n\nThere is an update on your request {reference}: {status}."
                 " Sign in to your loan account to read it." + _SIGN,
                 "प्रिय {name},\n\nआपके अनुरोध {reference} पर नई जानकारी है: {status}। इसे पढ़ने"
                 " के लिए अपने ऋण खाते में साइन-इन करें।" + _SIGN),
           sms=("Dear {name}, update on your request {reference}: {status}. Sign in to read"
                " it. {lender}",
                "प्रिय {name}, आपके अनुरोध {reference} पर नई जानकारी: {status}। पढ़ने के लिए"
                " साइन-इन करें। {lender}")),
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    sms: str
    params: tuple[str, ...]  # the WhatsApp template's parameters, in order


def render(event: str, lang: str, values: dict[str, object]) -> Rendered:
    """The event's message in `lang` with `values` (every variable needed: KeyError if not)."""
    template = TEMPLATES[event]
    text = {k: str(v) for k, v in values.items()}
    return Rendered(
        template.subject[lang].format(**text),
        template.body[lang].format(**text),
        template.sms[lang].format(**text),
        tuple(text[name] for name in template.params),
    )
