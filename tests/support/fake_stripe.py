"""A local stand-in for the parts of Stripe's API that Kabinet uses, so the `stripe` library's
real request code runs against it: customers, products and prices, billing meters and meter
events (deduplicated by identifier, summarised per customer), Checkout sessions with a hosted
page to pay on, Customer Portal sessions with a page to cancel or change plan, subscriptions and
invoices — plus test controls to fail or recover a customer's payment.

Each change of state is also a Stripe event: kept in `events` and, when `webhook_url` is set,
POSTed there signed with `webhook_secret` the way Stripe signs (`t=…,v1=HMAC-SHA256`).

`make run` starts one (config.devstack) with its state kept in a JSON file, so a restart keeps the
customers and subscriptions the database points at.
"""

import hashlib
import hmac
import html
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from urllib.request import Request, urlopen

from tests.support.fake_server import FakeService, QuietHandler, serving

MONTH = 30 * 24 * 3600


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = [key.split("[", 1)[0], *re.findall(r"\[([^\]]*)\]", key)]
        node: Any = root
        for part, following in itertools.pairwise(parts):
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append([] if following.isdigit() else {})
                node = node[index]
            else:
                node = node.setdefault(part, [] if following.isdigit() else {})
        last = parts[-1]
        if isinstance(node, list):
            node.append(value)
        else:
            node[last] = value
    return root


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class StripeError(Exception):
    def __init__(self, status: int, message: str, code: str = "resource_missing") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class FakeStripe(FakeService):
    def __init__(
        self, *, webhook_url: str = "", webhook_secret: str = "", state_file: Path | None = None
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.state_file = state_file
        self.lock = threading.RLock()
        self.fail_next = 0  # answer the next N API calls with a 500
        self.meter_event_stall = 0.0  # seconds to hold each meter event's answer (after counting)
        self.requests: list[dict[str, Any]] = []  # method, path, params, idempotency key
        self.events: list[dict[str, Any]] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self.meter_events: dict[str, dict[str, Any]] = {}  # by identifier: counted once
        self.idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self.counter = 0
        if state_file and state_file.exists():
            saved = json.loads(state_file.read_text())
            self.objects, self.events = saved["objects"], saved["events"]
            self.meter_events, self.counter = saved["meter_events"], saved["counter"]

    # -- state -----------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_fake{self.counter:08d}"

    def _save(self) -> None:
        if self.state_file:
            state = {
                "objects": self.objects,
                "events": self.events[-200:],
                "meter_events": self.meter_events,
                "counter": self.counter,
            }
            self.state_file.write_text(json.dumps(state))

    def _put(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, kind: str) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise StripeError(404, f"No such {kind}: '{object_id}'")
        return obj

    def of_kind(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        return [
            o
            for o in self.objects.values()
            if o["object"] == kind and all(o.get(k) == v for k, v in match.items())
        ]

    def emit(self, event_type: str, obj: dict[str, Any], account: str = "") -> dict[str, Any]:
        event = {
            "id": self._id("evt"),
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "api_version": "2026-10-28.endive",
            "livemode": False,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        if account:  # an event on a connected account says which
            event["account"] = account
        self.events.append(event)
        if self.webhook_url:
            threading.Thread(target=self.deliver, args=(event,), daemon=True).start()
        return event

    def deliver(self, event: dict[str, Any]) -> int:
        """POST `event` to the webhook URL, signed; the HTTP status it got."""
        body = json.dumps(event).encode()
        request = Request(self.webhook_url, data=body, method="POST")  # noqa: S310 (local)
        request.add_header("Content-Type", "application/json")
        request.add_header("Stripe-Signature", sign(body, self.webhook_secret))
        try:
            with urlopen(request, timeout=10) as response:  # noqa: S310 (local)
                return response.status
        except Exception:
            return 0

    # -- the API ---------------------------------------------------------------------------

    def api(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")[1:]  # without "v1"
        route = "/".join(p if not re.match(r"^[a-z]+_fake\d+$|^mtr_", p) else "{id}" for p in parts)
        ids = [p for p in parts if re.match(r"^[a-z]+_fake\d+$|^mtr_", p)]
        handler = getattr(
            self,
            f"{method.lower()}_" + route.replace("/", "__").replace("{id}", "ID").replace("-", "_"),
            None,
        )
        if handler is None:
            raise StripeError(404, f"Unrecognized request URL ({method}: {path})", "url_invalid")
        return handler(*ids, params)

    def post_customers(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("__account"):  # a business's own customer (a client who saves a card)
            return self.post_customers_on_account(p)
        return self._put(
            {
                "id": self._id("cus"),
                "object": "customer",
                "email": p.get("email"),
                "name": p.get("name"),
                "metadata": p.get("metadata", {}),
                "created": int(time.time()),
            }
        )

    def get_customers__ID(self, cid: str, p: dict[str, Any]) -> dict[str, Any]:
        return self.get(cid, "customer")

    def post_customers__ID(self, cid: str, p: dict[str, Any]) -> dict[str, Any]:
        customer = self.get(cid, "customer")
        customer.update({k: p[k] or None for k in ("email", "name", "phone") if k in p})
        return customer

    def post_products(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._put(
            {
                "id": self._id("prod"),
                "object": "product",
                "name": p["name"],
                "metadata": p.get("metadata", {}),
            }
        )

    def post_prices(self, p: dict[str, Any]) -> dict[str, Any]:
        recurring = p.get("recurring", {})
        return self._put(
            {
                "id": self._id("price"),
                "object": "price",
                "product": p["product"],
                "currency": p["currency"],
                "unit_amount": int(p.get("unit_amount", 0) or 0),
                "billing_scheme": p.get("billing_scheme", "per_unit"),
                "tiers": [
                    {
                        k: None if v == "inf" else int(v) if re.fullmatch(r"-?\d+", v) else v
                        for k, v in t.items()
                    }  # unit_amount_decimal may have a fraction
                    for t in p.get("tiers", [])
                ],
                "recurring": {
                    "interval": recurring.get("interval", "month"),
                    "interval_count": int(recurring.get("interval_count") or 1),
                    "usage_type": recurring.get("usage_type", "licensed"),
                    "meter": recurring.get("meter"),
                },
                "lookup_key": p.get("lookup_key"),
                "metadata": p.get("metadata", {}),
            }
        )

    def post_billing__meters(self, p: dict[str, Any]) -> dict[str, Any]:
        if self.of_kind("billing.meter", event_name=p["event_name"]):
            raise StripeError(400, "A meter with this event_name already exists", "invalid")
        return self._put(
            {
                "id": f"mtr_{self._id('x')}",
                "object": "billing.meter",
                "event_name": p["event_name"],
                "display_name": p.get("display_name"),
                "default_aggregation": p.get("default_aggregation", {}),
                "status": "active",
            }
        )

    def get_billing__meters(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._list(self.of_kind("billing.meter"), "/v1/billing/meters")

    def post_billing__meter_events(self, p: dict[str, Any]) -> dict[str, Any]:
        payload = p.get("payload", {})
        customer, value = payload.get("stripe_customer_id"), payload.get("value")
        if not self.of_kind("billing.meter", event_name=p.get("event_name")):
            raise StripeError(
                400, f"No active meter found for event_name {p.get('event_name')}", "invalid"
            )
        self.get(customer or "", "customer")
        if value is None or not re.fullmatch(r"-?\d+(\.\d+)?", str(value)):
            raise StripeError(400, "payload[value] must be a number", "parameter_invalid")
        now = int(time.time())
        timestamp = int(p.get("timestamp") or now)
        if not now - 35 * 24 * 3600 <= timestamp <= now + 300:
            raise StripeError(400, "timestamp must be within the past 35 days", "invalid")
        identifier = p.get("identifier") or self._id("mev")
        event = {
            "object": "billing.meter_event",
            "event_name": p["event_name"],
            "identifier": identifier,
            "payload": payload,
            "timestamp": timestamp,
            "created": now,
        }
        # Stripe drops a second event with an identifier it has seen (asynchronously).
        self.meter_events.setdefault(identifier, event)
        if self.meter_event_stall:
            self.lock.release()  # let other requests in while this answer is held back
            try:
                time.sleep(self.meter_event_stall)
            finally:
                self.lock.acquire()
        return event

    def get_billing__meters__ID__event_summaries(
        self, meter_id: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        meter = self.get(meter_id, "billing.meter")
        start, end = int(p["start_time"]), int(p["end_time"])
        events = sorted(
            (
                e
                for e in self.meter_events.values()
                if e["event_name"] == meter["event_name"]
                and e["payload"].get("stripe_customer_id") == p["customer"]
                and start <= e["timestamp"] < end
            ),
            key=lambda e: (e["timestamp"], e["created"]),
        )
        values = [float(e["payload"]["value"]) for e in events]
        if meter["default_aggregation"].get("formula") == "last":
            total = values[-1] if values else 0.0
        else:
            total = sum(values)
        summary = {
            "id": f"mtrusg_{meter_id}",
            "object": "billing.meter_event_summary",
            "aggregated_value": total,
            "meter": meter_id,
            "start_time": start,
            "end_time": end,
        }
        return self._list([summary], f"/v1/billing/meters/{meter_id}/event_summaries")

    def post_checkout__sessions(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("mode") == "payment":
            return self._payment_session(p)
        if p.get("__account"):
            return self._membership_session(p)
        self.get(p.get("customer", ""), "customer")
        for item in p.get("line_items", []):
            self.get(item["price"], "price")
        sid = self._id("cs")
        return self._put(
            {
                "id": sid,
                "object": "checkout.session",
                "mode": p.get("mode"),
                "customer": p["customer"],
                "line_items": p.get("line_items", []),
                "success_url": p["success_url"],
                "cancel_url": p.get("cancel_url"),
                "client_reference_id": p.get("client_reference_id"),
                "metadata": p.get("metadata", {}),
                "subscription_data": p.get("subscription_data", {}),
                "status": "open",
                "payment_status": "unpaid",
                "subscription": None,
                "url": f"{self.url}/pay/{sid}",
            }
        )

    def _payment_session(self, p: dict[str, Any]) -> dict[str, Any]:
        """One payment on a connected account (Stripe-Account header), priced inline."""
        account = self.get(p["__account"], "account")
        if not account["charges_enabled"]:
            raise StripeError(400, "This account cannot create live charges yet.", "invalid")
        total, currency = 0, None
        for item in p["line_items"]:
            data = item["price_data"]
            total += int(data["unit_amount"]) * int(item.get("quantity", 1))
            currency = data["currency"]
        sid = self._id("cs")
        return self._put(
            {
                "id": sid,
                "object": "checkout.session",
                "mode": "payment",
                "account": account["id"],
                "line_items": p["line_items"],
                "amount_total": total,
                "currency": currency,
                "success_url": p["success_url"],
                "cancel_url": p.get("cancel_url"),
                "client_reference_id": p.get("client_reference_id"),
                "metadata": p.get("metadata", {}),
                "customer": p.get("customer"),
                "payment_intent_data": p.get("payment_intent_data", {}),
                "payment_intent": None,
                "status": "open",
                "payment_status": "unpaid",
                "url": f"{self.url}/pay/{sid}",
            }
        )

    def get_checkout__sessions(self, p: dict[str, Any]) -> dict[str, Any]:
        """Sessions on the calling account, found by their payment intent."""
        found = [
            s for s in self.of_kind("checkout.session", account=p.get("__account", ""))
            if not p.get("payment_intent") or s.get("payment_intent") == p["payment_intent"]
        ]  # fmt: skip
        return self._list(found, "/v1/checkout/sessions")

    # -- client payments on connected accounts: intents, charges, refunds, disputes, cards ----

    def _on_account(self, object_id: str, kind: str, p: dict[str, Any]) -> dict[str, Any]:
        obj = self.get(object_id, kind)
        if obj.get("account", "") != p.get("__account", ""):
            raise StripeError(404, f"No such {kind}: '{object_id}'")  # another account's
        return obj

    def _charge(self, session: dict[str, Any], *, settled: bool) -> None:
        """A paid (or clearing) one-time session's payment intent and charge; a card saved
        when the session asked for it."""
        account = session["account"]
        intent = self.objects.get(session.get("payment_intent") or "")
        if intent is None:
            intent = self._put(
                {
                    "id": self._id("pi"),
                    "object": "payment_intent",
                    "account": account,
                    "amount": session["amount_total"],
                    "currency": session["currency"],
                    "customer": session.get("customer"),
                    "metadata": session.get("payment_intent_data", {}).get("metadata", {}),
                    "status": "processing",
                    "latest_charge": None,
                    "created": int(time.time()),
                }
            )
            session["payment_intent"] = intent["id"]
        if not settled:
            intent["status"] = "processing" if session["payment_status"] == "unpaid" else "canceled"
            return
        if intent["latest_charge"]:
            return
        charge = self._put(
            {
                "id": self._id("ch"),
                "object": "charge",
                "account": account,
                "amount": intent["amount"],
                "amount_refunded": 0,
                "refunded": False,
                "disputed": False,
                "currency": intent["currency"],
                "payment_intent": intent["id"],
                "status": "succeeded",
                "created": int(time.time()),
            }
        )
        intent.update(status="succeeded", latest_charge=charge["id"])
        future = session.get("payment_intent_data", {}).get("setup_future_usage")
        if future and session.get("customer") and not session.get("paid_with"):
            self._put(
                {
                    "id": self._id("pm"),
                    "object": "payment_method",
                    "account": account,
                    "type": "card",
                    "customer": session["customer"],
                    "card": session.get("card", {"brand": "visa", "last4": "4242",
                                                 "exp_month": 12, "exp_year": 2030}),
                }
            )  # fmt: skip

    def get_payment_intents__ID(self, pid: str, p: dict[str, Any]) -> dict[str, Any]:
        return self._on_account(pid, "payment_intent", p)

    def get_charges__ID(self, cid: str, p: dict[str, Any]) -> dict[str, Any]:
        return self._on_account(cid, "charge", p)

    def post_refunds(self, p: dict[str, Any]) -> dict[str, Any]:
        """A refund of a charge (all that is left, or `amount`) on the calling account."""
        if p.get("payment_intent"):
            intent = self._on_account(p["payment_intent"], "payment_intent", p)
            charge = self.get(intent["latest_charge"] or "", "charge")
        else:
            charge = self._on_account(p.get("charge", ""), "charge", p)
        return self.refund(charge["id"], int(p["amount"]) if p.get("amount") else None,
                           metadata=p.get("metadata", {}))  # fmt: skip

    def refund(
        self, charge_id: str, amount: int | None = None, *, metadata: dict | None = None
    ) -> dict[str, Any]:
        """A refund (also what the business does in Stripe's dashboard): refund.created and
        charge.refunded, on the charge's account."""
        charge = self.get(charge_id, "charge")
        left = charge["amount"] - charge["amount_refunded"]
        amount = left if amount is None else amount
        if not 0 < amount <= left:
            raise StripeError(400, "Refund amount is greater than unrefunded amount", "invalid")
        refund = self._put(
            {
                "id": self._id("re"),
                "object": "refund",
                "account": charge["account"],
                "amount": amount,
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "metadata": metadata or {},
                "status": "succeeded",
                "created": int(time.time()),
            }
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self.emit("refund.created", refund, account=charge["account"])
        self.emit("charge.refunded", charge, account=charge["account"])
        self._save()
        return refund

    def get_refunds(self, p: dict[str, Any]) -> dict[str, Any]:
        found = [
            r for r in self.of_kind("refund", account=p.get("__account", ""))
            if r["payment_intent"] == p.get("payment_intent") or r["charge"] == p.get("charge")
        ]  # fmt: skip
        return self._list(found, "/v1/refunds")

    def dispute(self, charge_id: str) -> dict[str, Any]:
        """The cardholder disputes the charge: the funds are withdrawn from the business."""
        charge = self.get(charge_id, "charge")
        dispute = self._put(
            {
                "id": self._id("dp"),
                "object": "dispute",
                "account": charge["account"],
                "amount": charge["amount"] - charge["amount_refunded"],
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "reason": "fraudulent",
                "status": "needs_response",
                "created": int(time.time()),
            }
        )
        charge["disputed"] = True
        self.emit("charge.dispute.created", dispute, account=charge["account"])
        self.emit("charge.dispute.funds_withdrawn", dispute, account=charge["account"])
        self._save()
        return dispute

    def dispute_close(self, dispute_id: str, *, won: bool) -> dict[str, Any]:
        """The dispute is decided: won, the funds are reinstated."""
        dispute = self.get(dispute_id, "dispute")
        dispute["status"] = "won" if won else "lost"
        self.emit("charge.dispute.closed", dispute, account=dispute["account"])
        if won:
            self.emit("charge.dispute.funds_reinstated", dispute, account=dispute["account"])
        self._save()
        return dispute

    def get_disputes(self, p: dict[str, Any]) -> dict[str, Any]:
        found = [
            d for d in self.of_kind("dispute", account=p.get("__account", ""))
            if d["payment_intent"] == p.get("payment_intent") or d["charge"] == p.get("charge")
        ]  # fmt: skip
        return self._list(found, "/v1/disputes")

    def post_customers_on_account(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._put(
            {
                "id": self._id("cus"),
                "object": "customer",
                "account": p["__account"],
                "email": p.get("email"),
                "metadata": p.get("metadata", {}),
                "created": int(time.time()),
            }
        )

    def get_customers__ID__payment_methods(self, cid: str, p: dict[str, Any]) -> dict[str, Any]:
        self._on_account(cid, "customer", p)
        return self._list(self.of_kind("payment_method", customer=cid), "/v1/payment_methods")

    def post_payment_methods__ID__detach(self, pid: str, p: dict[str, Any]) -> dict[str, Any]:
        method = self._on_account(pid, "payment_method", p)
        method["customer"] = None
        return method

    def get_checkout__sessions__ID(self, sid: str, p: dict[str, Any]) -> dict[str, Any]:
        session = self.get(sid, "checkout.session")
        if session.get("account", "") != p.get("__account", ""):
            raise StripeError(404, f"No such checkout.session: '{sid}'")  # another account's
        return session

    def post_accounts(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._put(
            {
                "id": self._id("acct"),
                "object": "account",
                "type": p.get("type", "express"),
                "email": p.get("email"),
                "business_profile": p.get("business_profile", {}),
                "metadata": p.get("metadata", {}),
                "charges_enabled": False,
                "details_submitted": False,
            }
        )

    def get_accounts__ID(self, aid: str, p: dict[str, Any]) -> dict[str, Any]:
        return self.get(aid, "account")

    def post_account_links(self, p: dict[str, Any]) -> dict[str, Any]:
        account = self.get(p["account"], "account")
        link = self._put(
            {
                "id": self._id("acctlink"),
                "object": "account_link",
                "account": account["id"],
                "return_url": p["return_url"],
                "refresh_url": p.get("refresh_url"),
            }
        )
        return {**link, "url": f"{self.url}/onboard/{link['id']}"}

    def onboard(self, link_id: str) -> dict[str, Any]:
        """The business finishes Stripe's onboarding: its account can take payments."""
        link = self.get(link_id, "account_link")
        account = self.get(link["account"], "account")
        account.update(charges_enabled=True, details_submitted=True)
        self.emit("account.updated", account, account=account["id"])
        self._save()
        return link

    def post_billing_portal__sessions(self, p: dict[str, Any]) -> dict[str, Any]:
        self.get(p.get("customer", ""), "customer")
        sid = self._id("bps")
        return self._put(
            {
                "id": sid,
                "object": "billing_portal.session",
                "customer": p["customer"],
                "return_url": p.get("return_url"),
                "url": f"{self.url}/portal/{sid}",
            }
        )

    def get_subscriptions__ID(self, sid: str, p: dict[str, Any]) -> dict[str, Any]:
        return self._owned(self.get(sid, "subscription"), p)

    def get_subscriptions(self, p: dict[str, Any]) -> dict[str, Any]:
        found = self.of_kind("subscription", customer=p.get("customer"))
        return self._list(
            sorted(found, key=lambda s: s["created"], reverse=True), "/v1/subscriptions"
        )

    def get_invoices(self, p: dict[str, Any]) -> dict[str, Any]:
        found = self.of_kind("invoice", customer=p.get("customer"))
        found.sort(key=lambda i: i["created"], reverse=True)
        return self._list(found[: int(p.get("limit", 10))], "/v1/invoices")

    def _list(self, data: list[dict[str, Any]], url: str) -> dict[str, Any]:
        return {"object": "list", "data": data, "has_more": False, "url": url}

    # -- what a customer does on Stripe's pages, and test controls --------------------------

    def pay_checkout(self, session_id: str, *, delayed: bool = False) -> dict[str, Any]:
        """The customer pays on the Checkout page: a subscription starts, its first invoice is
        paid, and the events Stripe sends for that are emitted. `delayed`: a one-time payment
        by a method that clears later (a bank debit) — complete but unpaid until
        `settle_payment`."""
        session = self.get(session_id, "checkout.session")
        if session["status"] != "open":
            return session
        if session.get("account") and session["mode"] == "subscription":
            return self._pay_membership(session)
        if session["mode"] == "payment":
            session.update(status="complete", payment_status="unpaid" if delayed else "paid")
            self._charge(session, settled=not delayed)
            self.emit("checkout.session.completed", session, account=session["account"])
            self._save()
            return session
        now = int(time.time())
        items = [
            {
                "id": self._id("si"),
                "object": "subscription_item",
                "price": self.get(i["price"], "price"),
                "quantity": int(i.get("quantity", 1)),
            }
            for i in session["line_items"]
        ]
        for old in self.of_kind("subscription", customer=session["customer"]):
            if old["status"] not in ("canceled", "incomplete_expired"):
                old["status"] = "canceled"
                self.emit("customer.subscription.deleted", old)
        subscription = self._put(
            {
                "id": self._id("sub"),
                "object": "subscription",
                "customer": session["customer"],
                "status": "active",
                # Stripe's order of creation: a plan switch's subscription is newer than the one
                # it replaces even within one second (their creation times would tie)
                "created": max(
                    [
                        now,
                        *(
                            o["created"] + 1
                            for o in self.of_kind("subscription", customer=session["customer"])
                        ),
                    ]
                ),
                "cancel_at_period_end": False,
                "metadata": session["subscription_data"].get("metadata", {}),
                "items": {"object": "list", "data": items},
                "current_period_start": now,
                "current_period_end": now + MONTH,
                "latest_invoice": None,
            }
        )
        session.update(status="complete", payment_status="paid", subscription=subscription["id"])
        self.emit("checkout.session.completed", session)
        self.emit("customer.subscription.created", subscription)
        self._invoice(subscription, paid=True)
        self._save()
        return session

    def _invoice(self, subscription: dict[str, Any], *, paid: bool) -> dict[str, Any]:
        amount = sum(
            i["price"]["unit_amount"] * i["quantity"] for i in subscription["items"]["data"]
        )
        invoice = self._put(
            {
                "id": self._id("in"),
                "object": "invoice",
                "customer": subscription["customer"],
                "subscription": subscription["id"],
                "created": int(time.time()),
                "amount_due": amount,
                "amount_paid": amount if paid else 0,
                "currency": subscription["items"]["data"][0]["price"]["currency"],
                "status": "paid" if paid else "open",
                "number": f"FAKE-{self.counter:04d}",
                "hosted_invoice_url": f"{self.url}/invoice/{self.counter}",
                "period_start": subscription["current_period_start"],
                "period_end": subscription["current_period_end"],
            }
        )
        subscription["latest_invoice"] = invoice["id"]
        self.emit("invoice.paid" if paid else "invoice.payment_failed", invoice)
        return invoice

    def settle_payment(self, session_id: str, *, succeeded: bool = True) -> dict[str, Any]:
        """A delayed payment of a completed one-time session clears (or fails)."""
        session = self.get(session_id, "checkout.session")
        if session["status"] != "complete" or session["payment_status"] != "unpaid":
            return session
        if succeeded:
            session["payment_status"] = "paid"
        self._charge(session, settled=succeeded)
        kind = "succeeded" if succeeded else "failed"
        self.emit(f"checkout.session.async_payment_{kind}", session, account=session["account"])
        self._save()
        return session

    def live_subscription(self, customer: str) -> dict[str, Any]:
        for sub in self.of_kind("subscription", customer=customer):
            if sub["status"] not in ("canceled", "incomplete_expired"):
                return sub
        raise StripeError(404, f"{customer} has no live subscription")

    def fail_payment(self, customer: str) -> dict[str, Any]:
        """The renewal charge is declined: the subscription goes past_due."""
        sub = self.live_subscription(customer)
        sub["status"] = "past_due"
        self._invoice(sub, paid=False)
        self.emit("customer.subscription.updated", sub)
        self._save()
        return sub

    def recover_payment(self, customer: str) -> dict[str, Any]:
        """The customer updates the card and the open invoice is paid: active again."""
        sub = self.live_subscription(customer)
        for invoice in self.of_kind("invoice", subscription=sub["id"], status="open"):
            invoice.update(status="paid", amount_paid=invoice["amount_due"])
            self.emit("invoice.paid", invoice)
        sub["status"] = "active"
        self.emit("customer.subscription.updated", sub)
        self._save()
        return sub

    def cancel(self, customer: str) -> dict[str, Any]:
        sub = self.live_subscription(customer)
        sub.update(status="canceled", canceled_at=int(time.time()))
        self.emit("customer.subscription.deleted", sub)
        self._save()
        return sub

    # -- a business's own plans for its clients (subscriptions on a connected account) --------

    def _owned(self, obj: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
        """`obj` when it belongs to the account the request is made on (Stripe-Account)."""
        if obj.get("account", "") != p.get("__account", ""):
            raise StripeError(404, f"No such {obj['object']}: '{obj['id']}'")  # another account's
        return obj

    def _membership_session(self, p: dict[str, Any]) -> dict[str, Any]:
        account = self.get(p["__account"], "account")
        if not account["charges_enabled"]:
            raise StripeError(400, "This account cannot create live charges yet.", "invalid")
        self.get(p.get("customer", ""), "customer")
        for item in p.get("line_items", []):
            self.get(item["price"], "price")
        sid = self._id("cs")
        return self._put(
            {
                "id": sid,
                "object": "checkout.session",
                "mode": "subscription",
                "account": account["id"],
                "customer": p["customer"],
                "line_items": p.get("line_items", []),
                "success_url": p["success_url"],
                "cancel_url": p.get("cancel_url"),
                "client_reference_id": p.get("client_reference_id"),
                "metadata": p.get("metadata", {}),
                "subscription_data": p.get("subscription_data", {}),
                "status": "open",
                "payment_status": "unpaid",
                "subscription": None,
                "url": f"{self.url}/pay/{sid}",
            }
        )

    def _pay_membership(self, session: dict[str, Any]) -> dict[str, Any]:
        """The client pays on Checkout: a subscription on the connected account, its first
        invoice paid — and the events Stripe sends for it, each saying the account."""
        now, account = int(time.time()), session["account"]
        price = self.get(session["line_items"][0]["price"], "price")
        subscription = self._put(
            {
                "id": self._id("sub"),
                "object": "subscription",
                "account": account,
                "customer": session["customer"],
                "status": "active",
                "created": now,
                "cancel_at_period_end": False,
                "pause_collection": None,
                "metadata": session["subscription_data"].get("metadata", {}),
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": self._id("si"),
                            "object": "subscription_item",
                            "price": price,
                            "quantity": 1,
                        }
                    ],
                },
                "current_period_start": now,
                "current_period_end": now + self._period(price),
                "latest_invoice": None,
            }
        )
        session.update(status="complete", payment_status="paid", subscription=subscription["id"])
        self.emit("checkout.session.completed", session, account=account)
        self.emit("customer.subscription.created", subscription, account=account)
        self._membership_invoice(subscription, status="paid")
        self._save()
        return session

    def _period(self, price: dict[str, Any]) -> int:
        recurring = price["recurring"]
        months = int(recurring.get("interval_count") or 1)
        return (12 if recurring["interval"] == "year" else months) * MONTH

    def _membership_invoice(self, sub: dict[str, Any], *, status: str) -> dict[str, Any]:
        price, account = sub["items"]["data"][0]["price"], sub["account"]
        iid = self._id("in")
        invoice = self._put(
            {
                "id": iid,
                "object": "invoice",
                "account": account,
                "customer": sub["customer"],
                "subscription": sub["id"],
                "created": int(time.time()),
                "amount_due": price["unit_amount"],
                "amount_paid": price["unit_amount"] if status == "paid" else 0,
                "currency": price["currency"],
                "status": status,
                "number": f"M-{self.counter:04d}",
                "attempt_count": 0 if status == "void" else 1,
                "next_payment_attempt": int(time.time()) + 3 * 24 * 3600
                if status == "open"
                else None,
                "hosted_invoice_url": f"{self.url}/invoice/{iid}",
                "invoice_pdf": f"{self.url}/invoice/{iid}",
                "period_start": sub["current_period_start"],
                "period_end": sub["current_period_end"],
            }
        )
        sub["latest_invoice"] = iid
        self.emit("invoice.finalized", invoice, account=account)
        kind = {"paid": "invoice.paid", "open": "invoice.payment_failed", "void": "invoice.voided"}
        self.emit(kind[status], invoice, account=account)
        return invoice

    def post_subscriptions__ID(self, sid: str, p: dict[str, Any]) -> dict[str, Any]:
        sub = self._owned(self.get(sid, "subscription"), p)
        if sub["status"] == "canceled":
            raise StripeError(
                400, "A canceled subscription can only update its metadata.", "invalid"
            )
        if "pause_collection" in p:
            pause = p["pause_collection"]
            sub["pause_collection"] = pause if isinstance(pause, dict) and pause else None
        if "cancel_at_period_end" in p:
            sub["cancel_at_period_end"] = p["cancel_at_period_end"] == "true"
        self.emit("customer.subscription.updated", sub, account=sub.get("account", ""))
        return sub

    def get_invoices__ID(self, iid: str, p: dict[str, Any]) -> dict[str, Any]:
        return self._owned(self.get(iid, "invoice"), p)

    def membership_renew(self, sid: str, *, paid: bool = True) -> dict[str, Any]:
        """The period ends: a subscription set to cancel ends; a paused one's invoice is voided;
        otherwise the card is charged (declined when not `paid`: past_due, retried later)."""
        sub = self.get(sid, "subscription")
        account = sub["account"]
        if sub["cancel_at_period_end"]:
            sub.update(status="canceled", ended_at=int(time.time()))
            self.emit("customer.subscription.deleted", sub, account=account)
            self._save()
            return sub
        price = sub["items"]["data"][0]["price"]
        sub["current_period_start"] = sub["current_period_end"]
        sub["current_period_end"] += self._period(price)
        if sub["pause_collection"]:
            self._membership_invoice(sub, status="void")
        else:
            self._membership_invoice(sub, status="paid" if paid else "open")
            sub["status"] = "active" if paid else "past_due"
        self.emit("customer.subscription.updated", sub, account=account)
        self._save()
        return sub

    def membership_retry(self, sid: str, *, succeeded: bool, final: bool = False) -> dict[str, Any]:
        """Stripe retries the open invoice (or the client pays it on the hosted invoice page):
        paid → active again; declined on the last retry (`final`) → the subscription ends."""
        sub = self.get(sid, "subscription")
        account = sub["account"]
        invoice = self.get(sub["latest_invoice"], "invoice")
        if invoice["status"] != "open":
            return sub
        invoice["attempt_count"] += 1
        if succeeded:
            invoice.update(status="paid", amount_paid=invoice["amount_due"],
                           next_payment_attempt=None)  # fmt: skip
            sub["status"] = "active"
            self.emit("invoice.paid", invoice, account=account)
            self.emit("customer.subscription.updated", sub, account=account)
        elif final:
            invoice["next_payment_attempt"] = None
            sub.update(status="canceled", ended_at=int(time.time()))
            self.emit("invoice.payment_failed", invoice, account=account)
            self.emit("customer.subscription.deleted", sub, account=account)
        else:
            invoice["next_payment_attempt"] = int(time.time()) + 3 * 24 * 3600
            self.emit("invoice.payment_failed", invoice, account=account)
        self._save()
        return sub

    def _invoice_page(self, iid: str) -> str:
        invoice = self.get(iid, "invoice")
        amount = f"{invoice['amount_due'] / 100:.2f} {invoice['currency'].upper()}"
        body = f"<p>Invoice {html.escape(invoice['number'])}: <b>{html.escape(amount)}</b>, "
        body += f"{html.escape(invoice['status'])}</p>"
        if invoice["status"] == "open" and invoice.get("account"):
            body += (
                f'<form method="post" action="/invoice/{iid}/pay">'
                "<button>Update card (4242 4242 4242 4242) and pay</button></form>"
            )
        if invoice.get("account"):  # what Stripe would do later, on demand (make run)
            controls = [("renew", "Next renewal: paid"), ("decline", "Next renewal: declined")]
            if invoice["status"] == "open":
                controls += [("retry", "Retry: declined"), ("final", "Last retry: declined")]
            body += "<h2>Test controls</h2>" + "".join(
                f'<form method="post" action="/invoice/{iid}/{act}"><button>{label}</button></form>'
                for act, label in controls
            )
        return _html("Stripe invoice (local fake)", body)

    # -- HTTP ------------------------------------------------------------------------------

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def _answer(self, status: int, payload: dict[str, Any] | str, ctype: str) -> None:
                body = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _redirect(self, url: str) -> None:
                self.send_response(303)
                self.send_header("Location", url)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _api(self, method: str) -> None:
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                params = parse_form(body if method == "POST" else url.query)
                key = self.headers.get("Idempotency-Key", "")
                with fake.lock:
                    fake.requests.append(
                        {
                            "method": method,
                            "path": url.path,
                            "params": params,
                            "idempotency_key": key,
                        }
                    )
                    if not self.headers.get("Authorization", "").startswith("Bearer sk_"):
                        return self._answer(
                            401,
                            {
                                "error": {
                                    "type": "invalid_request_error",
                                    "message": "Invalid API Key provided",
                                }
                            },
                            "application/json",
                        )
                    if fake.fail_next:
                        fake.fail_next -= 1
                        return self._answer(
                            500,
                            {"error": {"type": "api_error", "message": "fake outage"}},
                            "application/json",
                        )
                    if method == "POST" and key and key in fake.idempotent:
                        status, payload = fake.idempotent[key]
                        return self._answer(status, payload, "application/json")
                    params["__account"] = self.headers.get("Stripe-Account", "")
                    try:
                        status, payload = 200, fake.api(method, url.path, params)
                    except StripeError as error:
                        status = error.status
                        payload = {
                            "error": {
                                "type": "invalid_request_error",
                                "code": error.code,
                                "message": error.message,
                            }
                        }
                    except (KeyError, ValueError) as error:
                        status = 400
                        payload = {
                            "error": {
                                "type": "invalid_request_error",
                                "message": f"Missing or bad parameter: {error}",
                            }
                        }
                    if method == "POST" and key:
                        fake.idempotent[key] = (status, payload)
                    fake._save()
                return self._answer(status, payload, "application/json")

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/v1/"):
                    return self._api("GET")
                page = re.fullmatch(r"/(pay|portal|onboard|invoice)/([a-z]+_fake\d+)", path)
                if not page:
                    return self._answer(404, "not found", "text/plain")
                with fake.lock:
                    try:
                        text = fake.page(page[1], page[2])
                    except StripeError as error:
                        return self._answer(404, error.message, "text/plain")
                return self._answer(200, text, "text/html; charset=utf-8")

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/v1/"):
                    return self._api("POST")
                action = re.fullmatch(r"/(pay|portal|onboard|invoice)/([a-z]+_fake\d+)/(\w+)", path)
                if not action:
                    return self._answer(404, "not found", "text/plain")
                with fake.lock:
                    try:
                        target = fake.act(action[1], action[2], action[3])
                    except StripeError as error:
                        return self._answer(400, error.message, "text/plain")
                return self._redirect(target)

        return Handler

    def page(self, kind: str, session_id: str) -> str:
        if kind == "invoice":
            return self._invoice_page(session_id)
        if kind == "onboard":
            link = self.get(session_id, "account_link")
            account = self.get(link["account"], "account")
            form = (
                "<p>Stripe Connect onboarding: the business's own account, which its clients' "
                f"card payments go to.</p><p class='small'>Account {html.escape(account['id'])}"
                "</p>"
                f'<form method="post" action="/onboard/{session_id}/done">'
                "<button>Finish onboarding (test business details)</button></form>"
            )
            name = account.get("business_profile", {}).get("name") or "Your business"
            return _payment_html(name, "Set up payments", form)
        if kind == "pay" and self.get(session_id, "checkout.session")["mode"] == "payment":
            return self.payment_page(session_id)
        if kind == "pay":
            session = self.get(session_id, "checkout.session")
            lines = "".join(
                f"<li>{html.escape(self.objects[i['price']]['metadata'].get('label', i['price']))}"
                "</li>"
                for i in session["line_items"]
            )
            form = (
                f'<form method="post" action="/pay/{session_id}/pay">'
                "<button>Pay with test card 4242 4242 4242 4242</button></form>"
                f'<p><a href="{html.escape(session["cancel_url"] or "")}">Back</a></p>'
            )
            if session["status"] != "open":
                form = "<p>This session is complete.</p>"
            return _html("Stripe Checkout (local fake)", f"<ul>{lines}</ul>{form}")
        session = self.get(session_id, "billing_portal.session")
        try:
            sub = self.live_subscription(session["customer"])
            state = f"<p>Subscription {sub['id']}: <b>{sub['status']}</b></p>"
            buttons = "".join(
                f'<form method="post" action="/portal/{session_id}/{act}"><button>{label}'
                "</button></form>"
                for act, label in (
                    ("fail", "Simulate a declined renewal"),
                    ("recover", "Update card and pay"),
                    ("cancel", "Cancel subscription"),
                )
            )
        except StripeError:
            state, buttons = "<p>No live subscription.</p>", ""
        back = f'<p><a href="{html.escape(session["return_url"] or "")}">Return</a></p>'
        return _html("Stripe Customer Portal (local fake)", state + buttons + back)

    def payment_page(self, session_id: str) -> str:
        """The hosted page of a one-time payment: the amount, the business's saved cards for
        this customer, and test cards that pay, ask for 3-D Secure, or are declined."""
        session = self.get(session_id, "checkout.session")
        name = self.objects.get(session["account"], {}).get("business_profile", {}).get("name")
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        lines = "".join(
            f"<li><span>{html.escape(i['price_data']['product_data']['name'])}</span>"
            f"<span>× {int(i.get('quantity', 1))}</span></li>"
            for i in session["line_items"]
        )
        back = (
            f'<p class="back"><a href="{html.escape(session["cancel_url"] or "")}">‹ Back</a></p>'
        )
        if session["status"] != "open":
            body = "<p>This payment is complete.</p>"
        elif session.get("requires_action"):
            body = (
                "<div class='sca'><h2>3-D Secure</h2><p>Your bank asks you to confirm this "
                f"payment of <b>{html.escape(amount)}</b>.</p>"
                f'<form method="post" action="/pay/{session_id}/authenticate">'
                "<button>Complete authentication</button></form>"
                f'<form method="post" action="/pay/{session_id}/fail_authentication">'
                "<button class='secondary'>Fail authentication</button></form></div>"
            )
        else:
            saved = self.of_kind("payment_method", customer=session.get("customer") or "-")
            buttons = "".join(
                f'<form method="post" action="/pay/{session_id}/saved_{m["id"]}"><button>'
                f"Pay with saved {html.escape(m['card']['brand'].title())} •••• "
                f"{html.escape(m['card']['last4'])}</button></form>"
                for m in saved
            ) + "".join(
                f'<form method="post" action="/pay/{session_id}/{act}"><button class="{css}">'
                f"{label}</button></form>"
                for act, label, css in (
                    ("pay", "Pay with test card 4242 4242 4242 4242", ""),
                    ("pay_3ds", "Test card needing 3-D Secure (4000 0027 6000 3184)", "secondary"),
                    ("decline", "Test card that is declined (4000 0000 0000 0002)", "secondary"),
                )
            )
            saving = session.get("payment_intent_data", {}).get("setup_future_usage")
            body = buttons + (
                "<p class='small'>The card will be saved for your next payments.</p>" if saving
                else ""
            )  # fmt: skip
        note = session.get("note", "")
        note = f"<p class='error' role='alert'>{html.escape(note)}</p>" if note else ""
        return _payment_html(name or "Payment", amount, f"<ul>{lines}</ul>{note}{body}{back}")

    def payment_act(self, session_id: str, action: str) -> str:
        session = self.get(session_id, "checkout.session")
        done = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        if session["status"] != "open":
            return done
        if action == "pay_3ds":  # the payment intent requires_action: the bank's page
            session.update(requires_action=True, note="")
            return f"/pay/{session_id}"
        if action == "decline":
            session["note"] = "Your card was declined. Try another card."
            return f"/pay/{session_id}"
        if action == "fail_authentication":
            session.update(requires_action=False,
                           note="We could not authenticate your payment. Try again.")  # fmt: skip
            return f"/pay/{session_id}"
        if action.startswith("saved_"):
            method = self.get(action.removeprefix("saved_"), "payment_method")
            if method["customer"] != session.get("customer"):
                raise StripeError(400, "This card is not the customer's")
            session.update(paid_with=method["id"], card=method["card"])
        session.update(requires_action=False, note="")
        self.pay_checkout(session_id)
        return done

    def act(self, kind: str, session_id: str, action: str) -> str:
        if kind == "invoice":
            sid = self.get(session_id, "invoice")["subscription"]
            controls = {
                "pay": lambda: self.membership_retry(sid, succeeded=True),
                "renew": lambda: self.membership_renew(sid),
                "decline": lambda: self.membership_renew(sid, paid=False),
                "retry": lambda: self.membership_retry(sid, succeeded=False),
                "final": lambda: self.membership_retry(sid, succeeded=False, final=True),
            }
            if action not in controls:
                raise StripeError(400, f"unknown action {action}")
            controls[action]()
            return f"/invoice/{self.get(sid, 'subscription')['latest_invoice']}"
        if kind == "onboard" and action == "done":
            return self.onboard(session_id)["return_url"]
        if kind == "pay" and action in PAYMENT_ACTIONS:
            return self.payment_act(session_id, action)
        if kind == "pay" and action == "pay":
            session = self.pay_checkout(session_id)
            return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        session = self.get(session_id, "billing_portal.session")
        actions = {
            "fail": self.fail_payment,
            "recover": self.recover_payment,
            "cancel": self.cancel,
        }
        if action not in actions:
            raise StripeError(400, f"unknown action {action}")
        actions[action](session["customer"])
        return f"/portal/{session_id}"


def _html(title: str, body: str) -> str:
    return (
        f"<!doctype html><meta name=viewport content='width=device-width'><title>{title}"
        f"</title><body style='font-family:sans-serif;max-width:30rem;margin:2rem auto'>"
        f"<h1>{title}</h1>{body}</body>"
    )


PAYMENT_ACTIONS = ("pay_3ds", "decline", "authenticate", "fail_authentication")

PAYMENT_CSS = """
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;
color:#1a1f36;background:#f6f8fb}.page{max-width:28rem;margin:0 auto;padding:1.25rem}
header{display:flex;justify-content:space-between;align-items:baseline;margin:.5rem 0 1rem}
header .who{font-weight:600}.test{font-size:.75rem;background:#ffde92;color:#5c4400;
padding:.1rem .45rem;border-radius:4px}.amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
.card{background:#fff;border-radius:12px;box-shadow:0 2px 10px rgba(26,31,54,.08);padding:1.1rem}
ul{list-style:none;padding:0;margin:0 0 1rem;border-bottom:1px solid #e3e8ee}
li{display:flex;justify-content:space-between;padding:.4rem 0;color:#4f566b}
button{width:100%;border:0;border-radius:8px;padding:.8rem 1rem;margin:.35rem 0;font:inherit;
font-weight:600;background:#635bff;color:#fff;cursor:pointer}button.secondary{background:#fff;
color:#635bff;box-shadow:inset 0 0 0 1px #c9cdfb}.error{color:#b3093c;background:#fde8ee;
padding:.6rem .8rem;border-radius:8px}.small{font-size:.8rem;color:#697386}
.sca h2{margin-top:0;font-size:1.1rem}.back a{color:#635bff;text-decoration:none}
footer{text-align:center;font-size:.75rem;color:#8792a2;margin-top:1.25rem}
"""


def _payment_html(business: str, amount: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>Pay {html.escape(business)}</title><style>{PAYMENT_CSS}</style><body>"
        f"<div class=page><header><span class=who>{html.escape(business)}</span>"
        "<span class=test>TEST MODE</span></header>"
        f"<div class=amount>{html.escape(amount)}</div><div class=card>{body}</div>"
        "<footer>Powered by Stripe · local fake for development</footer></div></body></html>"
    )


@contextmanager
def fake_stripe(**options: Any) -> Iterator[FakeStripe]:
    with serving(FakeStripe(**options)) as fake:
        yield fake


def main() -> None:
    """`python -m tests.support.fake_stripe --port N --webhook URL --secret S --state FILE`:
    the fake for `make run`, until interrupted."""
    import argparse
    from http.server import ThreadingHTTPServer

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook", default="")
    parser.add_argument("--secret", default="")
    parser.add_argument("--state", type=Path)
    args = parser.parse_args()
    fake = FakeStripe(webhook_url=args.webhook, webhook_secret=args.secret, state_file=args.state)
    fake.server = ThreadingHTTPServer(("127.0.0.1", args.port), fake.handler())
    with suppress(KeyboardInterrupt):
        fake.server.serve_forever()


if __name__ == "__main__":
    main()
