"""Payment gateways (cards, net banking, UPI through a gateway) behind one Protocol, and the
first adapter, for Razorpay's published API:

- orders: `POST {base}/v1/orders` with HTTP basic auth (key id, key secret) and a JSON body
  `{"amount": paise, "currency": "INR", "receipt": ..., "notes": {...}}`; the answer's `id`
  (`order_...`) is the order's reference;
- webhooks: the raw body signed with HMAC-SHA256 under the webhook secret, hex, in the
  `X-Razorpay-Signature` header; the event id in `X-Razorpay-Event-Id`; the events that mean
  money was taken are `payment.captured` and `order.paid`, each carrying the payment entity
  (`id` `pay_...`, `order_id`, `amount` in paise, `status` `captured`, `created_at` epoch);
- settlement reports: the reconciliation rows (`entity_id`, `type`, `amount`, `fee`, `tax`
  in paise, `settlement_id`, `settled_at` epoch), as CSV with that header.

Settings: $LMS_RAZORPAY_KEY_ID, $LMS_RAZORPAY_KEY_SECRET, $LMS_RAZORPAY_WEBHOOK_SECRET and
$LMS_RAZORPAY_URL (default https://api.razorpay.com).

Guarantees: a signature is compared in constant time; a body that does not verify is never
parsed; amounts are converted between paise and rupees exactly.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from lms.platform.settings import get_settings

IST = ZoneInfo("Asia/Kolkata")


class GatewayError(RuntimeError):
    """The gateway refused a request or could not be reached."""


@dataclass(frozen=True)
class Captured:
    """Money a gateway took for an order."""

    order_ref: str
    payment_ref: str
    amount: Decimal
    paid_on: date  # in India's time zone


@dataclass(frozen=True)
class Settled:
    """One payment of a settlement report."""

    payment_ref: str
    settlement_ref: str
    amount: Decimal
    fee: Decimal
    tax: Decimal
    settled_on: date


class PaymentGateway(Protocol):
    name: str
    signature_header: str  # the HTTP header carrying the webhook's signature
    event_header: str  # the HTTP header carrying the event's id

    def create_order(self, amount: Decimal, receipt: str, notes: dict[str, str]) -> str:
        """Create an order for `amount` rupees; returns the gateway's order reference."""
        ...

    def verify(self, body: bytes, signature: str) -> bool: ...

    def checkout(
        self, order_ref: str, *, description: str, back: str
    ) -> tuple[str, dict[str, str]]: ...

    def checkout_signed(self, order_ref: str, payment_ref: str, signature: str) -> bool: ...

    def event_of(self, body: bytes) -> tuple[str, Captured | None]:
        """The event's name, and the money it reports taken (None for other events)."""
        ...

    def settlement(self, content: bytes) -> list[Settled]: ...


def paise(amount: Decimal) -> int:
    value = amount * 100
    if value != value.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of paise")
    return int(value)


def rupees(value: int | str) -> Decimal:
    return Decimal(int(value)) / 100


@dataclass
class Razorpay:
    key_id: str
    key_secret: str
    webhook_secret: str
    base_url: str = "https://api.razorpay.com"
    name: str = "razorpay"
    signature_header: str = "X-Razorpay-Signature"
    event_header: str = "X-Razorpay-Event-Id"

    @classmethod
    def from_environment(cls) -> Razorpay:
        return cls(
            get_settings().razorpay_key_id,
            get_settings().razorpay_key_secret,
            get_settings().razorpay_webhook_secret,
            get_settings().razorpay_url,
        )

    def create_order(self, amount: Decimal, receipt: str, notes: dict[str, str]) -> str:
        body = {"amount": paise(amount), "currency": "INR", "receipt": receipt, "notes": notes}
        token = base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        request = urllib.request.Request(
            f"{self.base_url.rstrip('/')}/v1/orders",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                order = json.load(answer)
        except urllib.error.HTTPError as exc:
            raise GatewayError(
                f"razorpay refused the order: {exc.code} {exc.read()[:200]!r}"
            ) from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise GatewayError(f"razorpay could not be reached: {exc}") from None
        if not str(order.get("id", "")).startswith("order_"):
            raise GatewayError(f"razorpay answered without an order id: {order!r}"[:300])
        return str(order["id"])

    def checkout(
        self, order_ref: str, *, description: str, back: str
    ) -> tuple[str, dict[str, str]]:
        """The gateway's hosted checkout for an order: the address a browser form posts to and
        its fields (Razorpay's embedded checkout; it posts the outcome back to `back`)."""
        url = f"{self.base_url.rstrip('/')}/v1/checkout/embedded"
        fields = {"key_id": self.key_id, "order_id": order_ref, "callback_url": back,
                  "cancel_url": back, "name": get_settings().lender_name,
                  "description": description}  # fmt: skip
        return url, fields

    def checkout_signed(self, order_ref: str, payment_ref: str, signature: str) -> bool:
        """Whether a checkout's outcome carries the gateway's signature: HMAC-SHA256 of
        `order_id|payment_id` under the key secret, hex."""
        if not self.key_secret or not signature:
            return False
        text = f"{order_ref}|{payment_ref}".encode()
        wanted = hmac.new(self.key_secret.encode(), text, hashlib.sha256).hexdigest()
        return hmac.compare_digest(wanted, signature.strip())

    def verify(self, body: bytes, signature: str) -> bool:
        if not self.webhook_secret or not signature:
            return False
        wanted = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(wanted, signature.strip())

    def event_of(self, body: bytes) -> tuple[str, Captured | None]:
        data = json.loads(body)
        event = str(data.get("event", ""))
        if event not in ("payment.captured", "order.paid"):
            return event, None
        payment = data["payload"]["payment"]["entity"]
        if payment.get("status") != "captured" or not payment.get("order_id"):
            return event, None
        taken = datetime.fromtimestamp(int(payment["created_at"]), UTC).astimezone(IST)
        return event, Captured(
            str(payment["order_id"]), str(payment["id"]), rupees(payment["amount"]), taken.date()
        )

    def settlement(self, content: bytes) -> list[Settled]:
        rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
        settled = []
        for row in rows:
            if row.get("type") != "payment":
                continue  # refunds, adjustments: not repayments
            when = datetime.fromtimestamp(int(row["settled_at"]), UTC).astimezone(IST)
            settled.append(
                Settled(
                    row["entity_id"],
                    row["settlement_id"],
                    rupees(row["amount"]),
                    rupees(row.get("fee") or 0),
                    rupees(row.get("tax") or 0),
                    when.date(),
                )
            )
        return settled


GATEWAYS = {"razorpay": Razorpay.from_environment}


def gateway_named(name: str) -> PaymentGateway:
    """The configured gateway `name` (from the settings)."""
    if name not in GATEWAYS:
        raise KeyError(name)
    return GATEWAYS[name]()
