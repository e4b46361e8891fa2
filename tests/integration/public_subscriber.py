"""An outside system reading the public event stream, written the way an integrator would: pika for AMQP and
the official CloudEvents SDK (its RabbitMQ binding, structured JSON mode) for the envelope. It imports none
of the platform's code: it knows only the exchange's name and the routing keys' shape."""
import time
from dataclasses import dataclass

import pika
from cloudevents.core.bindings.rabbitmq import RabbitMQMessage, from_rabbitmq_event

EXCHANGE = "sorasori.public"


@dataclass
class Received:
    routing_key: str
    content_type: str
    message_id: str
    delivery_mode: int
    body: bytes
    event: object  # cloudevents.core.v1.event.CloudEvent

    @property
    def type(self):
        return self.event.get_type()

    @property
    def data(self):
        return self.event.get_data()


class PublicSubscriber:
    """A queue of its own on the public vhost bound with `binding`; `received` keeps every message read."""

    def __init__(self, amqp_uri, binding="#"):
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri.replace("pyamqp://", "amqp://", 1)))
        self.channel = self.connection.channel()
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, EXCHANGE, routing_key=binding)
        self.received = []

    def drain(self):
        while True:
            method, properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return self.received
            message = RabbitMQMessage(headers=properties.headers or {}, content_type=properties.content_type,
                                      body=body)
            self.received.append(Received(method.routing_key, properties.content_type, properties.message_id,
                                          properties.delivery_mode, body, from_rabbitmq_event(message)))

    def wait_for(self, predicate, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.drain() if predicate(r)]
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; received {[r.type for r in self.received]}")

    def types_of(self, subject):
        return [r.type for r in self.drain() if r.event.get_subject() == subject]

    def close(self):
        self.connection.close()
