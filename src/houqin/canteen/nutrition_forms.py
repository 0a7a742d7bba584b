"""Forms of the nutrition area."""

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.canteen.models import AgeGroup, Dish, Ingredient, MealKind, Menu
from houqin.core.forms import CampusForm, CampusModelForm


class IngredientForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = Ingredient
        fields = [
            "name", "name_en", "food_group", "is_quality_protein", "edible_portion", "price_per_kg",
            "energy_kcal", "protein_g", "fat_g", "carbohydrate_g", "calcium_mg", "iron_mg", "zinc_mg",
            "vitamin_a_ug", "vitamin_b1_mg", "vitamin_b2_mg", "vitamin_c_mg", "source", "source_id",
            "is_banned", "ban_reason", "is_active",
        ]  # fmt: skip


class DishForm(CampusModelForm):
    meal_choices = forms.MultipleChoiceField(
        label=_("Suitable meals"), choices=MealKind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any meal."),
    )  # fmt: skip

    class Meta(CampusModelForm.Meta):
        model = Dish
        fields = ["name", "category", "protein_source", "is_active", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.fields["meal_choices"].initial = self.instance.meal_kinds()

    def save(self, commit=True):
        instance = super().save(commit=False)
        instance.meals = ",".join(self.cleaned_data.get("meal_choices") or [])
        if commit:
            instance.save()
        return instance


class RecipeCopyForm(CampusForm):
    from_group = forms.ChoiceField(label=_("Copy the recipe of"), choices=AgeGroup.choices)
    to_group = forms.ChoiceField(label=_("to"), choices=AgeGroup.choices)
    factor = forms.DecimalField(
        label=_("grams × factor"), min_value=0.1, max_value=5, decimal_places=2, initial=1,
        help_text=_("e.g. 0.8 from 4–6 y to 1–3 y"),
    )  # fmt: skip


class MenuCreateForm(CampusForm):
    week_start = forms.DateField(label=_("Week starting (Monday)"), widget=forms.DateInput)
    age_group = forms.ChoiceField(label=_("Age group"), choices=AgeGroup.choices)
    copy_last_week = forms.BooleanField(
        label=_("Copy the dishes of the week before"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["week_start"].initial = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)

    def clean_week_start(self):
        day = self.cleaned_data["week_start"]
        return day - dt.timedelta(days=day.weekday())


class MenuItemForm(CampusForm):
    date = forms.DateField(widget=forms.HiddenInput)
    meal = forms.ChoiceField(choices=MealKind.choices, widget=forms.HiddenInput)
    dish = forms.ModelChoiceField(label=_("Dish"), queryset=Dish._base_manager.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["dish"].queryset = Dish._base_manager.filter(campus=self.campus, is_active=True)


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class StaffMealsForm(CampusForm):
    count = forms.IntegerField(label=_("Staff meals (教职工)"), min_value=0, max_value=5000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DayForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput, required=False)


class RangeForm(CampusForm):
    start = forms.DateField(label=_("From"), widget=forms.DateInput, required=False)
    end = forms.DateField(label=_("To"), widget=forms.DateInput, required=False)


class CsvUploadForm(CampusForm):
    file = forms.FileField(
        label=_("CSV file (UTF-8)"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )


class IngredientFilter(django_filters.FilterSet):
    food_group = django_filters.ChoiceFilter(label=_("Food group"), choices=Ingredient.FoodGroup.choices)
    is_banned = django_filters.BooleanFilter(label=_("Banned"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Ingredient
        fields = ["food_group", "is_banned", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "form-select")


class DishFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Dish.Category.choices)
    protein_source = django_filters.ChoiceFilter(label=_("Main protein"), choices=Dish.Protein.choices[1:])
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Dish
        fields = ["category", "protein_source", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "form-select")


class MenuFilter(django_filters.FilterSet):
    age_group = django_filters.ChoiceFilter(label=_("Age group"), choices=AgeGroup.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Menu.Status.choices)

    class Meta:
        model = Menu
        fields = ["age_group", "status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "form-select")
