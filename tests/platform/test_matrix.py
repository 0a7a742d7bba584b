"""The role → permission matrix: every role known, supervisors read-only, key rules."""

from houqin.core.roles import MATRIX, PERMISSIONS, Role, permissions_for, role_permissions


def test_matrix_uses_only_declared_permissions_and_roles():
    roles = {str(r) for r in Role}
    for perm, holders in MATRIX.items():
        assert perm in PERMISSIONS, perm
        assert {str(r) for r in holders} <= roles, perm


def test_every_permission_is_held_by_someone():
    table = role_permissions()
    held = set().union(*table.values())
    assert set(PERMISSIONS) <= held


def test_supervisors_only_read():
    perms = permissions_for([Role.SUPERVISOR])
    assert perms, "supervisors read everything"
    assert all(p.split(".", 1)[1].startswith("view_") for p in perms), perms


def test_spec_roles_all_present():
    expected = {
        "principal", "logistics_head", "accountant", "cashier", "asset_keeper", "health_teacher",
        "childcare_worker", "class_teacher", "canteen_head", "cook", "guard", "repair_worker",
        "duty_admin", "parent", "supervisor", "sysadmin",
    }
    assert {str(r) for r in Role} == expected


def test_supervisors_never_see_full_identity_numbers():
    perms = permissions_for([Role.SUPERVISOR])
    assert "core.unmask_child_identity" not in perms
    assert "safety.unmask_visitor_identity" not in perms


def test_key_rules():
    assert "core.manage_users" in permissions_for([Role.PRINCIPAL])
    assert "core.manage_users" not in permissions_for([Role.LOGISTICS_HEAD])
    assert "core.manage_children" not in permissions_for([Role.COOK])
    assert "core.unmask_child_identity" not in permissions_for([Role.CLASS_TEACHER])
    assert "core.view_children" in permissions_for([Role.GUARD])  # pickup at the gate
    assert permissions_for([Role.PARENT]) == {"core.view_dashboard"}
