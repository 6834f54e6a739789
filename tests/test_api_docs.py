"""/api/docs/: Swagger UI for signed-in staff, from our own static files, under the site's CSP, in Chinese."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils.html import escapejs

pytestmark = pytest.mark.django_db

DOCS = "/api/docs/"
CJK = re.compile(r"[\u4e00-\u9fff]")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class Tags(HTMLParser):
    """Every <script> (its attributes and whether it has a body), <link> and <a> of a page."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.links: list[dict] = []
        self.anchors: list[dict] = []
        self.handlers: list[str] = []  # on…= attributes
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "script":
            self._in_script = {**attributes, "body": ""}
            self.scripts.append(self._in_script)
        elif tag == "link":
            self.links.append(attributes)
        elif tag == "a":
            self.anchors.append(attributes)

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script["body"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def parse(response) -> Tags:
    tags = Tags()
    tags.feed(response.content.decode())
    return tags


def fetch(client: Client, url: str) -> tuple[int, bytes]:
    """GET a URL: its status and body, a streamed (static file) body read to the end and closed."""
    response = client.get(url)
    try:
        return response.status_code, b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        response.close()


def test_a_signed_in_officer_gets_swagger_ui_served_from_our_own_static_files(cast, login):
    client = login("msb_officer")
    response = client.get(DOCS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'id="swagger-ui"' in page and "接口文档" in page
    assert "cdn" not in page.lower() and "https://" not in page and "http://" not in page

    tags = parse(response)
    assets = [script["src"] for script in tags.scripts if not script.get("src", DOCS).startswith(DOCS)]
    assets += [link["href"] for link in tags.links if link.get("rel") in ("stylesheet", "icon")]
    names = {url.rsplit("/", 1)[-1] for url in assets}
    assert {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"} <= names
    for url in assets:
        assert url.startswith(settings.STATIC_URL), url
        assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is not a static file of ours"
        status, body = fetch(client, url)  # WhiteNoise, as in production
        assert status == 200 and body, url


def test_the_init_script_is_a_separate_same_origin_request_not_an_inline_script(cast, login):
    client = login("msb_officer")
    response = client.get(DOCS)
    tags = parse(response)
    for script in tags.scripts:
        assert script.get("src") or script.get("nonce"), f"inline <script> without a nonce: {script['body'][:80]!r}"
        assert not script["body"].strip(), "a <script src> with a body"
    assert tags.handlers == [], "inline event handlers (on…=) run only with 'unsafe-inline'"

    init = [script["src"] for script in tags.scripts if script.get("src", "").startswith(DOCS)]
    assert len(init) == 1 and "script" in init[0]
    script = client.get(init[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")  # nosniff: only a JS type may run
    body = script.content.decode()
    assert "SwaggerUIBundle(" in body
    assert f'url: "{escapejs(reverse("api:schema") + "?format=json")}"' in body  # the JSON schema, same origin
    assert '"validatorUrl": null' in body  # the schema's address is never sent to swagger.io


def test_the_docs_page_carries_the_sites_unweakened_csp(cast, login):
    response = login("msb_officer").get(DOCS)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert directives["default-src"] == "'self'"
    assert directives["connect-src"].split()[0] == "'self'"  # Swagger UI fetches the schema and 试用 (Try it out) same-origin
    assert response["Cache-Control"] == "no-store"


def test_an_anonymous_visitor_is_sent_to_the_login_form(cast):
    for url in (DOCS, f"{DOCS}?script="):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")) and "next=/api/docs/" in response.url
    assert Client().get("/api/schema/").status_code == 403


def test_every_operation_has_a_chinese_summary_description_and_tag(cast, login):
    response = login("msb_officer").get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert len(operations) >= 9  # list and detail of five resources, less the notifications' detail, plus 标为已读
    for name, operation in operations:
        assert CJK.search(operation.get("summary", "")), f"{name}: no Chinese summary"
        assert CJK.search(operation.get("description", "")), f"{name}: no Chinese description"
        assert operation["tags"] and all(CJK.search(tag) for tag in operation["tags"]), f"{name}: {operation['tags']}"
        for parameter in operation.get("parameters", []):
            assert CJK.search(parameter.get("description", "")), f"{name}: {parameter['name']} not described in Chinese"
    summaries = {operation["summary"] for _, operation in operations}
    assert {"案件列表", "案件详情", "移送列表", "通知列表", "督办列表", "联席会议决议列表"} <= summaries
    assert {tag["name"] for tag in schema["tags"]} == {"案件", "移送", "通知", "督办", "联席会议决议", "搜索", "接入线索"}
    after = next(p for p in schema["paths"]["/api/notifications/"]["get"]["parameters"] if p["name"] == "after")
    assert after["schema"]["type"] == "integer" and "编号" in after["description"]


def test_every_field_of_every_resource_is_described_in_chinese(cast, login):
    schema = login("msb_officer").get("/api/schema/?format=json").json()
    fields = [
        (f"{component}.{name}", field)
        for component, body in schema["components"]["schemas"].items()
        for name, field in body.get("properties", {}).items()
    ]
    assert len(fields) > 100
    undescribed = [name for name, field in fields if not CJK.search(field.get("description", "") + field.get("title", ""))]
    assert not undescribed, f"fields without a Chinese description: {undescribed}"


def test_the_schema_opens_in_the_browser_as_json_and_the_docs_page_links_it(cast, login):
    client = login("msb_officer")
    as_json = client.get("/api/schema/?format=json", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert as_json.status_code == 200 and as_json["Content-Type"].startswith("application/json")
    default = client.get("/api/schema/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert default["Content-Type"].startswith("application/vnd.oai.openapi")  # YAML, as before
    hrefs = [anchor.get("href") for anchor in parse(client.get(DOCS)).anchors]
    assert "/api/schema/?format=json" in hrefs and "/api/schema/" in hrefs


def test_the_user_menu_links_the_docs(cast, login):
    page = login("msb_officer").get("/", follow=True)
    assert page.status_code == 200
    assert f'href="{DOCS}"' in page.content.decode() and "接口文档" in page.content.decode()
