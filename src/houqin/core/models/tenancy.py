"""Organisations, campuses and the places, calendar, classes and children of a campus."""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import CampusOwned, PinyinSearchMixin, TimeStampedModel, user_fk

code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{1,38}$",
    _("Use 2–39 lower-case letters, digits or hyphens, starting with a letter or digit."),
)


def new_qr_token():
    return secrets.token_urlsafe(9)


class Organization(TimeStampedModel):
    class Kind(models.TextChoices):
        GROUP = "group", _("School group (集团)")
        DISTRICT = "district", _("Education bureau (教育局)")
        SINGLE = "single", _("Single school")

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GROUP)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Campus(PinyinSearchMixin, TimeStampedModel):
    class Kind(models.TextChoices):
        NURSERY = "nursery", _("Nursery (托育机构)")
        KINDERGARTEN = "kindergarten", _("Kindergarten (幼儿园)")
        PRIMARY = "primary", _("Primary school (小学)")
        JUNIOR = "junior", _("Junior middle school (初中)")
        NINE_YEAR = "nine_year", _("Nine-year school (九年一贯制)")
        SENIOR = "senior", _("Senior high school (高中)")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="campuses"
    )
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    code = models.SlugField(
        _("code"), max_length=40, unique=True, validators=[code_validator], help_text=_("Used in web addresses.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.KINDERGARTEN)
    age_min = models.PositiveSmallIntegerField(_("youngest age (years)"), default=3, validators=[MaxValueValidator(20)])
    age_max = models.PositiveSmallIntegerField(_("oldest age (years)"), default=6, validators=[MaxValueValidator(20)])
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disclosure_enabled = models.BooleanField(
        _("public disclosure page enabled"), default=True, help_text=_("Publish /p/<code>/ without login.")
    )

    class Meta:
        verbose_name = _("campus")
        verbose_name_plural = _("campuses")
        ordering = ["organization__name", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValidationError({"age_max": _("The oldest age must not be below the youngest age.")})

    @property
    def display_name(self):
        return self.short_name or self.name


class Building(CampusOwned):
    name = models.CharField(_("name"), max_length=80)
    code = models.CharField(_("code"), max_length=20, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1, validators=[MinValueValidator(1), MaxValueValidator(60)])
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="building_unique_name")]

    def __str__(self):
        return self.name


class Room(PinyinSearchMixin, CampusOwned):
    class Kind(models.TextChoices):
        CLASSROOM = "classroom", _("Classroom (活动室)")
        BEDROOM = "bedroom", _("Bedroom (寝室)")
        FUNCTIONAL = "functional", _("Functional room (功能室)")
        OFFICE = "office", _("Office")
        KITCHEN = "kitchen", _("Kitchen (厨房)")
        STORE = "store", _("Store room (库房)")
        HEALTH = "health", _("Health room (保健室)")
        GATE = "gate", _("Gatehouse (门卫室)")
        TOILET = "toilet", _("Toilet")
        OUTDOOR = "outdoor", _("Outdoor area")
        OTHER = "other", _("Other")

    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=80)
    code = models.CharField(_("room number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), default=1, validators=[MinValueValidator(-5), MaxValueValidator(60)])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CLASSROOM)
    area = models.DecimalField(_("area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)
    keeper = user_fk(_("keeper"))
    qr_token = models.CharField(_("QR token"), max_length=20, unique=True, default=new_qr_token, editable=False)
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["building__name", "floor", "code"]
        constraints = [models.UniqueConstraint(fields=["campus", "code"], name="room_unique_code")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.building_id and self.campus_id and self.building.campus_id != self.campus_id:
            raise ValidationError({"building": _("The building belongs to another campus.")})
        if self.building_id and self.floor and self.floor > self.building.floors:
            raise ValidationError({"floor": _("The building has only %(n)s floors.") % {"n": self.building.floors}})


class SchoolYear(CampusOwned):
    name = models.CharField(_("name"), max_length=40, help_text=_("For example 2026—2027学年"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-start_date"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="schoolyear_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.start_date and self.end_date and self.start_date >= self.end_date:
            raise ValidationError({"end_date": _("The end date must be after the start date.")})


class Term(CampusOwned):
    class Kind(models.TextChoices):
        AUTUMN = "autumn", _("Autumn term (第一学期)")
        SPRING = "spring", _("Spring term (第二学期)")
        SUMMER = "summer", _("Summer session")

    school_year = models.ForeignKey(SchoolYear, verbose_name=_("school year"), on_delete=models.PROTECT, related_name="terms")
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.AUTUMN)
    start_date = models.DateField(_("first school day"))
    end_date = models.DateField(_("last school day"))
    # Weekdays (0 = Monday) that are school days unless a holiday says otherwise.
    school_weekdays = models.JSONField(_("school weekdays"), default=list, blank=True)

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-start_date"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="term_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.start_date >= self.end_date:
            errors["end_date"] = _("The last school day must be after the first.")
        if self.school_year_id and self.start_date and self.end_date:
            sy = self.school_year
            if self.start_date < sy.start_date or self.end_date > sy.end_date:
                errors["start_date"] = _("The term must lie within its school year (%(start)s – %(end)s).") % {
                    "start": sy.start_date,
                    "end": sy.end_date,
                }
        if self.school_weekdays and not all(isinstance(d, int) and 0 <= d <= 6 for d in self.school_weekdays):
            errors["school_weekdays"] = _("Weekdays are numbers from 0 (Monday) to 6 (Sunday).")
        if self.campus_id and self.start_date and self.end_date:
            overlapping = Term._base_manager.filter(
                campus_id=self.campus_id, start_date__lte=self.end_date, end_date__gte=self.start_date
            ).exclude(pk=self.pk)
            if overlapping.exists():
                errors["start_date"] = _("This term overlaps another term of the campus.")
        if errors:
            raise ValidationError(errors)

    @property
    def weekdays(self):
        return set(self.school_weekdays or [0, 1, 2, 3, 4])

    def calendar_days(self):
        """Map date → (is_school_day, holiday name or '') for every day of the term."""
        exceptions = list(self.holidays.all())
        days = {}
        day = self.start_date
        while day <= self.end_date:
            school = day.weekday() in self.weekdays
            label = ""
            for h in exceptions:
                if h.start_date <= day <= h.end_date:
                    school = h.kind == Holiday.Kind.MAKEUP
                    label = h.name
            days[day] = (school, label)
            day += dt.timedelta(days=1)
        return days

    def school_days(self, start=None, end=None):
        """School days of the term (holidays skipped, make-up days included), in order."""
        start = max(start or self.start_date, self.start_date)
        end = min(end or self.end_date, self.end_date)
        return [d for d, (school, _label) in self.calendar_days().items() if school and start <= d <= end]

    def is_school_day(self, day):
        if not (self.start_date <= day <= self.end_date):
            return False
        return self.calendar_days()[day][0]

    @property
    def is_current(self):
        return self.start_date <= timezone.localdate() <= self.end_date


class Holiday(CampusOwned):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (放假)")
        MAKEUP = "makeup", _("Make-up school day (调休上课)")

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ["start_date"]

    def __str__(self):
        return f"{self.name} ({self.start_date}–{self.end_date})"

    def clean(self):
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValidationError({"end_date": _("The end date must not be before the start date.")})
        if self.term_id and self.start_date and self.end_date:
            if self.start_date < self.term.start_date or self.end_date > self.term.end_date:
                raise ValidationError({"start_date": _("The dates must lie within the term.")})


class SchoolClass(PinyinSearchMixin, CampusOwned):
    class Grade(models.TextChoices):
        NURSERY = "nursery", _("Nursery class (托班)")
        JUNIOR = "junior", _("Junior class (小班)")
        MIDDLE = "middle", _("Middle class (中班)")
        SENIOR = "senior", _("Senior class (大班)")
        G1 = "g1", _("Grade 1")
        G2 = "g2", _("Grade 2")
        G3 = "g3", _("Grade 3")
        G4 = "g4", _("Grade 4")
        G5 = "g5", _("Grade 5")
        G6 = "g6", _("Grade 6")
        G7 = "g7", _("Grade 7")
        G8 = "g8", _("Grade 8")
        G9 = "g9", _("Grade 9")
        G10 = "g10", _("Grade 10")
        G11 = "g11", _("Grade 11")
        G12 = "g12", _("Grade 12")

    name = models.CharField(_("name"), max_length=40)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    entry_year = models.PositiveSmallIntegerField(
        _("entry year"), null=True, blank=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    head_teacher = user_fk(_("head teacher"))
    room = models.ForeignKey(Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=30, validators=[MaxValueValidator(80)])
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["sort_order", "grade", "name"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="class_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.room_id and self.campus_id and self.room.campus_id != self.campus_id:
            raise ValidationError({"room": _("The room belongs to another campus.")})


class Child(PinyinSearchMixin, CampusOwned):
    class Sex(models.TextChoices):
        MALE = "M", _("Boy")
        FEMALE = "F", _("Girl")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        SUSPENDED = "suspended", _("Suspended (休学)")
        LEFT = "left", _("Left")
        GRADUATED = "graduated", _("Graduated")

    name = models.CharField(_("name"), max_length=40)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    student_no = models.CharField(_("student number"), max_length=30, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ENROLLED)
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    allergies = models.CharField(_("allergies"), max_length=200, blank=True)
    special_diet = models.CharField(_("special diet"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["school_class__sort_order", "school_class__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campus", "student_no"], condition=~models.Q(student_no=""), name="child_unique_student_no"
            )
        ]
        indexes = [models.Index(fields=["campus", "status"])]

    def __str__(self):
        return self.name

    def clean(self):
        from houqin.core.validators import validate_id_number

        errors = {}
        today = timezone.localdate()
        if self.birth_date and self.birth_date > today:
            errors["birth_date"] = _("The date of birth is in the future.")
        if self.birth_date and self.birth_date < today.replace(year=today.year - 25):
            errors["birth_date"] = _("The date of birth is more than 25 years ago.")
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            errors["school_class"] = _("The class belongs to another campus.")
        if self.id_number:
            try:
                validate_id_number(self.id_number)
            except ValidationError as exc:
                errors["id_number"] = exc.messages
        if self.left_on and self.enrolled_on and self.left_on < self.enrolled_on:
            errors["left_on"] = _("The leaving date must not be before the enrolment date.")
        if "school_class" not in errors:
            from houqin.core.placement import placement_errors

            if refused := placement_errors(self):
                errors["school_class"] = refused
        if errors:
            raise ValidationError(errors)

    @property
    def age_months(self):
        return age_in_months(self.birth_date, timezone.localdate())

    @property
    def masked_id_number(self):
        from houqin.core.validators import mask_id_number

        return mask_id_number(self.id_number)


def age_in_months(birth_date, on_date):
    if not birth_date:
        return None
    months = (on_date.year - birth_date.year) * 12 + (on_date.month - birth_date.month)
    if on_date.day < birth_date.day:
        months -= 1
    return months


class Guardian(PinyinSearchMixin, CampusOwned):
    class Relation(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        GRANDFATHER = "grandfather", _("Grandfather")
        GRANDMOTHER = "grandmother", _("Grandmother")
        OTHER = "other", _("Other")

    child = models.ForeignKey(Child, verbose_name=_("child"), on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("name"), max_length=40)
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=20)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    work_unit = models.CharField(_("employer"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["-is_primary", "id"]

    def __str__(self):
        return f"{self.name} ({self.get_relation_display()})"

    def clean(self):
        from houqin.core.validators import validate_phone

        if self.phone:
            try:
                validate_phone(self.phone)
            except ValidationError as exc:
                raise ValidationError({"phone": exc.messages})
