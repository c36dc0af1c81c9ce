"""The words of the borrower portal in English and Hindi.

Guarantee: every key has both languages (a test holds them so); a page asking for a key that
does not exist fails loudly (KeyError), it never shows a key's name to a borrower.
"""

from __future__ import annotations

from collections.abc import Callable

TEXTS: dict[str, tuple[str, str]] = {
    "portal": ("My loan", "मेरा ऋण"),
    "lang.other": ("हिन्दी", "English"),
    "sign_in": ("Sign in", "साइन इन करें"),
    "sign_out": ("Sign out", "साइन आउट"),
    "sign_in.intro": (
        "Enter your loan number and the mobile number or e-mail address you gave"
        " us. We will send you a one-time code.",
        "अपना ऋण नंबर और हमें दिया गया मोबाइल नंबर या ई-मेल पता दर्ज करें। हम आपको"
        " एक बार उपयोग होने वाला कोड भेजेंगे।",
    ),
    "loan_number": ("Loan number", "ऋण नंबर"),
    "contact": ("Mobile number or e-mail", "मोबाइल नंबर या ई-मेल"),
    "send_code": ("Send me a code", "मुझे कोड भेजें"),
    "code": ("One-time code", "एक बार का कोड"),
    "code.intro": (
        "If the details match our records, we have sent a six-digit code. It works"
        " once, within 10 minutes.",
        "यदि विवरण हमारे रिकॉर्ड से मेल खाते हैं, तो हमने छह अंकों का कोड भेजा है। यह"
        " 10 मिनट के भीतर एक बार काम करता है।",
    ),
    "code.wrong": (
        "That code is wrong or has expired. Try again, or ask for a new code.",
        "यह कोड गलत है या समाप्त हो गया है। फिर से प्रयास करें, या नया कोड माँगें।",
    ),
    "continue": ("Continue", "आगे बढ़ें"),
    "home": ("My loans", "मेरे ऋण"),
    "no_loans": ("You have no loans with us.", "हमारे पास आपका कोई ऋण नहीं है।"),
    "outstanding": ("Principal outstanding", "बकाया मूलधन"),
    "next_due": ("Next EMI", "अगली EMI"),
    "overdue": ("Overdue", "अतिदेय"),
    "overdue.none": ("Nothing overdue", "कुछ भी अतिदेय नहीं"),
    "dpd": ("days past due", "दिन देरी"),
    "mandate": ("Auto-debit mandate", "ऑटो-डेबिट मैंडेट"),
    "mandate.none": ("No auto-debit mandate", "कोई ऑटो-डेबिट मैंडेट नहीं"),
    "held": ("Paid in advance, held for your next EMI", "अग्रिम भुगतान, अगली EMI के लिए रखा गया"),
    "joint": ("Co-borrower", "सह-उधारकर्ता"),
    "status": ("Status", "स्थिति"),
    "status.active": ("Active", "चालू"),
    "status.closed": ("Closed", "बंद"),
    "status.written_off": ("Written off", "बट्टे खाते में"),
    "status.settled": ("Settled", "समझौता"),
    "details": ("Details", "विवरण"),
    "pay": ("Pay now", "अभी भुगतान करें"),
    "terms": ("Terms", "शर्तें"),
    "amount": ("Amount", "राशि"),
    "rate": ("Interest rate", "ब्याज दर"),
    "tenure": ("Tenure", "अवधि"),
    "months": ("months", "महीने"),
    "emi": ("EMI", "EMI"),
    "disbursed_on": ("Paid out on", "वितरण तिथि"),
    "schedule": ("Repayment schedule", "पुनर्भुगतान अनुसूची"),
    "due_date": ("Due date", "देय तिथि"),
    "principal": ("Principal", "मूलधन"),
    "interest": ("Interest", "ब्याज"),
    "paid": ("Paid", "भुगतान किया"),
    "balance": ("Balance", "शेष"),
    "st.paid": ("Paid", "चुकाया"),
    "st.overdue": ("Overdue", "अतिदेय"),
    "st.not_due": ("Not yet due", "अभी देय नहीं"),
    "st.planned": ("Planned", "नियोजित"),
    "transactions": ("Transactions", "लेन-देन"),
    "date": ("Date", "तिथि"),
    "what": ("Transaction", "लेन-देन"),
    "reference": ("Reference", "संदर्भ"),
    "charges": ("Charges", "शुल्क"),
    "charges.none": ("No charges.", "कोई शुल्क नहीं।"),
    "unpaid": ("Unpaid", "बकाया"),
    "waived": ("Waived", "माफ़"),
    "documents": ("Documents", "दस्तावेज़"),
    "doc.statement": ("Statement of account", "खाता विवरण"),
    "doc.schedule": ("Repayment schedule (PDF)", "पुनर्भुगतान अनुसूची (PDF)"),
    "doc.kfs": ("Key Facts Statement", "मुख्य तथ्य विवरण"),
    "doc.interest": ("Interest certificate", "ब्याज प्रमाणपत्र"),
    "doc.no_dues": ("No-dues certificate", "अनापत्ति (नो-ड्यूज़) प्रमाणपत्र"),
    "doc.receipt": ("Receipt", "रसीद"),
    "from": ("From", "से"),
    "to": ("To", "तक"),
    "fy": ("Financial year", "वित्तीय वर्ष"),
    "download": ("Download", "डाउनलोड करें"),
    "pay.what": ("How much?", "कितना?"),
    "pay.due": ("Amount due", "देय राशि"),
    "pay.closing": ("Close the loan today", "आज ऋण बंद करें"),
    "pay.custom": ("Another amount", "अन्य राशि"),
    "pay.how": ("How?", "कैसे?"),
    "pay.upi": ("UPI app", "UPI ऐप"),
    "pay.gateway": ("Card or net banking", "कार्ड या नेट बैंकिंग"),
    "pay.nothing_due": ("Nothing is due now.", "अभी कुछ देय नहीं है।"),
    "pay.upi_open": ("Open in your UPI app", "अपने UPI ऐप में खोलें"),
    "pay.upi_scan": ("Or scan this code with any UPI app", "या किसी भी UPI ऐप से यह कोड स्कैन करें"),
    "pay.upi_note": (
        "Your payment shows on your loan once your bank's credit reaches us.",
        "आपका भुगतान बैंक से राशि हमें मिलते ही आपके ऋण पर दिखेगा।",
    ),
    "pay.gateway_go": ("Go to the secure payment page", "सुरक्षित भुगतान पृष्ठ पर जाएँ"),
    "pay.received": (
        "Thank you. The gateway has your payment; it shows here as soon as it confirms it to us.",
        "धन्यवाद। भुगतान गेटवे को आपका भुगतान मिल गया है; पुष्टि होते ही यह यहाँ दिखेगा।",
    ),
    "pay.posted": ("Your payment is on your loan.", "आपका भुगतान आपके ऋण में जमा हो गया है।"),
    "requests": ("Requests", "अनुरोध"),
    "request.new": ("New request", "नया अनुरोध"),
    "request.none": ("You have raised no requests.", "आपने कोई अनुरोध नहीं किया है।"),
    "kind": ("What do you need?", "आपको क्या चाहिए?"),
    "kind.part_prepayment": ("Part-prepayment", "आंशिक पूर्व-भुगतान"),
    "kind.emi_date_change": ("Change of EMI date", "EMI तिथि में बदलाव"),
    "kind.mandate_change": (
        "Change of auto-debit mandate (eNACH or UPI AutoPay)",
        "ऑटो-डेबिट मैंडेट में बदलाव (eNACH या UPI AutoPay)",
    ),
    "kind.support": ("Help with something else", "किसी अन्य बात में सहायता"),
    "kind.complaint": ("Complaint", "शिकायत"),
    "category": ("Topic", "विषय"),
    "subject": ("Subject", "विषय-पंक्ति"),
    "message": ("Message", "संदेश"),
    "attachment": (
        "Attach a file (PDF, PNG or JPEG, up to 2 MB)",
        "फ़ाइल जोड़ें (PDF, PNG या JPEG, 2 MB तक)",
    ),
    "send": ("Send", "भेजें"),
    "reply": ("Reply", "जवाब दें"),
    "rq.open": ("Open", "खुला"),
    "rq.answered": ("Answered", "उत्तर दिया गया"),
    "rq.resolved": ("Resolved", "हल हो गया"),
    "rq.due": ("We answer by", "हम उत्तर देंगे"),
    "you": ("You", "आप"),
    "staff": ("Our team", "हमारी टीम"),
    "foreclosure.quote": ("Foreclosure amount today", "आज फ़ोरक्लोज़र राशि"),
    "grievance": ("Complaints", "शिकायतें"),
    "grievance.intro": (
        "If something went wrong, tell us: every complaint gets a reference"
        " number and an answer within 30 days.",
        "यदि कुछ गलत हुआ है, तो हमें बताएँ: हर शिकायत को एक संदर्भ संख्या और 30 दिनों के भीतर उत्तर मिलता है।",
    ),
    "grievance.officer": ("Grievance redressal officer", "शिकायत निवारण अधिकारी"),
    "grievance.nodal": ("Principal nodal officer", "प्रधान नोडल अधिकारी"),
    "grievance.ombudsman": (
        "Not resolved in 30 days, or not satisfied with our answer? You may"
        " complain to the RBI Ombudsman:",
        "30 दिनों में हल नहीं हुआ, या हमारे उत्तर से संतुष्ट नहीं? आप RBI लोकपाल से शिकायत कर सकते हैं:",
    ),
    "grievance.make": ("Make a complaint", "शिकायत दर्ज करें"),
    "not_set": ("not set", "निर्धारित नहीं"),
    "contact.title": ("My contact details", "मेरे संपर्क विवरण"),
    "contact.intro": (
        "Give a new mobile number or e-mail address; we send a code to it to confirm it is yours.",
        "नया मोबाइल नंबर या ई-मेल पता दें; इसकी पुष्टि के लिए हम उस पर एक कोड भेजेंगे।",
    ),
    "contact.new": ("New mobile number or e-mail", "नया मोबाइल नंबर या ई-मेल"),
    "contact.done": ("Your contact details are updated.", "आपके संपर्क विवरण अपडेट हो गए हैं।"),
    "phone": ("Mobile", "मोबाइल"),
    "email": ("E-mail", "ई-मेल"),
    "error": ("Something is not right", "कुछ ठीक नहीं है"),
    "back": ("Back", "वापस"),
}


def words(lang: str) -> Callable[[str], str]:
    """The portal's text for a key in `lang` (English for a language it does not have)."""
    index = 1 if lang == "hi" else 0
    return lambda key: TEXTS[key][index]
