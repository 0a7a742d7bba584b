"""Greening (绿化): trees, hedges, lawns, flower beds, potted plants and planting gardens,
each with its care tasks (watering, fertilising, pruning, weeding, pest control) run as
routines of the core engine (category ``environment.greening``) and recorded with photos
there."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, PinyinSearchMixin, user_fk

__all__ = ["GreeningArea", "GreeningTask"]


class GreeningArea(PinyinSearchMixin, CampusOwned):
    class Kind(models.TextChoices):
        TREE = "tree", _("Trees (树木)")
        HEDGE = "hedge", _("Hedge or green belt (绿篱、绿化带)")
        LAWN = "lawn", _("Lawn (草坪)")
        FLOWERBED = "flowerbed", _("Flower bed (花坛)")
        POTTED = "potted", _("Potted plants (盆栽)")
        GARDEN = "garden", _("Planting garden (种植园地)")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FLOWERBED)
    species = models.CharField(_("plants"), max_length=120, blank=True, help_text=_("e.g. 香樟、月季、麦冬"))
    location = models.CharField(_("location"), max_length=120, blank=True, help_text=_("e.g. 大门两侧"))
    room = models.ForeignKey(
        "core.Room", verbose_name=_("room or outdoor area"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    quantity = models.PositiveIntegerField(_("count"), null=True, blank=True, help_text=_("Trees, pots…"))
    area_m2 = models.DecimalField(
        _("area (m²)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    caretaker = user_fk(_("caretaker"))
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("contracted class (承包班级)"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("greening area")
        verbose_name_plural = _("greening areas")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="greeningarea_unique_name")]

    def __str__(self):
        return self.name

    @property
    def place_label(self):
        parts = [str(self.room) if self.room_id else "", self.location]
        return " ".join(p for p in parts if p)

    @property
    def caretaker_person(self):
        if self.caretaker_id:
            return self.caretaker
        if self.school_class_id and self.school_class.head_teacher_id:
            return self.school_class.head_teacher
        return None

    @property
    def size_label(self):
        parts = []
        if self.quantity is not None:
            parts.append(f"{self.quantity}")
        if self.area_m2 is not None:
            parts.append(f"{self.area_m2.normalize():f} m²")
        return " · ".join(parts)

    def clean(self):
        errors = {}
        if self.room_id and self.campus_id and self.room.campus_id != self.campus_id:
            errors["room"] = _("The room belongs to another campus.")
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            errors["school_class"] = _("The class belongs to another campus.")
        if errors:
            raise ValidationError(errors)


class GreeningTask(CampusOwned):
    """A care task of an area, run as a routine (the link between the area and its routine)."""

    class Kind(models.TextChoices):
        WATERING = "watering", _("Watering (浇水)")
        FERTILISING = "fertilising", _("Fertilising (施肥)")
        PRUNING = "pruning", _("Pruning (修剪)")
        WEEDING = "weeding", _("Weeding (除草)")
        PEST_CONTROL = "pest_control", _("Pest control (防虫)")

    area = models.ForeignKey(GreeningArea, verbose_name=_("greening area"), on_delete=models.PROTECT,
                             related_name="tasks")  # fmt: skip
    kind = models.CharField(_("task"), max_length=14, choices=Kind.choices)
    template = models.OneToOneField(
        "core.RoutineTemplate", verbose_name=_("routine"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("greening task")
        verbose_name_plural = _("greening tasks")
        ordering = ["area", "kind"]
        constraints = [models.UniqueConstraint(fields=["area", "kind"], name="greeningtask_unique_kind")]

    def __str__(self):
        return f"{self.area} · {self.get_kind_display()}"
