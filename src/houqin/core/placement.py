"""Class placement guards: other modules may refuse a child entering a class.

A guard is ``func(child, *, previous_class_id) -> str | None`` (a message to refuse, or
None). It is asked from ``Child.clean()`` whenever a child is enrolled into a class or
moved into another one (``previous_class_id`` is None for a new child). Health care
registers one: no new enrolment into a class under quarantine (不收新生、不串班).
"""

_guards = []


def register_class_guard(func):
    if func not in _guards:
        _guards.append(func)
    return func


def placement_errors(child) -> list[str]:
    """Messages of the guards refusing ``child`` in its (new) class; [] when it stays put."""
    if not _guards or not child.school_class_id:
        return []
    previous = None
    if child.pk is not None:
        previous = (
            type(child)._base_manager.filter(pk=child.pk).values_list("school_class_id", flat=True).first()
        )
        if previous == child.school_class_id:
            return []
    return [str(m) for m in (guard(child, previous_class_id=previous) for guard in _guards) if m]
