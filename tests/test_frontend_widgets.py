"""Every form field renders as an element viewflow's frontend defines. viewflow 2.4 renders a
CheckboxSelectMultiple as <vf-field-checkbox-select>, which its JavaScript never defines: the field
would be invisible in the browser while the form still expects it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import viewflow
from django.urls import reverse

from demo.stories import INVESTIGATING, PENDING_DECISION

pytestmark = pytest.mark.django_db

VIEWFLOW_JS = Path(viewflow.__file__).parent / "static" / "viewflow" / "js" / "viewflow.min.js"
TAG = re.compile(r"<(vf-field-[a-z-]+)")


def defined_elements() -> set[str]:
    return set(re.findall(r"vf-field-[a-z-]+", VIEWFLOW_JS.read_text(errors="replace")))


def test_the_form_pages_use_only_elements_the_frontend_defines(cast, login, tell, flow_client):
    from meetings.models import Mechanism

    lead = tell(INVESTIGATING, title="督办页面")
    deciding = tell(PENDING_DECISION, title="决定页面")
    head = login("msb_head")
    decide = flow_client(head)
    head.post(decide.urls(deciding.process, "decide")["assign"])
    mechanism = Mechanism.objects.create(name="联席会议", convenor="副市长", lead_agency=cast.agencies["zj-msb"],
                                         office=cast.agencies["zj-msb"], created_by=cast.user("msb_head"))
    mechanism.memberships.create(agency=cast.agencies["zj-msb"])
    pages = {
        "处理决定审批": (head, decide.urls(deciding.process, "decide")["execute"]),
        "报请挂牌督办": (login("msb_officer"), reverse("supervision:propose", args=[lead.pk])),
        "建立联席会议机制": (head, reverse("meetings:mechanism_create")),
        "召集会议": (login("msb_officer"), reverse("meetings:convene", args=[mechanism.pk])),
    }
    known = defined_elements()
    assert "vf-field-select-multiple" in known  # the check itself reads the right file
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        used = set(TAG.findall(response.content.decode()))
        assert used and used <= known, f"{name}: {sorted(used - known)}"
