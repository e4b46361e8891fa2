"""The AsyncAPI 3.0 document of the public event stream, built from shared/public_events.py: the same types,
routing keys and data schema the relay publishes with, so the contract cannot drift from the code.

One channel per public type on the topic exchange `sorasori.public`, its address the routing-key pattern
`{department}.{district}.<name>.v1`; one message each (a structured CloudEvent whose `data` is
`PublicGrievance`); `receive` operations for subscribers; their credentials as the `userPassword` scheme.
Served by the gateway at /api/v1/asyncapi.json. Pure.
"""
from shared import catalog, public_events

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING_VERSION = "0.3.0"
SERVER = "public"
DATA_SCHEMA = "PublicGrievance"


def _camel(name: str) -> str:
    """`grievance.info_requested.v1` -> `grievanceInfoRequestedV1` (an AsyncAPI component key)."""
    words = name.replace("_", ".").split(".")
    return words[0] + "".join(word[:1].upper() + word[1:] for word in words[1:])


def _parameters() -> dict:
    departments = sorted({public_events.key_part(code) for code in catalog.departments()})
    districts = sorted({public_events.key_part(name) for name in catalog.districts()})
    return {
        "department": {"description": "the department's code; `none` while the grievance has none (a `*` in a "
                                      "binding takes every department)",
                       "enum": departments + [public_events.NO_KEY], "examples": ["phe"]},
        "district": {"description": "the district's name in lower case, words joined by `_` (`cooch_behar`); "
                                    "`none` when unknown",
                     "enum": districts + [public_events.NO_KEY], "examples": ["bankura"]},
    }


def _envelope(kind: str) -> dict:
    """A structured CloudEvent of one type, its `data` the public data schema."""
    return {
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "datacontenttype", "dataschema", "data"],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {"type": "string", "description": "unique per event; a redelivered message has the same id"},
            "source": {"type": "string", "const": public_events.SOURCE},
            "type": {"type": "string", "const": kind},
            "subject": {"type": "string", "description": "the grievance's tracking ID"},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"type": "string", "const": public_events.DATA_CONTENT_TYPE},
            "dataschema": {"type": "string", "format": "uri",
                           "description": "the JSON Schema of `data` (GET /api/v1/events/schemas/{type}.json)"},
            "data": {"$ref": f"#/components/schemas/{DATA_SCHEMA}"},
        },
    }


def _data_schema() -> dict:
    """The data schema in AsyncAPI's default schema format (a superset of JSON Schema draft 07: the converter's
    output uses nothing newer)."""
    return {"description": public_events.PublicGrievance.__doc__, **public_events.data_json_schema()}


def build(base_url: str, broker_host: str, vhost: str) -> dict:
    """The document for subscribers of the broker at `broker_host` (host:port), public vhost `vhost`; JSON
    Schemas under `base_url` (the gateway's public URL)."""
    channels, operations, messages = {}, {}, {}
    exchange = {"name": public_events.EXCHANGE, "type": "topic", "durable": True, "autoDelete": False,
                "vhost": vhost}
    for internal in public_events.PUBLISHED:
        name, kind = public_events.public_name(internal), public_events.public_type(internal)
        key = _camel(name)
        messages[key] = {
            "name": kind, "title": name, "contentType": public_events.CONTENT_TYPE,
            "summary": f"{kind}: a structured CloudEvent (the internal `{internal}` event, projected)",
            "payload": _envelope(kind),
            "externalDocs": {"url": public_events.schema_url(base_url, kind),
                             "description": "the JSON Schema (2020-12) of this type's data"},
            "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": kind,
                                  "bindingVersion": AMQP_BINDING_VERSION}},
        }
        channels[key] = {
            "address": f"{{department}}.{{district}}.{name}",
            "title": name,
            "description": f"routing keys of `{kind}` on the topic exchange `{public_events.EXCHANGE}`; bind a "
                           f"queue with `phe.*.{name}`, `*.bankura.#` or `#`",
            "servers": [{"$ref": f"#/servers/{SERVER}"}],
            "parameters": {"department": {"$ref": "#/components/parameters/department"},
                           "district": {"$ref": "#/components/parameters/district"}},
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": exchange,
                                  "bindingVersion": AMQP_BINDING_VERSION}},
        }
        operations[f"receive{key[:1].upper()}{key[1:]}"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"Receive `{kind}` events",
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
            "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING_VERSION}},
        }
    host, _, _ = broker_host.partition("/")
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:in:gov:wb:sorasori:public-events",
        "info": {
            "title": "Sorasori public event stream", "version": str(public_events.VERSION),
            "description": "What happens to grievances, for other state systems: CloudEvents 1.0 in structured "
                           "JSON mode on a RabbitMQ topic exchange of its own vhost, routing keys "
                           "`<department>.<district>.<type name>` so a binding filters by department and "
                           "district. The data is a public projection: never the complainant, the filer, "
                           "officers, free text or an exact location. Delivery is at least once: deduplicate "
                           "by the CloudEvent's `id`.",
        },
        "defaultContentType": public_events.CONTENT_TYPE,
        "servers": {SERVER: {
            "host": host, "protocol": "amqp", "protocolVersion": "0-9-1", "pathname": f"/{vhost}",
            "description": "the public vhost: subscribers declare their own queues and bind them to the exchange",
            "security": [{"$ref": "#/components/securitySchemes/subscriber"}],
        }},
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {DATA_SCHEMA: _data_schema()},
            "messages": messages,
            "parameters": _parameters(),
            "securitySchemes": {"subscriber": {
                "type": "userPassword",
                "description": "a subscriber account on the public vhost (an administrator creates it; it may "
                               "read only its own queues and bind them only within its scope)"}},
        },
    }
