"""A small Open311 GeoReport v2 client written from the specification's text (wiki.open311.org/GeoReport_v2
and /Service_Discovery), not from the platform's code: it imports nothing of the platform. The tests use it
for what the `georeport` package (PyPI) does not do: discovery, POST requests, tokens, and reading the
error documents in both formats.

- the format is the resource's suffix: `.json` (application/json) or `.xml` (text/xml)
- XML: no namespace, a root element holding one element per item; JSON: the Spark convention (containers
  are arrays)
- POST requests is application/x-www-form-urlencoded, attributes as `attribute[code]=value`
- errors: a list of {code, description}; XML <errors><error><code/><description/></error></errors>
"""
from xml.etree import ElementTree

import requests

# the XML containers and their items, as the spec's examples show them
LISTS = {"services": "service", "attributes": "attribute", "values": "value", "service_requests": "request",
         "errors": "error", "endpoints": "endpoint", "formats": "format"}


def from_xml(text):
    """A GeoReport XML document as the JSON the spec maps it to (Spark convention)."""
    root = ElementTree.fromstring(text)
    return _value(root)


def _value(element):
    if element.tag in LISTS:
        return [_value(child) for child in element if child.tag == LISTS[element.tag]]
    children = list(element)
    if not children:
        return element.text
    return {child.tag: _value(child) for child in children}


class Answer:
    def __init__(self, response, fmt):
        self.status = response.status_code
        self.content_type = response.headers.get("Content-Type", "")
        self.text = response.text
        self.headers = response.headers
        self.raw = response.content
        self.data = from_xml(response.content) if fmt == "xml" else response.json()

    def errors(self):
        """[(code, description)] of an error answer (codes as text in XML: the spec does not type them)."""
        return [(int(error["code"]), error["description"]) for error in self.data]


class Open311Client:
    def __init__(self, endpoint, api_key=None, timeout=20):
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def get(self, resource, fmt="json", **params):
        response = requests.get(f"{self.endpoint}/{resource}.{fmt}", params=params, timeout=self.timeout)
        return Answer(response, fmt)

    def discovery(self, fmt="json"):
        return self.get("discovery", fmt)

    def post_request(self, service_code, fmt="json", attributes=None, api_key=None, headers=None, **arguments):
        form = {"service_code": service_code, **arguments}
        key = api_key if api_key is not None else self.api_key
        if key is not None:
            form["api_key"] = key
        for code, value in (attributes or {}).items():
            form[f"attribute[{code}]"] = value
        response = requests.post(f"{self.endpoint}/requests.{fmt}", data=form, timeout=self.timeout,
                                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                          **(headers or {})})
        return Answer(response, fmt)

    def request(self, service_request_id, fmt="json"):
        return self.get(f"requests/{service_request_id}", fmt)

    def token(self, token, fmt="json"):
        return self.get(f"tokens/{token}", fmt)

    def requests(self, fmt="json", **filters):
        return self.get("requests", fmt, **filters)
