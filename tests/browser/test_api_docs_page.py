"""/api/docs (Swagger UI, served by the gateway from npm's files) in a real Chromium: it draws the
platform's operations under its same-origin CSP with nothing refused and no script error."""


def test_the_api_docs_page_draws_under_its_csp_without_console_errors(platform, page, console_errors, weight):
    loaded = weight(page, platform.base + "/api/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".opblock")
    answer = page.request.get(platform.base + "/api/docs")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert page.locator(".opblock").count() > 20  # the operations of the OpenAPI document
    assert console_errors == []
    assert [url for url in loaded["resources"] if not url.startswith((platform.base, "data:"))] == []
    print(f"/api/docs, first load: {loaded['bytes']} bytes in {len(loaded['resources'])} responses")
