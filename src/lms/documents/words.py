"""The words of the documents a lender hands to a borrower, in English and Hindi (the KFS must
be in a language the borrower understands; RBI, April 2024): every label and sentence of the
KFS, the statement and the receipt (and, taken in from lms.documents.certificate_words, of the
certificates and the repayment schedule), and dates with the month's name (amounts in words:
lms.documents.number_words).

Guarantees: both languages have every key (a test holds them equal); a sentence takes its
figures by name (`words(lang)("kfs.issued", on=...)`), so each language orders them its own
way; figures stay in international digits with Indian grouping, as banks print them in Hindi
too; pure data and functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from lms.documents.certificate_words import CERTIFICATE_TEXT

LANGUAGES = ("en", "hi")
PAISA = Decimal("0.01")

MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "hi": ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर",
           "अक्टूबर", "नवंबर", "दिसंबर"),
}  # fmt: skip

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "lender": "Lender",
        "borrower": "Borrower",
        "kfs.title": "Key Facts Statement · {number}",
        "kfs.issued": "Issued on {on}; valid for 3 working days from then.",
        "kfs.part1": "Part 1: interest rate and fees and charges",
        "kfs.part2": "Part 2: other qualitative information",
        "kfs.acceptance": "Acceptance",
        "kfs.accept": "I have read and understood these key facts, which were explained to me in"
        " a language I understand, and I accept the loan on these terms.",
        "kfs.sign": "Borrower's signature: ______________________ &nbsp; Date: ____________"
        " &nbsp; Place: ____________",
        "kfs.annex_schedule": "Annex: repayment schedule",
        "kfs.annex_apr": "Annex: computation of the APR",
        "kfs.key_fact": "Key fact",
        "kfs.value": "Value",
        "kfs.loan_type": "Type of loan",
        "kfs.sanctioned": "Sanctioned loan amount",
        "kfs.term": "Loan term",
        "kfs.installments": "{n} installments",
        "kfs.installment_one": "1 installment",
        "kfs.emi": "Installment (EMI)",
        "kfs.emi_value": "{emi}, {n} of them",
        "kfs.emi_one": "{emi}, one only",
        "kfs.starts": "Repayment starts",
        "kfs.rate": "Interest rate (a year) and type",
        "kfs.rate_value": "{rate} %, {kind}",
        "kfs.fixed": "fixed",
        "kfs.floating": "floating: {benchmark} + spread {spread}",
        "kfs.rise_unknown": "; effect of a 0.25% rise not computed ({error})",
        "kfs.rise": "; a 0.25% rise: EMI {emi} for the same tenure, or {more} more installments"
        " at the same EMI",
        "kfs.bpi": "Broken-period interest",
        "kfs.bpi_value": "{amount} ({treatment})",
        "bpi.none": "none",
        "bpi.deduct": "deduct",
        "bpi.first": "first",
        "bpi.spread": "spread",
        "bpi.last": "last",
        "kfs.total_interest": "Total interest",
        "kfs.fee": "Fee: {name} (to {payee})",
        "kfs.to_lender": "the lender",
        "kfs.to_third_party": "a third party",
        "kfs.fee_value": "{amount} + tax {tax}",
        "kfs.net_disbursed": "Net disbursed amount",
        "kfs.advance": "Advance EMIs",
        "kfs.advance_value": "{n} paid on {start}, {amount} kept back from the amount paid out",
        "kfs.total_payable": "Total amount to be paid",
        "kfs.apr": "Annual percentage rate (APR)",
        "kfs.contingent": "Contingent charges",
        "kfs.pricing": "Microfinance pricing policy",
        "kfs.pricing_value": "interest at most {rate}% a year on the reducing balance (this "
        "loan: {own}%) and upfront fees at most {fees}% of the loan (before tax); no charge "
        "for repaying early",
        "kfs.penal": "penal charge {rate}% a year on the overdue amount + {tax}% GST (not"
        " interest; never compounded)",
        "kfs.bounce": "bounce charge {amount} + {tax}% GST per returned payment",
        "kfs.foreclosure": "foreclosure charge {rate}% of the principal foreclosed + {tax}% GST",
        "kfs.foreclosure_none": "foreclosure and part-prepayment: no charge (floating rate,"
        " individual)",
        "kfs.no_contingent": "none defined for this product",
        "kfs.loan": "Loan",
        "kfs.recovery": "Recovery agents: the lender may engage recovery agents under its"
        " board-approved policy{site}. An agent carries identity and the lender's authorisation,"
        " calls only between 8 am and 7 pm, and never threatens or harasses; the borrower may"
        " complain of any agent.",
        "kfs.grievance_officer": "the lender's grievance redressal officer",
        "kfs.nodal_officer": "the lender's principal nodal officer",
        "kfs.grievances": "Grievances: write to {grievance}. If not resolved in 14 days, escalate"
        " to {nodal}. If still not resolved in 30 days, complain to the RBI Ombudsman"
        " (cms.rbi.org.in).",
        "kfs.transfer": "Transfer and securitisation: the lender may transfer or securitise the"
        " loan; the borrower will be told, and the terms of this statement stay as they are.",
        "kfs.colending": "Co-lending: not applicable to this loan.",
        "kfs.colending_terms": "Co-lending: this loan is lent jointly by {lender} ({own}%) and "
        "{partner} ({share}%), at a blended rate of {rate}% a year; {lender} services it and is "
        "your single point of contact, grievances included.",
        "kfs.digital": "Digital loans: the borrower may exit within {days} days of disbursement"
        " (the cooling-off period) by repaying the principal and the interest for those days,"
        " without any penalty. No lending service provider acts for this loan.",
        "kfs.due": "Due",
        "kfs.installment": "Installment",
        "kfs.principal": "Principal",
        "kfs.balance": "Balance",
        "kfs.apr_flows": "Cash flows: the net disbursed amount, {net}, paid out at time 0; then"
        " each installment of the schedule above, the n-th at time {start} + (n - 1) periods.",
        "kfs.apr_rate": "The APR is the rate per period that makes the installments, discounted"
        " to time 0, equal the net disbursed amount, times {periods} periods a year:"
        " <b>{apr} %</b> a year.",
        "st.title": "Loan statement · {loan}",
        "st.loan": "{number} (loan {id})",
        "st.period": "From {since} to {until}.",
        "st.on": "The loan on {day}",
        "st.transactions": "Transactions",
        "st.product": "Product",
        "st.rate": "Interest rate",
        "st.rate_value": "{rate} % a year",
        "st.outstanding": "Principal outstanding",
        "st.overdue": "Overdue",
        "st.overdue_value": "{overdue} (of which charges {charges})",
        "st.dpd": "Days past due",
        "st.next": "Next installment",
        "st.next_value": "{amount} on {day}",
        "st.next_none": "nothing: every installment has fallen due",
        "st.excess": "Paid ahead, held for the next due",
        "st.date": "Date",
        "st.kind": "Transaction",
        "st.reference": "Reference",
        "st.amount": "Amount",
        "st.interest": "Interest",
        "st.held": "Held",
        "st.opening": "opening balance",
        "st.closing": "closing balance",
        "rc.title": "Receipt · {number}",
        "rc.loan": "Loan",
        "rc.received": "Received on",
        "rc.amount": "Amount",
        "rc.words": "In words",
        "rc.paid_by": "Paid by",
        "rc.paid_by_value": "{channel}, reference {reference}",
        "rc.applied": "Applied to",
        "rc.applied_value": "principal {principal}, interest {interest}, charges {charges};"
        " held ahead {held}",
        "rc.returned": "This payment was returned by the bank on {day}; this receipt no longer"
        " stands.",
        "rc.computer": "A computer-made receipt; it needs no signature.",
        # the statement's kinds of transaction (lms.documents.statement.StatementLine.kind)
        "kind.fee": "fee: {name}",
        "kind.disbursement": "disbursement",
        "kind.tranche": "tranche",
        "kind.payment": "payment",
        "kind.prepayment": "prepayment",
        "kind.returned payment": "returned payment",
        "kind.reversed: posting error": "reversed: posting error",
        "kind.charge": "charge",
        "kind.charge waived": "charge waived",
        "kind.excess applied": "excess applied",
        "kind.refund": "refund",
        "kind.rate change": "rate change",
        "kind.restructure": "restructure: arrears capitalised",
        "kind.interest capitalised": "interest capitalised (moratorium)",
        "kind.small balance forgiven": "small balance forgiven",
        "kind.advance EMI": "advance EMI",
    },
    "hi": {
        "lender": "ऋणदाता",
        "borrower": "उधारकर्ता",
        "kfs.title": "मुख्य तथ्य विवरण · {number}",
        "kfs.issued": "जारी करने की तिथि {on}; उस दिन से 3 कार्य दिवसों तक मान्य।",
        "kfs.part1": "भाग 1: ब्याज दर तथा शुल्क और प्रभार",
        "kfs.part2": "भाग 2: अन्य गुणात्मक जानकारी",
        "kfs.acceptance": "स्वीकृति",
        "kfs.accept": "मैंने ये मुख्य तथ्य पढ़ और समझ लिए हैं, जो मुझे मेरी समझ में आने वाली भाषा में"
        " समझाए गए हैं, और मैं इन शर्तों पर ऋण स्वीकार करता/करती हूँ।",
        "kfs.sign": "उधारकर्ता के हस्ताक्षर: ______________________ &nbsp; तिथि: ____________"
        " &nbsp; स्थान: ____________",
        "kfs.annex_schedule": "अनुलग्नक: चुकौती अनुसूची",
        "kfs.annex_apr": "अनुलग्नक: वार्षिक प्रतिशत दर (APR) की गणना",
        "kfs.key_fact": "मुख्य तथ्य",
        "kfs.value": "ब्योरा",
        "kfs.loan_type": "ऋण का प्रकार",
        "kfs.sanctioned": "स्वीकृत ऋण राशि",
        "kfs.term": "ऋण अवधि",
        "kfs.installments": "{n} किस्तें",
        "kfs.installment_one": "1 किस्त",
        "kfs.emi": "समान मासिक किस्त (EMI)",
        "kfs.emi_value": "{emi}, कुल {n} किस्तें",
        "kfs.emi_one": "{emi}, केवल एक किस्त",
        "kfs.starts": "चुकौती आरंभ",
        "kfs.rate": "ब्याज दर (वार्षिक) और प्रकार",
        "kfs.rate_value": "{rate} %, {kind}",
        "kfs.fixed": "स्थिर",
        "kfs.floating": "परिवर्तनशील: {benchmark} + स्प्रेड {spread}",
        "kfs.rise_unknown": "; 0.25% वृद्धि का प्रभाव नहीं निकाला जा सका ({error})",
        "kfs.rise": "; 0.25% वृद्धि पर: उसी अवधि के लिए EMI {emi}, या उसी EMI पर {more} अतिरिक्त किस्तें",
        "kfs.bpi": "खंडित अवधि का ब्याज",
        "kfs.bpi_value": "{amount} ({treatment})",
        "bpi.none": "कोई नहीं",
        "bpi.deduct": "संवितरित राशि से काटा गया",
        "bpi.first": "पहली किस्त में जोड़ा गया",
        "bpi.spread": "किस्तों में बाँटा गया",
        "bpi.last": "अंतिम किस्त में जोड़ा गया",
        "kfs.total_interest": "कुल ब्याज",
        "kfs.fee": "शुल्क: {name} ({payee} को)",
        "kfs.to_lender": "ऋणदाता",
        "kfs.to_third_party": "तृतीय पक्ष",
        "kfs.fee_value": "{amount} + कर {tax}",
        "kfs.net_disbursed": "शुद्ध संवितरित राशि",
        "kfs.advance": "अग्रिम ईएमआई",
        "kfs.advance_value": "{n} ईएमआई {start} को, {amount} संवितरित राशि से रोकी गई",
        "kfs.total_payable": "चुकाई जाने वाली कुल राशि",
        "kfs.apr": "वार्षिक प्रतिशत दर (APR)",
        "kfs.contingent": "आकस्मिक प्रभार",
        "kfs.pricing": "सूक्ष्म वित्त मूल्य निर्धारण नीति",
        "kfs.pricing_value": "घटती शेष राशि पर ब्याज अधिकतम {rate}% प्रति वर्ष (इस ऋण पर: "
        "{own}%) और अग्रिम शुल्क ऋण का अधिकतम {fees}% (कर से पहले); समय से पहले चुकाने पर "
        "कोई प्रभार नहीं",
        "kfs.penal": "दंडात्मक प्रभार: अतिदेय राशि पर {rate}% वार्षिक + {tax}% GST (यह ब्याज नहीं"
        " है; इस पर कभी चक्रवृद्धि नहीं की जाती)",
        "kfs.bounce": "बाउंस प्रभार: प्रत्येक लौटाए गए भुगतान पर {amount} + {tax}% GST",
        "kfs.foreclosure": "पूर्व-समापन प्रभार: पूर्व-समापन पर चुकाए जाने वाले मूलधन का {rate}% + {tax}%"
        " GST",
        "kfs.foreclosure_none": "पूर्व-समापन और आंशिक पूर्व-भुगतान: कोई प्रभार नहीं (परिवर्तनशील"
        " दर, व्यक्तिगत उधारकर्ता)",
        "kfs.no_contingent": "इस उत्पाद के लिए कोई आकस्मिक प्रभार निर्धारित नहीं है",
        "kfs.loan": "ऋण",
        "kfs.recovery": "वसूली एजेंट: ऋणदाता अपने बोर्ड द्वारा अनुमोदित नीति{site} के अंतर्गत वसूली"
        " एजेंट नियुक्त कर सकता है। एजेंट अपना पहचान-पत्र और ऋणदाता का प्राधिकार-पत्र"
        " साथ रखेगा, केवल सुबह 8 बजे से शाम 7 बजे के बीच संपर्क करेगा, और न तो धमकी"
        " देगा न परेशान करेगा; उधारकर्ता किसी भी एजेंट की शिकायत कर सकता है।",
        "kfs.grievance_officer": "ऋणदाता के शिकायत निवारण अधिकारी",
        "kfs.nodal_officer": "ऋणदाता के प्रधान नोडल अधिकारी",
        "kfs.grievances": "शिकायतें: {grievance} को लिखें। 14 दिनों में समाधान न होने पर {nodal} के समक्ष"
        " मामला उठाएँ। 30 दिनों में भी समाधान न होने पर RBI लोकपाल (cms.rbi.org.in) से"
        " शिकायत करें।",
        "kfs.transfer": "अंतरण और प्रतिभूतिकरण: ऋणदाता ऋण का अंतरण या प्रतिभूतिकरण कर सकता है;"
        " उधारकर्ता को सूचित किया जाएगा, और इस विवरण की शर्तें यथावत रहेंगी।",
        "kfs.colending": "सह-उधार: इस ऋण पर लागू नहीं।",
        "kfs.colending_terms": "सह-उधार: यह ऋण {lender} ({own}%) और {partner} ({share}%) द्वारा "
        "संयुक्त रूप से {rate}% प्रति वर्ष की मिश्रित दर पर दिया गया है; {lender} इसकी सेवा करता "
        "है और शिकायतों सहित आपका एकमात्र संपर्क बिंदु है।",
        "kfs.digital": "डिजिटल ऋण: उधारकर्ता संवितरण के {days} दिनों के भीतर (कूलिंग-ऑफ अवधि) मूलधन और"
        " उन दिनों का ब्याज चुकाकर, बिना किसी दंड के, ऋण से बाहर निकल सकता है। इस ऋण के"
        " लिए कोई ऋण सेवा प्रदाता कार्य नहीं करता।",
        "kfs.due": "देय तिथि",
        "kfs.installment": "किस्त",
        "kfs.principal": "मूलधन",
        "kfs.balance": "शेष",
        "kfs.apr_flows": "नकदी प्रवाह: शुद्ध संवितरित राशि, {net}, समय 0 पर दी गई; फिर ऊपर की अनुसूची की"
        " प्रत्येक किस्त, n-वीं किस्त समय {start} + (n - 1) अवधियों पर।",
        "kfs.apr_rate": "APR वह प्रति-अवधि दर है जिस पर सभी किस्तों का समय 0 पर बट्टाकृत (वर्तमान)"
        " मूल्य शुद्ध संवितरित राशि के बराबर होता है; इसे वर्ष की {periods} अवधियों से"
        " गुणा करने पर: <b>{apr} %</b> वार्षिक।",
        "st.title": "ऋण खाता विवरण · {loan}",
        "st.loan": "{number} (ऋण {id})",
        "st.period": "{since} से {until} तक।",
        "st.on": "{day} को ऋण की स्थिति",
        "st.transactions": "लेन-देन",
        "st.product": "उत्पाद",
        "st.rate": "ब्याज दर",
        "st.rate_value": "{rate} % वार्षिक",
        "st.outstanding": "बकाया मूलधन",
        "st.overdue": "अतिदेय राशि",
        "st.overdue_value": "{overdue} (इसमें प्रभार {charges} शामिल)",
        "st.dpd": "देय तिथि से बीते दिन (DPD)",
        "st.next": "अगली किस्त",
        "st.next_value": "{day} को {amount}",
        "st.next_none": "कोई नहीं: सभी किस्तें देय हो चुकी हैं",
        "st.excess": "अग्रिम भुगतान, अगली देय राशि के लिए रखा गया",
        "st.date": "तिथि",
        "st.kind": "लेन-देन",
        "st.reference": "संदर्भ",
        "st.amount": "राशि",
        "st.interest": "ब्याज",
        "st.held": "रखी गई",
        "st.opening": "प्रारंभिक शेष",
        "st.closing": "अंतिम शेष",
        "rc.title": "रसीद · {number}",
        "rc.loan": "ऋण",
        "rc.received": "प्राप्ति की तिथि",
        "rc.amount": "राशि",
        "rc.words": "शब्दों में",
        "rc.paid_by": "भुगतान का माध्यम",
        "rc.paid_by_value": "{channel}, संदर्भ {reference}",
        "rc.applied": "समायोजन",
        "rc.applied_value": "मूलधन {principal}, ब्याज {interest}, प्रभार {charges}; अग्रिम रखी गई राशि"
        " {held}",
        "rc.returned": "यह भुगतान बैंक ने {day} को लौटा दिया; यह रसीद अब मान्य नहीं है।",
        "rc.computer": "कंप्यूटर द्वारा बनाई गई रसीद; इस पर हस्ताक्षर की आवश्यकता नहीं है।",
        "kind.fee": "शुल्क: {name}",
        "kind.disbursement": "संवितरण",
        "kind.tranche": "आंशिक संवितरण (ट्रांच)",
        "kind.payment": "भुगतान",
        "kind.prepayment": "पूर्व-भुगतान",
        "kind.returned payment": "लौटाया गया भुगतान",
        "kind.reversed: posting error": "प्रविष्टि उलटी गई (रिवर्सल): प्रविष्टि त्रुटि",
        "kind.charge": "प्रभार",
        "kind.charge waived": "प्रभार माफ़",
        "kind.excess applied": "अग्रिम राशि समायोजित",
        "kind.refund": "धनवापसी",
        "kind.rate change": "दर परिवर्तन",
        "kind.restructure": "पुनर्गठन: बकाया मूलधन में जोड़ा गया",
        "kind.interest capitalised": "ब्याज मूलधन में जोड़ा गया (मोरेटोरियम)",
        "kind.small balance forgiven": "छोटी शेष राशि माफ़",
        "kind.advance EMI": "अग्रिम ईएमआई",
    },
}


def _take_in(more: dict[str, dict[str, str]]) -> None:
    """Add `more` words, kept in a module of their own, to the catalogue (a key said twice
    would hide one of them: refused)."""
    for lang, said in more.items():
        if clash := TEXT[lang].keys() & said.keys():
            raise ValueError(f"document words said twice: {sorted(clash)}")
        TEXT[lang].update(said)


_take_in(CERTIFICATE_TEXT)

Words = Callable[..., str]


def words(lang: str) -> Words:
    """The text of `lang` (one of LANGUAGES) by key, its figures filled in by name."""
    table = TEXT[lang]

    def said(key: str, **values: object) -> str:
        return table[key].format(**values) if values else table[key]

    return said


def kind_of(line_kind: str, lang: str) -> str:
    """A statement line's kind in `lang` (a returned payment keeps its return code)."""
    if line_kind.startswith("fee: "):
        return TEXT[lang]["kind.fee"].format(name=line_kind.removeprefix("fee: "))
    base, _, code = line_kind.partition(" (")
    said = TEXT[lang].get(f"kind.{base}", base)
    return f"{said} ({code}" if code else said


def month_day(value: date, lang: str) -> str:
    """``3 Dec 2026`` in English, ``3 दिसंबर 2026`` in Hindi."""
    return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"
