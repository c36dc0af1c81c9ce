"""The words of the borrower's certificates and repayment schedule, in English and Hindi: the
repayment schedule (sc.), the interest certificate of a financial year (ic.) and the no-dues
certificate (nd.), with what they share (ct.). `lms.documents.words` takes them into its
catalogue, so `words(lang)(key)` says them as it says every other document's words.

Guarantees: both languages have every key, each sentence the same figure names (the catalogue's
test holds them, these keys among them); no key of the main catalogue is said again here (the
catalogue refuses a clash); pure data.
"""

from __future__ import annotations

CERTIFICATE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "ct.issued": "Issued on {day}.",
        "ct.computer": "A computer-made document; it needs no signature.",
        "ct.disbursed": "Disbursed on",
        "ct.total": "Total",
        "sc.title": "Repayment schedule · {loan}",
        "sc.as_of": "The loan's installments as on {day}: each one's principal and interest, what"
        " has been paid of it, and the principal the plan leaves after it.",
        "sc.the_loan": "The loan on {day}",
        "sc.installments": "Installments",
        "sc.paid": "Paid",
        "sc.status": "Status",
        "sc.status.paid": "paid",
        "sc.status.overdue": "overdue",
        "sc.status.not_due": "not due",
        "sc.note": "Installments not yet due are as the loan stands on {day}: a change of the"
        " interest rate or a part-prepayment changes them, and the borrower is told when it does.",
        "ic.title": "Interest certificate · financial year {year}",
        "ic.period": "Financial year {year}: {since} to {until}.",
        "ic.so_far": "The year is not over: the figures are those up to {day}.",
        "ic.the_loan": "The loan",
        "ic.paid": "Paid from {since} to {until}",
        "ic.principal": "Principal repaid",
        "ic.interest": "Interest paid",
        "ic.charges": "Charges paid (with their GST)",
        "ic.outstanding": "Principal outstanding on {day}",
        "ic.counted": "Each amount is counted on the day it was applied to the loan; payments"
        " returned by the bank, or reversed, are not counted.",
        "ic.purpose": "This certificate is issued for the borrower's income tax return. It states"
        " what was paid; it does not say whether any of it may be deducted (for a housing loan,"
        " under sections 24(b) and 80C of the Income-tax Act, 1961): that is for the borrower"
        " to establish.",
        "nd.title": "No-dues certificate · {loan}",
        "nd.closed": "Closed on",
        "nd.how": "How it closed",
        "nd.repaid": "repaid in full",
        "nd.foreclosed": "foreclosed (repaid in full before its term)",
        "nd.certify": "This is to certify that loan {loan} of {name} was {how} and closed on"
        " {day}. Nothing is owed on it: no principal, interest or charges remain due to the"
        " lender.",
        "nd.refund": "{amount} paid over what was owed is held for the borrower and will be"
        " refunded.",
        "nd.security": "Original documents of any property pledged or mortgaged for the loan are"
        " to be returned, and any charge registered on it removed, within 30 days of the loan's"
        " closure (RBI, September 2023).",
    },
    "hi": {
        "ct.issued": "जारी करने की तिथि {day}।",
        "ct.computer": "कंप्यूटर द्वारा बनाया गया दस्तावेज़; इस पर हस्ताक्षर की आवश्यकता नहीं है।",
        "ct.disbursed": "संवितरण की तिथि",
        "ct.total": "कुल",
        "sc.title": "चुकौती अनुसूची · {loan}",
        "sc.as_of": "{day} को ऋण की किस्तें: प्रत्येक किस्त का मूलधन और ब्याज, उसमें से चुकाई गई राशि,"
        " और उस किस्त के बाद योजना के अनुसार शेष मूलधन।",
        "sc.the_loan": "{day} को ऋण की स्थिति",
        "sc.installments": "किस्तें",
        "sc.paid": "चुकाया गया",
        "sc.status": "स्थिति",
        "sc.status.paid": "चुकाई गई",
        "sc.status.overdue": "अतिदेय",
        "sc.status.not_due": "अभी देय नहीं",
        "sc.note": "जो किस्तें अभी देय नहीं हैं, वे {day} को ऋण की स्थिति के अनुसार हैं: ब्याज दर में"
        " परिवर्तन या आंशिक पूर्व-भुगतान से वे बदल जाती हैं, और ऐसा होने पर उधारकर्ता को सूचित"
        " किया जाता है।",
        "ic.title": "ब्याज प्रमाणपत्र · वित्तीय वर्ष {year}",
        "ic.period": "वित्तीय वर्ष {year}: {since} से {until} तक।",
        "ic.so_far": "वर्ष अभी पूरा नहीं हुआ है: आँकड़े {day} तक के हैं।",
        "ic.the_loan": "ऋण",
        "ic.paid": "{since} से {until} तक चुकाई गई राशि",
        "ic.principal": "चुकाया गया मूलधन",
        "ic.interest": "चुकाया गया ब्याज",
        "ic.charges": "चुकाए गए प्रभार (GST सहित)",
        "ic.outstanding": "{day} को बकाया मूलधन",
        "ic.counted": "प्रत्येक राशि उस दिन गिनी गई है जिस दिन वह ऋण में समायोजित हुई; बैंक द्वारा"
        " लौटाए गए या उलटे गए भुगतान नहीं गिने गए हैं।",
        "ic.purpose": "यह प्रमाणपत्र उधारकर्ता के आयकर रिटर्न के लिए जारी किया गया है। इसमें केवल"
        " चुकाई गई राशि बताई गई है; इसमें से कोई राशि कटौती योग्य है या नहीं (आवास ऋण के लिए"
        " आयकर अधिनियम, 1961 की धारा 24(b) और 80C के अंतर्गत), यह इस प्रमाणपत्र में नहीं कहा"
        " गया है: इसे उधारकर्ता को स्वयं स्थापित करना है।",
        "nd.title": "अनापत्ति (नो-ड्यूज़) प्रमाणपत्र · {loan}",
        "nd.closed": "बंद होने की तिथि",
        "nd.how": "कैसे बंद हुआ",
        "nd.repaid": "पूरा चुका दिया गया",
        "nd.foreclosed": "अवधि से पहले पूरा चुका दिया गया (पूर्व-समापन)",
        "nd.certify": "प्रमाणित किया जाता है कि {name} का ऋण {loan} {how} और {day} को बंद हो गया।"
        " इस पर कुछ भी बकाया नहीं है: ऋणदाता का कोई मूलधन, ब्याज या प्रभार शेष नहीं है।",
        "nd.refund": "देय राशि से अधिक चुकाए गए {amount} उधारकर्ता के लिए रखे गए हैं और लौटा दिए जाएँगे।",
        "nd.security": "ऋण के लिए गिरवी या बंधक रखी गई किसी भी संपत्ति के मूल दस्तावेज़ ऋण बंद होने के"
        " 30 दिनों के भीतर लौटाए जाएँगे, और उस पर दर्ज कोई भी प्रभार हटाया जाएगा (RBI, सितंबर"
        " 2023)।",
    },
}
