"""Models of the safety area: sample retention, hygiene logs and kitchen staff
(留样、卫生记录、从业人员).

Every record here is regulated: it is never edited or deleted after the fact; a wrong one
is voided with a reason (``is_void``, ``void_reason``, ``voided_by``, ``voided_at``) and
recorded again. The writers are in :mod:`houqin.canteen.safety_services`.

* ``FoodSample`` (留样): one per dish served at a meal (the dishes of the published menus),
  ≥ the campus minimum weight (125 g), in a sample fridge, kept until
  ``discard_not_before`` (taken + 48 h); disposal is logged; a reviewer (not the taker)
  signs later.
* ``Fridge`` and ``TemperatureLog``: sample fridges, fridges, cold rooms and freezers with
  their allowed range; readings out of range raise an alert.
* ``TablewareDisinfection`` (餐具消毒) and ``UvDisinfection`` (紫外线消毒): the method, the
  time and temperature or concentration; a record below the campus standard is kept but
  flagged non-compliant with the reason.
* ``PesticideTest`` (农残快检): the inhibition rate of a batch of vegetables; positive
  (≥ 50 %) blocks the batch through ``store_services.batch_block``.
* ``KitchenStaff``, ``HealthCertificate``, ``KitchenDuty``, ``StaffMorningCheck``,
  ``TrainingRecord``: no duty without a valid certificate, unfit staff taken off duty.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from houqin.canteen.models.nutrition import MealKind
from houqin.core.models.base import CampusOwned, PinyinSearchMixin, user_fk

__all__ = [
    "DisinfectionMethod",
    "FoodSample",
    "Fridge",
    "HealthCertificate",
    "KitchenDuty",
    "KitchenStaff",
    "PesticideTest",
    "StaffMorningCheck",
    "TablewareDisinfection",
    "TemperatureLog",
    "TrainingRecord",
    "UvDisinfection",
]


class VoidableRecord(CampusOwned):
    """A regulated record: voided with a reason, never edited or deleted."""

    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("reason voided"), max_length=200, blank=True)
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        abstract = True


# --- Fridges and temperatures -------------------------------------------------------------


class Fridge(PinyinSearchMixin, CampusOwned):
    """A sample fridge (留样冰箱), fridge, cold room (冷库) or freezer with its allowed range."""

    class Kind(models.TextChoices):
        SAMPLE = "sample", _("Sample fridge (留样冰箱)")
        FRIDGE = "fridge", _("Fridge (冷藏)")
        COLD_ROOM = "cold_room", _("Cold room (冷库)")
        FREEZER = "freezer", _("Freezer (冷冻)")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FRIDGE)
    room = models.ForeignKey(
        "core.Room", verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    min_c = models.DecimalField(_("lowest allowed (°C)"), max_digits=5, decimal_places=1)
    max_c = models.DecimalField(_("highest allowed (°C)"), max_digits=5, decimal_places=1)
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    last_temperature_c = models.DecimalField(
        _("current temperature (°C)"), max_digits=5, decimal_places=1, null=True, blank=True, editable=False
    )
    last_reading_at = models.DateTimeField(_("last reading at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("fridge")
        verbose_name_plural = _("fridges and cold rooms")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "name"], name="canteen_fridge_unique_name"),
            models.CheckConstraint(condition=Q(min_c__lte=models.F("max_c")), name="canteen_fridge_range"),
        ]

    def __str__(self):
        return self.name

    @property
    def range_label(self):
        return f"{self.min_c:g}–{self.max_c:g} °C"

    def in_range(self, value):
        return value is not None and self.min_c <= value <= self.max_c

    @property
    def is_out_of_range(self):
        return self.last_temperature_c is not None and not self.in_range(self.last_temperature_c)


class TemperatureLog(VoidableRecord):
    """One reading of a fridge or cold room (twice a day, or when a sample is taken)."""

    fridge = models.ForeignKey(
        Fridge, verbose_name=_("fridge"), on_delete=models.PROTECT, related_name="readings"
    )
    recorded_at = models.DateTimeField(_("read at"))
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=5, decimal_places=1,
        validators=[MinValueValidator(Decimal("-60")), MaxValueValidator(Decimal("60"))],
    )  # fmt: skip
    min_c = models.DecimalField(_("lowest allowed (°C)"), max_digits=5, decimal_places=1)
    max_c = models.DecimalField(_("highest allowed (°C)"), max_digits=5, decimal_places=1)
    is_out_of_range = models.BooleanField(_("out of range"), default=False)
    action_taken = models.CharField(_("action taken"), max_length=200, blank=True)
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("temperature reading")
        verbose_name_plural = _("temperature log")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["campus", "recorded_at"])]

    def __str__(self):
        return f"{self.fridge} {self.temperature_c:g} °C"


# --- Sample retention ---------------------------------------------------------------------


class FoodSample(VoidableRecord):
    """A retained sample (留样) of one dish of one meal."""

    date = models.DateField(_("date"))
    meal = models.CharField(_("meal"), max_length=16, choices=MealKind.choices)
    dish = models.ForeignKey(
        "canteen.Dish", verbose_name=_("dish"), on_delete=models.PROTECT, related_name="samples"
    )
    weight_g = models.DecimalField(
        _("weight (g)"), max_digits=6, decimal_places=1,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5000"))],
    )  # fmt: skip
    fridge = models.ForeignKey(
        Fridge, verbose_name=_("fridge"), on_delete=models.PROTECT, related_name="samples"
    )
    fridge_temperature_c = models.DecimalField(
        _("fridge temperature (°C)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    taken_by = user_fk(_("taken by"))
    taken_at = models.DateTimeField(_("taken at"))
    discard_not_before = models.DateTimeField(_("not to be disposed before"))
    reviewer = user_fk(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    disposed_by = user_fk(_("disposed by"))
    disposal_note = models.CharField(_("disposal note"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("food sample")
        verbose_name_plural = _("food samples (留样)")
        ordering = ["-date", "meal", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campus", "date", "meal", "dish"], condition=Q(is_void=False),
                name="canteen_sample_one_per_dish",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["campus", "date", "meal"]),
            models.Index(fields=["campus", "discard_not_before"]),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_meal_display()} {self.dish}"

    @property
    def label_code(self):
        return f"LY{self.date:%Y%m%d}-{self.pk or 0:05d}"

    @property
    def status(self):
        if self.is_void:
            return "void"
        if self.disposed_at:
            return "disposed"
        return "kept"


# --- Tableware and kitchen disinfection ---------------------------------------------------


class DisinfectionMethod(models.TextChoices):
    BOILING = "boiling", _("Boiling (煮沸)")
    STEAM = "steam", _("Steam (蒸汽)")
    INFRARED = "infrared", _("Infrared cabinet (红外线消毒柜)")
    CHLORINE = "chlorine", _("Chlorine soak (含氯消毒液)")
    DISHWASHER = "dishwasher", _("Dishwasher (洗碗机)")


class TablewareDisinfection(VoidableRecord):
    """One round of tableware disinfection (餐具消毒记录)."""

    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=12, choices=DisinfectionMethod.choices)
    started_at = models.DateTimeField(_("started at"))
    duration_s = models.PositiveIntegerField(_("duration (s)"), validators=[MaxValueValidator(24 * 3600)])
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    concentration_mg_l = models.DecimalField(
        _("available chlorine (mg/L)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    items = models.CharField(_("items"), max_length=200)
    quantity = models.PositiveIntegerField(_("pieces"), null=True, blank=True)
    performed_by = user_fk(_("done by"))
    recorded_by = user_fk(_("recorded by"))
    is_compliant = models.BooleanField(_("compliant"), default=True)
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tableware disinfection")
        verbose_name_plural = _("tableware disinfection log")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_method_display()}"

    @property
    def duration_label(self):
        minutes, seconds = divmod(self.duration_s or 0, 60)
        if minutes and seconds:
            return f"{minutes} min {seconds} s"
        return f"{minutes} min" if minutes else f"{seconds} s"


class UvDisinfection(VoidableRecord):
    """Ultraviolet disinfection of a kitchen area (厨房紫外线消毒)."""

    date = models.DateField(_("date"))
    area = models.CharField(_("area"), max_length=60)
    room = models.ForeignKey(
        "core.Room", verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    minutes = models.PositiveIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    performed_by = user_fk(_("done by"))
    recorded_by = user_fk(_("recorded by"))
    is_compliant = models.BooleanField(_("compliant"), default=True)
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("UV disinfection")
        verbose_name_plural = _("UV disinfection log")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.area}"


# --- Pesticide residue rapid tests --------------------------------------------------------


class PesticideTest(VoidableRecord):
    """A pesticide-residue rapid test (农残快检) of a batch of (leafy) vegetables."""

    class Method(models.TextChoices):
        ENZYME = "enzyme", _("Enzyme inhibition, GB/T 5009.199 (酶抑制率法)")
        CARD = "card", _("Rapid test card (速测卡)")
        GOLD = "gold", _("Colloidal gold strip (胶体金)")

    class Result(models.TextChoices):
        NEGATIVE = "negative", _("Negative (合格)")
        POSITIVE = "positive", _("Positive (不合格)")

    date = models.DateField(_("date"))
    tested_at = models.DateTimeField(_("tested at"))
    batch = models.ForeignKey(
        "canteen.FoodBatch",
        verbose_name=_("food batch"),
        on_delete=models.PROTECT,
        related_name="pesticide_tests",
    )
    vegetable = models.CharField(_("vegetable"), max_length=60)
    sample = models.CharField(_("sample"), max_length=100, blank=True, help_text=_("Part and amount taken."))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.ENZYME)
    kit_lot = models.CharField(_("kit lot"), max_length=40, blank=True)
    inhibition_pct = models.DecimalField(
        _("inhibition rate (%)"), max_digits=5, decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )  # fmt: skip
    threshold_pct = models.DecimalField(_("positive from (%)"), max_digits=5, decimal_places=1)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    operator = user_fk(_("tested by"))
    recorded_by = user_fk(_("recorded by"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pesticide residue test")
        verbose_name_plural = _("pesticide residue tests (农残快检)")
        ordering = ["-tested_at", "-pk"]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.vegetable} {self.inhibition_pct:g}%"

    @property
    def is_positive(self):
        return self.result == self.Result.POSITIVE


# --- Kitchen staff ------------------------------------------------------------------------


class KitchenStaff(PinyinSearchMixin, CampusOwned):
    """A person working in the kitchen (食堂从业人员), with or without a login."""

    class Position(models.TextChoices):
        HEAD = "head", _("Canteen head (食堂负责人)")
        CHEF = "chef", _("Cook (厨师)")
        PASTRY = "pastry", _("Pastry cook (面点师)")
        HELPER = "helper", _("Kitchen helper (帮厨)")
        WASHER = "washer", _("Dishwasher (洗消员)")
        KEEPER = "keeper", _("Store keeper (仓管员)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=40)
    user = user_fk(_("user account"))
    position = models.CharField(_("position"), max_length=10, choices=Position.choices, default=Position.CHEF)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("kitchen staff member")
        verbose_name_plural = _("kitchen staff")
        ordering = ["-is_active", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campus", "user"], condition=Q(user__isnull=False), name="canteen_staff_unique_user"
            ),
        ]

    def __str__(self):
        return self.name


class HealthCertificate(VoidableRecord):
    """A health certificate (健康证明) of a kitchen staff member."""

    staff = models.ForeignKey(
        KitchenStaff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(_("certificate number"), max_length=40)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    issuer = models.CharField(_("issued by"), max_length=80, blank=True)
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("health certificate")
        verbose_name_plural = _("health certificates")
        ordering = ["-valid_until", "-pk"]
        indexes = [models.Index(fields=["campus", "valid_until"])]

    def __str__(self):
        return f"{self.staff} {self.number}"

    def is_valid_on(self, day):
        return not self.is_void and self.issued_on <= day <= self.valid_until


class KitchenDuty(CampusOwned):
    """A staff member on the kitchen roster for a shift of a day (值班/排班)."""

    class Shift(models.TextChoices):
        EARLY = "early", _("Early shift (早班)")
        DAY = "day", _("Day shift (正班)")
        LATE = "late", _("Late shift (晚班)")

    date = models.DateField(_("date"))
    shift = models.CharField(_("shift"), max_length=8, choices=Shift.choices, default=Shift.DAY)
    staff = models.ForeignKey(
        KitchenStaff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="duties"
    )
    post = models.CharField(
        _("post"), max_length=40, blank=True, help_text=_("e.g. 切配, 烹饪, 面点, 洗消, 留样")
    )
    assigned_by = user_fk(_("assigned by"))
    removed_at = models.DateTimeField(_("taken off at"), null=True, blank=True)
    removed_by = user_fk(_("taken off by"))
    removed_reason = models.CharField(_("reason taken off"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("kitchen duty")
        verbose_name_plural = _("kitchen duty roster")
        ordering = ["date", "shift", "staff__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "date", "shift"], condition=Q(removed_at__isnull=True),
                name="canteen_duty_unique_shift",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_shift_display()} {self.staff}"

    @property
    def is_active(self):
        return self.removed_at is None


class StaffMorningCheck(VoidableRecord):
    """The daily pre-shift check of a kitchen staff member (晨检)."""

    date = models.DateField(_("date"))
    staff = models.ForeignKey(
        KitchenStaff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="checks"
    )
    checked_at = models.DateTimeField(_("checked at"))
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("34")), MaxValueValidator(Decimal("43"))],
    )  # fmt: skip
    fever = models.BooleanField(_("fever"), default=False)
    diarrhoea = models.BooleanField(_("diarrhoea"), default=False)
    sore_throat = models.BooleanField(_("sore throat"), default=False)
    hand_wound = models.BooleanField(_("hand wound or skin infection"), default=False)
    other = models.CharField(_("other symptoms"), max_length=100, blank=True)
    is_fit = models.BooleanField(_("fit for work"), default=True)
    checked_by = user_fk(_("checked by"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("staff morning check")
        verbose_name_plural = _("staff morning checks (晨检)")
        ordering = ["-date", "staff__name", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "date"], condition=Q(is_void=False), name="canteen_staff_check_one_per_day"
            ),
        ]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.staff}"

    @property
    def findings(self):
        out = []
        for field in ("fever", "diarrhoea", "sore_throat", "hand_wound"):
            if getattr(self, field):
                out.append(str(self._meta.get_field(field).verbose_name))
        if self.other:
            out.append(self.other)
        return out


class TrainingRecord(CampusOwned):
    """A food-safety training of the kitchen staff (培训记录)."""

    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=120)
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("40"))],
    )  # fmt: skip
    trainer = models.CharField(_("trainer"), max_length=60)
    content = models.TextField(_("content"), blank=True)
    attendees = models.ManyToManyField(
        KitchenStaff, verbose_name=_("attendees"), related_name="trainings", blank=True
    )
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("kitchen staff training")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}"
