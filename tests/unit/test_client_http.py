import gzip
import json

from werkzeug.wrappers import Response

from services.gateway.client_http import ClientHeaders, allowed_origins, compress

APP = "https://app.sorasori.test"


def _json(size):
    return Response(json.dumps({"text": "x" * size}), mimetype="application/json")


def test_origins_come_from_a_comma_separated_setting_and_none_by_default():
    assert allowed_origins({}) == frozenset()
    assert allowed_origins({"CORS_ORIGINS": ""}) == frozenset()
    assert allowed_origins({"CORS_ORIGINS": f" {APP}/ , https://b.test"}) == {APP, "https://b.test"}


def test_preflight_only_for_a_routed_path_and_headers_only_for_a_listed_origin():
    cors = ClientHeaders({"CORS_ORIGINS": APP})
    environ = {"REQUEST_METHOD": "OPTIONS", "PATH_INFO": "/x", "HTTP_ORIGIN": APP,
               "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}
    answer = cors.preflight(environ, lambda path: ["POST", "OPTIONS"])
    assert answer.status_code == 204 and answer.headers["Access-Control-Allow-Methods"] == "POST"
    assert cors.preflight(environ, lambda path: []) is None  # no such path: routing's 404
    stranger = cors.preflight({**environ, "HTTP_ORIGIN": "https://evil.test"}, lambda path: ["POST"])
    assert stranger.status_code == 204 and "Access-Control-Allow-Origin" not in stranger.headers
    assert cors.preflight({**environ, "REQUEST_METHOD": "GET"}, lambda path: ["GET"]) is None


def test_cache_control_is_public_only_for_shared_documents_answered_200_or_304():
    cors = ClientHeaders({})
    get = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/catalog"}
    assert cors.finish(get, _json(10)).headers["Cache-Control"] == "public, max-age=3600"
    assert cors.finish(get, Response(status=304)).headers["Cache-Control"] == "public, max-age=3600"
    assert cors.finish(get, Response("{}", status=500)).headers["Cache-Control"] == "no-store"
    assert cors.finish({**get, "PATH_INFO": "/api/v1/me/grievances"}, _json(10)).headers["Cache-Control"] == "no-store"
    private = _json(10)
    private.headers["Cache-Control"] = "max-age=600"  # a route cannot make personal data cacheable
    assert cors.finish({**get, "PATH_INFO": "/api/v1/search"}, private).headers["Cache-Control"] == "no-store"


def test_gzip_over_1kb_when_accepted_with_its_own_strong_etag():
    accepts = {"HTTP_ACCEPT_ENCODING": "br, gzip;q=0.8"}
    big = _json(2000)
    big.set_etag("abc")
    plain = big.get_data()
    zipped = compress(accepts, big)
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.get_data()) == plain
    assert zipped.headers["ETag"] == '"abc-gzip"' and "Accept-Encoding" in zipped.headers["Vary"]
    assert "Content-Encoding" not in compress(accepts, _json(500)).headers
    assert "Content-Encoding" not in compress({"HTTP_ACCEPT_ENCODING": "gzip;q=0"}, _json(2000)).headers
    assert "Content-Encoding" not in compress({}, _json(2000)).headers
    csv = Response("a,b\n" * 1000, mimetype="text/csv")
    assert "Content-Encoding" not in compress(accepts, csv).headers
