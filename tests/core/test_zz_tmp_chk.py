import pytest
from django_scopes import scopes_disabled
from tests.conftest import login
def test_x(member_client, campus):
    r = member_client.get(f"/c/{campus.code}/approvals/")
    print("sidebar-menu" in r.text, "navbar-vertical" in r.text)
    import re
    print(re.findall(r'href="(/c/main/[^"]*)"', r.text)[:40])
