"""The traceability report of one meal (追溯): what an incident report to the education
bureau needs, in one place.

For a date and a meal it lists

* every dish served (the published menus' items, ``nutrition_services.served_items``) with
  the age groups it was served to and the children who ate (attendance);
* the food batches the confirmed stock-outs of that date and meal took
  (``supply_services.batches_used``), each with the quantity issued, its receiving record,
  supplier, the supplier's certificates and whether each was valid **on that date**, the
  required certificates missing, and the batch's pesticide-residue tests; batches are
  matched to dishes through the recipes' ingredients;
* the samples kept (``safety_services.samples_for``): weight, fridge, taken by/at, the
  earliest disposal time and whether (and by whom) it was disposed of; a served dish without
  a sample is flagged;
* the kitchen staff on duty (``safety_services.staff_on_duty``) with their health
  certificate's validity on that date and that day's morning check;
* the accompanying-meal records of that meal.

And a list of findings (the problems an inspector would ask about first). The report runs a
fixed number of queries whatever the number of dishes, batches or staff.
"""

from collections import defaultdict

from django.db.models import Sum
from django.utils.translation import gettext as _

from houqin.canteen.models import CompanionMeal, DishIngredient, MealKind


def _label(meal):
    return str(dict(MealKind.choices).get(meal, meal))


def _matches(batch, ingredient_ids, ingredient_names):
    if batch.ingredient_id:
        return batch.ingredient_id in ingredient_ids
    name = batch.name or ""
    return any(n and (n in name or name in n) for n in ingredient_names)


def trace_report(campus, date, meal):
    """The traceability report of ``meal`` on ``date`` as a dict (see the module doc)."""
    from houqin.canteen import nutrition_services, safety_services, supply_services
    from houqin.canteen.models import (
        FoodSupplier,
        HealthCertificate,
        KitchenDuty,
        PesticideTest,
        StaffMorningCheck,
        StockOut,
        StockOutLine,
        SupplierCertificate,
    )

    meal = str(meal)
    findings = []

    # Dishes served --------------------------------------------------------------------------
    items = list(nutrition_services.served_items(campus, date, meal))
    dishes = {}
    for item in items:
        row = dishes.setdefault(item.dish_id, {"dish": item.dish, "age_groups": [], "ingredients": [],
                                               "batches": [], "samples": []})  # fmt: skip
        label = item.menu.get_age_group_display()
        if label not in row["age_groups"]:
            row["age_groups"].append(label)
    groups = {item.menu.age_group for item in items}
    recipe = defaultdict(dict)
    if dishes:
        for line in DishIngredient.objects.filter(dish_id__in=dishes, age_group__in=groups).select_related(
            "ingredient"
        ):
            recipe[line.dish_id][line.ingredient_id] = line.ingredient
    for dish_id, row in dishes.items():
        row["ingredients"] = sorted({i.name for i in recipe[dish_id].values()})
    if not items:
        findings.append(_("No published menu serves this meal: the dishes served are not on record."))

    # Batches, receiving, suppliers, certificates, tests ---------------------------------------
    batches = list(supply_services.batches_used(campus, date, meal))
    batch_ids = [b.pk for b in batches]
    issued = defaultdict(lambda: {"quantity": 0, "stock_outs": []})
    if batch_ids:
        lines = (
            StockOutLine.objects.filter(
                campus=campus,
                batch_id__in=batch_ids,
                stock_out__date=date,
                stock_out__meal=meal,
                stock_out__status=StockOut.Status.CONFIRMED,
            )  # fmt: skip
            .values("batch_id", "stock_out__number")
            .annotate(total=Sum("quantity"))
        )
        for row in lines:
            entry = issued[row["batch_id"]]
            entry["quantity"] += row["total"] or 0
            if row["stock_out__number"] not in entry["stock_outs"]:
                entry["stock_outs"].append(row["stock_out__number"])
    supplier_ids = {b.supplier_id for b in batches}
    certificates = defaultdict(list)
    profiles = {}
    if supplier_ids:
        for cert in SupplierCertificate.objects.filter(
            campus=campus, supplier_id__in=supplier_ids, is_void=False
        ).order_by("kind", "title", "-expires_on", "-id"):
            certificates[cert.supplier_id].append(cert)
        profiles = {
            p.supplier_id: p for p in FoodSupplier.objects.filter(campus=campus, supplier_id__in=supplier_ids)
        }
    tests = defaultdict(list)
    if batch_ids:
        for test in (
            PesticideTest.objects.filter(campus=campus, batch_id__in=batch_ids, is_void=False)
            .select_related("operator")
            .order_by("tested_at", "pk")
        ):
            tests[test.batch_id].append(test)

    suppliers = {}
    for batch in batches:
        supplier = batch.supplier
        if supplier.pk not in suppliers:
            certs = certificates[supplier.pk]
            supplier.campus = campus  # the same campus object: its settings are read once
            # a supplier without a food-supplier profile is judged like one with the defaults
            profile = profiles.get(supplier.pk) or FoodSupplier(campus=campus, supplier=supplier)
            problems = supply_services.certificate_problems(
                supplier, date, profile=profile, certificates=certs
            )
            suppliers[supplier.pk] = {
                "supplier": supplier,
                "profile": profiles.get(supplier.pk),
                "certificates": [{"cert": c, "valid": c.is_valid_on(date)} for c in certs],
                "problems": problems,
            }
            for problem in problems:
                findings.append(
                    _("Supplier %(supplier)s: %(problem)s") % {"supplier": supplier, "problem": problem}
                )
    batch_rows = []
    for batch in batches:
        line = getattr(batch, "receiving_line", None) if _has_receiving(batch) else None
        receiving = line.receiving if line is not None else None
        batch_tests = tests[batch.pk]
        row = {
            "batch": batch,
            "supplier": suppliers[batch.supplier_id],
            "receiving": receiving,
            "receiving_line": line,
            "issued": issued[batch.pk]["quantity"],
            "stock_outs": issued[batch.pk]["stock_outs"],
            "tests": batch_tests,
            "expired": bool(batch.best_before and batch.best_before < date),
            "dishes": [],
        }
        if row["expired"]:
            findings.append(_("Batch %(batch)s was past its best-before date (%(bb)s) on the day.")
                            % {"batch": batch, "bb": batch.best_before})  # fmt: skip
        if batch.is_blocked:
            findings.append(_("Batch %(batch)s is blocked: %(reason)s") % {"batch": batch,
                                                                             "reason": batch.blocked_reason})  # fmt: skip
        for test in batch_tests:
            if test.is_positive:
                findings.append(_("Pesticide test of batch %(batch)s was positive (%(pct)s %%).")
                                % {"batch": batch, "pct": test.inhibition_pct})  # fmt: skip
        if receiving is None:
            findings.append(_("Batch %(batch)s has no receiving record.") % {"batch": batch})
        for dish_id, dish_row in dishes.items():
            ingredients = recipe[dish_id]
            if _matches(batch, set(ingredients), {i.name for i in ingredients.values()}):
                dish_row["batches"].append(row)
                row["dishes"].append(dish_row["dish"].name)
        batch_rows.append(row)
    if dishes and not batches:
        findings.append(
            _("No confirmed stock-out is recorded for this meal: the batches used cannot be traced.")
        )

    # Samples -------------------------------------------------------------------------------
    samples = list(safety_services.samples_for(campus, date, meal))
    for sample in samples:
        if sample.dish_id in dishes:
            dishes[sample.dish_id]["samples"].append(sample)
    for row in dishes.values():
        if not row["samples"]:
            findings.append(_("No sample (留样) was kept of %(dish)s.") % {"dish": row["dish"].name})

    # Kitchen staff ---------------------------------------------------------------------------
    staff = list(safety_services.staff_on_duty(campus, date))
    staff_ids = [s.pk for s in staff]
    health = defaultdict(list)
    checks, duties = {}, defaultdict(list)
    if staff_ids:
        for cert in HealthCertificate.objects.filter(
            campus=campus, staff_id__in=staff_ids, is_void=False
        ).order_by("-valid_until", "-pk"):
            health[cert.staff_id].append(cert)
        for check in StaffMorningCheck.objects.filter(campus=campus, staff_id__in=staff_ids, date=date,
                                                      is_void=False).select_related("checked_by"):  # fmt: skip
            checks[check.staff_id] = check
        for duty in KitchenDuty.objects.filter(campus=campus, staff_id__in=staff_ids, date=date,
                                               removed_at__isnull=True).order_by("shift", "pk"):  # fmt: skip
            duties[duty.staff_id].append(duty)
    staff_rows = []
    for person in staff:
        certs = health[person.pk]
        valid = next((c for c in certs if c.is_valid_on(date)), None)
        check = checks.get(person.pk)
        staff_rows.append({
            "staff": person, "duties": duties[person.pk], "certificate": valid or (certs[0] if certs else None),
            "certificate_valid": valid is not None, "check": check,
        })  # fmt: skip
        if valid is None:
            findings.append(
                _("%(name)s was on duty without a valid health certificate.") % {"name": person.name}
            )
        if check is None:
            findings.append(_("%(name)s has no morning check on record for the day.") % {"name": person.name})
        elif not check.is_fit:
            findings.append(_("%(name)s failed the morning check (%(what)s) but is on the roster.")
                            % {"name": person.name, "what": "、".join(check.findings)})  # fmt: skip

    # Accompanying meals and children served ---------------------------------------------------
    companions = list(
        CompanionMeal.objects.filter(campus=campus, date=date, meal=meal, is_void=False)
        .select_related("companion", "school_class")
        .order_by("id")
    )
    counts = nutrition_services.meal_counts(campus, date)

    return {
        "date": date,
        "meal": meal,
        "meal_label": _label(meal),
        "dishes": list(dishes.values()),
        "batches": batch_rows,
        "unmatched_batches": [r for r in batch_rows if not r["dishes"]],
        "suppliers": list(suppliers.values()),
        "samples": samples,
        "staff": staff_rows,
        "companions": companions,
        "counts": counts,
        "findings": findings,
    }


def _has_receiving(batch):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return batch.receiving_line is not None
    except ObjectDoesNotExist:
        return False
